"""Admin: users and roles, reference data, and the audit log."""

from __future__ import annotations

from ui import admin, components
from ui.pages import open_page

actor, _, _ = open_page("admin")
components.lazy_tabs(
    "admin_tab",
    {
        "Pengguna": lambda: admin.users(actor),
        "Data referensi": lambda: admin.reference(actor),
        "Log audit": lambda: admin.audit_log(actor),
    },
)
