"""The naive Peta page as a Streamlit script (run by bench/peta.py through AppTest.from_file; never by the app).

Same database setting, same metrics and the same map component as views/peta.py (``ui.components.folium_map``
-> ``st_folium``), but the data is pandas over every row and the points are a ``folium.Marker`` loop, with no
caching: bench/naive.py. folium and branca run as shipped: the app's shortcut in geo/maps.py (branca's
template factory that skips compiling text without Jinja markup, installed process-wide when geo.maps is
imported) is switched off while this page runs and put back afterwards, so the baseline is the stock library
and the speed-up stays on Kulakan's side of the ratio.
"""

from __future__ import annotations

import branca.element
import jinja2
import streamlit as st

from bench.naive import naive_map
from ui import components, data
from ui.format import format_number

shortcut, branca.element.Template = branca.element.Template, jinja2.Template
try:
    today = data.today()
    st.title("Peta Aspirasi (naif)")
    kpi, m = naive_map(data.engine(), today)
    summary = st.container(horizontal=True)
    summary.metric("Cocok dengan filter", format_number(kpi["jumlah"]))
    summary.metric("Terbuka", format_number(kpi["terbuka"]))
    summary.metric("Lewat tenggat", format_number(kpi["lewat_tenggat"]))
    components.folium_map(m, key="peta_naif", viewport_height=components.VIEWPORT_HEIGHT)
finally:
    branca.element.Template = shortcut
