"""A login survives a reload (F5) through a signed HttpOnly cookie; logout ends it for good; every page address
logged out shows the login form and, after logging in, that same page with its query."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from db.format import format_number
from tests.e2e.conftest import login, metric_value, new_page, watch_errors

pytestmark = pytest.mark.tulis  # login sessions are rows in the database: also on PostgreSQL

COOKIE = "kulakan_sesi"


def _session_cookie(context, timeout: float = 15) -> dict:
    """The browser's session cookie, once the page has traded its one-time nonce for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {COOKIE} cookie after {timeout}s: {context.cookies()}")


def _cookie_gone(context, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [c for c in context.cookies() if c["name"] == COOKIE]:
            return
        time.sleep(0.2)
    raise AssertionError(f"{COOKIE} still set after logout")


def _logged_in_on(pg, title: str) -> None:
    expect(pg.get_by_role("heading", name=title, level=1)).to_be_visible(timeout=30_000)
    expect(pg.get_by_text("Masuk sebagai")).to_be_visible()
    expect(pg.get_by_label("Kata sandi")).to_have_count(0)


def _login_form(pg) -> None:
    expect(pg.get_by_label("Kata sandi")).to_be_visible(timeout=30_000)
    expect(pg.get_by_role("button", name="Masuk")).to_be_visible()
    expect(pg.get_by_text("Page not found")).to_have_count(0)
    expect(pg.get_by_text("Masuk sebagai")).to_have_count(0)


def test_reload_keeps_the_login_and_logout_ends_the_cookie(browser, app_server):
    context, pg = new_page(browser, app_server.url, "staf.uji", "/rembuk")
    _logged_in_on(pg, "Rembuk Jumat")
    cookie = _session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert COOKIE not in pg.evaluate("document.cookie")  # JavaScript cannot read it
    assert COOKIE not in pg.url and "nonce" not in pg.url

    pg.reload()  # F5
    _logged_in_on(pg, "Rembuk Jumat")
    assert pg.url == app_server.url + "/rembuk"
    pg.reload()
    _logged_in_on(pg, "Rembuk Jumat")

    pg.get_by_role("button", name="Keluar").click()
    _login_form(pg)
    _cookie_gone(context)
    pg.reload()
    _login_form(pg)
    context.close()

    # Someone who copied the cookie before the logout: it no longer opens anything.
    replay = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="id-ID")
    watch_errors(replay)
    replay.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
    other = replay.new_page()
    other.goto(app_server.url + "/rembuk")
    _login_form(other)
    expect(other.get_by_role("heading", name="Rembuk Jumat", level=1)).to_have_count(0)
    replay.close()


def test_a_cookie_from_a_live_session_opens_the_page_in_a_new_tab(browser, app_server):
    context, pg = new_page(browser, app_server.url, "pimpinan.uji", "/rotasi")
    _logged_in_on(pg, "Rotasi Rembuk")
    _session_cookie(context)
    tab = context.new_page()
    tab.goto(app_server.url + "/bimtek")
    _logged_in_on(tab, "Bimtek RT, RW dan LPMK")
    context.close()


@pytest.mark.parametrize(("path", "title"), [("/beranda", "Beranda"), ("/peta?kec=Klojen", "Peta Aspirasi")])
def test_a_logged_out_address_shows_the_login_form_then_that_page(browser, app_server, seeded_engine, path, title):
    context, pg = new_page(browser, app_server.url, username=None)
    pg.goto(app_server.url + path)
    _login_form(pg)
    login(pg, app_server.url, "staf.uji", path)
    _logged_in_on(pg, title)
    # Beranda is the default page: Streamlit shows its address as "/".
    assert pg.url == app_server.url + ("/" if path == "/beranda" else path)
    if "kec=Klojen" in path:
        with seeded_engine.connect() as conn:
            n = conn.execute(
                text(
                    "SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode "
                    "WHERE k.kecamatan_kode = '35.73.02'"
                )
            ).scalar()
        expect(pg.locator("[data-testid='stMetric']").first).to_contain_text(format_number(n), timeout=20_000)
        assert metric_value(pg, "Cocok dengan filter") == format_number(n)
    context.close()
