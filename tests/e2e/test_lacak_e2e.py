"""A tracking link in a real browser: opened without login, answered "Belum beres", seen by staff."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.auth.roles import SYSTEM
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.lacak import links as lacak_links
from db.lacak import page as lacak_page
from db.migrate import upgrade
from db.reference import load_reference
from db.schema import Aspirasi, LacakKonfirmasi
from db.testing import database
from geo.boundaries import load_boundaries
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users
from tests.e2e.conftest import AppServer, login, map_frame, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.tulis, pytest.mark.usefixtures("backend")]


@pytest.fixture(scope="module")
def lacak_db(backend, tmp_path_factory):
    """Its own database (the test writes an answer): demo data, and one Selesai aspiration with a link."""
    with database(backend, tmp_path_factory.mktemp("lacak_e2e")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
        create_test_users(engine)
        with engine.connect() as conn:
            a = conn.execute(
                select(Aspirasi.id, Aspirasi.nomor, Aspirasi.kelurahan_kode, Aspirasi.pelapor_nama)
                .where(Aspirasi.status == "selesai", Aspirasi.lat.is_not(None), Aspirasi.pelapor_nama.is_not(None))
                .order_by(Aspirasi.id)
                .limit(1)
            ).one()
        token = lacak_links.issue(engine, SYSTEM, [a.id])[a.id]
        engine.dispose()
        yield url, a, token


@pytest.fixture(scope="module")
def lacak_server(lacak_db):
    server = AppServer(lacak_db[0])
    yield server
    server.stop()


def test_link_without_login_belum_beres_then_staff_sees_the_flag(browser, lacak_server, lacak_db):
    url, a, token = lacak_db
    # A fresh browser (no login, no cookies): the link from the WhatsApp group.
    context, page = new_page(browser, lacak_server.url, username=None)
    page.goto(f"{lacak_server.url}/lacak?t={token}")
    expect(page.get_by_role("heading", name=a.nomor)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Perjalanan status")).to_be_visible()
    expect(page.get_by_text("Selesai", exact=True).first).to_be_visible()
    expect(page.get_by_label("Nama pengguna")).to_have_count(0)
    expect(page.locator("[data-testid='stSidebar']")).to_have_count(0)  # no menu into the app
    assert a.pelapor_nama not in page.content()
    page.get_by_label("Catatan singkat (opsional)").fill("Air masih menggenang di ujung gang")
    page.get_by_role("button", name="Belum beres").click()
    expect(page.get_by_text('Jawaban "Belum beres" tercatat.')).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Belum beres")).to_have_count(0)  # one answer per day
    engine = make_engine(url)
    with engine.connect() as conn:
        k = conn.execute(select(LacakKonfirmasi.jawaban, LacakKonfirmasi.catatan)).one()
    assert tuple(k) == ("belum", "Air masih menggenang di ujung gang")

    # Holding a valid token opens nothing else: every other address shows the login form.
    for path in ("/", "/peta", "/aspirasi", "/rembuk", "/mode-rembuk", "/admin"):
        page.goto(f"{lacak_server.url}{path}?t={token}")
        expect(page.get_by_label("Nama pengguna")).to_be_visible(timeout=30_000)
        expect(page.get_by_text(a.nomor)).to_have_count(0)
    context.close()

    # Staff: the flag on the Aspirasi list and in the map's kelurahan panel.
    context, staff = new_page(browser, lacak_server.url, "staf.uji", "/aspirasi")
    expect(staff.get_by_text("1 aspirasi dikonfirmasi belum beres oleh RT/RW")).to_be_visible(timeout=30_000)
    login(staff, lacak_server.url, "staf.uji", "/peta")
    frame = map_frame(staff)
    idx = list(load_boundaries().kelurahan.index).index(a.kelurahan_kode)
    frame.locator("path.leaflet-interactive").nth(idx).dispatch_event("click")
    expect(staff.get_by_text("1 aspirasi dikonfirmasi belum beres")).to_be_visible(timeout=30_000)
    context.close()
    engine.dispose()


def test_unknown_link_gets_the_neutral_message(browser, lacak_server):
    context, page = new_page(browser, lacak_server.url, username=None)
    page.goto(f"{lacak_server.url}/lacak?t={lacak_links.create_token()}")
    expect(page.get_by_text(lacak_page.NEUTRAL_MESSAGE)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button")).to_have_count(0)
    context.close()


@pytest.fixture(scope="module")
def server_tanpa_lacak(lacak_db, monkeypatch_module):
    monkeypatch_module.setenv("KULAKAN_LACAK", "0")
    server = AppServer(lacak_db[0])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_switch_off_the_route_shows_only_the_login_form(browser, server_tanpa_lacak, lacak_db):
    assert os.environ["KULAKAN_LACAK"] == "0"
    _, a, token = lacak_db
    context, page = new_page(browser, server_tanpa_lacak.url, username=None)
    page.goto(f"{server_tanpa_lacak.url}/lacak?t={token}")
    expect(page.get_by_label("Nama pengguna")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(a.nomor)).to_have_count(0)
    expect(page.get_by_text("Perjalanan status")).to_have_count(0)
    # /lacak is then an unknown address like any other: Streamlit itself logs that it runs the main page.
    page.errors.allow("does not seem to exist")
    context.close()
