"""Exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

# A cell starting with one of these is a formula to Excel/LibreOffice (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Prefix text that a spreadsheet would execute with an apostrophe; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# RW and RT numbers are labels, written as on screen ("RW 09", "RT 02"): zero-padded text, never 9.0
# (a column with an empty RW is read from SQL as float).
AREA_NOMOR = ("rw", "rt")


def area_nomor(value) -> str:
    """9 / 9.0 / '9' -> '09'; empty -> ''."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{int(number):02d}" if number.is_integer() else str(value)


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every text cell neutralised (numbers, dates and booleans untouched) and RW/RT
    columns as zero-padded text."""
    out = df.copy()
    for col in out.columns:
        if str(col).strip().lower() in AREA_NOMOR:
            out[col] = out[col].map(area_nomor).astype(object)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel reads the Indonesian text right), formulas neutralised, RW/RT as
    zero-padded text."""
    return neutralise(df).to_csv(index=False).encode("utf-8-sig")
