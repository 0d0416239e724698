"""Beranda: the overview of aspirations, rembuk and bimtek across Kota Malang."""

from __future__ import annotations

import streamlit as st

from ui import components, data
from ui.format import format_compact, format_number
from ui.pages import open_page

_, key, today = open_page("beranda")
k = data.kpi(key, today)
if k.total == 0:
    st.info(
        "Belum ada aspirasi di basis data. Aspirasi yang dicatat staf akan tampil di sini; "
        "untuk mencoba Kulakan, muat data demo dengan `python -m db seed-demo`.",
        icon=":material/info:",
    )

cols = st.columns(5)
cols[0].metric("Aspirasi total", format_number(k.total), border=True)
cols[1].metric("Terbuka", format_number(k.terbuka), border=True)
cols[2].metric("Lewat tenggat", format_number(k.lewat_tenggat), border=True)
cols[3].metric("Selesai bulan ini", format_number(k.selesai_bulan_ini), border=True)
# Short label, bare number: the card must read whole on a 1280 px projector beside the menu.
cols[4].metric(
    "Median hari kerja",
    format_compact(k.median_hari_kerja_selesai) if k.median_hari_kerja_selesai is not None else "–",
    border=True,
    help="Median penyelesaian: jumlah hari kerja dari diterima sampai berstatus Selesai "
    "(tanpa akhir pekan, libur nasional dan cuti bersama).",
)

left, right = st.columns([3, 1], gap="large")
with left:
    st.subheader("Aspirasi terbuka per kelurahan")
    counts = data.counts_per_kelurahan(key, today)
    components.choropleth(counts, column="terbuka", label="Aspirasi terbuka", key="beranda_peta")

with right:
    nxt, last = data.rembuk_next_last(key, today)
    st.subheader("Rembuk Jumat")
    components.rembuk_card("Berikutnya", nxt, "Belum ada rembuk yang dijadwalkan.")
    components.rembuk_card("Terakhir", last, "Belum ada rembuk yang terlaksana.")
    st.subheader("Bimtek")
    components.bimtek_headline(data.bimtek_headline(key))
