"""Photos (issue 15): processing, EXIF, hostile files, the store, privacy, orphans, evidence rule, backup."""

from __future__ import annotations

import datetime as dt
import io
import os
import tarfile
import time

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.auth.roles import SYSTEM, AccessDenied, Actor
from db.foto import demo as foto_demo
from db.foto import images as foto_images
from db.foto import queries as foto_queries
from db.foto import services as foto_services
from db.foto import storage as foto_storage
from db.foto.images import FotoRejected
from db.foto.services import FotoEvidenceMissing, Owner
from db.schema import Foto, Kategori, LogAudit
from geo.boundaries import load_boundaries
from tests import foto_files as ff
from tests.conftest import DEMO_TODAY
from tests.hostile import HOSTILE

STAF = Actor("staf.foto", "staf")
PIMPINAN = Actor("pimpinan.foto", "pimpinan")
ADMIN = Actor("admin.foto", "admin")
KEL = "35.73.02.1010"  # Gading Kasri


@pytest.fixture
def root(tmp_path, monkeypatch):
    path = tmp_path / "foto"
    monkeypatch.setenv("KULAKAN_FOTO_DIR", str(path))
    foto_storage._read.cache_clear()
    return path


def _files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _aspirasi(engine, kategori="jalan_rusak", judul="Jalan berlubang di gang 3") -> int:
    return create_aspirasi(engine, STAF, NewAspirasi(judul, kategori, KEL), DEMO_TODAY).id


# --- processing (pure) ---------------------------------------------------------------------------------


def test_reencodes_to_budget_without_metadata():
    f = foto_images.process(ff.jpeg((4000, 3000)), "IMG_0001.JPG")
    assert (f.lebar, f.tinggi) == (1600, 1200)
    thumb = Image.open(io.BytesIO(f.thumb))
    assert max(thumb.size) == 320
    for data in (f.display, f.thumb):
        img = Image.open(io.BytesIO(data))
        assert img.format == "JPEG"
        assert not img.getexif()
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(img.info)
    assert f.sha256 == foto_images.sha256(f.display) and f.nama_berkas == "IMG_0001.JPG"


def test_small_images_are_not_enlarged_and_png_webp_are_accepted():
    f = foto_images.process(ff.png((640, 480)), "a.png")
    assert (f.lebar, f.tinggi) == (640, 480)
    # transparency flattened on white
    assert Image.open(io.BytesIO(f.display)).getpixel((5, 5))[0] > 200
    assert foto_images.process(ff.webp(), "a.webp").lebar == 640


def test_gps_is_read_then_every_exif_field_is_stripped():
    kel = load_boundaries().kelurahan.loc[KEL]
    lat, lon = float(kel["label_lat"]), float(kel["label_lon"])
    data = ff.jpeg_exif(lat, lon, teks=ff.HOSTILE_EXIF, orientation=6)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    f = foto_images.process(data, "hp.jpg")
    assert f.gps == pytest.approx((lat, lon), abs=1e-4)
    # orientation 6 (rotate 90°) is applied to the pixels before the tag goes
    assert (f.lebar, f.tinggi) == (600, 1000)
    for stored in (f.display, f.thumb):
        img = Image.open(io.BytesIO(stored))
        assert not img.getexif() and not img.getexif().get_ifd(0x8825)
        for text in HOSTILE:
            assert text.encode("utf-8") not in stored
        for raw in (b"onerror", b"<script", b"HYPERLINK", b"alert"):
            assert raw not in stored


def test_no_gps_gives_no_location():
    assert foto_images.process(ff.jpeg(), "x.jpg").gps is None


@pytest.mark.parametrize(
    ("make", "nama", "pesan"),
    [
        (lambda: ff.bomb_png(), "bom.png", "tidak wajar"),
        (lambda: ff.bomb_png(10_000, 6_000), "besar.png", "megapiksel"),
        (ff.truncated_jpeg, "potong.jpg", "terpotong"),
        (lambda: ff.SVG, "gambar.jpg", "bukan foto"),
        (ff.pdf_bytes, "surat.jpg", "bukan foto"),
        (lambda: ff.huge(60), "besar.jpg", "terlalu besar"),
        (lambda: b"<html><script>alert(1)</script></html>", "a.jpg", "bukan foto"),
        (lambda: b"GIF89a" + b"\0" * 100, "a.gif", "bukan foto"),
        (lambda: b"", "kosong.jpg", "kosong"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(make, nama, pesan):
    with pytest.raises(FotoRejected, match=pesan) as exc:
        foto_images.process(make(), nama)
    assert "<" not in str(exc.value) and "../" not in str(exc.value)


def test_polyglot_is_neutralised_by_reencoding():
    data = ff.polyglot()
    assert b"<script>" in data
    f = foto_images.process(data, "poliglot.jpg")
    assert b"<script" not in f.display and b"<html" not in f.display and b"<script" not in f.thumb
    assert f.display.endswith(b"\xff\xd9")


def test_hostile_file_name_is_neutralised():
    name = foto_images.safe_name(ff.NAMA_JAHAT)
    assert "/" not in name and "<" not in name and ".." not in name.split(".")[0:1][0] + "x"
    assert name.endswith(".jpg")
    assert foto_images.safe_name("") == "foto"
    f = foto_images.process(ff.jpeg(), ff.NAMA_JAHAT)
    assert f.nama_berkas == name


def test_blur_changes_only_the_box():
    f = foto_images.process(ff.jpeg((800, 600)), "x.jpg")
    img = foto_images.blur_image(f.display, (0.0, 0.0, 0.5, 0.5))
    before = Image.open(io.BytesIO(f.display)).convert("RGB")
    # inside the box the stripes are gone (low variance), outside unchanged
    inside = [img.getpixel((x, 100))[0] for x in range(0, 380, 5)]
    assert max(inside) - min(inside) < max(before.getpixel((x, 100))[0] for x in range(0, 380, 5)) - min(
        before.getpixel((x, 100))[0] for x in range(0, 380, 5)
    )
    assert abs(img.getpixel((700, 500))[0] - before.getpixel((700, 500))[0]) <= 2
    with pytest.raises(FotoRejected):
        foto_images.blur_image(f.display, (0.6, 0.0, 0.5, 0.5))


def test_demo_placeholder_is_labelled():
    img = Image.open(io.BytesIO(foto_demo.demo_image("Jalan rusak", "sebelum")))
    assert img.size == (800, 600)
    # the red demo band at the bottom
    assert img.getpixel((5, 595))[0] > 150 > img.getpixel((5, 595))[1]


# --- store and services (both databases) ----------------------------------------------------------------


def test_upload_writes_files_then_rows_and_limits_per_aspiration(ready_engine, root):
    aid = _aspirasi(ready_engine)
    p = Owner("aspirasi", aid)
    ids = foto_services.upload(ready_engine, STAF, p, "sebelum", [("a.jpg", ff.jpeg()), ("b.png", ff.png())])
    assert len(ids) == 2
    rows = foto_queries.list_foto(ready_engine, p, STAF)
    assert [r.jenis for r in rows] == ["sebelum", "sebelum"]
    for r in rows:
        assert foto_storage.path_of(r.sha256).exists() and foto_storage.path_of(r.sha256_thumb).exists()
        assert foto_storage.read_file(r.sha256) == foto_storage.path_of(r.sha256).read_bytes()
    assert not str(root).startswith(str(foto_storage.root_dir().parent.parent / "static"))
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(LogAudit.aksi == "foto_unggah")) == 1
    # the same bytes twice: one file (content-addressed), two rows
    foto_services.upload(ready_engine, STAF, p, "proses", [("a.jpg", ff.jpeg())])
    assert len(_files(root)) == 4
    foto_services.upload(ready_engine, STAF, p, "proses", [(f"{i}.jpg", ff.jpeg(color=(i, 9, 9))) for i in range(7)])
    with pytest.raises(FotoRejected, match="paling banyak 10 foto"):
        foto_services.upload(ready_engine, STAF, p, "sesudah", [("x.jpg", ff.jpeg(color=(1, 2, 3)))])
    assert foto_queries.count_active(ready_engine, p) == 10


def test_a_refused_file_refuses_the_batch_and_writes_nothing(ready_engine, root):
    aid = _aspirasi(ready_engine)
    hostile = [ff.bomb_png(), ff.truncated_jpeg(), ff.SVG, ff.pdf_bytes(), ff.huge(60)]
    for data in hostile:
        with pytest.raises(FotoRejected):
            foto_services.upload(
                ready_engine, STAF, Owner("aspirasi", aid), "sebelum", [("ok.jpg", ff.jpeg()), ("x.jpg", data)]
            )
    assert _files(root) == []
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Foto)) == 0


def test_roles_and_kind_rules(ready_engine, root):
    aid = _aspirasi(ready_engine)
    with pytest.raises(AccessDenied):
        foto_services.upload(ready_engine, PIMPINAN, Owner("aspirasi", aid), "sebelum", [("a.jpg", ff.jpeg())])
    with pytest.raises(FotoRejected, match="tidak berlaku"):
        foto_services.upload(ready_engine, STAF, Owner("aspirasi", aid), "dokumentasi", [("a.jpg", ff.jpeg())])
    with pytest.raises(FotoRejected, match="tidak ditemukan"):
        foto_services.upload(ready_engine, STAF, Owner("aspirasi", 999_999), "sebelum", [("a.jpg", ff.jpeg())])
    scoped = Actor("staf.lain", "staf", kecamatan_kode="35.73.05")
    with pytest.raises(AccessDenied):
        foto_services.upload(ready_engine, scoped, Owner("aspirasi", aid), "sebelum", [("a.jpg", ff.jpeg())])
    assert _files(root) == []


def test_private_photos_never_reach_pimpinan_or_the_screen(ready_engine, root):
    aid = _aspirasi(ready_engine)
    p = Owner("aspirasi", aid)
    (pub,) = foto_services.upload(ready_engine, STAF, p, "sebelum", [("a.jpg", ff.jpeg())])
    (priv,) = foto_services.upload(ready_engine, STAF, p, "sebelum", [("b.jpg", ff.jpeg(color=(9, 9, 9)))], privat=True)
    assert [f.id for f in foto_queries.list_foto(ready_engine, p, STAF)] == [pub, priv]
    assert [f.id for f in foto_queries.list_foto(ready_engine, p, ADMIN)] == [pub, priv]
    assert [f.id for f in foto_queries.list_foto(ready_engine, p, PIMPINAN)] == [pub]
    assert [f.id for f in foto_queries.list_foto(ready_engine, p, STAF, layar=True)] == [pub]
    assert [f.id for f in foto_queries.list_foto(ready_engine, p, None)] == [pub]
    nomor = create_aspirasi(ready_engine, STAF, NewAspirasi("Lain", "jalan_rusak", KEL), DEMO_TODAY).nomor
    with ready_engine.connect() as conn:
        mine = conn.scalar(select(func.min(Foto.id)))
    assert mine == pub
    foto_services.update_private(ready_engine, STAF, pub, True)
    assert foto_queries.list_foto(ready_engine, p, PIMPINAN) == []
    assert foto_queries.thumbnail_per_aspirasi(ready_engine, [nomor], STAF) == {}


def test_soft_delete_is_audited_and_admin_purges_files(ready_engine, root):
    aid = _aspirasi(ready_engine)
    p = Owner("aspirasi", aid)
    (fid,) = foto_services.upload(ready_engine, STAF, p, "sebelum", [("a.jpg", ff.jpeg())])
    info = foto_queries.list_foto(ready_engine, p, STAF)[0]
    with pytest.raises(FotoRejected, match="alasan"):
        foto_services.delete_foto(ready_engine, STAF, fid, "  ")
    foto_services.delete_foto(ready_engine, STAF, fid, "Wajah warga terlihat")
    assert foto_queries.list_foto(ready_engine, p, STAF) == []
    assert [f.id for f in foto_queries.list_foto(ready_engine, p, ADMIN, dihapus=True)] == [fid]
    assert foto_storage.path_of(info.sha256).exists()  # soft: bytes kept
    with pytest.raises(AccessDenied):
        foto_services.purge_foto(ready_engine, STAF, fid)
    foto_services.purge_foto(ready_engine, ADMIN, fid)
    assert not foto_storage.path_of(info.sha256).exists() and _files(root) == []
    with ready_engine.connect() as conn:
        aksi = conn.scalars(select(LogAudit.aksi).where(LogAudit.aksi.like("foto_%")).order_by(LogAudit.id)).all()
    assert aksi == ["foto_unggah", "foto_hapus", "foto_musnah"]


def test_blur_replaces_the_stored_photo_and_removes_the_clear_one(ready_engine, root):
    aid = _aspirasi(ready_engine)
    p = Owner("aspirasi", aid)
    (fid,) = foto_services.upload(ready_engine, STAF, p, "sebelum", [("a.jpg", ff.jpeg())])
    old = foto_queries.list_foto(ready_engine, p, STAF)[0]
    foto_services.blur_foto(ready_engine, STAF, fid, (0.1, 0.1, 0.6, 0.6))
    new = foto_queries.list_foto(ready_engine, p, STAF)[0]
    assert new.id == fid and new.disamarkan and new.sha256 != old.sha256
    assert not foto_storage.path_of(old.sha256).exists() and not foto_storage.path_of(old.sha256_thumb).exists()
    assert foto_storage.path_of(new.sha256).exists()
    with pytest.raises(AccessDenied):
        foto_services.blur_foto(ready_engine, PIMPINAN, fid, (0.1, 0.1, 0.6, 0.6))


def test_check_foto_removes_orphan_files_and_reports_missing_ones(ready_engine, root):
    aid = _aspirasi(ready_engine)
    (fid,) = foto_services.upload(ready_engine, STAF, Owner("aspirasi", aid), "sebelum", [("a.jpg", ff.jpeg())])
    # a crash between file and row: a file without a row (old), and one just written (an upload in flight)
    orphan = foto_storage.path_of(foto_storage.write_file(b"yatim"))
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    fresh = foto_storage.path_of(foto_storage.write_file(b"baru ditulis"))
    # and a row whose file was lost
    (lost,) = foto_services.upload(
        ready_engine, STAF, Owner("aspirasi", aid), "proses", [("b.jpg", ff.jpeg(color=(1, 1, 1)))]
    )
    lost_path = foto_storage.path_of(foto_queries.list_foto(ready_engine, Owner("aspirasi", aid), STAF)[1].sha256)
    lost_path.unlink()
    rep = foto_storage.check_foto(ready_engine, hapus=False)
    assert len(rep.yatim) == 2 and rep.dihapus == 0 and rep.hilang == [lost] and rep.baris == 2
    rep = foto_storage.check_foto(ready_engine)
    assert rep.dihapus == 1 and not orphan.exists() and fresh.exists()
    assert rep.hilang == [lost]
    assert "baris tanpa berkas: 1" in rep.ringkasan()
    assert fid not in rep.hilang


def test_check_foto_cli(ready_engine, root, monkeypatch, capsys):
    from db.__main__ import main

    monkeypatch.setenv("KULAKAN_DATABASE_URL", ready_engine.url.render_as_string(hide_password=False))
    orphan = foto_storage.path_of(foto_storage.write_file(b"yatim"))
    assert main(["check-foto", "--umur-menit", "0"]) == 0
    assert "berkas tanpa baris: 1 (dihapus 1)" in capsys.readouterr().out
    assert not orphan.exists()


def test_evidence_rule_needs_a_sesudah_photo_to_close(ready_engine, root):
    with pytest.raises(AccessDenied):
        foto_services.set_evidence_required(ready_engine, STAF, ["jalan_rusak"])
    foto_services.set_evidence_required(ready_engine, ADMIN, ["jalan_rusak"])
    assert foto_services.evidence_kategori(ready_engine)["jalan_rusak"][1] is True
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(Kategori.bukti_sesudah_wajib.is_(True))) == 1
    aid = _aspirasi(ready_engine)
    v = update_status(ready_engine, STAF, aid, 1, "diverifikasi", today=DEMO_TODAY)
    v = update_status(ready_engine, STAF, aid, v, "dalam_proses", today=DEMO_TODAY)
    p = Owner("aspirasi", aid)
    foto_services.upload(ready_engine, STAF, p, "sebelum", [("a.jpg", ff.jpeg())])
    with pytest.raises(FotoEvidenceMissing, match="mewajibkan bukti foto sesudah") as exc:
        update_status(ready_engine, STAF, aid, v, "selesai", today=DEMO_TODAY)
    assert "Jalan" in str(exc.value)
    # a deleted 'sesudah' photo does not count
    (fid,) = foto_services.upload(ready_engine, STAF, p, "sesudah", [("b.jpg", ff.jpeg(color=(0, 200, 0)))])
    foto_services.delete_foto(ready_engine, STAF, fid, "salah foto")
    with pytest.raises(FotoEvidenceMissing):
        update_status(ready_engine, STAF, aid, v, "selesai", today=DEMO_TODAY)
    foto_services.upload(ready_engine, STAF, p, "sesudah", [("c.jpg", ff.jpeg(color=(0, 220, 0)))])
    assert update_status(ready_engine, STAF, aid, v, "selesai", today=DEMO_TODAY) == v + 1
    # other categories close without a photo
    other = _aspirasi(ready_engine, "pju", "Lampu mati")
    w = update_status(ready_engine, STAF, other, 1, "diverifikasi", today=DEMO_TODAY)
    w = update_status(ready_engine, STAF, other, w, "dalam_proses", today=DEMO_TODAY)
    update_status(ready_engine, STAF, other, w, "selesai", today=DEMO_TODAY)


def test_sebelum_sesudah_since_last_rembuk_without_private_photos(ready_engine, root):
    from db.rembuk.records import record_rembuk

    last = DEMO_TODAY - dt.timedelta(days=14)
    record_rembuk(ready_engine, SYSTEM, last, [KEL], "terlaksana", today=DEMO_TODAY)
    ids = []
    for i, day in enumerate([DEMO_TODAY - dt.timedelta(days=20), DEMO_TODAY - dt.timedelta(days=3), DEMO_TODAY]):
        aid = _aspirasi(ready_engine, judul=f"Jalan {i}")
        v = update_status(ready_engine, STAF, aid, 1, "diverifikasi", today=day)
        v = update_status(ready_engine, STAF, aid, v, "dalam_proses", today=day)
        p = Owner("aspirasi", aid)
        foto_services.upload(ready_engine, STAF, p, "sebelum", [("s.jpg", ff.jpeg(color=(i, 50, 50)))])
        foto_services.upload(ready_engine, STAF, p, "sesudah", [("t.jpg", ff.jpeg(color=(i, 90, 90)))], privat=(i == 2))
        update_status(ready_engine, STAF, aid, v, "selesai", today=day)
        ids.append(aid)
    pairs = foto_queries.before_after(ready_engine, KEL, DEMO_TODAY)
    # resolved before the last rembuk: left out; the newest one's 'sesudah' is private: left out
    assert [p.aspirasi_id for p in pairs] == [ids[1]]
    assert pairs[0].sebelum is not None and pairs[0].sesudah.jenis == "sesudah" and not pairs[0].sesudah.privat
    brief = foto_queries.brief_foto(ready_engine, KEL, DEMO_TODAY)
    assert len(brief) == 1 and brief[0][2].startswith(b"\xff\xd8")
    # the PDF brief carries exactly those thumbnails (sebelum + sesudah of the one public pair)
    from db.rembuk.mode import mode_rembuk_data
    from report.brief_pdf import build_brief_pdf

    pdf = build_brief_pdf(mode_rembuk_data(ready_engine, KEL, DEMO_TODAY), foto=brief, compress=False)
    assert pdf.count(b"/Subtype /Image") == 2
    assert b"Sebelum -> Sesudah" in pdf
    assert (
        build_brief_pdf(mode_rembuk_data(ready_engine, KEL, DEMO_TODAY), compress=False).count(b"/Subtype /Image") == 0
    )


def test_janji_rembuk_bimtek_galleries(ready_engine, root):
    from db.bimtek.services import BimtekData, create_bimtek
    from db.rembuk.janji import add_janji, update_janji
    from db.rembuk.records import record_rembuk

    rid = record_rembuk(ready_engine, SYSTEM, DEMO_TODAY - dt.timedelta(days=7), [KEL], "terlaksana", today=DEMO_TODAY)
    jid = add_janji(ready_engine, SYSTEM, rid, KEL, "Perbaiki saluran", "DLH", DEMO_TODAY)
    update_janji(ready_engine, SYSTEM, jid, 1, 50, "proses", "Separuh")
    entry = foto_queries.janji_progress(ready_engine, jid)[0][0]
    foto_services.upload(ready_engine, STAF, Owner("janji_riwayat", entry), "proses", [("j.jpg", ff.jpeg())])
    assert [f.pemilik_id for f in foto_queries.foto_janji(ready_engine, jid, STAF)] == [entry]
    foto_services.upload(ready_engine, STAF, Owner("rembuk", rid), "dokumentasi", [("r.jpg", ff.jpeg())])
    bid = create_bimtek(ready_engine, SYSTEM, BimtekData("Bimtek RT", DEMO_TODAY, "Balai Kota"))
    foto_services.upload(ready_engine, STAF, Owner("bimtek", bid), "dokumentasi", [("b.jpg", ff.jpeg())])
    assert len(foto_queries.list_foto(ready_engine, Owner("rembuk", rid), PIMPINAN)) == 1
    assert len(foto_queries.list_foto(ready_engine, Owner("bimtek", bid), PIMPINAN)) == 1


def test_backup_and_restore_include_photos(ready_engine, root, tmp_path, monkeypatch):
    from db.backup import backup, restore

    if ready_engine.dialect.name == "postgresql":
        pytest.importorskip("shutil").which("pg_dump") or pytest.skip("pg_dump tidak ada")
    url = ready_engine.url.render_as_string(hide_password=False)
    aid = _aspirasi(ready_engine)
    foto_services.upload(ready_engine, STAF, Owner("aspirasi", aid), "sebelum", [("a.jpg", ff.jpeg())])
    before = {p.relative_to(root): p.read_bytes() for p in _files(root)}
    dest = tmp_path / "cadangan.db"
    backup(url, dest)
    tar = foto_storage.archive_path(dest)
    assert tar.exists()
    ready_engine.dispose()
    for p in _files(root):
        p.unlink()
    restore(dest, url)
    assert {p.relative_to(root): p.read_bytes() for p in _files(root)} == before
    assert foto_storage.check_foto(ready_engine, hapus=False).hilang == []


def test_restore_archive_takes_only_content_addressed_files(root, tmp_path):
    good = foto_images.process(ff.jpeg(), "a.jpg").display
    sha = foto_images.sha256(good)
    tar_path = tmp_path / "x.foto.tar"
    with tarfile.open(tar_path, "w") as tar:
        for name, data in [
            (f"{sha[:2]}/{sha}.jpg", good),
            ("../../evil.jpg", b"evil"),
            (f"{'0' * 2}/{'0' * 64}.jpg", b"hash does not match"),
            ("ab/readme.txt", b"x"),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert foto_storage.restore_foto(tar_path) == 1
    assert [p.name for p in _files(root)] == [f"{sha}.jpg"]
    assert not (tmp_path.parent / "evil.jpg").exists()


def test_demo_generator_makes_labelled_photos(seeded_engine):
    with seeded_engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Foto).where(Foto.is_demo.is_(True)))
        kinds = set(conn.scalars(select(Foto.jenis).distinct()))
        private = conn.scalar(select(func.count()).where(Foto.privat.is_(True)))
    assert 100 <= n <= 600 and {"sebelum", "sesudah", "dokumentasi"} <= kinds and private >= 1
    assert foto_storage.check_foto(seeded_engine, hapus=False).hilang == []


def test_clear_demo_removes_demo_photo_rows(ready_engine, root):
    from db.demo.generate import clear_demo, generate_demo

    generate_demo(ready_engine, n_aspirasi=200, seed=3, today=DEMO_TODAY)
    with ready_engine.begin() as conn:
        assert conn.scalar(select(func.count()).select_from(Foto)) > 0
        clear_demo(conn)
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Foto)) == 0
    assert foto_storage.check_foto(ready_engine, umur_min_detik=0).dihapus > 0 and _files(root) == []


def test_uploaded_file_is_never_stored_as_is(ready_engine, root):
    aid = _aspirasi(ready_engine)
    data = ff.jpeg()
    foto_services.upload(ready_engine, STAF, Owner("aspirasi", aid), "sebelum", [("a.jpg", data)])
    assert all(p.read_bytes() != data for p in _files(root))
    # and the CHECK keeps a photo with exactly one owner
    with ready_engine.begin() as conn, pytest.raises(Exception):  # noqa: B017
        conn.execute(update(Foto).values(rembuk_id=1))
