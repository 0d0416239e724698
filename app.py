"""Kulakan: entry point. Page config, login gate, navigation over the pages; nothing else.

The page files live in views/, not pages/: Streamlit (1.67) switches a process to its old
automatic multipage mode when a folder named pages/ sits beside the entry script, until the
first st.navigation call; a first visit straight to /peta would then skip this file.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import OperationalError

from ui import auth, lacak
from ui.pages import PAGES

st.set_page_config(page_title="Kulakan · Kota Malang", page_icon="🏛️", layout="wide")


def run() -> None:
    if lacak.requested():  # /lacak?t=TOKEN: only the tracking page, before (and instead of) the login gate
        return lacak.navigation()
    actor = auth.current_actor()
    auth.cookie_script()  # after a login or logout: the browser fetches or drops its HttpOnly session cookie
    if actor is None:
        # Every address shows the login form, so a shared link still opens its page after logging in.
        st.navigation(auth.login_pages(PAGES), position="hidden").run()
    elif auth.must_change_password():
        st.navigation(auth.password_pages(actor, PAGES), position="hidden").run()
    else:
        # Every address exists (a page without the role shows a clear refusal instead of "page not
        # found"), but the menu lists only the pages of the user's role; each page checks again itself.
        pages = [p.page() if actor.can(p.izin) else auth.refusal_page(p) for p in PAGES]
        nav = st.navigation(pages, position="hidden")
        auth.menu(actor, [page for p, page in zip(PAGES, pages, strict=True) if actor.can(p.izin)])
        nav.run()


try:
    run()
except OperationalError:
    # Database down, restarting, read-only or full: say so plainly (no SQL with residents' data on screen).
    logging.getLogger("kulakan").exception("Basis data tidak dapat dipakai")
    st.error(
        "Basis data sedang tidak dapat dihubungi atau tidak dapat ditulis. Tidak ada data yang hilang; "
        "coba lagi sebentar lagi (muat ulang halaman). Bila berlanjut, hubungi admin.",
        icon=":material/cloud_off:",
    )
