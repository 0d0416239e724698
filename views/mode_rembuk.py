"""Mode Rembuk: the projector view of the host kelurahan during the Friday rembuk (no personal data)."""

from __future__ import annotations

import streamlit as st

from ui import auth, data, mode_rembuk

auth.require("lihat")
mode_rembuk.style()
today = data.today()

top = st.container(horizontal=True, vertical_alignment="center")
with top:
    # The menu is hidden on this projector page: a visible way back to the rest of the app.
    if st.button("Kembali ke aplikasi", icon=":material/arrow_back:", type="tertiary"):
        st.switch_page("views/beranda.py")
    kode, hosts = mode_rembuk.pilih_kelurahan(today)
m = mode_rembuk.mode_data(kode, today)
with top:
    mode_rembuk.unduh_pdf(kode, today, m.nama)
mode_rembuk.judul(m, hosts, data.filter_options(data.key()).kelurahan)

peta, angka = st.columns([2, 3], gap="large")
with peta:
    mode_rembuk.peta(m)
with angka:
    mode_rembuk.hidup(kode, today)
