"""Working days and Fridays: weekends, public holidays and cuti bersama."""

from __future__ import annotations

import datetime as dt

from db.reference import cuti_bersama_defaults
from db.workdays import WorkCalendar, public_holiday

D = dt.date


def test_public_holidays_come_from_the_holidays_package():
    assert public_holiday(D(2026, 8, 17)) is not None  # Hari Kemerdekaan
    assert public_holiday(D(2026, 4, 3)) is not None  # Jumat Agung
    assert public_holiday(D(2026, 11, 27)) is None


def test_add_working_days_skips_weekend_holiday_and_cuti_bersama():
    k = WorkCalendar([D(2026, 12, 24)])  # cuti bersama Natal
    # Wed 23 Dec + 1 -> Thu 24 (cuti) and Fri 25 (Natal) skipped, weekend skipped -> Mon 28 Dec.
    assert k.add_hari_kerja(D(2026, 12, 23), 1) == D(2026, 12, 28)
    assert WorkCalendar().add_hari_kerja(D(2026, 12, 23), 1) == D(2026, 12, 24)
    assert k.hari_kerja_antara(D(2026, 12, 23), D(2026, 12, 28)) == 1
    assert k.hari_kerja_antara(D(2026, 12, 28), D(2026, 12, 23)) == 0


def test_fridays_skip_holidays():
    k = WorkCalendar()
    fridays = list(k.jumat(D(2026, 3, 30), D(2026, 4, 17)))
    assert fridays == [D(2026, 4, 10), D(2026, 4, 17)]  # 3 April is Jumat Agung
    assert all(d.weekday() == 4 for d in k.jumat(D(2026, 1, 1), D(2026, 12, 31)))


def test_cuti_bersama_defaults_from_government_category():
    days = cuti_bersama_defaults([2026])
    assert D(2026, 12, 24) in days
    assert all("Cuti Bersama" in name for name in days.values())
