"""Rembuk records and commitments (janji): services (writes in transactions) and the queries behind
the host brief and the projector view (Mode Rembuk).

Every write takes the acting user and checks the permission server-side; updates use optimistic
locking on the ``version`` column, so two staff editing the same record never silently overwrite
each other (:class:`KonflikVersi`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from db.audit import write_audit
from db.auth import Actor
from db.bimtek import BimtekFilter, cakupan_select
from db.domain import STATUS_JANJI, STATUS_REMBUK, status_label
from db.errors import KonflikVersi
from db.overdue import aspirasi_overdue, janji_overdue
from db.schema import (
    Aspirasi,
    Janji,
    JanjiRiwayat,
    Kategori,
    Kecamatan,
    Kelurahan,
    Opd,
    Rembuk,
    RembukKelurahan,
)
from db.sql import count_if


class RembukError(ValueError):
    """Invalid input for a rembuk or a janji (message in Indonesian, shown to the user as is)."""


def _today(today: dt.date | None) -> dt.date:
    if today is not None:
        return today
    from db.kalender import today as city_today

    return city_today()


# --- validation helpers -----------------------------------------------------------------------------


def validate_hosts(s: Session, actor: Actor, hosts: Iterable[str]) -> list[str]:
    """Distinct, existing kelurahan codes (sorted); a scoped account only for its own kecamatan."""
    codes = sorted({str(h).strip() for h in hosts if str(h).strip()})
    if not codes:
        raise RembukError("Pilih minimal satu kelurahan tuan rumah.")
    rows = dict(s.execute(select(Kelurahan.kode, Kelurahan.kecamatan_kode).where(Kelurahan.kode.in_(codes))).all())
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise RembukError(f"Kode kelurahan tidak dikenal: {', '.join(unknown)}.")
    for kode in codes:
        actor.wajib_wilayah(rows[kode])
    return codes


def set_hosts(rembuk: Rembuk, hosts: Sequence[str]) -> bool:
    """Make the rembuk's hosts exactly ``hosts``; True when something changed (the version is bumped)."""
    have = {t.kelurahan_kode for t in rembuk.tuan_rumah}
    if have == set(hosts):
        return False
    for t in list(rembuk.tuan_rumah):
        if t.kelurahan_kode not in hosts:
            rembuk.tuan_rumah.remove(t)
    for kode in hosts:
        if kode not in have:
            rembuk.tuan_rumah.append(RembukKelurahan(kelurahan_kode=kode))
    if rembuk.id is not None:
        flag_modified(rembuk, "status")  # hosts live in another table: force the version bump
    return True


def _count(value, label: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise RembukError(f"Jumlah hadir {label} harus bilangan bulat.")
    if value < 0:
        raise RembukError(f"Jumlah hadir {label} tidak boleh negatif.")
    return int(value)


def _date(value, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise RembukError(f"{label} harus berupa tanggal.")
    return value


def _opd_codes(s: Session, codes: Iterable[str] | None) -> str | None:
    wanted = sorted({str(c).strip() for c in (codes or ()) if str(c).strip()})
    if not wanted:
        return None
    known = set(s.scalars(select(Opd.kode).where(Opd.kode.in_(wanted))))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise RembukError(f"Kode OPD tidak dikenal: {', '.join(unknown)}.")
    return ",".join(wanted)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --- rembuk ---------------------------------------------------------------------------------------


def record_rembuk(
    engine: Engine,
    actor: Actor,
    tanggal: dt.date,
    hosts: Iterable[str],
    status: str,
    hadir_rt: int | None = None,
    hadir_rw: int | None = None,
    hadir_lpmk: int | None = None,
    hadir_warga: int | None = None,
    opd_hadir: Iterable[str] | None = (),
    catatan: str | None = None,
    rembuk_id: int | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> int:
    """Create (``rembuk_id`` None) or update a rembuk record; returns its id.

    An update needs the ``expected_version`` the form was loaded with; a stale one raises
    :class:`KonflikVersi`. 'terlaksana' cannot lie in the future.
    """
    actor.wajib("tulis")
    today = _today(today)
    tanggal = _date(tanggal, "Tanggal rembuk")
    if status not in STATUS_REMBUK:
        raise RembukError(f"Status rembuk tidak dikenal: {status}.")
    if status == "terlaksana" and tanggal > today:
        raise RembukError("Rembuk bertanggal di masa depan belum dapat dicatat terlaksana.")
    counts = {
        "hadir_rt": _count(hadir_rt, "RT"),
        "hadir_rw": _count(hadir_rw, "RW"),
        "hadir_lpmk": _count(hadir_lpmk, "LPMK"),
        "hadir_warga": _count(hadir_warga, "warga"),
    }
    if rembuk_id is not None and expected_version is None:
        raise RembukError("Versi data wajib disertakan saat mengubah rembuk.")
    try:
        with Session(engine, expire_on_commit=False) as s, s.begin():
            codes = validate_hosts(s, actor, hosts)
            opd = _opd_codes(s, opd_hadir)
            if rembuk_id is None:
                r = Rembuk(tanggal=tanggal, status=status, dibuat_oleh=actor.username, is_demo=False)
                s.add(r)
                dari = None
            else:
                r = s.get(Rembuk, rembuk_id)
                if r is None:
                    raise RembukError(f"Rembuk #{rembuk_id} tidak ditemukan.")
                if r.version != expected_version:
                    raise KonflikVersi("Data rembuk", expected_version, r.version)
                for t in r.tuan_rumah:  # the old hosts must be in the account's scope as well
                    kec = s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == t.kelurahan_kode))
                    actor.wajib_wilayah(kec)
                dari = r.status
                r.tanggal = tanggal
                r.status = status
            for name, value in counts.items():
                setattr(r, name, value)
            r.opd_hadir = opd
            r.catatan = _text(catatan)
            set_hosts(r, codes)
            s.flush()
            write_audit(
                s,
                "rembuk_simpan",
                actor.username,
                rembuk_id=r.id,
                tanggal=tanggal,
                dari_status=dari,
                ke_status=status,
                tuan_rumah=codes,
            )
            return r.id
    except StaleDataError as exc:
        raise KonflikVersi("Data rembuk") from exc


@dataclass(frozen=True)
class RembukData:
    """A rembuk as the edit form needs it (``version`` goes back into :func:`record_rembuk`)."""

    id: int
    tanggal: dt.date
    status: str
    tuan_rumah: list[str]  # codes
    hadir_rt: int | None
    hadir_rw: int | None
    hadir_lpmk: int | None
    hadir_warga: int | None
    opd_hadir: list[str]
    catatan: str | None
    version: int
    dibuat_oleh: str | None


def get_rembuk(engine: Engine, rembuk_id: int) -> RembukData | None:
    with Session(engine) as s:
        r = s.get(Rembuk, rembuk_id)
        if r is None:
            return None
        return RembukData(
            r.id,
            r.tanggal,
            r.status,
            sorted(t.kelurahan_kode for t in r.tuan_rumah),
            r.hadir_rt,
            r.hadir_rw,
            r.hadir_lpmk,
            r.hadir_warga,
            r.opd_hadir.split(",") if r.opd_hadir else [],
            r.catatan,
            r.version,
            r.dibuat_oleh,
        )


def daftar_rembuk(
    engine: Engine, dari: dt.date | None = None, sampai: dt.date | None = None, limit: int = 500
) -> pd.DataFrame:
    """Rembuk between two dates, newest first: id, tanggal, status, status_label, tuan_rumah (names),
    kode_tuan_rumah, aspirasi (captured at it), janji, version."""
    cond = []
    if dari:
        cond.append(Rembuk.tanggal >= dari)
    if sampai:
        cond.append(Rembuk.tanggal <= sampai)
    asp = select(Aspirasi.rembuk_id, func.count(Aspirasi.id).label("n")).group_by(Aspirasi.rembuk_id).subquery()
    jan = select(Janji.rembuk_id, func.count(Janji.id).label("n")).group_by(Janji.rembuk_id).subquery()
    stmt = (
        select(
            Rembuk.id,
            Rembuk.tanggal,
            Rembuk.status,
            func.coalesce(asp.c.n, 0).label("aspirasi"),
            func.coalesce(jan.c.n, 0).label("janji"),
            Rembuk.version,
        )
        .outerjoin(asp, asp.c.rembuk_id == Rembuk.id)
        .outerjoin(jan, jan.c.rembuk_id == Rembuk.id)
        .where(*cond)
        .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc())
        .limit(limit)
    )
    cols = ["id", "tanggal", "status", "status_label", "tuan_rumah", "kode_tuan_rumah", "aspirasi", "janji", "version"]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
        if df.empty:
            return pd.DataFrame(columns=cols)
        hosts = conn.execute(
            select(RembukKelurahan.rembuk_id, Kelurahan.kode, Kelurahan.nama)
            .join(Kelurahan, Kelurahan.kode == RembukKelurahan.kelurahan_kode)
            .where(RembukKelurahan.rembuk_id.in_(df["id"].tolist()))
            .order_by(Kelurahan.nama)
        ).all()
    names: dict[int, list[str]] = {}
    codes: dict[int, list[str]] = {}
    for rid, kode, nama in hosts:
        names.setdefault(rid, []).append(nama)
        codes.setdefault(rid, []).append(kode)
    df["status_label"] = df["status"].map(STATUS_REMBUK)
    df["tuan_rumah"] = [", ".join(names.get(i, [])) for i in df["id"]]
    df["kode_tuan_rumah"] = [codes.get(i, []) for i in df["id"]]
    return df[cols]


def todays_host(engine: Engine, today: dt.date) -> list[str]:
    """Host codes of the rembuk held or scheduled today, else of the next scheduled one ([] if none)."""
    return rembuk_berikutnya(engine, today)[1]


def rembuk_berikutnya(engine: Engine, today: dt.date) -> tuple[dt.date | None, list[str]]:
    """Date and host codes of the rembuk held or scheduled today, else of the next scheduled one.

    On a Wednesday this is the coming Friday's rembuk, so a screen can say which Friday it is for.
    ``(None, [])`` when nothing is scheduled.
    """
    with engine.connect() as conn:
        row = conn.execute(
            select(Rembuk.id, Rembuk.tanggal)
            .where(Rembuk.tanggal == today, Rembuk.status.in_(("terlaksana", "dijadwalkan")))
            .order_by(case((Rembuk.status == "terlaksana", 0), else_=1), Rembuk.id)
            .limit(1)
        ).first()
        if row is None:
            row = conn.execute(
                select(Rembuk.id, Rembuk.tanggal)
                .where(Rembuk.tanggal > today, Rembuk.status == "dijadwalkan")
                .order_by(Rembuk.tanggal, Rembuk.id)
                .limit(1)
            ).first()
        if row is None:
            return None, []
        hosts = conn.scalars(
            select(RembukKelurahan.kelurahan_kode)
            .where(RembukKelurahan.rembuk_id == row.id)
            .order_by(RembukKelurahan.kelurahan_kode)
        )
        return row.tanggal, list(hosts)


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
    actor.wajib("tulis")
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
        actor.wajib_wilayah(s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == kelurahan_kode)))
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
    actor.wajib("tulis")
    check_janji_rules(progres, status, catatan)
    try:
        with Session(engine) as s, s.begin():
            j = s.get(Janji, janji_id)
            if j is None:
                raise RembukError(f"Janji #{janji_id} tidak ditemukan.")
            actor.wajib_wilayah(s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == j.kelurahan_kode)))
            if j.version != expected_version:
                raise KonflikVersi("Janji", expected_version, j.version)
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
        raise KonflikVersi("Janji") from exc


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


# --- host brief -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RembukLalu:
    id: int
    tanggal: dt.date
    tuan_rumah: list[str]  # names of all hosts of that rembuk
    hadir_rt: int | None
    hadir_rw: int | None
    hadir_lpmk: int | None
    hadir_warga: int | None
    opd_hadir: list[str]
    catatan: str | None


@dataclass(frozen=True)
class Brief:
    """What a kelurahan raised and was promised at its last rembuk, and what happened since."""

    kelurahan_kode: str
    nama: str
    kecamatan: str
    rembuk_terakhir: RembukLalu | None  # the last rembuk held there before today
    aspirasi_diangkat: pd.DataFrame  # raised at it: nomor, judul, kategori, opd, status, status_label, terbuka, ...
    janji: pd.DataFrame  # promised at it to this kelurahan (columns of janji_of_rembuk)
    janji_selesai: int
    janji_lewat_tenggat: int
    ditutup_sejak: int | None  # aspirations of the kelurahan closed after that rembuk
    baru_sejak: int | None  # aspirations received after that rembuk
    terbuka: int  # open now
    lewat_tenggat: int  # open and past the deadline now
    # OPDs with open or overdue items in the kelurahan (db.kinerja.opd_perlu_hadir): who should attend.
    opd_perlu_hadir: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OPD_PERLU_HADIR_COLUMNS))


OPD_PERLU_HADIR_COLUMNS = ["opd", "nama", "terbuka", "lewat_tenggat", "janji_lewat_tenggat"]


def _opd_perlu_hadir(engine: Engine, kelurahan_kode: str, today: dt.date) -> pd.DataFrame:
    from db.kinerja import opd_perlu_hadir  # db.kinerja builds on this module

    return opd_perlu_hadir(engine, kelurahan_kode, today)


def _kelurahan(conn, kode: str):
    row = conn.execute(
        select(Kelurahan.nama, Kecamatan.nama, Kelurahan.jumlah_rt, Kelurahan.jumlah_rw)
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .where(Kelurahan.kode == kode)
    ).first()
    if row is None:
        raise RembukError(f"Kode kelurahan tidak dikenal: {kode}.")
    return row


def _last_held(conn, kode: str, today: dt.date):
    return conn.execute(
        select(
            Rembuk.id,
            Rembuk.tanggal,
            Rembuk.hadir_rt,
            Rembuk.hadir_rw,
            Rembuk.hadir_lpmk,
            Rembuk.hadir_warga,
            Rembuk.opd_hadir,
            Rembuk.catatan,
        )
        .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
        .where(RembukKelurahan.kelurahan_kode == kode, Rembuk.status == "terlaksana", Rembuk.tanggal < today)
        .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc())
        .limit(1)
    ).first()


def host_brief(engine: Engine, kelurahan_kode: str, today: dt.date) -> Brief:
    """The brief of a host kelurahan (its last rembuk is the last one held *before* today)."""
    open_now = and_(Aspirasi.kelurahan_kode == kelurahan_kode, Aspirasi.terbuka.is_(True))
    with engine.connect() as conn:
        nama, kecamatan, _, _ = _kelurahan(conn, kelurahan_kode)
        terbuka, lewat = conn.execute(
            select(func.count(Aspirasi.id), count_if(aspirasi_overdue(today))).where(open_now)
        ).one()
        row = _last_held(conn, kelurahan_kode, today)
        if row is None:
            return Brief(
                kelurahan_kode,
                nama,
                kecamatan,
                None,
                pd.DataFrame(columns=ASPIRASI_BRIEF_COLUMNS),
                pd.DataFrame(columns=JANJI_COLUMNS),
                0,
                0,
                None,
                None,
                int(terbuka),
                int(lewat),
                _opd_perlu_hadir(engine, kelurahan_kode, today),
            )
        r = row
        hosts = list(
            conn.scalars(
                select(Kelurahan.nama)
                .join(RembukKelurahan, RembukKelurahan.kelurahan_kode == Kelurahan.kode)
                .where(RembukKelurahan.rembuk_id == r.id)
                .order_by(Kelurahan.nama)
            )
        )
        raised = pd.DataFrame(
            conn.execute(
                select(
                    Aspirasi.id,
                    Aspirasi.nomor,
                    Aspirasi.judul,
                    Kategori.nama.label("kategori"),
                    Opd.kode.label("opd"),
                    Aspirasi.status,
                    Aspirasi.terbuka,
                    Aspirasi.tenggat,
                    aspirasi_overdue(today).label("lewat_tenggat"),
                    Aspirasi.tanggal_selesai,
                )
                .join(Kategori, Kategori.id == Aspirasi.kategori_id)
                .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
                .where(Aspirasi.rembuk_id == r.id, Aspirasi.kelurahan_kode == kelurahan_kode)
                .order_by(Aspirasi.id)
            )
            .mappings()
            .all()
        )
        janji = _janji_frame(
            conn.execute(
                _janji_select(today)
                .where(Janji.rembuk_id == r.id, Janji.kelurahan_kode == kelurahan_kode)
                .order_by(Janji.id)
            )
            .mappings()
            .all()
        )
        ditutup, baru = conn.execute(
            select(
                count_if(and_(Aspirasi.terbuka.is_(False), Aspirasi.tanggal_selesai > r.tanggal)),
                count_if(and_(Aspirasi.tanggal_diterima > r.tanggal, Aspirasi.tanggal_diterima <= today)),
            ).where(Aspirasi.kelurahan_kode == kelurahan_kode)
        ).one()
    if raised.empty:
        raised = pd.DataFrame(columns=ASPIRASI_BRIEF_COLUMNS)
    else:
        raised["terbuka"] = raised["terbuka"].astype(bool)
        raised["lewat_tenggat"] = raised["lewat_tenggat"].fillna(False).astype(bool)
        raised.insert(6, "status_label", raised["status"].map(status_label))
        raised = raised[ASPIRASI_BRIEF_COLUMNS]
    return Brief(
        kelurahan_kode,
        nama,
        kecamatan,
        RembukLalu(
            r.id,
            r.tanggal,
            hosts,
            r.hadir_rt,
            r.hadir_rw,
            r.hadir_lpmk,
            r.hadir_warga,
            r.opd_hadir.split(",") if r.opd_hadir else [],
            r.catatan,
        ),
        raised,
        janji,
        int((janji["status"] == "selesai").sum()),
        int(janji["lewat_tenggat"].sum()),
        int(ditutup),
        int(baru),
        int(terbuka),
        int(lewat),
        _opd_perlu_hadir(engine, kelurahan_kode, today),
    )


ASPIRASI_BRIEF_COLUMNS = [
    "id",
    "nomor",
    "judul",
    "kategori",
    "opd",
    "status",
    "status_label",
    "terbuka",
    "tenggat",
    "lewat_tenggat",
    "tanggal_selesai",
]


# --- Mode Rembuk (projector) ------------------------------------------------------------------------


@dataclass(frozen=True)
class CakupanBimtek:
    """Bimtek coverage of a kelurahan's institutions (units with an attended participant of their role)."""

    rt_terlatih: int
    rt_total: int
    rw_terlatih: int
    rw_total: int
    lpmk: bool

    @property
    def rt_persen(self) -> float:
        return round(100 * self.rt_terlatih / self.rt_total, 1) if self.rt_total else 0.0

    @property
    def rw_persen(self) -> float:
        return round(100 * self.rw_terlatih / self.rw_total, 1) if self.rw_total else 0.0


@dataclass(frozen=True)
class ModeRembuk:
    """Everything the projector shows for a host kelurahan. Aggregates only: no personal data,
    no reporter names or phones, no aspiration texts; points are averaged per RW."""

    kelurahan_kode: str
    nama: str
    kecamatan: str
    tanggal: dt.date
    rembuk_hari_ini: int | None  # id of today's rembuk of this kelurahan, if recorded
    total: int  # all aspirations of the kelurahan
    terbuka: int
    lewat_tenggat: int
    hari_ini: int  # received today (grows while staff capture during the rembuk)
    hari_ini_terbuka: int
    terbuka_per_kategori: pd.DataFrame  # kategori, terbuka, lewat_tenggat (largest first)
    rembuk_terakhir: dt.date | None  # last rembuk held there before today
    janji_terakhir: pd.DataFrame  # teks, opd, tenggat, progres, status, status_label, lewat_tenggat
    lewat_tenggat_per_opd: pd.DataFrame  # opd, aspirasi, janji (overdue counts)
    bimtek: CakupanBimtek
    titik_rw: pd.DataFrame  # rw, lat, lon, jumlah, terbuka, status (lewat_tenggat/terbuka/selesai)
    opd_perlu_hadir: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OPD_PERLU_HADIR_COLUMNS))


def bimtek_coverage(conn, kelurahan_kode: str) -> CakupanBimtek:
    """The kelurahan's coverage over every bimtek, by the Bimtek page's rule (db.bimtek.cakupan_select)."""
    row = conn.execute(cakupan_select(BimtekFilter(kelurahan=(kelurahan_kode,)))).one()
    return CakupanBimtek(
        int(row.rt_terlatih), int(row.jumlah_rt), int(row.rw_terlatih), int(row.jumlah_rw), bool(row.lpmk_terlatih)
    )


def mode_rembuk_data(engine: Engine, kelurahan_kode: str, today: dt.date) -> ModeRembuk:
    """The projector view of a host kelurahan (aggregated in SQL; no personal data)."""
    kel = Aspirasi.kelurahan_kode == kelurahan_kode
    overdue = aspirasi_overdue(today)
    with engine.connect() as conn:
        nama, kecamatan, _, _ = _kelurahan(conn, kelurahan_kode)
        total, terbuka, lewat, hari_ini, hari_ini_terbuka = conn.execute(
            select(
                func.count(Aspirasi.id),
                count_if(Aspirasi.terbuka.is_(True)),
                count_if(overdue),
                count_if(Aspirasi.tanggal_diterima == today),
                count_if(and_(Aspirasi.tanggal_diterima == today, Aspirasi.terbuka.is_(True))),
            ).where(kel)
        ).one()
        per_kategori = pd.DataFrame(
            conn.execute(
                select(Kategori.nama, func.count(Aspirasi.id), count_if(overdue))
                .join(Kategori, Kategori.id == Aspirasi.kategori_id)
                .where(kel, Aspirasi.terbuka.is_(True))
                .group_by(Kategori.nama)
                .order_by(func.count(Aspirasi.id).desc(), Kategori.nama)
            ).all(),
            columns=["kategori", "terbuka", "lewat_tenggat"],
        )
        today_id = conn.scalar(
            select(Rembuk.id)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(
                RembukKelurahan.kelurahan_kode == kelurahan_kode,
                Rembuk.tanggal == today,
                Rembuk.status.in_(("terlaksana", "dijadwalkan")),
            )
            .order_by(Rembuk.id)
            .limit(1)
        )
        last = _last_held(conn, kelurahan_kode, today)
        janji = pd.DataFrame(columns=JANJI_COLUMNS)
        if last is not None:
            janji = _janji_frame(
                conn.execute(
                    _janji_select(today)
                    .where(Janji.rembuk_id == last.id, Janji.kelurahan_kode == kelurahan_kode)
                    .order_by(Janji.id)
                )
                .mappings()
                .all()
            )
        asp_opd = dict(
            conn.execute(
                select(Opd.kode, func.count(Aspirasi.id))
                .join(Opd, Opd.id == Aspirasi.opd_id)
                .where(kel, overdue)
                .group_by(Opd.kode)
            )
            .tuples()
            .all()
        )
        janji_opd = dict(
            conn.execute(
                select(Opd.kode, func.count(Janji.id))
                .join(Opd, Opd.id == Janji.opd_id)
                .where(Janji.kelurahan_kode == kelurahan_kode, janji_overdue(today))
                .group_by(Opd.kode)
            )
            .tuples()
            .all()
        )
        bimtek = bimtek_coverage(conn, kelurahan_kode)
        titik = pd.DataFrame(
            conn.execute(
                select(
                    Aspirasi.rw,
                    func.avg(Aspirasi.lat),
                    func.avg(Aspirasi.lon),
                    func.count(Aspirasi.id),
                    count_if(Aspirasi.terbuka.is_(True)),
                    count_if(overdue),
                )
                .where(kel, Aspirasi.lat.is_not(None), Aspirasi.lon.is_not(None), Aspirasi.rw.is_not(None))
                .group_by(Aspirasi.rw)
                .order_by(Aspirasi.rw)
            ).all(),
            columns=["rw", "lat", "lon", "jumlah", "terbuka", "lewat"],
        )
    per_opd = pd.DataFrame(
        [
            {"opd": o, "aspirasi": int(asp_opd.get(o, 0)), "janji": int(janji_opd.get(o, 0))}
            for o in sorted(set(asp_opd) | set(janji_opd))
        ],
        columns=["opd", "aspirasi", "janji"],
    )
    if not per_opd.empty:
        per_opd = per_opd.assign(_n=per_opd["aspirasi"] + per_opd["janji"])
        per_opd = per_opd.sort_values(["_n", "opd"], ascending=[False, True]).drop(columns="_n")
        per_opd = per_opd.reset_index(drop=True)
    titik["lat"] = titik["lat"].astype(float)
    titik["lon"] = titik["lon"].astype(float)
    titik["status"] = [
        "lewat_tenggat" if lw else ("terbuka" if tb else "selesai")
        for tb, lw in zip(titik["terbuka"], titik["lewat"], strict=True)
    ]
    titik = titik.drop(columns="lewat")
    keep = ["teks", "opd", "tenggat", "progres", "status", "status_label", "lewat_tenggat"]
    return ModeRembuk(
        kelurahan_kode=kelurahan_kode,
        nama=nama,
        kecamatan=kecamatan,
        tanggal=today,
        rembuk_hari_ini=today_id,
        total=int(total),
        terbuka=int(terbuka),
        lewat_tenggat=int(lewat),
        hari_ini=int(hari_ini),
        hari_ini_terbuka=int(hari_ini_terbuka),
        terbuka_per_kategori=per_kategori,
        rembuk_terakhir=last.tanggal if last is not None else None,
        janji_terakhir=janji[keep].reset_index(drop=True),
        lewat_tenggat_per_opd=per_opd,
        bimtek=bimtek,
        titik_rw=titik,
        opd_perlu_hadir=_opd_perlu_hadir(engine, kelurahan_kode, today),
    )
