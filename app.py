"""Kulakan: entry point. Page config, navigation over the pages; nothing else.

The page files live in views/, not pages/: Streamlit (1.67) switches a process to its old
automatic multipage mode when a folder named pages/ sits beside the entry script, until the
first st.navigation call; a first visit straight to /peta would then skip this file.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Kulakan · Kota Malang", page_icon="🏛️", layout="wide")

pages = [
    st.Page("views/beranda.py", title="Beranda", icon=":material/home:", url_path="beranda", default=True),
    st.Page("views/peta.py", title="Peta Aspirasi", icon=":material/map:", url_path="peta"),
]
st.navigation(pages).run()
