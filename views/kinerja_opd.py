"""Kinerja OPD: which agency keeps its promises — scorecard, trend, map and the Rapor OPD download."""

from __future__ import annotations

import streamlit as st

from db.aspirasi.map_data import METRICS
from ui import data, kinerja, peta
from ui.filters import names_for_describe
from ui.pages import open_page

actor, key, today = open_page("kinerja-opd")
options = data.filter_options(key)
base = kinerja.filter_kinerja(options, actor.kecamatan_kode)
filter_text = base.describe(names_for_describe(options))

p = kinerja.period(today)
minimum = kinerja.min_sample(key)
score = kinerja.scorecard(key, base, p, today, minimum)
if not base.is_empty():
    st.caption(f"Filter: {filter_text}")

bagian = st.segmented_control(
    "Bagian", ["Skor", "Tren", "Peta"], default="Skor", key="bagian", bind="query-params",
    label_visibility="collapsed",
)  # fmt: skip
pilihan = score["opd"].tolist()
opd = st.selectbox(
    "OPD", pilihan, format_func=dict(zip(score["opd"], score["opd"] + " · " + score["nama"], strict=True)).get,
    key="kopd", bind="query-params",
)  # fmt: skip
row = score.set_index("opd").loc[opd].to_dict() | {"opd": opd} if opd else None

if bagian == "Tren":
    t = kinerja.trend(key, base, today)
    if opd:
        st.markdown(f"**{opd}: diterima, selesai dan lewat tenggat per bulan (12 bulan terakhir)**")
        st.altair_chart(kinerja.trend_chart(t, opd), width="stretch")
        st.caption("Lewat tenggat per bulan: aspirasi yang tenggatnya jatuh pada bulan itu dan belum selesai "
                   "sampai tenggatnya (tanpa yang bukan kewenangan kota).")  # fmt: skip
    st.markdown("**Tepat waktu % seluruh kota per bulan**")
    st.altair_chart(kinerja.city_chart(kinerja.city_on_time(t)), width="stretch")
elif bagian == "Peta":
    metrik = st.segmented_control(
        "Warna peta", ["terbuka", "lewat_tenggat"], format_func=lambda k: METRICS[k].label, default="lewat_tenggat",
        key="kmetrik", bind="query-params",
    )  # fmt: skip
    if opd:
        st.caption(f"Aspirasi {opd} per kelurahan (filter di samping berlaku).")
        peta.map_and_panel(kinerja.opd_map(base, opd), METRICS[metrik or "lewat_tenggat"], "sembunyi", False, key,
                           today)  # fmt: skip
else:
    kinerja.scorecard_table(key, base, p, today, minimum)
    kinerja.downloads(score, base, p, today, filter_text, minimum, actor, key)
    if row:
        kinerja.detail(row, base, p, today, options, actor, key)
kinerja.settings_section(actor, minimum)
