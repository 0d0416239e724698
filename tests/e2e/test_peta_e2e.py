"""Peta Aspirasi in a real browser: offline map, drill-down, filters, shared links, hostile text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geo.boundaries import load_boundaries
from tests.conftest import HOSTILE_KELURAHAN
from tests.e2e.conftest import goto, map_frame, metric_value, new_page
from tests.hostile import HOSTILE
from ui.format import angka

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("backend")]


def _count(engine, where: str) -> str:
    with engine.connect() as conn:
        n = conn.execute(
            text(f"SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode WHERE {where}")
        ).scalar()
    return angka(n)


def _polygon_index(kode: str) -> int:
    return list(load_boundaries().kelurahan.index).index(kode)


def test_map_click_opens_the_kelurahan_panel(page):
    goto(page, "/peta")
    frame = map_frame(page)
    expect(frame.locator("path.leaflet-interactive")).to_have_count(57, timeout=30_000)
    kode = "35.73.05.1012"  # Tasik Madu
    frame.locator("path.leaflet-interactive").nth(_polygon_index(kode)).dispatch_event("click")
    expect(page.get_by_role("heading", name="Tasik Madu")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Kecamatan Lowokwaru · kode 35.73.05.1012")).to_be_visible()
    expect(page.get_by_text("Rembuk terakhir")).to_be_visible()
    assert page.requests.external(page.app_url) == []


def test_filter_in_the_url_and_in_the_sidebar_changes_the_numbers(browser, page, seeded_engine):
    goto(page, "/peta?kec=Klojen")
    map_frame(page)
    expected = _count(seeded_engine, "k.kecamatan_kode = '35.73.02'")
    expect(page.locator("[data-testid='stMetric']").first).to_contain_text(expected, timeout=20_000)
    assert metric_value(page, "Cocok dengan filter") == expected
    page.get_by_role("radio", name="Terbuka", exact=True).click()
    expected_open = _count(seeded_engine, "k.kecamatan_kode = '35.73.02' AND a.terbuka")
    expect(page.locator("[data-testid='stMetric']").first).to_contain_text(expected_open, timeout=20_000)
    assert "keadaan=Terbuka" in page.url and "kec=Klojen" in page.url  # the address bar is the view
    # A colleague opening that address (and logging in) sees the same view.
    shared = page.url.removeprefix(page.app_url)
    context, other = new_page(browser, page.app_url, "pimpinan.uji", shared)
    expect(other.locator("[data-testid='stMetric']").first).to_contain_text(expected_open, timeout=20_000)
    context.close()
    assert page.requests.external(page.app_url) == []


def test_hostile_titles_stay_inert(browser, hostile_server):
    context, page = new_page(browser, hostile_server.url, "pimpinan.uji", "/peta")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    frame = map_frame(page)
    expect(frame.locator("path.leaflet-interactive")).to_have_count(57, timeout=30_000)
    frame.locator("path.leaflet-interactive").nth(_polygon_index(HOSTILE_KELURAHAN)).dispatch_event("click")
    expect(page.get_by_role("heading", name="Gading Kasri")).to_be_visible(timeout=20_000)
    # The kelurahan's open aspirations are drawn with their titles in tooltips: hover them all.
    points = frame.locator("path.leaflet-interactive")
    expect(points).not_to_have_count(57, timeout=20_000)
    for i in range(57, points.count()):
        points.nth(i).dispatch_event("mouseover")
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip.first).to_contain_text("Judul")
    page.wait_for_timeout(500)
    assert dialogs == []
    assert frame.locator("img[src='x']").count() == 0 and page.locator("img[src='x']").count() == 0
    assert frame.locator("script:text('xss')").count() == 0
    # The panel table holds them as plain text (canvas grid): they are listed, not executed.
    expect(page.get_by_text(f"Aspirasi terbuka: {angka(len(HOSTILE))}", exact=False)).to_be_visible()
    context.close()
