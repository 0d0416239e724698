"""Tables the Indonesian way: `1.600`, `59,4`, dates '20 November 2026', and '–' for a missing value.

``st.dataframe`` shows a missing cell as "None" and formats numbers with a dot for decimals (the sprintf-style
``format`` of column_config has no locale). A pandas Styler carries display text for every cell while the values
stay numbers and dates, so sorting a column still sorts by value; Streamlit draws the Styler's text.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from db.format import format_date, format_number
from ui.data import FRAME_HASH

EMPTY = "–"


def _date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return EMPTY
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return format_date(value, with_weekday=False) if isinstance(value, dt.date) else str(value)


def _number(decimals: int):
    def fmt(value) -> str:
        if value is None or pd.isna(value):
            return EMPTY
        return format_number(float(value), decimals)

    return fmt


def indonesia(df: pd.DataFrame, desimal: dict[str, int] | None = None) -> Styler:
    """``df`` with Indonesian display text: numbers (``desimal`` decimals per column, else 0 for numbers that are
    whole), dates, and '–' for None/NaN/NaT. Booleans and text are left as they are (missing text: '–')."""
    desimal = desimal or {}
    formats = {}
    for col in df.columns:
        s = df[col]
        if col in desimal:
            formats[col] = _number(desimal[col])
        elif pd.api.types.is_bool_dtype(s):
            continue
        elif pd.api.types.is_datetime64_any_dtype(s) or s.map(lambda v: isinstance(v, dt.date)).any():
            formats[col] = _date
        elif pd.api.types.is_numeric_dtype(s):
            whole = s.dropna().map(lambda v: float(v).is_integer()).all()
            formats[col] = _number(0 if whole else 1)
    return df.style.format(formats, na_rep=EMPTY)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False, hash_funcs=FRAME_HASH)
def show(df: pd.DataFrame, desimal: dict[str, int] | None = None, **kwargs) -> None:
    """``st.dataframe(indonesia(df, desimal), hide_index=True, **kwargs)``. Styling and serialising a table costs
    ~10 ms per table on every rerun (the Styler formats each cell); cached, a rerun that shows the same table
    replays the element Streamlit already built (st.cache_data records the elements a cached function draws)."""
    st.dataframe(indonesia(df, desimal), hide_index=True, **kwargs)


def frame(columns: dict[str, object], *, key: str | None = None, dates: tuple[str, ...] = (), **kwargs) -> None:
    """``st.dataframe`` of ``columns`` (heading -> values) without the index; the ``dates`` columns sort as dates
    and read DD/MM/YYYY. Other keyword arguments (``column_config``, ``height``, ``width``) go to st.dataframe."""
    df = pd.DataFrame(columns)
    config = {c: st.column_config.DateColumn(format="DD/MM/YYYY") for c in dates}
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    st.dataframe(df, hide_index=True, key=key, column_config=config | kwargs.pop("column_config", {}), **kwargs)
