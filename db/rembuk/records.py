"""Rembuk records: validating hosts, recording and updating a rembuk, reading one, the list of a period,
today's and the next hosts, and the next/last rembuk shown on Beranda.

Every write takes the acting user and checks the permission server-side; updates use optimistic
locking on the ``version`` column, so two staff editing the same record never silently overwrite
each other (:class:`db.errors.VersionConflict`). Janji live in db/rembuk/janji.py, the host brief in
db/rembuk/brief.py, the projector data in db/rembuk/mode.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from db.aspirasi import rollups
from db.aspirasi.status import STATUS_REMBUK
from db.audit import write_audit
from db.auth.roles import Actor
from db.errors import VersionConflict
from db.schema import (
    Aspirasi,
    Janji,
    Kelurahan,
    Opd,
    Rembuk,
    RembukKelurahan,
)


class RembukError(ValueError):
    """Invalid input for a rembuk or a janji (message in Indonesian, shown to the user as is)."""


def _today(today: dt.date | None) -> dt.date:
    if today is not None:
        return today
    from db.workdays import today as city_today

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
        actor.require_area(rows[kode])
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
    :class:`db.errors.VersionConflict`. 'terlaksana' cannot lie in the future.
    """
    actor.require("tulis")
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
                    raise VersionConflict("Data rembuk", expected_version, r.version)
                for t in r.tuan_rumah:  # the old hosts must be in the account's scope as well
                    kec = s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == t.kelurahan_kode))
                    actor.require_area(kec)
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
        raise VersionConflict("Data rembuk") from exc


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


def list_rembuk(
    engine: Engine, dari: dt.date | None = None, sampai: dt.date | None = None, limit: int = 500
) -> pd.DataFrame:
    """Rembuk between two dates, newest first: id, tanggal, status, status_label, tuan_rumah (names),
    kode_tuan_rumah, aspirasi (captured at it), janji, version."""
    cond = []
    if dari:
        cond.append(Rembuk.tanggal >= dari)
    if sampai:
        cond.append(Rembuk.tanggal <= sampai)
    # Count only the aspirations of the rembuk listed (index on rembuk_id), not the whole archive's grouping.
    listed = select(Rembuk.id).where(*cond)
    # From the rollups (one row per rembuk); counting aspirasi reads every captured one (~350,000 at 1M).
    asp = rollups.per_rembuk(listed)
    if asp is None:
        asp = (
            select(Aspirasi.rembuk_id, func.count(Aspirasi.id).label("n"))
            .where(Aspirasi.rembuk_id.in_(listed))
            .group_by(Aspirasi.rembuk_id)
            .subquery()
        )
    jan = (
        select(Janji.rembuk_id, func.count(Janji.id).label("n"))
        .where(Janji.rembuk_id.in_(listed))
        .group_by(Janji.rembuk_id)
        .subquery()
    )
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
    return next_rembuk_hosts(engine, today)[1]


def next_rembuk_hosts(engine: Engine, today: dt.date) -> tuple[dt.date | None, list[str]]:
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


@dataclass(frozen=True)
class RembukInfo:
    tanggal: dt.date
    status: str
    kelurahan: list[str]  # official names of the host(s)


def _rembuk(engine: Engine, cond, order) -> RembukInfo | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(Rembuk.id, Rembuk.tanggal, Rembuk.status).where(cond).order_by(*order).limit(1)
        ).first()
        if row is None:
            return None
        names = conn.scalars(
            select(Kelurahan.nama)
            .join(RembukKelurahan, RembukKelurahan.kelurahan_kode == Kelurahan.kode)
            .where(RembukKelurahan.rembuk_id == row.id)
            .order_by(Kelurahan.nama)
        ).all()
    return RembukInfo(row.tanggal, row.status, list(names))


def next_rembuk(engine: Engine, today: dt.date) -> RembukInfo | None:
    """The next scheduled rembuk from today on."""
    return _rembuk(engine, and_(Rembuk.status == "dijadwalkan", Rembuk.tanggal >= today), (Rembuk.tanggal, Rembuk.id))


def last_rembuk(engine: Engine, today: dt.date) -> RembukInfo | None:
    """The most recent rembuk that took place, up to today."""
    return _rembuk(
        engine,
        and_(Rembuk.status == "terlaksana", Rembuk.tanggal <= today),
        (Rembuk.tanggal.desc(), Rembuk.id.desc()),
    )


def rembuk_to_record(engine: Engine, today: dt.date, terakhir: int = 10) -> dict[int, str]:
    """Rembuk to attach a quick capture to: today's (even if still 'dijadwalkan') first, then recent held ones."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Rembuk.id, Rembuk.tanggal, Rembuk.status, Kelurahan.nama)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .join(Kelurahan, Kelurahan.kode == RembukKelurahan.kelurahan_kode)
            .where(
                Rembuk.tanggal <= today,
                Rembuk.status.in_(["terlaksana", "dijadwalkan"]),
                Rembuk.tanggal >= today - dt.timedelta(days=120),
            )
            .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc(), Kelurahan.nama)
        ).all()
    out: dict[int, str] = {}
    for rid, day, status, nama in rows:
        if status == "dijadwalkan" and day != today:
            continue  # a past Friday never recorded as held is not a meeting to capture into
        label = f"{'Hari ini' if day == today else day.isoformat()} · "
        out[rid] = f"{out[rid]}, {nama}" if rid in out else f"{label}{nama}"
        if len(out) > terakhir:
            out.pop(rid)
            break
    return out
