"""Quick capture during a rembuk, in a real browser: the new aspiration is in the table and on the map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.schema import Aspirasi
from geo.boundaries import load_boundaries
from tests.e2e.conftest import AppServer, login, map_frame, new_page, pick

pytestmark = [pytest.mark.e2e, pytest.mark.tulis, pytest.mark.usefixtures("backend")]


@pytest.fixture(scope="module")
def writable_server(hostile_url):
    # Its own server on the hostile database (this test writes; the shared seeded DB stays read-only).
    server = AppServer(hostile_url)
    yield server
    server.stop()


def test_quick_capture_then_table_and_map(browser, writable_server, hostile_url):
    from db.engine import make_engine

    context, page = new_page(browser, writable_server.url, "staf.uji", "/aspirasi?bagian=Catat+baru&cepat=true")
    expect(page.get_by_text("Mode cepat (saat rembuk)")).to_be_visible(timeout=30_000)
    judul = "Gorong-gorong ambrol dekat SD (uji peramban)"
    page.get_by_label("Judul *").fill(judul)
    pick(page, "Kategori *", "Drainase/banjir")
    page.get_by_role("button", name="Simpan aspirasi").click()
    saved = page.get_by_text("tersimpan", exact=False)
    expect(saved).to_be_visible(timeout=20_000)
    nomor = saved.inner_text().split()[0]
    assert nomor.startswith("ASP-")
    expect(page.get_by_label("Judul *")).to_have_value("")  # ready for the next one

    engine = make_engine(hostile_url)
    with engine.connect() as conn:
        row = conn.execute(
            select(Aspirasi.kelurahan_kode, Aspirasi.rembuk_id, Aspirasi.kanal).where(Aspirasi.nomor == nomor)
        ).one()
    engine.dispose()
    assert row.rembuk_id is not None and row.kanal == "rembuk"

    # In the table, found by its title: exactly one result, in the grid.
    login(page, writable_server.url, "staf.uji", "/aspirasi?q=uji+peramban")
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("1", timeout=30_000)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()

    # On the map: the search leaves one aspiration, in its own kelurahan's panel.
    login(page, writable_server.url, "staf.uji", "/peta?q=uji+peramban")
    frame = map_frame(page)
    expect(frame.locator("path.leaflet-interactive")).to_have_count(57, timeout=30_000)
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("1", timeout=20_000)
    idx = list(load_boundaries().kelurahan.index).index(row.kelurahan_kode)
    frame.locator("path.leaflet-interactive").nth(idx).dispatch_event("click")
    expect(page.get_by_text("Aspirasi terbuka: 1", exact=False)).to_be_visible(timeout=20_000)
    context.close()
