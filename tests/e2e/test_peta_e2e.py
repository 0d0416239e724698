"""Peta Aspirasi in a real browser: offline map, drill-down, filters, shared links, hostile text."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geo import maps
from geo.boundaries import load_boundaries
from tests.conftest import DEMO_TODAY, HOSTILE_KELURAHAN
from tests.e2e.conftest import goto, map_frame, metric_value, new_page
from tests.e2e.mapcheck import VIEWPORTS, fills, open_at
from tests.e2e.mapcheck import map_frame as visible_map
from tests.hostile import HOSTILE
from ui.format import format_date, format_number

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("backend")]


def _count(engine, where: str) -> str:
    with engine.connect() as conn:
        n = conn.execute(
            text(f"SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode WHERE {where}")
        ).scalar()
    return format_number(n)


def _polygon_index(kode: str) -> int:
    return list(load_boundaries().kelurahan.index).index(kode)


def test_map_click_opens_the_kelurahan_panel(page):
    goto(page, "/peta")
    frame = visible_map(page)  # the 57 polygons come first; single points of the clusters may follow
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
    frame = visible_map(page)
    page.get_by_role("radio", name="Sembunyikan", exact=True).click()  # only the polygons, then the detail points
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
    # The panel table holds them as plain text: they are listed literally, not executed nor rendered as markup.
    expect(page.get_by_text(f"Aspirasi terbuka: {format_number(len(HOSTILE))}", exact=False)).to_be_visible()
    table = page.locator(".st-key-peta_terbuka")
    for title in ("<img src=x onerror=alert('xss-img')>", "</script><script>alert('xss-script')</script>"):
        expect(table).to_contain_text(title)
    context.close()


# --------------------------------------------------------------------------- projector: modes, reset, panel

KLOJEN = "35.73.02"


def _all_codes() -> set[str]:
    return set(load_boundaries().kelurahan.index)


def _choose_metric(page, label: str) -> None:
    page.get_by_label("Warna peta menurut").click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(page.get_by_text(label, exact=True).first).to_be_visible()


def _fills_change(frame, old: list[str], timeout: float = 20.0) -> list[str]:
    """Polls the polygon fills until they differ from ``old`` (the metric's layer was redrawn)."""
    deadline = time.monotonic() + timeout
    while True:
        now = fills(frame)
        if len(now) == 57 and now != old:
            return now
        assert time.monotonic() < deadline, "warna peta tidak berubah"
        frame.wait_for_timeout(200)


@pytest.mark.tampilan
@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_map_mode_draws_its_layers(browser, app_server, size):
    from db.aspirasi.map_data import METRICS

    context, page = open_at(browser, app_server.url, size, "/peta")
    frame = visible_map(page)
    # Clusters (the default): cluster bubbles over the 57 filled polygons, in the cluster palette.
    expect(frame.locator(".marker-cluster")).not_to_have_count(0, timeout=20_000)
    ring = frame.locator(".marker-cluster").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert ring.replace(" ", "") == maps.CLUSTER_RING.replace(" ", "")
    base = fills(frame)
    assert len(base) == 57
    # Heatmap: the heat canvas is drawn (no "L.heatLayer is not a function") and the choropleth stays filled.
    page.get_by_role("radio", name="Heatmap", exact=True).click()
    expect(frame.locator("canvas.leaflet-heatmap-layer")).to_have_count(1, timeout=20_000)
    expect(frame.locator(".marker-cluster")).to_have_count(0)
    assert fills(frame) == base
    # Hidden points: neither clusters nor heat, polygons still filled.
    page.get_by_role("radio", name="Sembunyikan", exact=True).click()
    expect(frame.locator("canvas.leaflet-heatmap-layer")).to_have_count(0, timeout=20_000)
    expect(frame.locator(".marker-cluster")).to_have_count(0)
    assert fills(frame) == base
    # Each metric recolours the polygons (and the legend names it).
    seen, last = {tuple(base)}, base
    for metrik in list(METRICS.values())[1:]:
        _choose_metric(page, metrik.label)
        expect(page.locator(".st-key-peta_panel").get_by_text(metrik.label, exact=True)).to_be_visible(timeout=20_000)
        last = _fills_change(frame, last)
        assert tuple(last) not in seen, f"warna peta sama dengan metrik lain: {metrik.label}"
        seen.add(tuple(last))
    context.close()


def test_clear_all_filters_resets_url_chips_and_count(browser, app_server, seeded_engine):
    context, page = open_at(browser, app_server.url, (1280, 720), "/peta?kec=Klojen&keadaan=Terbuka&q=a")
    visible_map(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Klojen", exact=True)).to_be_visible()  # the chip in the multiselect
    filtered = _count(seeded_engine, "k.kecamatan_kode = '35.73.02' AND a.terbuka AND "
                      "(lower(a.judul) LIKE '%a%' OR lower(a.deskripsi) LIKE '%a%')")  # fmt: skip
    expect(page.locator("[data-testid='stMetric']").first).to_contain_text(filtered, timeout=20_000)
    sidebar.get_by_role("button", name="Hapus semua filter").click()
    total = _count(seeded_engine, "1=1")
    expect(page.locator("[data-testid='stMetric']").first).to_contain_text(total, timeout=20_000)
    assert metric_value(page, "Cocok dengan filter") == total
    for param in ("kec=", "keadaan=", "q="):
        assert param not in page.url
    expect(sidebar.get_by_text("Klojen", exact=True)).to_have_count(0)
    expect(sidebar.get_by_label("Cari di judul/deskripsi")).to_have_value("")
    context.close()


# Cells of the panel's tables whose text does not fit, and tables that scroll sideways.
_PANEL_CLIP_JS = """() => {
  const p = document.querySelector('.st-key-peta_panel');
  const cells = [...p.querySelectorAll('td, th')].filter((c) => c.offsetParent !== null);
  const clipped = cells.filter((c) => c.scrollWidth > c.clientWidth + 1 ||
    [...c.querySelectorAll('*')].some((e) => e.scrollWidth > e.clientWidth + 1)).map((c) => c.textContent);
  const scrolling = [p, ...p.querySelectorAll('[data-testid=stTable], [data-testid=stTable] *')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className || e.tagName);
  return {cells: cells.length, clipped, scrolling};
}"""


@pytest.mark.tampilan
@pytest.mark.parametrize("size", [*VIEWPORTS, (1100, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_drill_down_panel_fits_beside_or_below_the_map(browser, app_server, seeded_engine, size):
    context, page = open_at(browser, app_server.url, size, "/peta")
    frame = visible_map(page)
    kode = "35.73.03.1009"  # Madyopuro: has open aspirations and a past rembuk in the demo data
    polygon = frame.locator("path.leaflet-interactive").nth(_polygon_index(kode))
    # The tooltip names each number once.
    polygon.dispatch_event("mouseover")
    tooltip = frame.locator(".leaflet-tooltip").first
    expect(tooltip).to_contain_text("Madyopuro")
    assert tooltip.inner_text().count("Jumlah aspirasi") == 1
    polygon.dispatch_event("click")
    panel = page.locator(".st-key-peta_panel")
    expect(panel.get_by_role("heading", name="Madyopuro")).to_be_visible(timeout=20_000)
    expect(panel.locator("[data-testid='stTable']").first).to_be_visible(timeout=20_000)
    with seeded_engine.connect() as conn:
        last = conn.execute(
            text(
                "SELECT MAX(r.tanggal) FROM rembuk r JOIN rembuk_kelurahan rk ON rk.rembuk_id = r.id "
                "WHERE rk.kelurahan_kode = :k AND r.status = 'terlaksana' AND r.tanggal <= :d"
            ),
            {"k": kode, "d": DEMO_TODAY},
        ).scalar()
    if isinstance(last, str):
        last = dt.date.fromisoformat(last[:10])
    expect(panel.get_by_text(f"Rembuk terakhir: {format_date(last, with_weekday=False)}")).to_be_visible()
    for header in ("Umur (hari)", "Status"):
        expect(panel.locator("th").filter(has_text=header).first).to_be_visible()
    page.wait_for_timeout(300)  # column widths settle after the table is laid out
    result = page.evaluate(_PANEL_CLIP_JS)
    assert result["cells"] > 8
    assert result["clipped"] == [], f"sel terpotong: {result['clipped']}"
    assert result["scrolling"] == [], f"tabel bergulir ke samping: {result['scrolling']}"
    m = page.locator(".st-key-kulakan_peta_peta_utama").bounding_box()
    pb = panel.bounding_box()
    if size[0] >= 1280:
        assert pb["x"] >= m["x"] + m["width"] - 1, "panel harus di samping peta"
        assert pb["height"] <= m["height"] + 0.1 * size[1], "panel jauh lebih tinggi dari peta"
    else:
        assert pb["y"] >= m["y"] + m["height"] - 1, "panel harus di bawah peta"
    # The tabs never say "empty": a kelurahan with nothing matching shows an Indonesian empty state.
    assert "empty" not in panel.inner_text().lower()
    context.close()


def test_empty_panel_tables_say_so_in_indonesian(browser, app_server):
    context, page = open_at(browser, app_server.url, (1920, 1080), "/peta?q=tidak-ada-yang-cocok-xyz")
    frame = visible_map(page)
    frame.locator("path.leaflet-interactive").nth(_polygon_index("35.73.05.1012")).dispatch_event("click")
    panel = page.locator(".st-key-peta_panel")
    expect(panel.get_by_role("heading", name="Tasik Madu")).to_be_visible(timeout=20_000)
    expect(panel.get_by_text("Belum ada aspirasi yang cocok dengan filter di kelurahan ini.").first).to_be_visible()
    assert "empty" not in panel.inner_text().lower()
    context.close()
