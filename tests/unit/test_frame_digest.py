"""The digest that keys cached tables, charts and maps by their rows (ui.data.frame_digest)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui.data import frame_digest


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kelurahan": pd.array(["Sukun", "Bareng", "Kasin"], dtype="string"),
            "hadir": [3, 0, 12],
            "tanggal": [dt.date(2026, 11, 20), None, dt.date(2026, 11, 27)],
        }
    )


def test_equal_frames_have_one_digest():
    assert frame_digest(_frame()) == frame_digest(_frame())
    assert frame_digest(_frame()["hadir"]) == frame_digest(_frame()["hadir"])


@pytest.mark.parametrize(
    "change",
    [
        lambda df: df.assign(hadir=[3, 0, 13]),  # one cell
        lambda df: df.assign(hadir=[3.0, 0.0, 12.0]),  # same numbers, another dtype
        lambda df: df.rename(columns={"hadir": "diundang"}),  # a column name
        lambda df: df.set_axis([1, 2, 3]),  # the index
        lambda df: df.iloc[::-1],  # the order of the rows
        lambda df: df.iloc[:2],  # a row fewer
    ],
)
def test_any_change_of_content_changes_the_digest(change):
    assert frame_digest(change(_frame())) != frame_digest(_frame())


def _table_script():
    import pandas as pd
    import streamlit as st

    from ui import tabel

    tabel.show(pd.DataFrame({"Kelurahan": ["Sukun", "Bareng"], "Hadir": [st.session_state.get("hadir", 3), 1600]}))


def test_a_cached_table_shows_new_rows_and_replays_the_same_ones():
    at = AppTest.from_function(_table_script)
    at.run()
    assert at.dataframe[0].value["Hadir"].tolist() == [3, 1600]
    at.session_state["hadir"] = 4
    at.run()
    assert at.dataframe[0].value["Hadir"].tolist() == [4, 1600]  # not the cached table of the first run
    at.run()
    assert at.dataframe[0].value["Hadir"].tolist() == [4, 1600]
