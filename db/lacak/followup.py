"""Follow-up measures from RW answers (used by kinerja and the host brief)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Engine, func, literal, select

from db.lacak.links import ANSWERS
from db.lacak.page import _latest, wib_time
from db.schema import (
    Aspirasi,
    Kategori,
    LacakKonfirmasi,
    Opd,
    Rembuk,
    RembukKelurahan,
)
from db.sql import count_if, rows_frame


def unresolved_select():
    """SELECT of the ids of aspirations "dikonfirmasi belum beres": closed as Selesai, and the latest
    RT/RW answer since that closing says "Belum beres". Driven from the answers table, so its cost grows
    with the answers, not with the archive. Kinerja OPD counts these as "ditutup tapi belum beres"."""
    t = _latest()
    return (
        select(Aspirasi.id)
        .join(t, t.c.aspirasi_id == Aspirasi.id)
        .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
        .where(
            Aspirasi.status == "selesai",
            LacakKonfirmasi.jawaban == "belum",
            LacakKonfirmasi.tanggal >= func.coalesce(Aspirasi.tanggal_selesai, Aspirasi.tanggal_diterima),
        )
    )


def confirmations_from(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """{aspirasi id: 'Belum beres' | 'Sudah beres'} for the given ids that have a current answer
    (the latest, given since the aspiration was closed as Selesai)."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    t = _latest()
    with engine.connect() as conn:
        rows = conn.execute(
            select(Aspirasi.id, LacakKonfirmasi.jawaban)
            .join(t, t.c.aspirasi_id == Aspirasi.id)
            .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
            .where(
                Aspirasi.id.in_(ids),
                Aspirasi.status == "selesai",
                LacakKonfirmasi.tanggal >= func.coalesce(Aspirasi.tanggal_selesai, Aspirasi.tanggal_diterima),
            )
        ).all()
    return {int(i): ANSWERS[j] for i, j in rows}


def count_unresolved(engine: Engine, f=None) -> int:
    """How many aspirations (matching the AspirasiFilter ``f``, if given) are flagged "belum beres"."""
    stmt = select(func.count(Aspirasi.id)).where(Aspirasi.id.in_(unresolved_select()))
    if f is not None:
        stmt = f.apply(stmt)
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def unresolved_kelurahan(engine: Engine, kelurahan_kode: str) -> pd.DataFrame:
    """The flagged aspirations of one kelurahan (for the Peta panel; no notes, no personal data)."""
    t = _latest()
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Aspirasi.nomor,
                Aspirasi.judul,
                Kategori.nama,
                Opd.kode,
                Aspirasi.rw,
                Aspirasi.tanggal_selesai,
                LacakKonfirmasi.tanggal,
            )
            .join(t, t.c.aspirasi_id == Aspirasi.id)
            .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
            .where(Aspirasi.kelurahan_kode == kelurahan_kode, Aspirasi.id.in_(unresolved_select()))
            .order_by(LacakKonfirmasi.tanggal.desc(), Aspirasi.nomor)
        ).all()
    return pd.DataFrame(
        rows, columns=["Nomor", "Judul", "Kategori", "OPD", "RW", "Ditutup", "Dikonfirmasi belum beres"]
    )


def closed_unresolved_per_opd(
    engine: Engine, dari: dt.date | None = None, sampai: dt.date | None = None
) -> pd.DataFrame:
    """Per OPD: aspirations closed as Selesai (closing date in [dari, sampai]) that the RT/RW says are
    not solved — Kinerja OPD's "ditutup tapi belum beres". Columns: opd_kode, opd, jumlah."""
    stmt = (
        select(Opd.kode, Opd.nama, func.count(Aspirasi.id))
        .join(Opd, Opd.id == Aspirasi.opd_id)
        .where(Aspirasi.id.in_(unresolved_select()))
        .group_by(Opd.kode, Opd.nama)
        .order_by(func.count(Aspirasi.id).desc(), Opd.kode)
    )
    if dari is not None:
        stmt = stmt.where(Aspirasi.tanggal_selesai >= dari)
    if sampai is not None:
        stmt = stmt.where(Aspirasi.tanggal_selesai <= sampai)
    with engine.connect() as conn:
        return rows_frame(conn.execute(stmt).all(), columns=["opd_kode", "opd", "jumlah"])


def confirmation_history(engine: Engine, aspirasi_id: int) -> pd.DataFrame:
    """Every answer to an aspiration (staff view): time WIB, answer, note (untrusted: shown as data)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(LacakKonfirmasi.waktu, LacakKonfirmasi.jawaban, LacakKonfirmasi.catatan)
            .where(LacakKonfirmasi.aspirasi_id == aspirasi_id)
            .order_by(LacakKonfirmasi.id.desc())
        ).all()
    return pd.DataFrame(
        [{"Waktu": wib_time(w), "Jawaban": ANSWERS[j], "Catatan": c or "–"} for w, j, c in rows],
        columns=["Waktu", "Jawaban", "Catatan"],
    )


def _last_visit(sebelum: dt.date):
    return (
        select(RembukKelurahan.kelurahan_kode.label("kode"), func.max(Rembuk.tanggal).label("tgl"))
        .join(Rembuk, Rembuk.id == RembukKelurahan.rembuk_id)
        .where(Rembuk.status == "terlaksana", Rembuk.tanggal < sebelum)
        .group_by(RembukKelurahan.kelurahan_kode)
        .subquery()
    )


def confirmations_since_visit(engine: Engine, sebelum: dt.date, kelurahan_kode: str | None = None) -> pd.DataFrame:
    """Per kelurahan: aspirations whose latest RT/RW answer, given since the last rembuk held there
    before ``sebelum``, says "sudah beres" / "belum beres" (Rotasi and the host brief).
    Columns: kelurahan_kode, sudah_beres, belum_beres (only kelurahan with answers)."""
    t = _latest()
    lv = _last_visit(sebelum)
    stmt = (
        select(
            Aspirasi.kelurahan_kode,
            count_if(LacakKonfirmasi.jawaban == "beres"),
            count_if(LacakKonfirmasi.jawaban == "belum"),
        )
        .join(t, t.c.aspirasi_id == Aspirasi.id)
        .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
        .outerjoin(lv, lv.c.kode == Aspirasi.kelurahan_kode)
        .where(
            LacakKonfirmasi.tanggal >= func.coalesce(lv.c.tgl, literal(dt.date(1900, 1, 1))),
            LacakKonfirmasi.tanggal <= sebelum,
        )
        .group_by(Aspirasi.kelurahan_kode)
    )
    if kelurahan_kode:
        stmt = stmt.where(Aspirasi.kelurahan_kode == kelurahan_kode)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame(
        [(k, int(b or 0), int(n or 0)) for k, b, n in rows], columns=["kelurahan_kode", "sudah_beres", "belum_beres"]
    )
