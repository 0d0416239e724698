"""Kulakan: entry point. Page config, navigation over the pages; nothing else."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Kulakan · Kota Malang", page_icon="🏛️", layout="wide")

pages = [
    st.Page("pages/beranda.py", title="Beranda", icon=":material/home:", url_path="beranda", default=True),
]
st.navigation(pages).run()
