"""Admin: users and roles, reference data, and the audit log."""

from __future__ import annotations

import streamlit as st

from ui import admin
from ui.pages import open_page

actor, _, _ = open_page("admin")
pengguna, referensi, audit = st.tabs(["Pengguna", "Data referensi", "Log audit"])
with pengguna:
    admin.pengguna(actor)
with referensi:
    admin.referensi(actor)
with audit:
    admin.log_audit(actor)
