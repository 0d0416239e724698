"""Projector sizes in a real browser: Mode Rembuk is one slide at 1280x720 and 1920x1080 (no vertical scroll, no
clipped label or cell, numbers >= 48 px, text >= 20 px, the Friday's date), and every page x role reads Indonesian
(no "None", "nan", "NaT", "empty", "Select all", English month names, `1,234` thousands or `12.5` decimals) with
tables that fit a 1280-pixel screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from db.auth.roles import PERMISSIONS
from db.engine import make_engine
from db.format import format_date, format_number
from db.rembuk import mode as rembuk_mode
from db.rembuk import records as rembuk_records
from tests.conftest import DEMO_TODAY
from tests.e2e import mapcheck
from tests.e2e.conftest import login, map_frame, watch_errors
from tests.e2e.mapcheck import assert_labels_readable
from ui.pages import PAGES

pytestmark = [pytest.mark.e2e, pytest.mark.tampilan, pytest.mark.usefixtures("backend")]

SIZES = [(1280, 720), (1920, 1080)]

# Every element of the main area, outside map frames: its box, fonts and whether its text is cut.
LAYOUT_JS = """
() => {
  const main = document.querySelector("[data-testid='stMain']");
  const clipped = [], small = [];
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('iframe, svg, canvas, [data-testid="stDataFrame"]')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    const text = el.textContent.trim().slice(0, 60);
    if (el.scrollWidth > el.clientWidth + 1 && (cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis'))
      clipped.push(text);
    // Icons are ligature glyphs (material symbols), not words to read.
    if (parseFloat(cs.fontSize) < 20 && !/Material/.test(cs.fontFamily)) small.push(text + ' @' + cs.fontSize);
  }
  return {scroll: [main.scrollHeight, main.clientHeight], docScroll: [document.documentElement.scrollHeight,
          innerHeight], clipped, small};
}
"""
BIG_JS = """
() => [...document.querySelectorAll('.mr-kpi .v, .mr-bimtek .v')].map(
  el => [el.closest('[data-kpi]').dataset.kpi, el.innerText.trim(), parseFloat(getComputedStyle(el).fontSize)])
"""


def _open_mode_rembuk(browser, app_server, w: int, h: int, kelurahan: str | None = None):
    context = browser.new_context(viewport={"width": w, "height": h}, locale="id-ID")
    watch_errors(context)
    page = context.new_page()
    login(page, app_server.url, "pimpinan.uji", "/mode-rembuk")
    if kelurahan:
        page.locator("[data-testid='stSelectbox']").first.click()
        page.keyboard.type(kelurahan)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name=f"Kelurahan {kelurahan}")).to_be_visible(timeout=30_000)
    # One map (the kelurahan chosen), drawn.
    expect(page.locator("iframe[title='streamlit_folium.st_folium']")).to_have_count(1, timeout=30_000)
    map_frame(page)
    expect(page.locator("[data-blok='janji']").or_(page.get_by_text("Tidak ada janji"))).to_be_visible(timeout=30_000)
    return context, page


def _worst_case(engine) -> str:
    """The kelurahan whose summary has the most rows to show (janji, OPD, categories)."""
    from sqlalchemy import select

    from db.schema import Kelurahan

    with engine.connect() as conn:
        rows = conn.execute(select(Kelurahan.kode, Kelurahan.nama)).all()
    size = {}
    for kode, nama in rows:
        m = rembuk_mode.mode_rembuk_data(engine, kode, DEMO_TODAY)
        size[nama] = (
            min(len(m.janji_terakhir), 3) + min(len(m.lewat_tenggat_per_opd), 3) + min(len(m.terbuka_per_kategori), 5)
        )
    return max(size, key=lambda n: (size[n], n))


@pytest.mark.parametrize(("w", "h"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("pilih", ["tuan_rumah", "terpadat"])
def test_mode_rembuk_is_one_slide(browser, app_server, seeded_url, w, h, pilih):
    engine = make_engine(seeded_url)
    try:
        tgl, hosts = rembuk_records.next_rembuk_hosts(engine, DEMO_TODAY)
        kode = hosts[0]
        nama = _worst_case(engine) if pilih == "terpadat" else None
        if nama:
            from sqlalchemy import select

            from db.schema import Kelurahan

            with engine.connect() as conn:
                kode = conn.scalar(select(Kelurahan.kode).where(Kelurahan.nama == nama))
        m = rembuk_mode.mode_rembuk_data(engine, kode, DEMO_TODAY)
    finally:
        engine.dispose()
    context, page = _open_mode_rembuk(browser, app_server, w, h, nama)
    try:
        # Which Friday it is for, by date.
        expect(page.get_by_text(f"Rembuk {format_date(tgl)}", exact=False)).to_be_visible()
        expect(page.get_by_text(re.compile(r"Diperbarui \d\d\.\d\d\.\d\d WIB"))).to_be_visible()
        layout = page.evaluate(LAYOUT_JS)
        assert layout["scroll"][0] <= layout["scroll"][1], f"vertical scroll in the slide: {layout['scroll']}"
        assert layout["docScroll"][0] <= layout["docScroll"][1], layout["docScroll"]
        assert layout["clipped"] == [], layout["clipped"]
        assert layout["small"] == [], layout["small"]
        # Every essential block is on the slide, inside the viewport.
        for blok in ("kategori" if len(m.terbuka_per_kategori) else None, "janji" if len(m.janji_terakhir) else None,
                     "opd" if len(m.lewat_tenggat_per_opd) else None, "bimtek"):  # fmt: skip
            if blok:
                box = page.locator(f"[data-blok='{blok}']").first.bounding_box()
                assert box and box["y"] + box["height"] <= h + 1, (blok, box)
        frame = page.locator("iframe[title='streamlit_folium.st_folium']")
        expect(frame).to_be_visible(timeout=20_000)  # the map frame mounts after the numbers
        frame_box = frame.bounding_box()
        assert frame_box["y"] + frame_box["height"] <= h + 1 and frame_box["height"] >= 0.4 * h, frame_box
        # The kelurahan and its neighbours named on the map, none cut by the frame's edge or under its buttons.
        assert_labels_readable(mapcheck.map_frame(page, polygons=0), {kode})
        # The numbers, as SQL says, at least 48 px.
        big = {label: (text, size) for label, text, size in page.evaluate(BIG_JS)}
        expected = {
            "Aspirasi terbuka": format_number(m.terbuka),
            "Lewat tenggat": format_number(m.lewat_tenggat),
            "Masuk hari ini": format_number(m.hari_ini),
            "Total aspirasi": format_number(m.total),
            "Bimtek RT": f"{format_number(m.bimtek.rt_terlatih)}/{format_number(m.bimtek.rt_total)}",
            "Bimtek RW": f"{format_number(m.bimtek.rw_terlatih)}/{format_number(m.bimtek.rw_total)}",
            "Bimtek LPMK": "Sudah" if m.bimtek.lpmk else "Belum",
        }
        assert {k: v[0] for k, v in big.items()} == expected
        assert all(size >= 48 for _, size in big.values()), big
        # The janji of the last visit: every shown row's status in full, in its own cell.
        if len(m.janji_terakhir):
            cells = page.locator("[data-blok='janji'] tr td:last-child").all_inner_texts()
            assert cells == [
                f"{s}{' · lewat tenggat' if lw else ''}"
                for s, lw in zip(m.janji_terakhir["status_label"][:3], m.janji_terakhir["lewat_tenggat"][:3],
                                 strict=True)
            ]  # fmt: skip
        # The detail is a switch away, not a scroll away.
        page.get_by_text("Rincian", exact=True).click()
        expect(page.locator("[data-blok='janji'] th", has_text="Tenggat")).to_be_visible(timeout=20_000)
        if len(m.janji_terakhir):
            expect(page.locator("[data-blok='janji'] tr")).to_have_count(len(m.janji_terakhir) + 1)
    finally:
        context.close()


# --------------------------------------------------------------------------- text on every page x role

BAD = {
    "None": r"\bNone\b",
    "nan": r"\b(nan|NaN)\b",
    "NaT": r"\bNaT\b",
    "empty": r"\bempty\b",
    "Select all": r"Select all",
    "English month": r"\b(January|February|March|May|June|July|August|October|December|Aug|Oct|Dec)\b",
    "1,234": r"(?<![\d.,])\d{1,3}(,\d{3})+(?!\d)",
    "12.5": r"(?<![\d.,])\d+\.\d{1,2}(?![\d.])",
}
# Indonesian times ("09.15.03 WIB", "14.30") are not decimals.
TIME = re.compile(r"\b\d{2}\.\d{2}(\.\d{2})?\b")
# innerText of the main area and the sidebar, plus the charts' labels (SVG text, not always in innerText).
TEXT_JS = """
() => ['stMain', 'stSidebar'].map(id => document.querySelector(`[data-testid='${id}']`))
  .filter(Boolean).map(el => el.innerText)
  .concat([...document.querySelectorAll("[data-testid='stVegaLiteChart'] svg text")].map(t => t.textContent))
  .join('\\n')
"""


# Data grids wider than their frame at this size (they scroll sideways), by their header cells. The staff's
# Aspirasi working list (12 columns plus the selection box) is allowed to: it fits from about 1,500 px wide,
# and at 1280 only the list scrolls, inside its own frame, with Nomor, Status, Tenggat, Judul, Kelurahan, OPD in view.
WIDE_GRIDS_JS = """
() => [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stDataFrame']")]
  .filter(g => g.offsetParent !== null && !g.closest('.st-key-tabel_aspirasi'))
  .map(g => [g.querySelector('.dvn-scroller'), g])
  .filter(([s]) => s && s.scrollWidth > s.clientWidth + 1)
  .map(([s, g]) => `${s.scrollWidth}>${s.clientWidth}: ` +
       [...g.querySelectorAll('th, [role=columnheader]')].map(h => h.textContent).join('|'))
"""


def bad_text(text: str) -> dict[str, list[str]]:
    text = TIME.sub("", text)
    found = {}
    for name, pattern in BAD.items():
        hits = [text[max(0, m.start() - 30) : m.end() + 10] for m in re.finditer(pattern, text)]
        if hits:
            found[name] = hits[:5]
    return found


def test_bad_text_is_found():
    """The check itself catches what it is for (and leaves Indonesian alone)."""
    assert set(bad_text("Selesai None · 1,600 · 59.4 · October · Select all · empty · NaT · nan")) == set(BAD)
    assert bad_text("Diperbarui 09.15.03 WIB · 1.600 peserta · 59,4% · Oktober · 12 Maret 2027 · RT 07/03") == {}


def _settled(page, spec) -> None:
    """The page has run and drawn: its title, maps and charts are there and Streamlit is idle."""
    main = page.get_by_role("main")
    expect(main.locator("h1").first).to_be_visible(timeout=30_000)
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stStatusWidget'] button")
             && [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].every(
                  c => c.querySelector('svg text, canvas'))
             && [...document.querySelectorAll("iframe[title='streamlit_folium.st_folium']")]
                  .filter(f => f.offsetParent !== null).every(
                  f => f.contentDocument && f.contentDocument.querySelector('.leaflet-container'))""",
        timeout=60_000,
    )


def _stable_text(page, timeout: float = 30.0) -> str:
    """What the page shows once it stopped changing (two reads a second apart agree)."""
    import time

    deadline = time.monotonic() + timeout
    text = page.evaluate(TEXT_JS)
    while time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        again = page.evaluate(TEXT_JS)
        if again == text:
            return text
        text = again
    return text


@pytest.mark.parametrize("peran", ["pimpinan", "staf", "admin"])
def test_every_page_reads_indonesian(browser, app_server, peran):
    """Log in once per role, open each page of its menu as a person does (the menu), read what is on screen;
    its tables fit the 1280-pixel screen without scrolling sideways."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")  # an English browser
    watch_errors(context)
    page = context.new_page()
    try:
        login(page, app_server.url, f"{peran}.uji", "/")
        specs = [p for p in PAGES if p.izin in PERMISSIONS[peran]]
        # Mode Rembuk has no menu: visit it last.
        specs.sort(key=lambda p: p.url_path == "mode-rembuk")
        seen = {}
        for spec in specs:
            if not spec.default:
                page.locator("[data-testid='stSidebar']").get_by_text(spec.title, exact=True).first.click()
                page.wait_for_url(f"**/{spec.url_path}*", timeout=30_000)
            _settled(page, spec)
            if spec.url_path == "bimtek":
                expect(page.locator("[data-testid='stVegaLiteChart'] svg text").first).to_be_attached(timeout=30_000)
            text = _stable_text(page)
            assert len(text) > 200, f"{spec.url_path}: the page drew almost nothing"
            seen[spec.url_path] = bad_text(text)
            if wide := page.evaluate(WIDE_GRIDS_JS):
                seen[spec.url_path]["table scrolls sideways at 1280"] = wide
            if spec.url_path == "bimtek":
                # The charts' axes in Indonesian: thousands with a dot.
                assert re.search(r"\b\d\.\d{3}\b", text), "Bimtek axes show no Indonesian thousands"
        assert {k: v for k, v in seen.items() if v} == {}
        assert set(seen) == {p.url_path for p in specs}
    finally:
        context.close()
