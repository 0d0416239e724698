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
tanggal_rembuk, hosts = mode_rembuk.schedule(today)

bar = st.container(horizontal=True, vertical_alignment="center", key="mode_bar")
with bar:
    kode = mode_rembuk.pick_kelurahan(hosts)
    slide = mode_rembuk.pick_slide()
m = mode_rembuk.mode_data(kode, today)
names = data.filter_options(key).kelurahan
with bar:
    mode_rembuk.download_pdf(kode, today, m.nama)
    # The menu is hidden on this projector page: a visible way back to the rest of the app.
    if st.button("Kembali ke aplikasi", icon=":material/arrow_back:", type="tertiary"):
        st.switch_page("views/beranda.py")

if slide == mode_rembuk.SUMMARY_SLIDE:
    kiri, kanan = st.columns([5, 8], gap="medium")
    with kiri:
        mode_rembuk.title(m, tanggal_rembuk, hosts, names)
        mode_rembuk.map_section(m)
        mode_rembuk.bimtek(kode, today)
    with kanan:
        mode_rembuk.summary(kode, today)
elif slide == mode_rembuk.EVIDENCE_SLIDE:
    mode_rembuk.title(m, tanggal_rembuk, hosts, names)
    mode_rembuk.evidence(kode, today)
else:
    mode_rembuk.title(m, tanggal_rembuk, hosts, names)
    mode_rembuk.details(kode, today)
