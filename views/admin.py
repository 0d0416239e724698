"""Admin: users and roles, reference data, and the audit log."""

from __future__ import annotations

import streamlit as st

from ui import admin, auth, components, data
from ui.format import tanggal

actor = auth.require("admin")
components.header("Admin", f"Kota Malang · {tanggal(data.today())}", demo=data.demo_info(data.key()))
pengguna, referensi, audit = st.tabs(["Pengguna", "Data referensi", "Log audit"])
with pengguna:
    admin.pengguna(actor)
with referensi:
    admin.referensi(actor)
with audit:
    admin.log_audit(actor)
