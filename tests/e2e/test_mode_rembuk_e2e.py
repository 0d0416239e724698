"""Mode Rembuk in a real browser: the host's map, and counts that change on their own (no reload)
when staff capture an aspiration from another session; the map is not redrawn by the refresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from db.rembuk import mode as rembuk_mode
from db.rembuk import records as rembuk_records
from db.testing import database
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users
from tests.e2e.conftest import ROOT, AppServer, map_frame, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.tulis, pytest.mark.usefixtures("backend")]


def metric_value(page, label: str) -> str:
    """A big number of the slide, as the room reads it."""
    return page.locator(f"[data-kpi='{label}'] .v").first.inner_text().strip()


@pytest.fixture(scope="module")
def writable_server(backend, tmp_path_factory):
    """Its own server on its own seeded database: this module writes, the shared one stays read-only."""
    with database(backend, tmp_path_factory.mktemp("mode_rembuk")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
        create_test_users(engine)
        (ROOT / ".pytest_cache").mkdir(exist_ok=True)
        server = AppServer(url)
        try:
            yield server, engine
        finally:
            server.stop()
            engine.dispose()


def test_counts_refresh_without_reload_and_the_map_stays(browser, writable_server):
    server, engine = writable_server
    kode = rembuk_records.todays_host(engine, DEMO_TODAY)[0]
    m = rembuk_mode.mode_rembuk_data(engine, kode, DEMO_TODAY)
    context, page = new_page(browser, server.url, "pimpinan.uji", "/mode-rembuk")
    try:
        expect(page.get_by_role("heading", name=f"Kelurahan {m.nama}")).to_be_visible(timeout=30_000)
        expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()
        frame = map_frame(page)
        # The host kelurahan's outline, and one circle per RW with aspirations.
        expect(frame.locator("path[stroke='#0b3d91']")).to_have_count(1, timeout=20_000)
        expect(frame.locator("path.leaflet-interactive")).to_have_count(len(m.titik_rw), timeout=20_000)
        assert metric_value(page, "Masuk hari ini") == str(m.hari_ini)
        # Mark the map's document: a redraw of the map would replace it (and lose the mark).
        frame.locator("body").evaluate("b => { window.__tanda = 'peta-asli'; }")
        url = page.url

        create_aspirasi(
            engine,
            Actor("staf.uji", "staf"),
            NewAspirasi(
                judul="Saluran tersumbat dekat pos RW",
                kategori="drainase",
                kelurahan=kode,
                sumber="RW",
                kanal="rembuk",
                rw=1,
                tanggal_diterima=DEMO_TODAY,
                rembuk_id=m.rembuk_hari_ini,
            ),
            DEMO_TODAY,
        )
        value = page.locator("[data-kpi='Masuk hari ini'] .v")
        expect(value).to_have_text(str(m.hari_ini + 1), timeout=15_000)
        assert metric_value(page, "Aspirasi terbuka") == str(m.terbuka + 1)
        assert page.url == url  # no reload, no navigation
        assert frame.locator("body").evaluate("b => window.__tanda") == "peta-asli"
        assert page.requests.external(page.app_url) == []

        # The printable brief of the same kelurahan, built on click.
        with page.expect_download(timeout=20_000) as info:
            page.get_by_role("button", name="Unduh ringkasan (PDF)").click()
        download = info.value
        assert download.suggested_filename == f"ringkasan-rembuk-{m.nama.lower().replace(' ', '-')}-2026-11-20.pdf"
        assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    finally:
        context.close()
