"""Aspirasi: the staff workspace — find, record (also quick capture during a rembuk), move along, import, export."""

from __future__ import annotations

import streamlit as st

from ui import aspirasi, data, lacak
from ui.filters import aspirasi_filter
from ui.pages import open_page

actor, key, today = open_page("aspirasi")  # the workspace of staff (izin tulis); pimpinan use the dashboards
options = data.filter_options(key)
f = aspirasi_filter(options, scope=actor.kecamatan_kode)

tabs = ["Daftar", "Catat baru", "Impor", "Kabar RW"]
tab = st.segmented_control(
    "Bagian", tabs, default="Daftar", key="bagian", bind="query-params", label_visibility="collapsed"
)

if tab == "Catat baru":
    cepat = st.toggle(
        "Mode cepat (saat rembuk)",
        key="cepat",
        bind="query-params",
        help="Hanya isian penting; rembuk dan kelurahan sudah terpilih; siap untuk entri berikutnya.",
    )
    rembuk_id = None
    if cepat:
        pilihan = data.rembuk_to_record(key, today)
        rembuk_id = st.selectbox("Rembuk", list(pilihan), format_func=pilihan.get, key="rembuk_cepat",
                                 help="Rembuk hari ini lebih dulu, lalu yang baru terlaksana.")  # fmt: skip
        if not pilihan:
            st.info("Belum ada rembuk hari ini atau yang baru terlaksana; aspirasi dicatat tanpa rembuk.")
    aspirasi.form_new(actor, options, today, cepat, rembuk_id)
elif tab == "Impor":
    aspirasi.import_section(actor, today)
elif tab == "Kabar RW":
    lacak.news(actor, lacak.kelurahan_choices(options, actor, f), today, key="kabar_aspirasi")
else:
    selected = aspirasi.table(f, today, key)
    with st.expander("Unduh hasil filter", icon=":material/download:"):
        st.caption(f"Filter: {aspirasi.filter_text(f, options)}")
        aspirasi.export(f, actor, aspirasi.filter_text(f, options))
    if selected:
        aspirasi.detail(selected, actor, options, today)
