"""Janji (commitments made at a rembuk): writes, rules and the janji tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from db.aspirasi.status import STATUS_JANJI, janji_overdue
from db.auth.roles import Actor
from db.errors import VersionConflict
from db.rembuk.records import RembukError, _date, _text, _today
from db.schema import Aspirasi, Janji, JanjiRiwayat, Kelurahan, Opd, Rembuk

# --- janji ------------------------------------------------------------------------------------------


def add_janji(
    engine: Engine,
    actor: Actor,
    rembuk_id: int,
    kelurahan_kode: str,
    teks: str,
    opd_kode: str | None,
    tenggat: dt.date | None,
    aspirasi_id: int | None = None,
) -> int:
    """Record a commitment made at a rembuk for one of its host kelurahan; returns its id.

    It starts at 0 % 'belum', with a first history entry, in the same transaction.
    """
    actor.require("tulis")
    teks = _text(teks)
    if not teks:
        raise RembukError("Isi janji tidak boleh kosong.")
    if tenggat is not None:
        tenggat = _date(tenggat, "Tenggat janji")
    with Session(engine) as s, s.begin():
        r = s.get(Rembuk, rembuk_id)
        if r is None:
            raise RembukError(f"Rembuk #{rembuk_id} tidak ditemukan.")
        if r.status == "dibatalkan":
            raise RembukError("Rembuk yang dibatalkan tidak dapat diberi janji.")
        if kelurahan_kode not in {t.kelurahan_kode for t in r.tuan_rumah}:
            raise RembukError("Kelurahan ini bukan tuan rumah rembuk tersebut.")
        actor.require_area(s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == kelurahan_kode)))
        if tenggat is not None and tenggat < r.tanggal:
            raise RembukError("Tenggat janji tidak boleh sebelum tanggal rembuk.")
        opd_id = None
        if opd_kode:
            opd_id = s.scalar(select(Opd.id).where(Opd.kode == opd_kode))
            if opd_id is None:
                raise RembukError(f"Kode OPD tidak dikenal: {opd_kode}.")
        if aspirasi_id is not None:
            asp_kel = s.scalar(select(Aspirasi.kelurahan_kode).where(Aspirasi.id == aspirasi_id))
            if asp_kel is None:
                raise RembukError(f"Aspirasi #{aspirasi_id} tidak ditemukan.")
            if asp_kel != kelurahan_kode:
                raise RembukError("Aspirasi yang dirujuk berasal dari kelurahan lain.")
        j = Janji(
            rembuk_id=rembuk_id,
            kelurahan_kode=kelurahan_kode,
            aspirasi_id=aspirasi_id,
            teks=teks,
            opd_id=opd_id,
            tenggat=tenggat,
            progres=0,
            status="belum",
            is_demo=False,
        )
        s.add(j)
        s.flush()
        s.add(JanjiRiwayat(janji_id=j.id, oleh=actor.username, progres=0, status="belum", catatan="Janji dicatat"))
        return j.id


def check_janji_rules(progres: int, status: str, catatan: str | None) -> None:
    """The rules of a commitment's state (raise :class:`RembukError` in Indonesian)."""
    if isinstance(progres, bool) or not isinstance(progres, int) or not 0 <= progres <= 100:
        raise RembukError("Progres harus bilangan bulat 0 sampai 100 %.")
    if status not in STATUS_JANJI:
        raise RembukError(f"Status janji tidak dikenal: {status}.")
    if status == "selesai" and progres != 100:
        raise RembukError("Janji berstatus selesai harus berprogres 100 %.")
    if progres == 100 and status != "selesai":
        raise RembukError("Progres 100 % berarti janji selesai: pilih status 'Selesai'.")
    if status == "belum" and progres != 0:
        raise RembukError("Janji yang belum dimulai berprogres 0 %: pilih status 'Dalam proses'.")
    if status == "batal" and not _text(catatan):
        raise RembukError("Pembatalan janji wajib disertai catatan alasannya.")


def update_janji(
    engine: Engine,
    actor: Actor,
    janji_id: int,
    expected_version: int,
    progres: int,
    status: str,
    catatan: str | None = None,
) -> int:
    """Update progress/state of a commitment and append its history (one transaction); returns the new version."""
    actor.require("tulis")
    check_janji_rules(progres, status, catatan)
    try:
        with Session(engine) as s, s.begin():
            j = s.get(Janji, janji_id)
            if j is None:
                raise RembukError(f"Janji #{janji_id} tidak ditemukan.")
            actor.require_area(s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == j.kelurahan_kode)))
            if j.version != expected_version:
                raise VersionConflict("Janji", expected_version, j.version)
            if j.progres == progres and j.status == status and not _text(catatan):
                raise RembukError("Tidak ada perubahan untuk disimpan.")
            j.progres = progres
            j.status = status
            flag_modified(j, "status")  # a note-only update is still a new version
            s.flush()
            s.add(
                JanjiRiwayat(janji_id=j.id, oleh=actor.username, progres=progres, status=status, catatan=_text(catatan))
            )
            return j.version
    except StaleDataError as exc:
        raise VersionConflict("Janji") from exc


def _janji_select(today: dt.date):
    return (
        select(
            Janji.id,
            Janji.rembuk_id,
            Janji.kelurahan_kode,
            Kelurahan.nama.label("kelurahan"),
            Janji.teks,
            Opd.kode.label("opd"),
            Janji.tenggat,
            Janji.progres,
            Janji.status,
            janji_overdue(today).label("lewat_tenggat"),
            Aspirasi.nomor.label("aspirasi_nomor"),
            Janji.version,
        )
        .join(Kelurahan, Kelurahan.kode == Janji.kelurahan_kode)
        .outerjoin(Opd, Opd.id == Janji.opd_id)
        .outerjoin(Aspirasi, Aspirasi.id == Janji.aspirasi_id)
    )


JANJI_COLUMNS = [
    "id",
    "rembuk_id",
    "kelurahan_kode",
    "kelurahan",
    "teks",
    "opd",
    "tenggat",
    "progres",
    "status",
    "status_label",
    "lewat_tenggat",
    "aspirasi_nomor",
    "version",
]


def _janji_frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=JANJI_COLUMNS)
    df["status_label"] = df["status"].map(STATUS_JANJI)
    df["lewat_tenggat"] = df["lewat_tenggat"].fillna(False).astype(bool)
    return df[JANJI_COLUMNS]


def janji_of_rembuk(
    engine: Engine, rembuk_id: int, today: dt.date | None = None, kelurahan_kode: str | None = None
) -> pd.DataFrame:
    """Commitments of a rembuk (optionally of one host), in recording order, with their current state."""
    stmt = _janji_select(_today(today)).where(Janji.rembuk_id == rembuk_id)
    if kelurahan_kode:
        stmt = stmt.where(Janji.kelurahan_kode == kelurahan_kode)
    with engine.connect() as conn:
        return _janji_frame(conn.execute(stmt.order_by(Janji.id)).mappings().all())


def janji_history(engine: Engine, janji_id: int) -> pd.DataFrame:
    """Updates of a commitment, oldest first: waktu, oleh, progres, status, status_label, catatan."""
    stmt = (
        select(JanjiRiwayat.waktu, JanjiRiwayat.oleh, JanjiRiwayat.progres, JanjiRiwayat.status, JanjiRiwayat.catatan)
        .where(JanjiRiwayat.janji_id == janji_id)
        .order_by(JanjiRiwayat.waktu, JanjiRiwayat.id)
    )
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=["waktu", "oleh", "progres", "status", "status_label", "catatan"])
    df.insert(4, "status_label", df["status"].map(STATUS_JANJI))
    df["catatan"] = df["catatan"].astype(object).where(df["catatan"].notna(), None)
    return df
