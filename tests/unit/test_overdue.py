"""The "open and overdue" rule: its SQL form and its Python twin agree on the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.aspirasi.status import (
    aspirasi_overdue,
    aspirasi_overdue_on,
    is_aspirasi_overdue,
    is_janji_overdue,
    janji_overdue,
)
from db.auth.roles import Actor
from db.rembuk.janji import add_janji, update_janji
from db.rembuk.records import record_rembuk
from db.schema import Aspirasi, Janji

pytestmark = pytest.mark.usefixtures("backend")

STAF = Actor("siti.staf", "staf")
GK = "35.73.02.1010"  # Gading Kasri
RECEIVED = dt.date(2026, 12, 23)  # Wednesday before cuti bersama (24), Natal (25) and the weekend
TENGGAT = dt.date(2027, 1, 4)  # + 5 working days (1 January is a holiday too)


def _aspirasi(engine, judul: str) -> int:
    data = NewAspirasi(judul=judul, kategori="sampah", kelurahan=GK, rw=1, rt=1, tanggal_diterima=RECEIVED)
    return create_aspirasi(engine, STAF, data, today=RECEIVED).id


def _both(engine, today: dt.date) -> tuple[dict[int, bool], dict[int, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Aspirasi.id, Aspirasi.terbuka, Aspirasi.tenggat, aspirasi_overdue(today), aspirasi_overdue_on(today))
        ).all()
    sql = {r.id: bool(r[3]) for r in rows}
    # "Overdue on a day" (OPD yang perlu hadir) is the same rule when the day is today.
    assert sql == {r.id: bool(r[4]) for r in rows}
    return sql, {r.id: is_aspirasi_overdue(r.terbuka, r.tenggat, today) for r in rows}


def test_sql_and_python_agree_on_aspirasi(ready_engine):
    e = ready_engine
    ids = {name: _aspirasi(e, f"Sampah menumpuk {name}") for name in ("open", "closed", "reopened", "no_due")}
    with e.connect() as conn:
        assert conn.scalar(select(Aspirasi.tenggat).where(Aspirasi.id == ids["open"])) == TENGGAT
    v = update_status(e, STAF, ids["closed"], 1, "bukan_kewenangan", "Kewenangan provinsi", today=RECEIVED)
    v = update_status(e, STAF, ids["reopened"], 1, "bukan_kewenangan", "Kewenangan provinsi", today=RECEIVED)
    update_status(e, STAF, ids["reopened"], v, "diverifikasi", "Ternyata kewenangan kota", today=RECEIVED)
    with e.begin() as conn:
        conn.execute(update(Aspirasi).where(Aspirasi.id == ids["no_due"]).values(tenggat=None))

    expected = {
        # On the holidays and on the due date itself: not yet overdue.
        dt.date(2026, 12, 25): set(),
        TENGGAT: set(),
        # The day after the due date: open ones are overdue, the reopened one too; closed and undated never.
        TENGGAT + dt.timedelta(days=1): {ids["open"], ids["reopened"]},
    }
    for today, overdue in expected.items():
        sql, python = _both(e, today)
        assert sql == python, today
        assert {i for i, late in sql.items() if late} == overdue, today


def test_python_twin_reads_missing_dates_from_frames():
    import pandas as pd

    today = dt.date(2026, 11, 20)
    for missing in (None, float("nan"), pd.NaT):
        assert not is_aspirasi_overdue(True, missing, today)
        assert not is_janji_overdue("belum", missing, today)
    assert is_aspirasi_overdue(True, pd.Timestamp("2026-11-19"), today)
    assert not is_aspirasi_overdue(True, pd.Timestamp("2026-11-20"), today)


def test_sql_and_python_agree_on_janji(ready_engine):
    e = ready_engine
    rid = record_rembuk(e, STAF, dt.date(2026, 10, 2), [GK], "terlaksana", today=dt.date(2026, 10, 2))
    due = dt.date(2026, 11, 1)
    jid = {name: add_janji(e, STAF, rid, GK, f"Janji {name}", "DLH", due) for name in ("belum", "proses", "selesai")}
    jid["tanpa_tenggat"] = add_janji(e, STAF, rid, GK, "Janji tanpa tenggat", "DLH", None)
    update_janji(e, STAF, jid["proses"], 1, 50, "proses")
    update_janji(e, STAF, jid["selesai"], 1, 100, "selesai")
    for today, overdue in [(due, set()), (due + dt.timedelta(days=1), {jid["belum"], jid["proses"]})]:
        with e.connect() as conn:
            rows = conn.execute(select(Janji.id, Janji.status, Janji.tenggat, janji_overdue(today))).all()
        sql = {r.id: bool(r[3]) for r in rows}
        assert sql == {r.id: is_janji_overdue(r.status, r.tenggat, today) for r in rows}, today
        assert {i for i, late in sql.items() if late} == overdue, today
