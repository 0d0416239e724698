"""The pages of the app, with the permission each needs (listed in st.navigation by role), and the skeleton every
page opens with (login check, title, demo badge, pending message): one registry, one skeleton."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import streamlit as st

from db.auth.roles import Actor


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    url_path: str
    izin: str = "lihat"
    default: bool = False
    heading: str | None = None  # the title on the page itself, where it says more than the menu label
    slide: bool = False  # a projector slide (Mode Rembuk): no title row, badge or message above it

    def page(self) -> st.Page:
        return st.Page(self.path, title=self.title, icon=self.icon, url_path=self.url_path, default=self.default)


PAGES: list[PageSpec] = [
    PageSpec("views/beranda.py", "Beranda", ":material/home:", "beranda", default=True),
    PageSpec("views/peta.py", "Peta Aspirasi", ":material/map:", "peta"),
    PageSpec("views/aspirasi.py", "Aspirasi", ":material/list_alt:", "aspirasi", izin="tulis"),
    PageSpec("views/rotasi.py", "Rotasi Rembuk", ":material/event_repeat:", "rotasi"),
    PageSpec("views/rembuk.py", "Rembuk Jumat", ":material/groups:", "rembuk"),
    PageSpec("views/mode_rembuk.py", "Mode Rembuk", ":material/co_present:", "mode-rembuk", slide=True),
    PageSpec("views/bimtek.py", "Bimtek", ":material/school:", "bimtek", heading="Bimtek RT, RW dan LPMK"),
    PageSpec("views/kinerja_opd.py", "Kinerja OPD", ":material/leaderboard:", "kinerja-opd"),
    PageSpec("views/admin.py", "Admin", ":material/admin_panel_settings:", "admin", izin="admin"),
]


class PageContext(NamedTuple):
    """What every page starts from: who is looking, the data key of the cached reads, and the city's today."""

    actor: Actor
    key: tuple
    today: dt.date


def open_page(url_path: str) -> PageContext:
    """The opening of every page in views/: stop unless the user may see it (the registry's ``izin``), then the
    title and subtitle, the 'data demo' badge and a pending success message (ui.components.show_flash)."""
    from ui import auth, components, data  # here: scripts and tests read PAGES alone
    from ui.format import format_date

    spec = next(p for p in PAGES if p.url_path == url_path)
    actor = auth.require(spec.izin)
    key = data.key()
    today = data.today()
    if not spec.slide:
        components.header(spec.heading or spec.title, f"Kota Malang · {format_date(today)}", demo=data.demo_info(key))
        components.show_flash()
    return PageContext(actor, key, today)
