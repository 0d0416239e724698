"""Working days and Fridays in Kota Malang: weekends, public holidays (`holidays`, ID) and cuti bersama."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select

from db.settings import timezone_name

FRIDAY = 4  # date.weekday() of Friday


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


class WorkCalendar:
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
        day = start + dt.timedelta(days=(FRIDAY - start.weekday()) % 7)
        while day <= end:
            if not self.is_libur(day):
                yield day
            day += dt.timedelta(days=7)


# --- estimated years (no published SKB yet) ---------------------------------------------------------------

ESTIMATE_MARK = "(perkiraan)"
CONFIRMED_KEY = "kalender_dikonfirmasi"  # app_meta: JSON list of years whose holiday list an admin confirmed


def estimated_years(year: int) -> bool:
    """True when the `holidays` package only estimates some of the year's dates (Islamic holidays before the
    government's SKB is published): its names then carry '(perkiraan)'."""
    return any(ESTIMATE_MARK in name for name in _public_holidays(year).values())


def confirmed_years(conn) -> frozenset[int]:
    """Years whose holiday and cuti bersama list an admin has confirmed against the published SKB."""
    from db.schema import AppMeta

    raw = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == CONFIRMED_KEY))
    try:
        return frozenset(int(y) for y in json.loads(raw)) if raw else frozenset()
    except (ValueError, TypeError):
        return frozenset()


def libur_name(name: str, day: dt.date, dikonfirmasi: frozenset[int] | set[int], cuti: bool = False) -> str:
    """A holiday's name as shown. In an estimated year not yet confirmed by an admin, the dates the package
    estimates keep their '(perkiraan)' and so do all cuti bersama (they follow the SKB); fixed holidays (Tahun
    Baru, Natal, ...) stay plain. Once the year is confirmed, no mark."""
    bare = name.replace(f" {ESTIMATE_MARK}", "").replace(ESTIMATE_MARK, "").strip()
    if day.year in dikonfirmasi or not estimated_years(day.year):
        return bare
    if cuti or ESTIMATE_MARK in name:
        return f"{bare} {ESTIMATE_MARK}"
    return bare


def unconfirmed_years(conn, years) -> list[int]:
    """Of ``years``, those still estimated (not confirmed by an admin), in order."""
    done = confirmed_years(conn)
    return [y for y in sorted(set(years)) if estimated_years(y) and y not in done]


def confirm_year(engine, actor, year: int, dikonfirmasi: bool = True) -> None:
    """An admin confirms (or withdraws the confirmation of) the holiday and cuti bersama list of ``year``, after
    checking it against the published SKB; recorded in the audit log."""
    from sqlalchemy import delete, insert

    from db.auth.users import log
    from db.schema import AppMeta

    actor.require("admin")
    with engine.begin() as conn:
        years = set(confirmed_years(conn))
        years = years | {int(year)} if dikonfirmasi else years - {int(year)}
        conn.execute(delete(AppMeta).where(AppMeta.kunci == CONFIRMED_KEY))
        conn.execute(insert(AppMeta).values(kunci=CONFIRMED_KEY, nilai=json.dumps(sorted(years))))
    log(engine, "kalender_dikonfirmasi" if dikonfirmasi else "kalender_konfirmasi_dicabut", actor.username, tahun=year)
