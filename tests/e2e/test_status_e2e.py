"""Issue 12 §2 in a real browser: one status change = one confirmation, an empty note, one history entry."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.engine import make_engine
from db.schema import AspirasiRiwayat
from tests.conftest import DEMO_TODAY
from tests.e2e.conftest import AppServer, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.tulis, pytest.mark.usefixtures("backend")]

JUDUL = "Uji status sekali klik"


@pytest.fixture(scope="module")
def server_and_id(hostile_url):
    engine = make_engine(hostile_url)
    item = NewAspirasi(judul=JUDUL, kategori="pju", kelurahan="35.73.02.1010", rw=None, rt=None)
    aid = create_aspirasi(engine, Actor("staf.uji", "staf"), item, DEMO_TODAY).id
    server = AppServer(hostile_url)
    yield server, engine, aid
    server.stop()
    engine.dispose()


def history(engine, aid: int) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).where(AspirasiRiwayat.aspirasi_id == aid))


def test_status_change_once(browser, server_and_id):
    server, engine, aid = server_and_id
    before = history(engine, aid)
    context, page = new_page(browser, server.url, "staf.uji", "/aspirasi?q=" + JUDUL.replace(" ", "+"))
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("1", timeout=30_000)
    grid = page.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the row's selection box (header 35 px, row 35 px)
    expect(page.get_by_text("Ubah status (sekarang: Diterima)")).to_be_visible(timeout=20_000)
    note = page.get_by_role("textbox", name="Catatan / alasan")
    note.fill("sudah dicek ke lokasi")
    page.get_by_role("button", name="Simpan status").click()
    expect(page.get_by_text("Ubah status (sekarang: Diverifikasi)")).to_be_visible(timeout=20_000)
    expect(
        page.get_by_test_id("stAlertContentSuccess").filter(has_text="Status diubah ke Diverifikasi.")
    ).to_be_visible()
    expect(page.get_by_test_id("stToast").filter(has_text="Status diubah ke Diverifikasi.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Catatan / alasan")).to_have_value("")
    assert history(engine, aid) == before + 1
    context.close()
