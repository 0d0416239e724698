"""Demo photos: generated images attached to demo aspirasi (deterministic, labelled as demo)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import Connection, insert, select

from db.foto.images import PreparedFoto, _from_image
from db.foto.services import KINDS
from db.foto.storage import write_file
from db.schema import Aspirasi, Bimtek, Foto, Kategori, Rembuk

# --- demo photos ------------------------------------------------------------------------------------

_COLORS = {"sebelum": (150, 110, 80), "proses": (200, 150, 40), "sesudah": (40, 130, 80), "dokumentasi": (50, 90, 150)}


def demo_image(judul: str, jenis: str, nomor: int = 0) -> bytes:
    """A drawn placeholder photo (JPEG bytes): the title, the kind and 'FOTO DEMO (sintetis)'."""
    w, h = 800, 600
    base = _COLORS.get(jenis, (90, 90, 90))
    img = Image.new("RGB", (w, h), base)
    d = ImageDraw.Draw(img)
    for i in range(0, h, 40):  # a few bands, so the thumbnails are told apart at a glance
        shade = tuple(min(255, c + (i * 3 + nomor * 17) % 50) for c in base)
        d.rectangle([0, i, w, i + 20], fill=shade)
    if jenis == "sebelum":
        d.ellipse([250, 330, 560, 470], fill=(60, 45, 35))  # the "pothole"
    elif jenis == "sesudah":
        d.line([(300, 400), (380, 470), (520, 310)], fill=(240, 250, 240), width=28)
    big = ImageFont.load_default(size=44)
    small = ImageFont.load_default(size=30)
    d.rectangle([0, 0, w, 150], fill=(20, 20, 20))
    d.text((30, 22), judul[:30], font=big, fill=(255, 255, 255))
    d.text((30, 88), KINDS.get(jenis, jenis).upper(), font=small, fill=(250, 210, 90))
    d.rectangle([0, h - 70, w, h], fill=(185, 28, 28))
    d.text((30, h - 58), "FOTO DEMO (sintetis)", font=small, fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


DEMO_OPEN = 160
DEMO_DONE = 160
DEMO_DONE_DAYS = 120


def generate_demo_foto(conn: Connection, today: dt.date, root: Path | None = None) -> int:
    """Synthetic photos for the demo data (deterministic, cheap: one drawn image per category and kind,
    shared by all rows through the content-addressed store; a few hundred rows). Returns the row count."""
    kat = dict(conn.execute(select(Kategori.id, Kategori.nama)).tuples().all())
    cache: dict[tuple[int, str], PreparedFoto] = {}

    def siap(kategori_id: int, jenis: str) -> PreparedFoto:
        key = (kategori_id, jenis)
        if key not in cache:
            img = Image.open(io.BytesIO(demo_image(kat[kategori_id], jenis, kategori_id))).convert("RGB")
            cache[key] = _from_image(img, f"demo-{jenis}.jpg", 0, None)
            write_file(cache[key].display, root)
            write_file(cache[key].thumb, root)
        return cache[key]

    def every(ids: list, cap: int) -> list:
        step = max(1, -(-len(ids) // cap))
        return ids[::step][:cap]

    demo = Aspirasi.is_demo.is_(True)
    terbuka = conn.execute(
        select(Aspirasi.id, Aspirasi.kategori_id, Aspirasi.dibuat_pada)
        .where(demo, Aspirasi.terbuka.is_(True))
        .order_by(Aspirasi.id)
    ).all()
    selesai = conn.execute(
        select(Aspirasi.id, Aspirasi.kategori_id, Aspirasi.dibuat_pada)
        .where(demo, Aspirasi.status == "selesai", Aspirasi.tanggal_selesai >= today - dt.timedelta(DEMO_DONE_DAYS))
        .order_by(Aspirasi.id)
    ).all()
    rows = []

    def row(aspirasi_id: int, kategori_id: int, jenis: str, waktu: dt.datetime, privat: bool = False) -> dict:
        f = siap(kategori_id, jenis)
        return {
            "aspirasi_id": aspirasi_id,
            "jenis": jenis,
            **f.columns(),
            "privat": privat,
            "is_demo": True,
            "diunggah_oleh": "demo",
            "diunggah_pada": waktu,
            "diubah_pada": waktu,
        }

    for i, a in enumerate(every(terbuka, DEMO_OPEN)):
        rows.append(row(a.id, a.kategori_id, "sebelum", a.dibuat_pada, privat=(i % 25 == 7)))
    for i, a in enumerate(every(selesai, DEMO_DONE)):
        rows.append(row(a.id, a.kategori_id, "sebelum", a.dibuat_pada))
        rows.append(row(a.id, a.kategori_id, "sesudah", a.dibuat_pada + dt.timedelta(days=7), privat=(i % 20 == 3)))
    rembuk = conn.execute(
        select(Rembuk.id, Rembuk.tanggal)
        .where(Rembuk.is_demo.is_(True), Rembuk.status == "terlaksana", Rembuk.tanggal <= today)
        .order_by(Rembuk.tanggal.desc())
        .limit(12)
    ).all()
    bimtek = conn.execute(select(Bimtek.id, Bimtek.tanggal).where(Bimtek.is_demo.is_(True)).order_by(Bimtek.id)).all()
    doc = {}
    for label, items, col in (("Rembuk Jumat", rembuk, "rembuk_id"), ("Bimtek", bimtek, "bimtek_id")):
        if label not in doc:
            img = Image.open(io.BytesIO(demo_image(label, "dokumentasi"))).convert("RGB")
            doc[label] = _from_image(img, "demo-dokumentasi.jpg", 0, None)
            write_file(doc[label].display, root)
            write_file(doc[label].thumb, root)
        f = doc[label]
        for it in items:
            rows.append(
                {
                    col: it.id,
                    "jenis": "dokumentasi",
                    "sha256": f.sha256,
                    "sha256_thumb": f.sha256_thumb,
                    "ukuran": len(f.display),
                    "ukuran_thumb": len(f.thumb),
                    "lebar": f.lebar,
                    "tinggi": f.tinggi,
                    "nama_berkas": f.nama_berkas,
                    "privat": False,
                    "is_demo": True,
                    "diunggah_oleh": "demo",
                    "diunggah_pada": dt.datetime.combine(it.tanggal, dt.time(3, 0), tzinfo=dt.UTC),
                    "diubah_pada": dt.datetime.combine(it.tanggal, dt.time(3, 0), tzinfo=dt.UTC),
                }
            )
    full = [{"aspirasi_id": None, "janji_riwayat_id": None, "rembuk_id": None, "bimtek_id": None, **r} for r in rows]
    if full:
        conn.execute(insert(Foto), full)
    return len(full)
