"""Kinerja OPD in a real browser, as pimpinan: pick an OPD, follow "lewat tenggat" to the list and see
the same count; download the Rapor OPD PDF and read its text."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import metric_value, new_page
from ui.format import format_number

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("backend")]
OPD = "DLH"


def _lewat(engine, opd: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT COUNT(*) FROM aspirasi a JOIN opd o ON o.id = a.opd_id "
                "WHERE o.kode = :opd AND a.terbuka AND a.tenggat < :today"
            ),
            {"opd": opd, "today": "2026-11-20"},
        ).scalar()


def _pick(page, main) -> None:
    """Pick the OPD in the page's picker, as a person does."""
    main.locator("[data-testid='stSelectbox']").filter(has_text="OPD").first.click()
    page.get_by_role("option", name=f"{OPD} · Dinas Lingkungan Hidup").click()
    expect(main.get_by_role("heading", name=f"{OPD} · Dinas Lingkungan Hidup")).to_be_visible(timeout=20_000)


def test_pimpinan_follows_lewat_tenggat_and_downloads_the_rapor(browser, app_server, seeded_engine):
    context, page = new_page(browser, app_server.url, "pimpinan.uji", "/kinerja-opd")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Kinerja OPD")).to_be_visible(timeout=30_000)
    # Every OPD of the scorecard on the page at once: the table does not scroll within itself.
    grid = main.locator("[data-testid='stDataFrame'] .dvn-scroller").first
    grid.wait_for(timeout=20_000)
    scroll = grid.evaluate("el => [el.scrollHeight, el.clientHeight]")
    assert scroll[0] <= scroll[1] + 1, f"tabel skor menggulir di dalam: {scroll}"
    _pick(page, main)
    n = format_number(_lewat(seeded_engine, OPD))
    assert metric_value(page, "Lewat tenggat") == n
    assert "kopd=DLH" in page.url  # the chosen OPD is in the address bar

    # The link is an in-app page link: same tab, same login, the filter in the address bar.
    main.get_by_role("link", name=f"Lihat {n} aspirasi di Peta Aspirasi").click()
    expect(main.get_by_role("heading", name="Peta Aspirasi")).to_be_visible(timeout=30_000)
    assert "/peta?" in page.url and "ukur=Lewat" in page.url and "opd=DLH" in page.url
    box = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text("Cocok dengan filter", exact=True))
    expect(box.first.locator("[data-testid='stMetricValue']")).to_have_text(n, timeout=30_000)
    assert metric_value(page, "Lewat tenggat") == n
    expect(page.get_by_role("combobox", name="Ukuran kinerja OPD")).to_have_value("Lewat tenggat")

    page.get_by_role("region", name="Sidebar").get_by_role("link", name="Kinerja OPD").click()
    expect(main.get_by_role("heading", name="Kinerja OPD")).to_be_visible(timeout=30_000)
    _pick(page, main)
    with page.expect_download(timeout=60_000) as dl:
        main.get_by_role("button", name="Unduh Rapor OPD (PDF)").click()
    reader = pypdf.PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes()))
    texts = [pg.extract_text() for pg in reader.pages]
    dlh = next(t for t in texts if f"Rapor OPD - {OPD}" in t)
    assert "Jumat, 20 November 2026" in dlh and "Periode: 1 November 2026 s.d. 20 November 2026" in dlh
    assert "Filter: Semua aspirasi" in dlh
    assert f"Lewat tenggat (hari ini) {n}" in dlh
    assert "10 aspirasi terbuka tertua" in dlh
    assert page.requests.external(page.app_url) == []
    context.close()
