"""Photos in a real browser (issue 15): attach photos while recording (a hostile file is refused), see the
thumbnail on the Peta panel, and close an aspiration only once it has a 'sesudah' photo."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.auth.roles import SYSTEM, Actor
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.foto import services as foto_services
from db.migrate import upgrade
from db.reference import load_reference
from db.schema import Aspirasi, Foto
from db.testing import database
from geo.boundaries import load_boundaries
from tests import foto_files as ff
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users
from tests.e2e import mapcheck
from tests.e2e.conftest import AppServer, new_page, pick

# One database and server per module (the whole module on one xdist worker); each test makes its own rows.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.tulis,
    pytest.mark.xdist_group("foto_e2e"),
    pytest.mark.usefixtures("backend"),
]
JUDUL = "Saluran tersumbat sampah dekat musala (uji foto)"


@pytest.fixture(scope="module")
def foto_server(backend, tmp_path_factory):
    """Its own database and server: these tests write."""
    with database(backend, tmp_path_factory.mktemp("foto-e2e")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
        create_test_users(engine)
        foto_services.set_evidence_required(engine, SYSTEM, ["drainase"])
        engine.dispose()
        server = AppServer(url)
        yield server, url
        server.stop()


def _row(url: str, judul: str = JUDUL):
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            select(
                Aspirasi.id,
                Aspirasi.nomor,
                Aspirasi.kelurahan_kode,
                Aspirasi.status,
                Aspirasi.version,
                Aspirasi.lat,
                Aspirasi.lon,
            ).where(Aspirasi.judul == judul)
        ).one()
        fotos = conn.execute(select(Foto.jenis, Foto.nama_berkas).where(Foto.aspirasi_id == row.id)).all()
    engine.dispose()
    return row, fotos


def test_attach_photo_while_recording_then_thumbnail_on_the_peta_panel(browser, foto_server):
    server, url = foto_server
    context, page = new_page(browser, server.url, "staf.uji", "/aspirasi?bagian=Catat+baru&cepat=true")
    expect(page.get_by_text("Mode cepat (saat rembuk)")).to_be_visible(timeout=30_000)
    page.locator("input[type=file]").set_input_files(
        [
            {"name": "got.jpg", "mimeType": "image/jpeg", "buffer": ff.jpeg_exif(-7.97, 112.62, ff.HOSTILE_EXIF)},
            {"name": "gambar.jpg", "mimeType": "image/jpeg", "buffer": ff.SVG},
        ]
    )
    expect(page.get_by_text("1 foto siap disimpan bersama aspirasi.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Berkas gambar.jpg bukan foto", exact=False)).to_be_visible()
    # Mode cepat has no coordinate fields, but still offers the photo's GPS point; staff confirm it.
    expect(page.get_by_text("memuat lokasi GPS (-7,970000, 112,620000)", exact=False)).to_be_visible()
    page.get_by_role("button", name="Pakai lokasi foto sebagai lokasi aspirasi").click()
    expect(page.get_by_text("Lokasi aspirasi: -7,970000, 112,620000 (dari foto).")).to_be_visible(timeout=20_000)
    page.get_by_label("Judul *").fill(JUDUL)
    pick(page, "Kategori *", "Drainase/banjir")
    expect(page.get_by_text("1 foto siap disimpan bersama aspirasi.")).to_be_visible()  # still attached
    page.get_by_role("button", name="Simpan aspirasi").click()
    saved = page.get_by_text("1 foto tersimpan", exact=False)
    expect(saved).to_be_visible(timeout=20_000)
    row, fotos = _row(url)
    assert saved.inner_text().startswith(row.nomor)
    assert fotos == [("sebelum", "got.jpg")]  # the SVG was refused, nothing of it written
    assert (round(row.lat, 6), round(row.lon, 6)) == (-7.97, 112.62)
    context.close()

    # The Peta panel of its kelurahan shows its thumbnail (bytes through the app, drawn in the browser).
    context, page = new_page(browser, server.url, "pimpinan.uji", "/peta?q=uji+foto")
    frame = mapcheck.map_frame(page)  # waits for the 57 kelurahan polygons
    # ... and the aspiration's point, placed where the photo was taken (circle markers are drawn with arcs)
    expect(frame.locator("path.leaflet-interactive[d*='a']")).to_have_count(1, timeout=10_000)
    idx = list(load_boundaries().kelurahan.index).index(row.kelurahan_kode)
    frame.locator("path.leaflet-interactive").nth(idx).dispatch_event("click")
    expect(page.get_by_text("Foto aspirasi terbuka (1)")).to_be_visible(timeout=20_000)
    img = page.locator("[data-testid='stImage'] img").first
    expect(img).to_be_visible(timeout=20_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)
    assert "/media/" in img.get_attribute("src") and "static" not in img.get_attribute("src")
    expect(page.get_by_text(f"{row.nomor} · Sebelum")).to_be_visible()
    context.close()


def test_close_only_with_a_sesudah_photo(browser, foto_server):
    # Its own aspiration (one 'sebelum' photo, in progress): xdist may run another module's test between the two
    # tests of this module, which tears the module's server down, so this one must not need the first one's row.
    server, url = foto_server
    judul = "Got tersumbat depan pasar (uji tutup)"
    engine = make_engine(url)
    staf = Actor("staf.uji", "staf")
    aid = create_aspirasi(engine, staf, NewAspirasi(judul, "drainase", "35.73.02.1010"), DEMO_TODAY).id
    foto_services.upload(engine, staf, foto_services.Owner("aspirasi", aid), "sebelum", [("got.jpg", ff.jpeg())])
    row, _ = _row(url, judul)
    v = update_status(engine, SYSTEM, row.id, row.version, "diverifikasi", today=DEMO_TODAY)
    update_status(engine, SYSTEM, row.id, v, "dalam_proses", today=DEMO_TODAY)
    engine.dispose()

    context, page = new_page(browser, server.url, "staf.uji", "/aspirasi?q=uji+tutup")
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("1", timeout=30_000)
    grid = page.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the selection cell of the only row
    expect(page.get_by_text("Foto (1/10 · sesudah: 0)")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("mewajibkan bukti foto sesudah", exact=False)).to_be_visible()

    # Selesai without a 'sesudah' photo: refused, with the reason.
    status = page.get_by_label("Status baru")
    status.click()
    page.get_by_role("option", name="Selesai").click()
    page.get_by_role("button", name="Simpan status").click()
    expect(page.get_by_text("Kategori 'Drainase/banjir' mewajibkan bukti foto sesudah", exact=False)).to_be_visible(
        timeout=20_000
    )

    # Add the 'sesudah' photo in the detail, then close.
    page.get_by_text("Tambah foto", exact=True).click()
    page.locator("input[type=file]").set_input_files(
        [{"name": "sesudah.png", "mimeType": "image/png", "buffer": ff.png((800, 600), "RGB")}]
    )
    expect(page.get_by_role("button", name="Unggah foto")).to_be_enabled(timeout=20_000)
    page.get_by_role("button", name="Unggah foto").click()
    expect(page.get_by_text("1 foto sesudah tersimpan.")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Foto (2/10 · sesudah: 1)")).to_be_visible()
    # the status form still holds the choice made before (Streamlit keeps a form's input); during the rerun the
    # old form is still drawn beside the new one: wait until one is left
    expect(page.get_by_role("combobox", name="Status baru")).to_have_count(1, timeout=20_000)
    expect(page.get_by_role("combobox", name="Status baru")).to_match_aria_snapshot('- combobox "Status baru": Selesai')
    page.get_by_role("button", name="Simpan status").click()
    # Saved: the form now offers only reopening (Selesai -> Dalam proses), as after any close.
    expect(page.get_by_role("combobox", name="Status baru")).to_match_aria_snapshot(
        '- combobox "Status baru": Dalam proses', timeout=20_000
    )
    row, fotos = _row(url, judul)
    assert row.status == "selesai" and sorted(j for j, _ in fotos) == ["sebelum", "sesudah"]
    context.close()
