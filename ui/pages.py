"""The pages of the app, with the permission each needs (listed in st.navigation by role)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    url_path: str
    izin: str = "lihat"
    default: bool = False

    def page(self) -> st.Page:
        return st.Page(self.path, title=self.title, icon=self.icon, url_path=self.url_path, default=self.default)


PAGES: list[PageSpec] = [
    PageSpec("views/beranda.py", "Beranda", ":material/home:", "beranda", default=True),
    PageSpec("views/peta.py", "Peta Aspirasi", ":material/map:", "peta"),
    PageSpec("views/aspirasi.py", "Aspirasi", ":material/list_alt:", "aspirasi", izin="tulis"),
    PageSpec("views/rotasi.py", "Rotasi Rembuk", ":material/event_repeat:", "rotasi"),
    PageSpec("views/rembuk.py", "Rembuk Jumat", ":material/groups:", "rembuk"),
    PageSpec("views/mode_rembuk.py", "Mode Rembuk", ":material/co_present:", "mode-rembuk"),
    PageSpec("views/bimtek.py", "Bimtek", ":material/school:", "bimtek"),
    PageSpec("views/kinerja_opd.py", "Kinerja OPD", ":material/leaderboard:", "kinerja-opd"),
    PageSpec("views/admin.py", "Admin", ":material/admin_panel_settings:", "admin", izin="admin"),
]
