"""The naive Peta page as a Streamlit script (run by bench/peta.py through AppTest.from_file; never by the app).

Same database setting, same metrics and the same map component as views/peta.py (``ui.components.folium_map``
-> ``st_folium``), but the data is pandas over every row and the points are a ``folium.Marker`` loop, with no
caching: bench/naive.py.
"""

from __future__ import annotations

import streamlit as st

from bench.naive import naive_map
from ui import components, data
from ui.format import format_number

today = data.today()
st.title("Peta Aspirasi (naif)")
kpi, m = naive_map(data.engine(), today)
summary = st.container(horizontal=True)
summary.metric("Cocok dengan filter", format_number(kpi["jumlah"]))
summary.metric("Terbuka", format_number(kpi["terbuka"]))
summary.metric("Lewat tenggat", format_number(kpi["lewat_tenggat"]))
components.folium_map(m, key="peta_naif", viewport_height=components.VIEWPORT_HEIGHT)
