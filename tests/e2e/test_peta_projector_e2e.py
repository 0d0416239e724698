"""Every map as the projector shows it (1280x720 and 1920x1080): large, fitted, every kelurahan labelled, no
two labels on top of each other, km-only scale bar; maps in tabs fit once the tab is shown."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from geo.boundaries import load_boundaries
from tests.e2e.mapcheck import VIEWPORTS, assert_labels_readable, extent, map_frame, open_at

pytestmark = [pytest.mark.e2e, pytest.mark.tampilan, pytest.mark.usefixtures("backend")]

IDS = [f"{w}x{h}" for w, h in VIEWPORTS]


def _codes(kecamatan: str | None = None) -> set[str]:
    kel = load_boundaries().kelurahan
    return set(kel.index if kecamatan is None else kel.index[kel["kecamatan_kode"] == kecamatan])


def _assert_city_fits(frame, share: float = 0.6) -> None:
    """The 57 kelurahan are inside the frame and fill most of it on one side (first draw)."""
    e = extent(frame)
    f = e["frame"]
    assert e["left"] >= f["left"] - 1 and e["right"] <= f["right"] + 1, e
    assert e["top"] >= f["top"] - 1 and e["bottom"] <= f["bottom"] + 1, e
    w, h = e["right"] - e["left"], e["bottom"] - e["top"]
    assert w >= share * f["width"] or h >= share * f["height"], f"kota hanya {w:.0f}x{h:.0f} px di {f}"


def _assert_metric_scale(frame) -> None:
    scale = frame.locator(".leaflet-control-scale")
    expect(scale).to_have_count(1)
    assert "mi" not in scale.inner_text() and "ft" not in scale.inner_text()
    assert scale.inner_text().strip().endswith(("km", "m"))


@pytest.mark.parametrize("size", VIEWPORTS, ids=IDS)
@pytest.mark.parametrize("path", ["/", "/peta"])
def test_big_maps_fill_the_screen_and_label_every_kelurahan(browser, app_server, path, size):
    context, page = open_at(browser, app_server.url, size, path)
    frame = map_frame(page)
    box = page.locator("iframe[title='streamlit_folium.st_folium']").locator("visible=true").first.bounding_box()
    assert box["height"] >= 0.65 * size[1], f"peta {box['height']:.0f} px < 65% dari {size[1]} px"
    _assert_city_fits(frame)
    assert_labels_readable(frame, _codes())
    _assert_metric_scale(frame)
    context.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=IDS)
def test_peta_filtered_to_klojen_labels_its_11_kelurahan(browser, app_server, size):
    context, page = open_at(browser, app_server.url, size, "/peta?kec=Klojen")
    frame = map_frame(page)
    klojen = _codes("35.73.02")
    assert len(klojen) == 11
    info = assert_labels_readable(frame, klojen)
    assert min(label["font"] for label in info["labels"] if label["kode"] in klojen) >= 11  # zoomed in: larger
    context.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=IDS)
def test_rotasi_map_labels_every_kelurahan(browser, app_server, size):
    context, page = open_at(browser, app_server.url, size, "/rotasi")
    frame = map_frame(page)
    _assert_city_fits(frame)
    assert_labels_readable(frame, _codes())
    _assert_metric_scale(frame)
    context.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=IDS)
def test_bimtek_map_in_a_hidden_tab_fits_once_shown(browser, app_server, size):
    context, page = open_at(browser, app_server.url, size, "/bimtek")
    expect(page.get_by_role("tab", name="Cakupan")).to_be_visible(timeout=30_000)
    # Closed expanders and tabs run only once opened: opening one draws its chart.
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts.first).to_be_visible(timeout=30_000)
    before = charts.count()
    page.get_by_text("Per kelurahan (57 kelurahan)").click()
    expect(charts).to_have_count(before + 1, timeout=20_000)
    page.get_by_role("tab", name="Cakupan").click()
    frame = map_frame(page)
    _assert_city_fits(frame)
    assert_labels_readable(frame, _codes())
    # Another metric of the same map recolours it.
    before = frame.locator("path.leaflet-interactive").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    page.get_by_role("radio", name="Peserta hadir", exact=True).click()
    frame.wait_for_function(
        "(old) => { const now = [...document.querySelectorAll('path.leaflet-interactive')]"
        ".map(p => p.getAttribute('fill')); return now.length === 57 && now.join() !== old; }",
        arg=",".join(before),
        timeout=20_000,
    )
    context.close()
