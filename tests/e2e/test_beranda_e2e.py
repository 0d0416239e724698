"""Beranda in a real browser: the 57 kelurahan are drawn offline and a click shows its numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.boundaries import load_boundaries
from tests.e2e.conftest import goto, map_frame

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("backend")]


def test_map_draws_57_kelurahan_without_leaving_the_machine(page):
    goto(page, "/")
    expect(page.get_by_role("heading", name="Beranda")).to_be_visible(timeout=30_000)
    frame = map_frame(page)
    polygons = frame.locator("path.leaflet-interactive")
    expect(polygons).to_have_count(57, timeout=30_000)
    expect(frame.get_by_text("Kedungkandang", exact=True)).to_be_visible()  # a label, no basemap needed
    assert page.requests.external(page.app_url) == []


def test_click_on_a_kelurahan_shows_its_numbers(page):
    goto(page, "/")
    frame = map_frame(page)
    expect(frame.locator("path.leaflet-interactive")).to_have_count(57, timeout=30_000)
    expect(page.get_by_text("Klik sebuah kelurahan")).to_be_visible()
    # Features are drawn in code order; click the polygon of the 41st kelurahan.
    kel = load_boundaries().kelurahan.iloc[40]
    frame.locator("path.leaflet-interactive").nth(40).dispatch_event("click")
    expect(page.get_by_text("Klik sebuah kelurahan")).to_be_hidden(timeout=15_000)
    expect(page.get_by_text(kel["nama"], exact=True)).to_be_visible()
    expect(page.get_by_text(f"Kec. {kel['kecamatan']}")).to_be_visible()
