"""Roles in a real browser: pimpinan cannot reach staff pages by URL and sees no personal data."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.engine import make_engine
from db.schema import Aspirasi
from tests.e2e.conftest import goto, map_frame

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("backend")]


def test_pimpinan_menu_and_refusal_by_url(page):
    goto(page, "/", "pimpinan.uji")
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_text("Peta Aspirasi")).to_be_visible(timeout=20_000)
    expect(sidebar.get_by_text("Aspirasi", exact=True)).to_have_count(0)
    expect(sidebar.get_by_text("Admin", exact=True)).to_have_count(0)
    goto(page, "/aspirasi", "pimpinan.uji")
    expect(page.get_by_text("Halaman ini tidak tersedia untuk peran pimpinan")).to_be_visible(timeout=20_000)
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0)
    goto(page, "/admin", "pimpinan.uji")
    expect(page.get_by_text("Halaman ini tidak tersedia untuk peran pimpinan")).to_be_visible(timeout=20_000)


def test_staf_reaches_the_workspace(page):
    goto(page, "/aspirasi", "staf.uji")
    expect(page.get_by_role("heading", name="Aspirasi", exact=True)).to_be_visible(timeout=20_000)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=20_000)


def test_no_personal_data_on_the_map_for_pimpinan(page, seeded_url):
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        names = conn.execute(
            select(Aspirasi.pelapor_nama, Aspirasi.pelapor_telepon, Aspirasi.kelurahan_kode)
            .where(Aspirasi.terbuka, Aspirasi.lat.is_not(None))
            .limit(1)
        ).one()
    engine.dispose()
    goto(page, "/peta", "pimpinan.uji")
    frame = map_frame(page)
    from geo.boundaries import load_boundaries

    idx = list(load_boundaries().kelurahan.index).index(names.kelurahan_kode)
    frame.locator("path.leaflet-interactive").nth(idx).dispatch_event("click")
    expect(page.get_by_text("Rembuk terakhir")).to_be_visible(timeout=20_000)
    page.wait_for_timeout(1000)
    html = page.content() + "".join(f.content() for f in page.frames)
    assert names.pelapor_telepon not in html and names.pelapor_nama not in html
