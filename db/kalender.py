"""Working days and Fridays in Kota Malang: weekends, public holidays (`holidays`, ID) and cuti bersama."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

import holidays

from db.settings import timezone_name

JUMAT = 4  # date.weekday() of Friday


def today() -> dt.date:
    """Today's date in the city (WIB), not the server's; ``KULAKAN_TODAY`` pins it (tests, demos)."""
    pinned = os.environ.get("KULAKAN_TODAY", "").strip()
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.datetime.now(ZoneInfo(timezone_name())).date()


@functools.lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("ID", years=year, language="id").items())


def public_holiday(day: dt.date) -> str | None:
    """Name of the Indonesian public holiday on ``day``, or None."""
    return _public_holidays(day.year).get(day)


class Kalender:
    """Working-day arithmetic with a given set of cuti bersama days (from the database)."""

    def __init__(self, cuti_bersama: Iterable[dt.date] = ()):
        self.cuti_bersama = frozenset(cuti_bersama)

    def is_libur(self, day: dt.date) -> bool:
        return day in self.cuti_bersama or public_holiday(day) is not None

    def is_hari_kerja(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_libur(day)

    def add_hari_kerja(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself not counted)."""
        day = start
        remaining = n
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_hari_kerja(day):
                remaining -= 1
        return day

    def hari_kerja_antara(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_hari_kerja(day):
                count += 1
        return count

    def jumat(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """Fridays from ``start`` to ``end`` inclusive that are not holidays or cuti bersama."""
        day = start + dt.timedelta(days=(JUMAT - start.weekday()) % 7)
        while day <= end:
            if not self.is_libur(day):
                yield day
            day += dt.timedelta(days=7)
