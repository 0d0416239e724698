"""Mode Rembuk: the projector view of the host kelurahan during the Friday rembuk (no personal data).

One slide ("Ringkasan") without scrolling at 1280x720 and 1920x1080; "Rincian" (a switch, not a scroll) holds
the full lists and has room for more blocks.
"""

from __future__ import annotations

import streamlit as st

from ui import data, mode_rembuk
from ui.pages import open_page

_, key, today = open_page("mode-rembuk")
mode_rembuk.style()
tanggal_rembuk, hosts = mode_rembuk.jadwal(today)

bar = st.container(horizontal=True, vertical_alignment="center", key="mode_bar")
with bar:
    kode = mode_rembuk.pilih_kelurahan(hosts)
    slide = mode_rembuk.pilih_slide()
m = mode_rembuk.mode_data(kode, today)
names = data.filter_options(key).kelurahan
with bar:
    mode_rembuk.unduh_pdf(kode, today, m.nama)
    # The menu is hidden on this projector page: a visible way back to the rest of the app.
    if st.button("Kembali ke aplikasi", icon=":material/arrow_back:", type="tertiary"):
        st.switch_page("views/beranda.py")

if slide == mode_rembuk.RINGKASAN:
    kiri, kanan = st.columns([5, 8], gap="medium")
    with kiri:
        mode_rembuk.judul(m, tanggal_rembuk, hosts, names)
        mode_rembuk.peta(m)
        mode_rembuk.bimtek(kode, today)
    with kanan:
        mode_rembuk.ringkasan(kode, today)
elif slide == mode_rembuk.BUKTI:
    mode_rembuk.judul(m, tanggal_rembuk, hosts, names)
    mode_rembuk.bukti(kode, today)
else:
    mode_rembuk.judul(m, tanggal_rembuk, hosts, names)
    mode_rembuk.rincian(kode, today)
