"""What a person sees in a map frame, measured in the browser (shared by the map browser tests)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import login, watch_errors

VIEWPORTS = [(1280, 720), (1920, 1080)]
FRAME = "iframe[title='streamlit_folium.st_folium']"

# Every kelurahan label shown in the frame: its box, text and code, and the boxes that overlap.
_LABELS_JS = """() => {
  const c = document.querySelector('.leaflet-container').getBoundingClientRect();
  const labels = [...document.querySelectorAll('.kulakan-label .nama')]
    .filter((e) => e.offsetParent !== null && getComputedStyle(e.closest('.kulakan-label')).display !== 'none')
    .map((e) => { const b = e.getBoundingClientRect();
      return {kode: e.dataset.kode, text: e.textContent, x: b.left, y: b.top, r: b.right, b: b.bottom,
              font: parseFloat(getComputedStyle(e).fontSize)}; });
  const overlaps = [];
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    const a = labels[i], q = labels[j];
    if (a.x < q.r && q.x < a.r && a.y < q.b && q.y < a.b) overlaps.push(a.text + ' / ' + q.text);
  }
  const outside = labels.filter((l) => l.x < c.left || l.y < c.top || l.r > c.right || l.b > c.bottom)
    .map((l) => l.text);
  // Labels under the zoom buttons, the scale or the attribution (drawn over the map): not readable either.
  const controls = [...document.querySelectorAll('.leaflet-control')].map((e) => e.getBoundingClientRect())
    .filter((b) => b.width > 0 && b.height > 0);
  const covered = labels.filter((l) => controls.some((q) => l.x < q.right && q.left < l.r && l.y < q.bottom
    && q.top < l.b)).map((l) => l.text);
  return {labels, overlaps, outside, covered, layouts: Number(document.querySelector('.leaflet-container')
    .getAttribute('data-label-layout') || 0)};
}"""

# Fill colours of the kelurahan polygons (the choropleth is the only filled interactive layer of 57).
POLYGONS_JS = """[...document.querySelectorAll('path.leaflet-interactive')]
  .filter((p) => !/a/i.test(p.getAttribute('d') || ''))"""  # circle markers (points) are drawn with arcs
_FILLS_JS = f"""() => {POLYGONS_JS}
  .filter((p) => p.getAttribute('fill') && p.getAttribute('fill') !== 'none')
  .map((p) => p.getAttribute('fill') + '@' + p.getAttribute('fill-opacity'))"""

# Box of the drawn kelurahan (union of polygon boxes) and of the frame's map container.
_EXTENT_JS = (
    """() => {
  const POLYGONS = """
    + POLYGONS_JS
    + """;
  const boxes = POLYGONS.map((p) => p.getBoundingClientRect())
    .filter((b) => b.width > 0);
  const c = document.querySelector('.leaflet-container').getBoundingClientRect();
  return {left: Math.min(...boxes.map((b) => b.left)), top: Math.min(...boxes.map((b) => b.top)),
          right: Math.max(...boxes.map((b) => b.right)), bottom: Math.max(...boxes.map((b) => b.bottom)),
          frame: {left: c.left, top: c.top, right: c.right, bottom: c.bottom, width: c.width, height: c.height}};
}"""
)


def open_at(browser, base_url: str, size: tuple[int, int], path: str, username: str = "staf.uji"):
    """A fresh browser at ``size`` logged in on ``path``; errors in any frame fail the test."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="id-ID")
    watch_errors(context)
    pg = context.new_page()
    pg.app_url = base_url
    login(pg, base_url, username, path)
    return context, pg


def map_frame(pg, index: int = 0, polygons: int = 57, timeout: float = 30_000):
    """The Frame of the index-th visible map, scrolled into view, once its polygons are drawn.

    Browsers throttle frames off screen, so a map is measured only after it was scrolled to.
    """
    iframe = pg.locator(FRAME).locator("visible=true").nth(index)
    iframe.wait_for(timeout=timeout)
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    expect(frame.locator("path.leaflet-interactive").first).to_be_attached(timeout=timeout)
    if polygons:
        frame.wait_for_function(f"() => {POLYGONS_JS}.length === {polygons}", timeout=timeout)
    return frame


def labels_after_layout(frame, min_layouts: int = 1) -> dict:
    frame.wait_for_function(
        f"() => Number(document.querySelector('.leaflet-container').getAttribute('data-label-layout') || 0)"
        f" >= {min_layouts}",
        timeout=20_000,
    )
    frame.wait_for_timeout(300)  # a pending relayout (resize/fit) runs in the next animation frame
    return frame.evaluate(_LABELS_JS)


def fills(frame) -> list[str]:
    return frame.evaluate(_FILLS_JS)


def extent(frame) -> dict:
    return frame.evaluate(_EXTENT_JS)


def assert_labels_readable(frame, expected_codes: set[str]) -> dict:
    """Every expected kelurahan has a label in the frame; no two labels overlap; all readable."""
    info = labels_after_layout(frame)
    shown = {label["kode"] for label in info["labels"]}
    missing = expected_codes - shown
    assert not missing, f"{len(missing)} kelurahan tanpa label: {sorted(missing)}"
    assert info["overlaps"] == [], f"label bertumpuk: {info['overlaps'][:10]}"
    assert info["outside"] == [], f"label keluar bingkai: {info['outside']}"
    assert info["covered"] == [], f"label tertutup tombol zoom, skala atau atribusi: {info['covered']}"
    assert min(label["font"] for label in info["labels"]) >= 9
    return info
