"""Times are stored in UTC and shown in WIB (KULAKAN_TZ): 23:30 UTC is already the next day in Malang."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import insert, update

from db import admin
from db.auth.roles import SYSTEM, Actor
from db.auth.users import create_user
from db.export import to_csv_bytes
from db.format import day_bounds, format_time, to_local
from db.schema import LogAudit, Pengguna

LATE = dt.datetime(2026, 12, 1, 23, 30, 15, tzinfo=dt.UTC)  # = Rabu, 2 Desember 2026 06.30 WIB
ADMIN = Actor("admin.uji", "admin")


def test_formatter_shows_the_wib_date_and_time():
    assert format_time(LATE) == "Rabu, 2 Desember 2026 06.30 WIB"
    assert format_time(LATE, detik=True, with_weekday=False) == "2 Desember 2026 06.30.15 WIB"
    assert format_time(LATE.replace(tzinfo=None)) == "Rabu, 2 Desember 2026 06.30 WIB"  # SQLite: naive = UTC
    assert format_time(pd.Timestamp(LATE)) == "Rabu, 2 Desember 2026 06.30 WIB"
    assert format_time(None) == format_time(pd.NaT) == "–"


def test_the_zone_is_a_setting(monkeypatch):
    monkeypatch.setenv("KULAKAN_TZ", "Asia/Makassar")
    assert format_time(LATE) == "Rabu, 2 Desember 2026 07.30 WITA"
    assert to_local(LATE).utcoffset() == dt.timedelta(hours=8)


def test_day_bounds_are_wib_days():
    start, end = day_bounds(dt.date(2026, 12, 2), dt.date(2026, 12, 2))
    assert start == dt.datetime(2026, 12, 1, 17, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 12, 2, 17, tzinfo=dt.UTC)
    assert day_bounds(None, None) == (None, None)


@pytest.fixture
def late_entries(ready_engine):
    create_user(ready_engine, SYSTEM, "larut.malam", "staf", "sandi-uji-12345")
    with ready_engine.begin() as conn:
        conn.execute(update(Pengguna).where(Pengguna.username == "larut.malam").values(dibuat_pada=LATE))
        conn.execute(insert(LogAudit).values(waktu=LATE, oleh="larut.malam", aksi="ekspor", rincian='{"baris": 3}'))
    return ready_engine


def test_audit_log_and_its_csv_show_wib(late_entries):
    df = admin.audit(late_entries, ADMIN, oleh="larut.malam")
    assert df["Waktu"].tolist() == ["Rabu, 2 Desember 2026 06.30.15 WIB"]
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(df)), dtype=str)
    assert csv["Waktu"].tolist() == ["Rabu, 2 Desember 2026 06.30.15 WIB"]


def test_audit_date_filter_uses_wib_days(late_entries):
    def rows(dari, sampai):
        return len(admin.audit(late_entries, ADMIN, oleh="larut.malam", dari=dari, sampai=sampai))

    assert rows(dt.date(2026, 12, 2), dt.date(2026, 12, 2)) == 1  # 06.30 WIB on 2 December
    assert rows(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) == 0  # although it is 1 December in UTC
    assert rows(None, dt.date(2026, 12, 1)) == 0
    assert rows(dt.date(2026, 12, 2), None) == 1


def test_users_created_column_shows_wib(late_entries):
    df = admin.list_users(late_entries, ADMIN).set_index("Nama pengguna")
    assert df.loc["larut.malam", "Dibuat"] == "Rabu, 2 Desember 2026 06.30 WIB"


def test_demo_history_is_never_in_the_future(ready_engine):
    from sqlalchemy import func, select

    from db.demo.generate import generate_demo
    from db.schema import AspirasiRiwayat, JanjiRiwayat

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    generate_demo(ready_engine, n_aspirasi=300, seed=5, today=today)
    now = dt.datetime.now(dt.UTC)
    with ready_engine.connect() as conn:
        latest = [conn.scalar(select(func.max(m.waktu))) for m in (AspirasiRiwayat, JanjiRiwayat)]
    for ts in latest:
        assert ts is not None
        assert to_local(ts) <= now
