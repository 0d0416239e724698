"""Peta Aspirasi: the interactive kelurahan map with filters, drill-down and CSV download."""

from __future__ import annotations

import streamlit as st

from db.aspirasi.map_data import METRICS
from ui import data, peta
from ui.filters import aspirasi_filter
from ui.format import format_number
from ui.pages import open_page

actor, key, today = open_page("peta")
f = aspirasi_filter(data.filter_options(key), scope=actor.kecamatan_kode)

c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
metrik = c1.selectbox(
    "Warna peta menurut", list(METRICS), format_func=lambda k: METRICS[k].label, key="metrik", bind="query-params"
)
titik = c2.segmented_control(
    "Titik aspirasi", list(peta.POINT_MODES), format_func=peta.POINT_MODES.get, default="klaster", key="titik",
    bind="query-params",
)  # fmt: skip
basemap = c3.toggle(
    "Peta dasar OSM", key="osm", bind="query-params", help="Butuh internet; tanpa itu peta tetap lengkap."
)

kpi = peta.metrics(key, f, today)
summary = st.container(horizontal=True)
summary.metric("Cocok dengan filter", format_number(kpi["jumlah"].sum()))
summary.metric("Terbuka", format_number(kpi["terbuka"].sum()))
summary.metric("Lewat tenggat", format_number(kpi["lewat_tenggat"].sum()))
if kpi["jumlah"].sum() == 0:
    st.warning(
        "Tidak ada aspirasi yang cocok dengan filter ini. Ubah atau hapus filter di samping.",
        icon=":material/filter_alt:",
    )

peta.map_and_panel(f, METRICS[metrik or "jumlah"], titik or "klaster", bool(basemap), key, today)
peta.csv_download(f)
