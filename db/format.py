"""Indonesian formatting of dates, times and numbers (pure functions, no Streamlit): used by the pages
(through ui/format.py), the map tooltips, the exports and the PDF brief.

Times are stored in UTC and shown in the city's zone (``KULAKAN_TZ``, default Asia/Jakarta = WIB):
``waktu`` is the one formatter of a timestamp, ``day_bounds`` turns a local (WIB) day into UTC bounds
for filters.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from db.settings import timezone_name

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip


def format_date(day: dt.date | None, with_weekday: bool = True) -> str:
    """'Jumat, 28 November 2025' (or '28 November 2025'); '–' for no date."""
    if day is None:
        return "–"
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{DAYS[day.weekday()]}, {text}" if with_weekday else text


def format_number(n: float | int | None, decimals: int = 0) -> str:
    """Thousands with a dot, decimals with a comma: 12345.6 -> '12.345,6'."""
    if n is None:
        return "–"
    text = f"{n:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_percent(share: float | None, decimals: int = 0) -> str:
    return "–" if share is None else f"{format_number(share * 100, decimals)}%"


def format_compact(n: float | None) -> str:
    """Whole numbers without decimals, others with one: 12.0 -> '12', 12.5 -> '12,5'."""
    if n is None:
        return "–"
    return format_number(n, 0 if float(n).is_integer() else 1)


def zone_name() -> ZoneInfo:
    """The city's time zone (``KULAKAN_TZ``)."""
    return ZoneInfo(timezone_name())


def to_local(ts: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp in the city's zone. Naive values are UTC (SQLite returns them without a zone)."""
    if ts is None or ts != ts:  # None, NaT
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(zone_name())


def format_time(ts: dt.datetime | None, detik: bool = False, with_weekday: bool = True) -> str:
    """'Rabu, 2 Desember 2026 03.51 WIB' (``detik``: '03.51.37'); '–' for no time. Hours and minutes
    are separated by a dot, as Indonesian writes them (PUEBI); the zone's own abbreviation ends it."""
    local = to_local(ts)
    if local is None:
        return "–"
    jam = f"{local.hour:02d}.{local.minute:02d}" + (f".{local.second:02d}" if detik else "")
    return f"{format_date(local.date(), with_weekday)} {jam} {local.tzname() or timezone_name()}"


def day_bounds(dari: dt.date | None, sampai: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """UTC bounds [start, end) of the local days ``dari`` .. ``sampai`` (inclusive) for a filter on a stored
    timestamp; None for an open end."""
    tz = zone_name()
    start = dt.datetime.combine(dari, dt.time(), tzinfo=tz).astimezone(dt.UTC) if dari else None
    end = (
        dt.datetime.combine(sampai + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC) if sampai else None
    )
    return start, end
