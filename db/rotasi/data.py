"""Database I/O around the pure rotation planner (``db/rotasi/planner.py``).

Reads the planner's inputs (held rembuk, needs per kelurahan aggregated in SQL, settings, manual
changes, holidays) and writes settings, manual changes (who and when) and confirmed slots.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db.aspirasi import rollups
from db.aspirasi.status import OPEN_JANJI_STATUSES, aspirasi_overdue
from db.audit import write_audit
from db.auth.roles import AccessDenied, Actor
from db.bimtek.reports import cakupan_select
from db.bimtek.services import BimtekFilter
from db.errors import VersionConflict
from db.rembuk.records import RembukError, set_hosts, validate_hosts
from db.rotasi.planner import (
    CHANGE_KINDS,
    Change,
    KelurahanInfo,
    LiburFn,
    Plan,
    RotasiSettings,
    plan_rotation,
    rotation_status,
)
from db.schema import (
    Aspirasi,
    CutiBersama,
    Janji,
    Kecamatan,
    Kelurahan,
    Pengaturan,
    Rembuk,
    RembukKelurahan,
    RotasiPerubahan,
    utcnow,
)
from db.sql import count_if, select_all_kelurahan
from db.workdays import FRIDAY, confirmed_years, libur_name, public_holiday

SETTINGS_KEY = "rotasi"
SCHEDULED_NOTE = "dikonfirmasi"  # staff confirmed the rembuk (status dijadwalkan)

__all__ = [
    "InvalidChange",
    "RotasiInput",
    "VersionConflict",
    "change_history",
    "confirm_slot",
    "confirmed_schedule",
    "current_plan",
    "current_status",
    "deactivate_change",
    "load_changes",
    "load_kelurahan_info",
    "load_libur",
    "load_settings",
    "load_visits",
    "plan_inputs",
    "save_change",
    "save_settings",
]


class InvalidChange(ValueError):
    """A manual rotation change that cannot be saved (message in Indonesian)."""


def _today(today: dt.date | None) -> dt.date:
    if today is not None:
        return today
    from db.workdays import today as city_today

    return city_today()


# --- settings --------------------------------------------------------------------------------------


def load_settings(engine: Engine) -> RotasiSettings:
    """The stored settings (key ``rotasi``) over the defaults; unreadable values fall back to the defaults."""
    with engine.connect() as conn:
        raw = conn.scalar(select(Pengaturan.nilai).where(Pengaturan.kunci == SETTINGS_KEY))
    if not raw:
        return RotasiSettings()
    try:
        return RotasiSettings.from_dict(json.loads(raw))
    except (ValueError, TypeError):
        return RotasiSettings()


def save_settings(engine: Engine, actor: Actor, settings: RotasiSettings | dict) -> RotasiSettings:
    """Store the settings (admin only); returns them as stored. Invalid values raise ValueError."""
    actor.require("admin")
    if isinstance(settings, dict):
        settings = RotasiSettings.from_dict(settings)
    value = json.dumps(settings.to_dict(), sort_keys=True)
    with Session(engine) as s, s.begin():
        row = s.get(Pengaturan, SETTINGS_KEY)
        if row is None:
            s.add(Pengaturan(kunci=SETTINGS_KEY, nilai=value, diubah_oleh=actor.username))
        else:
            row.nilai = value
            row.diubah_oleh = actor.username
            row.diubah_pada = utcnow()
        write_audit(s, "pengaturan_rotasi", actor.username, nilai=settings.to_dict())
    return settings


# --- inputs -----------------------------------------------------------------------------------------


def load_visits(engine: Engine, today: dt.date) -> list[tuple[dt.date, str]]:
    """Held rembuk up to today as (date, host code), one pair per host, in date order."""
    stmt = (
        select(Rembuk.tanggal, RembukKelurahan.kelurahan_kode)
        .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
        .where(Rembuk.status == "terlaksana", Rembuk.tanggal <= today)
        .order_by(Rembuk.tanggal, RembukKelurahan.kelurahan_kode)
    )
    with engine.connect() as conn:
        return [(d, k) for d, k in conn.execute(stmt)]


def load_kelurahan_info(engine: Engine, today: dt.date) -> list[KelurahanInfo]:
    """The planner's view of the 57 kelurahan, every count aggregated in SQL (one row each).

    bimtek_gap = 1 - (RWs reached by any bimtek, the Bimtek page's rule: db.bimtek.reports.cakupan_select) / jumlah RW.
    """
    # The open and overdue counts from the rollups (a few thousand rows at any archive size), else a scan.
    asp = rollups.open_per_kelurahan(today) or (
        select(
            Aspirasi.kelurahan_kode.label("kode"),
            count_if(Aspirasi.terbuka).label("terbuka"),
            count_if(aspirasi_overdue(today)).label("lewat"),
        )
        .group_by(Aspirasi.kelurahan_kode)
        .subquery(),
    )
    jan = (
        select(Janji.kelurahan_kode.label("kode"), func.count(Janji.id).label("janji_belum"))
        .where(Janji.status.in_(OPEN_JANJI_STATUSES))
        .group_by(Janji.kelurahan_kode)
        .subquery()
    )
    last = (
        select(RembukKelurahan.kelurahan_kode.label("kode"), func.max(Rembuk.tanggal).label("tanggal"))
        .join(Rembuk, Rembuk.id == RembukKelurahan.rembuk_id)
        .where(Rembuk.status == "terlaksana", Rembuk.tanggal <= today)
        .group_by(RembukKelurahan.kelurahan_kode)
        .subquery()
    )
    cov = cakupan_select(BimtekFilter()).subquery()
    rw = select(cov.c.kode, cov.c.rw_terlatih).subquery()
    stmt = select_all_kelurahan(
        Kelurahan.kode,
        Kelurahan.nama,
        Kelurahan.kecamatan_kode,
        Kelurahan.jumlah_rw,
        counts=[*asp, jan, rw],
        values=[last],
    ).order_by(Kelurahan.kode)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return [
        KelurahanInfo(
            kode=kode,
            nama=nama,
            kecamatan_kode=kec,
            last_visit=lv,
            terbuka=int(terbuka),
            lewat_tenggat=int(lewat),
            janji_belum=int(janji),
            bimtek_gap=round(1 - int(trained) / n_rw, 4) if n_rw else 0.0,  # trained is capped at n_rw
        )
        for kode, nama, kec, n_rw, terbuka, lewat, janji, trained, lv in rows
    ]


def load_libur(engine: Engine) -> LiburFn:
    """date -> name of the public holiday or cuti bersama (from the editable table), or None."""
    with engine.connect() as conn:
        cuti = dict(conn.execute(select(CutiBersama.tanggal, CutiBersama.keterangan)).tuples().all())
        dikonfirmasi = confirmed_years(conn)

    def libur(day: dt.date) -> str | None:
        # Estimated years (no SKB yet) say so until an admin confirms the year's list.
        if name := public_holiday(day):
            return libur_name(name, day, dikonfirmasi)
        return libur_name(cuti[day], day, dikonfirmasi, cuti=True) if day in cuti else None

    return libur


def _change(row: RotasiPerubahan) -> Change:
    return Change(
        jenis=row.jenis,
        tanggal=row.tanggal,
        tanggal_lain=row.tanggal_lain,
        kelurahan_kode=row.kelurahan_kode,
        id=row.id,
        oleh=row.oleh,
        waktu=row.waktu,
        catatan=row.catatan,
    )


def load_changes(engine: Engine, aktif_saja: bool = True) -> list[Change]:
    """Manual changes, oldest first (the order in which the planner applies them)."""
    stmt = select(RotasiPerubahan).order_by(RotasiPerubahan.waktu, RotasiPerubahan.id)
    if aktif_saja:
        stmt = stmt.where(RotasiPerubahan.aktif.is_(True))
    with Session(engine) as s:
        return [_change(r) for r in s.scalars(stmt)]


def change_history(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """Every manual change, newest first, for the audit table: id, jenis, jenis_label, tanggal,
    tanggal_lain, kelurahan_kode, kelurahan, catatan, aktif, oleh, waktu."""
    stmt = (
        select(
            RotasiPerubahan.id,
            RotasiPerubahan.jenis,
            RotasiPerubahan.tanggal,
            RotasiPerubahan.tanggal_lain,
            RotasiPerubahan.kelurahan_kode,
            Kelurahan.nama.label("kelurahan"),
            RotasiPerubahan.catatan,
            RotasiPerubahan.aktif,
            RotasiPerubahan.oleh,
            RotasiPerubahan.waktu,
        )
        .outerjoin(Kelurahan, Kelurahan.kode == RotasiPerubahan.kelurahan_kode)
        .order_by(RotasiPerubahan.waktu.desc(), RotasiPerubahan.id.desc())
        .limit(limit)
    )
    cols = [
        "id",
        "jenis",
        "jenis_label",
        "tanggal",
        "tanggal_lain",
        "kelurahan_kode",
        "kelurahan",
        "catatan",
        "aktif",
        "oleh",
        "waktu",
    ]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["jenis_label"] = df["jenis"].map(CHANGE_KINDS)
    df["aktif"] = df["aktif"].astype(bool)
    return df[cols]


def confirmed_schedule(engine: Engine, today: dt.date) -> list[Change]:
    """Rembuk rows from today on, as changes for the planner: 'dijadwalkan' hosts are pinned to their
    date (confirmed by staff); a date with only 'dibatalkan'/'ditunda' rows is cancelled."""
    stmt = (
        select(Rembuk.id, Rembuk.tanggal, Rembuk.status, RembukKelurahan.kelurahan_kode)
        .outerjoin(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
        .where(Rembuk.tanggal >= today, Rembuk.status != "terlaksana")
        .order_by(Rembuk.tanggal, Rembuk.id, RembukKelurahan.kelurahan_kode)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    scheduled = {d for _, d, st, _ in rows if st == "dijadwalkan"}
    out: list[Change] = []
    cancelled: set[dt.date] = set()
    for _, d, st, kode in rows:
        if st == "dijadwalkan" and kode:
            out.append(Change("pin", d, kelurahan_kode=kode, catatan=SCHEDULED_NOTE))
        elif st in ("dibatalkan", "ditunda") and d not in scheduled and d not in cancelled:
            cancelled.add(d)
            out.append(Change("batal", d, catatan=f"rembuk {st}"))
    return out


@dataclass(frozen=True)
class RotasiInput:
    kelurahan: list[KelurahanInfo]
    visits: list[tuple[dt.date, str]]
    settings: RotasiSettings
    perubahan: list[Change]  # confirmed schedule first, then the manual changes (oldest first)
    libur: LiburFn


def plan_inputs(
    engine: Engine, today: dt.date, settings: RotasiSettings | None = None, ikuti_jadwal: bool = True
) -> RotasiInput:
    """Everything the planner needs, read from the database."""
    confirmed = confirmed_schedule(engine, today) if ikuti_jadwal else []
    return RotasiInput(
        kelurahan=load_kelurahan_info(engine, today),
        visits=load_visits(engine, today),
        settings=settings or load_settings(engine),
        perubahan=[*confirmed, *load_changes(engine)],
        libur=load_libur(engine),
    )


def current_plan(
    engine: Engine,
    today: dt.date | None = None,
    settings: RotasiSettings | None = None,
    ikuti_jadwal: bool = True,
) -> Plan:
    """The rotation plan as of today. Confirmed ('dijadwalkan') rembuk stay on their dates unless
    ``ikuti_jadwal`` is False; active manual changes apply on top, oldest first."""
    today = _today(today)
    inp = plan_inputs(engine, today, settings, ikuti_jadwal)
    return plan_rotation(inp.kelurahan, inp.visits, today, inp.settings, inp.perubahan, inp.libur)


def current_status(engine: Engine, today: dt.date | None = None) -> tuple[Plan, pd.DataFrame]:
    """The plan and the per-kelurahan status table (see ``rotation_status``) with the kecamatan name."""
    today = _today(today)
    inp = plan_inputs(engine, today)
    plan = plan_rotation(inp.kelurahan, inp.visits, today, inp.settings, inp.perubahan, inp.libur)
    df = rotation_status(inp.kelurahan, inp.visits, plan, today)
    with engine.connect() as conn:
        kec = dict(conn.execute(select(Kecamatan.kode, Kecamatan.nama)).tuples().all())
    attrs = dict(df.attrs)
    df.insert(3, "kecamatan", df["kecamatan_kode"].map(kec))
    df.attrs.update(attrs)
    return plan, df


# --- manual changes ---------------------------------------------------------------------------------


def _check_friday(day, label: str, today: dt.date, libur: LiburFn) -> dt.date:
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise InvalidChange(f"{label} harus berupa tanggal.")
    if day.weekday() != FRIDAY:
        raise InvalidChange(f"{label} ({day.isoformat()}) bukan hari Jumat.")
    if day < today:
        raise InvalidChange(f"{label} ({day.isoformat()}) sudah lewat.")
    name = libur(day)
    if name:
        raise InvalidChange(f"{label} ({day.isoformat()}) adalah hari libur: {name}.")
    return day


def save_change(
    engine: Engine,
    actor: Actor,
    jenis: str,
    tanggal: dt.date,
    tanggal_lain: dt.date | None = None,
    kelurahan_kode: str | None = None,
    catatan: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Save a manual change to the plan (who: the actor, when: now); returns its id.

    pin: ``kelurahan_kode`` on Friday ``tanggal``; tukar: Fridays ``tanggal`` and ``tanggal_lain``;
    batal: Friday ``tanggal``; tunda: Friday ``tanggal`` to ``tanggal_lain`` (None = next Friday).
    A kecamatan-scoped account may only pin kelurahan of its kecamatan.
    """
    actor.require("tulis")
    today = _today(today)
    if jenis not in CHANGE_KINDS:
        raise InvalidChange(f"Jenis perubahan tidak dikenal: {jenis}.")
    libur = load_libur(engine)
    if isinstance(tanggal, dt.datetime) or not isinstance(tanggal, dt.date):
        raise InvalidChange("Tanggal harus berupa tanggal.")
    if tanggal.weekday() != FRIDAY:
        raise InvalidChange(f"Tanggal ({tanggal.isoformat()}) bukan hari Jumat.")
    if tanggal < today:
        raise InvalidChange(f"Tanggal ({tanggal.isoformat()}) sudah lewat.")
    if jenis != "pin" and actor.kecamatan_kode:
        raise AccessDenied("Akun kecamatan tidak dapat mengubah jadwal rembuk seluruh kota.")
    if jenis == "pin":
        _check_friday(tanggal, "Tanggal", today, libur)
        if not kelurahan_kode:
            raise InvalidChange("Pilih kelurahan yang akan ditetapkan.")
        tanggal_lain = None
    elif jenis == "tukar":
        _check_friday(tanggal, "Tanggal", today, libur)
        if tanggal_lain is None or tanggal_lain == tanggal:
            raise InvalidChange("Pilih Jumat lain untuk ditukar.")
        _check_friday(tanggal_lain, "Jumat pengganti", today, libur)
        kelurahan_kode = None
    elif jenis == "tunda":
        _check_friday(tanggal, "Tanggal", today, libur)
        if tanggal_lain is not None:
            _check_friday(tanggal_lain, "Tanggal pengganti", today, libur)
            if tanggal_lain <= tanggal:
                raise InvalidChange("Tanggal pengganti harus sesudah Jumat yang ditunda.")
        kelurahan_kode = None
    else:  # batal
        tanggal_lain = None
        kelurahan_kode = None
    with Session(engine) as s, s.begin():
        if kelurahan_kode:
            kec = s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == kelurahan_kode))
            if kec is None:
                raise InvalidChange(f"Kode kelurahan tidak dikenal: {kelurahan_kode}.")
            actor.require_area(kec)
        row = RotasiPerubahan(
            jenis=jenis,
            tanggal=tanggal,
            tanggal_lain=tanggal_lain,
            kelurahan_kode=kelurahan_kode,
            catatan=(catatan or "").strip() or None,
            aktif=True,
            oleh=actor.username,
            waktu=utcnow(),
        )
        s.add(row)
        s.flush()
        return row.id


def deactivate_change(engine: Engine, actor: Actor, perubahan_id: int) -> None:
    """Withdraw a manual change (kept for the record, no longer applied); logged with who and when."""
    actor.require("tulis")
    with Session(engine) as s, s.begin():
        row = s.get(RotasiPerubahan, perubahan_id)
        if row is None:
            raise InvalidChange(f"Perubahan #{perubahan_id} tidak ditemukan.")
        if actor.kecamatan_kode:
            kec = s.scalar(select(Kelurahan.kecamatan_kode).where(Kelurahan.kode == row.kelurahan_kode))
            if row.jenis != "pin" or kec != actor.kecamatan_kode:
                raise AccessDenied("Akun ini hanya berwenang untuk kecamatannya sendiri.")
        if not row.aktif:
            return
        row.aktif = False
        write_audit(s, "rotasi_nonaktif", actor.username, perubahan_id=row.id, jenis=row.jenis, tanggal=row.tanggal)


# --- confirmation ------------------------------------------------------------------------------------


def confirm_slot(
    engine: Engine,
    actor: Actor,
    tanggal: dt.date,
    kelurahan_kodes: Iterable[str],
    today: dt.date | None = None,
) -> int:
    """Confirm the host(s) of a Friday: create or update its 'dijadwalkan' rembuk; returns the rembuk id.

    Idempotent: confirming the same hosts again changes nothing (same id, same version).
    """
    actor.require("tulis")
    today = _today(today)
    if isinstance(tanggal, dt.datetime) or not isinstance(tanggal, dt.date):
        raise RembukError("Tanggal harus berupa tanggal.")
    if tanggal < today:
        raise RembukError("Jadwal yang sudah lewat tidak dapat dikonfirmasi.")
    with Session(engine) as s, s.begin():
        codes = validate_hosts(s, actor, kelurahan_kodes)
        rows = list(s.scalars(select(Rembuk).where(Rembuk.tanggal == tanggal).order_by(Rembuk.id)))
        if any(r.status == "terlaksana" for r in rows):
            raise RembukError("Rembuk pada tanggal ini sudah tercatat terlaksana.")
        r = next((r for r in rows if r.status == "dijadwalkan"), None)
        if r is None:
            r = Rembuk(tanggal=tanggal, status="dijadwalkan", dibuat_oleh=actor.username, is_demo=False)
            s.add(r)
            set_hosts(r, codes)
            s.flush()
            write_audit(s, "rembuk_konfirmasi", actor.username, rembuk_id=r.id, tanggal=tanggal, tuan_rumah=codes)
        elif set_hosts(r, codes):
            s.flush()
            write_audit(s, "rembuk_konfirmasi", actor.username, rembuk_id=r.id, tanggal=tanggal, tuan_rumah=codes)
        return r.id
