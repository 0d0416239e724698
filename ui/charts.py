"""Bimtek charts (Vega-Lite) of the Bimtek page, and their cached drawers."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.data import FRAME_HASH
from ui.vega import date_axis, number_axis, number_text

COLORS = {"diundang": "#adb5bd", "hadir": "#1f77b4"}


# --------------------------------------------------------------------------- charts


def chart_invited_attended(df: pd.DataFrame, kategori: str, judul: str, *, urut: list | None = None) -> alt.Chart:
    """Grouped bars of invited vs attended per category, drawn from ``df`` as is (wide form)."""
    return (
        number_text(alt.Chart(df, title=judul), diundang_teks="diundang", hadir_teks="hadir")
        .transform_fold(["diundang", "hadir"], as_=["ukuran", "jumlah"])
        .mark_bar()
        .encode(
            y=alt.Y(f"{kategori}:N", sort=urut or None, title=None, axis=alt.Axis(labelLimit=440)),
            yOffset=alt.YOffset("ukuran:N", sort=["diundang", "hadir"]),
            x=alt.X("jumlah:Q", title="Peserta", axis=number_axis()),
            color=alt.Color(
                "ukuran:N",
                scale=alt.Scale(domain=list(COLORS), range=list(COLORS.values())),
                legend=alt.Legend(title=None, orient="top", labelExpr="datum.label == 'hadir' ? 'Hadir' : 'Diundang'"),
            ),
            tooltip=[
                alt.Tooltip(f"{kategori}:N", title=" "),
                alt.Tooltip("diundang_teks:N", title="Diundang"),
                alt.Tooltip("hadir_teks:N", title="Hadir"),
            ],
        )
        # One band of 30 px per category (bars of invited and attended side by side inside it).
        .properties(height=alt.Step(**{"step": 30, "for": "position"}))
    )


def chart_cakupan_cumulative(df: pd.DataFrame) -> alt.Chart:
    """Cumulative coverage shares (RW, RT, LPMK) after each event."""
    names = {"cakupan_rw_kum": "RW", "cakupan_rt_kum": "RT", "cakupan_lpmk_kum": "LPMK"}
    return (
        number_text(alt.Chart(df, title="Cakupan kumulatif setelah tiap bimtek"), rw_teks="rw_kum", rt_teks="rt_kum")
        .transform_fold(list(names), as_=["tingkat", "share"])
        .mark_line(point=True)
        .encode(
            x=alt.X("tanggal:T", title="Tanggal bimtek", axis=date_axis()),
            y=alt.Y("share:Q", title="Cakupan", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "tingkat:N",
                title=None,
                legend=alt.Legend(
                    orient="top",
                    labelExpr=(
                        "datum.label == 'cakupan_rw_kum' ? 'RW' : datum.label == 'cakupan_rt_kum' ? 'RT' : 'LPMK'"
                    ),
                ),
            ),
            tooltip=[
                alt.Tooltip("judul:N", title="Bimtek"),
                alt.Tooltip("tanggal:T", title="Tanggal", format="%d/%m/%Y"),
                alt.Tooltip("rw_teks:N", title="RW terjangkau"),
                alt.Tooltip("rt_teks:N", title="RT terjangkau"),
                alt.Tooltip("lpmk_kum:Q", title="LPMK terjangkau"),
            ],
        )
        .properties(height=320)
    )


def chart_attended_per_bimtek(df: pd.DataFrame) -> alt.Chart:
    return (
        number_text(alt.Chart(df, title="Peserta hadir per bimtek"), hadir_teks="hadir", diundang_teks="diundang")
        .mark_bar(color=COLORS["hadir"])
        .encode(
            x=alt.X("tanggal:T", title="Tanggal bimtek", axis=date_axis()),
            y=alt.Y("hadir:Q", title="Peserta hadir", axis=number_axis()),
            tooltip=[
                alt.Tooltip("judul:N", title="Bimtek"),
                alt.Tooltip("hadir_teks:N", title="Hadir"),
                alt.Tooltip("diundang_teks:N", title="Diundang"),
            ],
        )
        .properties(height=320)
    )


# --------------------------------------------------------------------------- drawn, replayed on reruns
# Building a chart's Vega-Lite spec costs ~20 ms (Altair validates it against the schema) on every rerun. Cached,
# a rerun with the same data replays the element Streamlit already built (st.cache_data records the elements a
# cached function draws), so an unchanged chart costs a hash of its rows.
_CACHE = {"ttl": 600, "max_entries": 128, "show_spinner": False, "hash_funcs": FRAME_HASH}


@st.cache_data(**_CACHE)
def show_invited_attended(df: pd.DataFrame, kategori: str, judul: str, *, urut: list | None = None) -> None:
    st.altair_chart(chart_invited_attended(df, kategori, judul, urut=urut), width="stretch")


@st.cache_data(**_CACHE)
def show_cakupan_cumulative(df: pd.DataFrame) -> None:
    st.altair_chart(chart_cakupan_cumulative(df), width="stretch")


@st.cache_data(**_CACHE)
def show_attended_per_bimtek(df: pd.DataFrame) -> None:
    st.altair_chart(chart_attended_per_bimtek(df), width="stretch")
