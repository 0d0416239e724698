"""Indonesian formatting of dates and numbers (pure functions, no Streamlit): used by the pages
(through ui/format.py), the map tooltips and the PDF brief."""

from __future__ import annotations

import datetime as dt

HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip


def tanggal(day: dt.date | None, with_weekday: bool = True) -> str:
    """'Jumat, 28 November 2025' (or '28 November 2025'); '–' for no date."""
    if day is None:
        return "–"
    text = f"{day.day} {BULAN[day.month - 1]} {day.year}"
    return f"{HARI[day.weekday()]}, {text}" if with_weekday else text


def angka(n: float | int | None, decimals: int = 0) -> str:
    """Thousands with a dot, decimals with a comma: 12345.6 -> '12.345,6'."""
    if n is None:
        return "–"
    text = f"{n:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def persen(share: float | None, decimals: int = 0) -> str:
    return "–" if share is None else f"{angka(share * 100, decimals)}%"


def angka_ringkas(n: float | None) -> str:
    """Whole numbers without decimals, others with one: 12.0 -> '12', 12.5 -> '12,5'."""
    if n is None:
        return "–"
    return angka(n, 0 if float(n).is_integer() else 1)
