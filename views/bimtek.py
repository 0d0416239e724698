"""Bimtek: training events for RT, RW and LPMK, who took part, coverage and who was never reached."""

from __future__ import annotations

import streamlit as st

from db.bimtek.reports import summarize
from ui import bimtek, bimtek_manage, components
from ui.pages import open_page

open_page("bimtek")
k = bimtek.key()

events = bimtek.events(k)
f = bimtek.filter_sidebar(events)
df_cakupan = bimtek.cakupan(k, f)
n_acara = len(bimtek.participation(k, f, "bimtek"))
bimtek.summary_numbers(summarize(df_cakupan), n_acara)
if n_acara == 0:
    st.info("Tidak ada bimtek dalam filter ini. Ubah filter, atau tambahkan bimtek di tab 'Acara & peserta'.")

components.lazy_tabs(
    "bt_tab",
    {
        "Ringkasan": lambda: bimtek.tab_summary(k, f),
        "Cakupan": lambda: bimtek.tab_cakupan(k, f, df_cakupan),
        "Belum pernah ikut": lambda: bimtek.tab_never_attended(k, f, df_cakupan),
        "Acara & peserta": lambda: bimtek_manage.tab_manage(k, events),
    },
)
