"""Photos (issue 15): checking, re-encoding, EXIF, thumbnails, storage, privacy and the evidence rule.

No Streamlit here. The life of a photo:

1. :func:`proses` takes the uploaded bytes and refuses anything that is not a sound JPEG/PNG/WebP (HEIC
   too when ``pillow-heif`` is installed): too big (> 20 MB), too many pixels (> 50 MP, decompression
   bombs), truncated, SVG/PDF/HTML under an image name. It reads the GPS point (offered to staff as the
   aspiration's location), applies the EXIF orientation, and re-encodes with Pillow into a **display
   copy** (longest side <= 1600 px, JPEG) and a **thumbnail** (<= 320 px, JPEG). Neither carries any
   EXIF/XMP/ICC/comment: what is stored is Pillow's pixels, never the uploaded bytes. The original is
   not kept (it carries the GPS and camera fields we promise to strip, and 3-10 MB per phone photo
   for no gain: 1600 px is enough to see a patched pothole on a projector).
2. :func:`simpan_foto` writes both files into the store (``KULAKAN_FOTO_DIR``, content-addressed by
   SHA-256: ``ab/abcdef....jpg``) *then* commits the rows: a crash leaves at most files without a
   row, which :func:`periksa_foto` (``python -m db check-foto``) removes; it also reports rows whose
   file is missing.
3. Reads filter by role: photos flagged ``privat`` ("jangan tampilkan di layar/proyektor") are only
   for roles with personal-data access, never for pimpinan, Mode Rembuk or the PDF brief.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import os
import re
import tarfile
import time
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError
from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update

from db.audit import write_audit
from db.auth import Actor
from db.engine import write_lock
from db.schema import (
    Aspirasi,
    Bimtek,
    Foto,
    Janji,
    JanjiRiwayat,
    Kategori,
    Kelurahan,
    Rembuk,
    RembukKelurahan,
    utcnow,
)
from db.settings import foto_dir
from db.workflow import TransisiDitolak

try:  # HEIC/HEIF from iPhones, when the well-kept pillow-heif wheel is installed (requirements.txt)
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover - depends on the install
    HEIC = False
Image.init()  # every plugin registered, so ``formats=`` below names only ones that exist

# --- the size budget -----------------------------------------------------------------------------

MAX_BYTES = 20 * 1024 * 1024  # an upload; a 48 MP phone JPEG is ~12 MB
MAX_PIXELS = 50_000_000  # decoded pixels; more is refused before decoding (decompression bomb)
DISPLAY_PX = 1600  # longest side of the stored display copy
THUMB_PX = 320  # longest side of the thumbnail
DISPLAY_QUALITY = 82
THUMB_QUALITY = 72
MAX_PER_ASPIRASI = 10
FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"} | ({"HEIF": "HEIC"} if HEIC else {})
EKSTENSI = ["jpg", "jpeg", "png", "webp"] + (["heic", "heif"] if HEIC else [])

JENIS = {"sebelum": "Sebelum", "proses": "Proses", "sesudah": "Sesudah", "dokumentasi": "Dokumentasi"}
PEMILIK = {
    "aspirasi": (Foto.aspirasi_id, ("sebelum", "proses", "sesudah")),
    "janji_riwayat": (Foto.janji_riwayat_id, ("proses", "sesudah")),
    "rembuk": (Foto.rembuk_id, ("dokumentasi",)),
    "bimtek": (Foto.bimtek_id, ("dokumentasi",)),
}
PESAN_HEIC = (
    "Foto HEIC (iPhone) belum bisa dibaca di server ini. Ubah dulu ke JPEG: di iPhone pilih "
    "Pengaturan → Kamera → Format → 'Paling Kompatibel', atau bagikan foto lewat WhatsApp/e-mail "
    "(otomatis menjadi JPEG), lalu unggah lagi."
)


class FotoDitolak(ValueError):
    """An upload or change that is refused; the message is for the user (Indonesian). Nothing was written."""


class BuktiFotoKurang(TransisiDitolak):
    """Closing as 'selesai' needs a 'sesudah' photo for this category."""


# --- processing (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FotoSiap:
    """A checked, re-encoded photo, not yet stored."""

    display: bytes
    thumb: bytes
    sha256: str
    sha256_thumb: str
    lebar: int
    tinggi: int
    nama_berkas: str
    ukuran_asli: int
    gps: tuple[float, float] | None  # (lat, lon) read from EXIF before stripping; never stored


_NAMA_AMAN = re.compile(r"[^A-Za-z0-9._ -]+")


def nama_aman(nama: str | None) -> str:
    """A file name fit for display: no folders (``../``), no markup or control characters, <= 80 chars."""
    base = re.split(r"[\\/]", str(nama or ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _NAMA_AMAN.sub("_", base).strip(" ._") or "foto"
    return base[:80]


def _rasional(v) -> float:
    if isinstance(v, tuple):  # (numerator, denominator)
        return float(v[0]) / float(v[1]) if v[1] else 0.0
    return float(v)


def baca_gps(img: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) of the EXIF GPS block, or None (absent, malformed or outside the globe)."""
    try:
        gps = img.getexif().get_ifd(0x8825)
        if not gps or 2 not in gps or 4 not in gps:
            return None

        def deg(values, ref) -> float:
            d, m, s = (_rasional(x) for x in values)
            sign = -1.0 if str(ref).strip().upper().startswith(("S", "W")) else 1.0
            return sign * (d + m / 60 + s / 3600)

        lat = deg(gps[2], gps.get(1, "N"))
        lon = deg(gps[4], gps.get(3, "E"))
    except Exception:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 6), round(lon, 6)


def _rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img.convert("RGB")


def _jpeg(img: Image.Image, px: int, quality: int) -> bytes:
    copy = img.copy()
    copy.thumbnail((px, px), Image.Resampling.LANCZOS)
    copy.info = {}  # Pillow would carry a source JPEG comment (or other metadata) into the new file
    out = io.BytesIO()
    # No exif=, icc_profile= or comment=: the file carries pixels only.
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dari_gambar(img: Image.Image, nama: str, ukuran_asli: int, gps) -> FotoSiap:
    display = _jpeg(img, DISPLAY_PX, DISPLAY_QUALITY)
    thumb = _jpeg(img, THUMB_PX, THUMB_QUALITY)
    with Image.open(io.BytesIO(display)) as check:
        lebar, tinggi = check.size
    return FotoSiap(display, thumb, sha256(display), sha256(thumb), lebar, tinggi, nama, ukuran_asli, gps)


def proses(data: bytes, nama: str | None = None) -> FotoSiap:
    """Check and re-encode an upload; raises FotoDitolak with a clear Indonesian message."""
    nama = nama_aman(nama)
    if len(data) > MAX_BYTES:
        raise FotoDitolak(
            f"Berkas {nama} terlalu besar ({len(data) / 1e6:.1f} MB; paling besar {MAX_BYTES // 2**20} MB).".replace(
                ".", ",", 1
            )
        )
    if not data:
        raise FotoDitolak(f"Berkas {nama} kosong.")
    head = data[:64].lstrip().lower()
    if HEIC is False and data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise FotoDitolak(PESAN_HEIC)
    if head.startswith((b"<svg", b"<?xml", b"%pdf", b"<!doctype", b"<html")):
        raise FotoDitolak(f"Berkas {nama} bukan foto (SVG, PDF atau HTML tidak diterima). Unggah JPEG, PNG atau WebP.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[f for f in FORMAT if f in Image.OPEN])
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            if isinstance(exc, UnidentifiedImageError):
                raise FotoDitolak(
                    f"Berkas {nama} bukan foto JPEG, PNG atau WebP yang dapat dibaca"
                    + (" (HEIC: lihat petunjuk di bawah kolom unggah)." if not HEIC else ".")
                ) from exc
            raise FotoDitolak(f"Ukuran gambar {nama} tidak wajar (terlalu banyak piksel); tidak disimpan.") from exc
        except Exception as exc:
            raise FotoDitolak(f"Berkas {nama} rusak atau bukan foto.") from exc
        with img:
            w, h = img.size
            if w < 1 or h < 1 or w * h > MAX_PIXELS:
                raise FotoDitolak(
                    f"Ukuran gambar {nama} tidak wajar ({w} × {h} piksel; paling banyak "
                    f"{MAX_PIXELS // 1_000_000} megapiksel). Tidak disimpan."
                )
            try:
                img.load()
            except Exception as exc:
                raise FotoDitolak(f"Berkas {nama} terpotong atau rusak (tidak bisa dibaca sampai habis).") from exc
            gps = baca_gps(img)
            try:
                upright = ImageOps.exif_transpose(img)
            except Exception:
                upright = img
            return _dari_gambar(_rgb(upright), nama, len(data), gps)


def samarkan_gambar(display: bytes, kotak: tuple[float, float, float, float], radius: int = 24) -> Image.Image:
    """The display image with a Gaussian blur over ``kotak`` = (x0, y0, x1, y1) as fractions 0..1."""
    x0, y0, x1, y1 = kotak
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise FotoDitolak("Kotak samaran tidak valid: kiri < kanan dan atas < bawah, di dalam foto.")
    img = Image.open(io.BytesIO(display)).convert("RGB")
    w, h = img.size
    box = (int(x0 * w), int(y0 * h), max(int(x0 * w) + 1, round(x1 * w)), max(int(y0 * h) + 1, round(y1 * h)))
    region = img.crop(box)
    # Pixelate first, then blur: a Gaussian blur alone can be partly undone on text such as house numbers.
    small = region.resize((max(1, region.width // 16), max(1, region.height // 16)), Image.Resampling.BILINEAR)
    region = small.resize(region.size, Image.Resampling.NEAREST).filter(ImageFilter.GaussianBlur(radius))
    img.paste(region, box)
    return img


# --- the store -----------------------------------------------------------------------------------

_NAMA_BERKAS = re.compile(r"^[0-9a-f]{64}\.jpg$")


def root_dir(root: Path | None = None) -> Path:
    return Path(root) if root is not None else _foto_dir(os.environ.get("KULAKAN_FOTO_DIR", ""))


@functools.lru_cache(maxsize=8)
def _foto_dir(_env: str) -> Path:
    return foto_dir()  # resolved once per setting value (resolving costs a few system calls)


_SHA = re.compile(r"[0-9a-f]{64}")


def path_of(sha: str, root: Path | None = None) -> Path:
    if not _SHA.fullmatch(sha):
        raise ValueError("bukan SHA-256")
    return root_dir(root) / sha[:2] / f"{sha}.jpg"


def tulis_berkas(data: bytes, root: Path | None = None) -> str:
    """Put ``data`` in the store (atomic: temp file, fsync, rename); returns its SHA-256."""
    sha = sha256(data)
    path = path_of(sha, root)
    if path.exists() and path.stat().st_size == len(data):
        return sha
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{sha}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return sha


@functools.lru_cache(maxsize=1024)
def _baca(path: str) -> bytes:
    return Path(path).read_bytes()


def baca_berkas(sha: str, root: Path | None = None) -> bytes | None:
    """Bytes of a stored file (cached: content-addressed files never change), None when missing."""
    try:
        return _baca(str(path_of(sha, root)))
    except FileNotFoundError:
        return None


def _hapus_bila_tak_dipakai(conn: Connection, shas: Iterable[str], root: Path | None) -> None:
    for sha in set(shas):
        used = conn.scalar(select(func.count()).where(or_(Foto.sha256 == sha, Foto.sha256_thumb == sha)))
        if not used:
            path_of(sha, root).unlink(missing_ok=True)
            _baca.cache_clear()


# --- owners, roles, audit -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pemilik:
    """The record a photo belongs to: jenis in PEMILIK, and its id."""

    jenis: str
    id: int

    @property
    def kolom(self):
        return PEMILIK[self.jenis][0]


def boleh_lihat_privat(actor: Actor | None) -> bool:
    """Private photos: staff and admin only (pimpinan, Mode Rembuk and the PDF never)."""
    return actor is not None and actor.boleh("data_pribadi")


def _kecamatan_pemilik(conn: Connection, p: Pemilik) -> str | None:
    """Kecamatan of the owner (for scoped staff), raising FotoDitolak when the owner does not exist."""
    if p.jenis == "aspirasi":
        q = select(Kelurahan.kecamatan_kode).join(Aspirasi, Aspirasi.kelurahan_kode == Kelurahan.kode)
        q = q.where(Aspirasi.id == p.id)
    elif p.jenis == "janji_riwayat":
        q = (
            select(Kelurahan.kecamatan_kode)
            .join(Janji, Janji.kelurahan_kode == Kelurahan.kode)
            .join(JanjiRiwayat, JanjiRiwayat.janji_id == Janji.id)
            .where(JanjiRiwayat.id == p.id)
        )
    elif p.jenis == "rembuk":
        if conn.scalar(select(Rembuk.id).where(Rembuk.id == p.id)) is None:
            raise FotoDitolak("Rembuk tidak ditemukan.")
        return None
    elif p.jenis == "bimtek":
        if conn.scalar(select(Bimtek.id).where(Bimtek.id == p.id)) is None:
            raise FotoDitolak("Bimtek tidak ditemukan.")
        return None
    else:
        raise FotoDitolak("Pemilik foto tidak dikenal.")
    kec = conn.scalar(q)
    if kec is None:
        raise FotoDitolak("Data pemilik foto tidak ditemukan.")
    return kec


def _aktif():
    return Foto.dihapus_pada.is_(None)


# --- writes ----------------------------------------------------------------------------------------


def simpan_foto(
    engine: Engine,
    actor: Actor,
    pemilik: Pemilik,
    jenis: str,
    fotos: Sequence[FotoSiap],
    *,
    privat: bool = False,
    root: Path | None = None,
) -> list[int]:
    """Store photos of one owner: files first, then the rows in one transaction. Returns the new ids."""
    actor.wajib("tulis")
    if pemilik.jenis not in PEMILIK:
        raise FotoDitolak("Pemilik foto tidak dikenal.")
    if jenis not in PEMILIK[pemilik.jenis][1]:
        raise FotoDitolak(f"Jenis foto '{jenis}' tidak berlaku di sini.")
    if not fotos:
        return []
    with engine.begin() as conn:
        write_lock(conn)
        kec = _kecamatan_pemilik(conn, pemilik)
        if kec:
            actor.wajib_wilayah(kec)
        if pemilik.jenis == "aspirasi":
            ada = conn.scalar(select(func.count()).where(Foto.aspirasi_id == pemilik.id, _aktif()))
            if ada + len(fotos) > MAX_PER_ASPIRASI:
                raise FotoDitolak(
                    f"Satu aspirasi paling banyak {MAX_PER_ASPIRASI} foto (sudah {ada}, ditambah {len(fotos)})."
                    " Hapus foto lama atau pilih lebih sedikit."
                )
        now = utcnow()
        rows = []
        for f in fotos:
            # Write the files before the rows commit: a crash leaves only orphan files (check-foto).
            tulis_berkas(f.display, root)
            tulis_berkas(f.thumb, root)
            rows.append(
                {
                    "aspirasi_id": None,
                    "janji_riwayat_id": None,
                    "rembuk_id": None,
                    "bimtek_id": None,
                    pemilik.kolom.key: pemilik.id,
                    "jenis": jenis,
                    "sha256": f.sha256,
                    "sha256_thumb": f.sha256_thumb,
                    "ukuran": len(f.display),
                    "ukuran_thumb": len(f.thumb),
                    "lebar": f.lebar,
                    "tinggi": f.tinggi,
                    "nama_berkas": f.nama_berkas,
                    "privat": bool(privat),
                    "diunggah_oleh": actor.username,
                    "diunggah_pada": now,
                    "diubah_pada": now,
                }
            )
        ids = [conn.execute(insert(Foto).values(**r).returning(Foto.id)).scalar_one() for r in rows]
        write_audit(
            conn, "foto_unggah", actor.username, pemilik=pemilik.jenis, pemilik_id=pemilik.id, jenis=jenis, foto=ids
        )
    return ids


def _foto_row(conn: Connection, foto_id: int):
    row = conn.execute(select(Foto.__table__).where(Foto.id == foto_id)).first()
    if row is None:
        raise FotoDitolak("Foto tidak ditemukan.")
    return row


def _pemilik_of(row) -> Pemilik:
    for jenis, (col, _) in PEMILIK.items():
        if getattr(row, col.key) is not None:
            return Pemilik(jenis, getattr(row, col.key))
    raise FotoDitolak("Foto tanpa pemilik.")


def _boleh_ubah(conn: Connection, actor: Actor, row) -> None:
    actor.wajib("tulis")
    kec = _kecamatan_pemilik(conn, _pemilik_of(row))
    if kec:
        actor.wajib_wilayah(kec)


def ubah_privat(engine: Engine, actor: Actor, foto_id: int, privat: bool) -> None:
    """Mark (or unmark) a photo "jangan tampilkan di layar/proyektor" (audited)."""
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        _boleh_ubah(conn, actor, row)
        conn.execute(update(Foto).where(Foto.id == foto_id).values(privat=bool(privat), diubah_pada=utcnow()))
        write_audit(conn, "foto_privat", actor.username, foto=foto_id, privat=bool(privat))


def hapus_foto(engine: Engine, actor: Actor, foto_id: int, alasan: str) -> None:
    """Soft delete (audited): hidden everywhere, bytes kept until an admin purges."""
    alasan = " ".join((alasan or "").split())
    if not alasan:
        raise FotoDitolak("Tulis alasan penghapusan foto.")
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        _boleh_ubah(conn, actor, row)
        if row.dihapus_pada is not None:
            raise FotoDitolak("Foto ini sudah dihapus.")
        now = utcnow()
        conn.execute(
            update(Foto)
            .where(Foto.id == foto_id)
            .values(dihapus_pada=now, dihapus_oleh=actor.username, diubah_pada=now)
        )
        write_audit(conn, "foto_hapus", actor.username, foto=foto_id, alasan=alasan[:500])


def purge_foto(engine: Engine, actor: Actor, foto_id: int, root: Path | None = None) -> None:
    """Admin: remove a soft-deleted photo for good (row, then files no other photo uses)."""
    actor.wajib("admin")
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        if row.dihapus_pada is None:
            raise FotoDitolak("Hanya foto yang sudah dihapus yang dapat dimusnahkan.")
        shas = (row.sha256, row.sha256_thumb)
        conn.execute(delete(Foto).where(Foto.id == foto_id))
        write_audit(conn, "foto_musnah", actor.username, foto=foto_id)
    with engine.begin() as conn:
        _hapus_bila_tak_dipakai(conn, shas, root)


def samarkan_foto(
    engine: Engine,
    actor: Actor,
    foto_id: int,
    kotak: tuple[float, float, float, float],
    *,
    radius: int = 24,
    root: Path | None = None,
) -> None:
    """Replace a photo by a version with ``kotak`` blurred (FixMyStreet-style redaction); the unblurred
    files are removed from the store when no other photo uses them."""
    with engine.connect() as conn:
        row = _foto_row(conn, foto_id)
    display = baca_berkas(row.sha256, root)
    if display is None:
        raise FotoDitolak("Berkas foto tidak ada di penyimpanan; jalankan `python -m db check-foto`.")
    img = samarkan_gambar(display, kotak, radius)
    baru = _dari_gambar(img, row.nama_berkas or "foto", row.ukuran, None)
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        _boleh_ubah(conn, actor, row)
        tulis_berkas(baru.display, root)
        tulis_berkas(baru.thumb, root)
        conn.execute(
            update(Foto)
            .where(Foto.id == foto_id)
            .values(
                sha256=baru.sha256,
                sha256_thumb=baru.sha256_thumb,
                ukuran=len(baru.display),
                ukuran_thumb=len(baru.thumb),
                lebar=baru.lebar,
                tinggi=baru.tinggi,
                disamarkan=True,
                diubah_pada=utcnow(),
            )
        )
        write_audit(conn, "foto_samarkan", actor.username, foto=foto_id, kotak=[round(v, 3) for v in kotak])
        old = (row.sha256, row.sha256_thumb)
    with engine.begin() as conn:
        _hapus_bila_tak_dipakai(conn, old, root)


# --- reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FotoInfo:
    id: int
    jenis: str
    sha256: str
    sha256_thumb: str
    lebar: int
    tinggi: int
    ukuran: int
    nama_berkas: str | None
    privat: bool
    disamarkan: bool
    diunggah_oleh: str
    diunggah_pada: dt.datetime
    dihapus_pada: dt.datetime | None = None
    pemilik_id: int | None = None

    @property
    def label(self) -> str:
        return JENIS.get(self.jenis, self.jenis)


_KOLOM = [
    Foto.id,
    Foto.jenis,
    Foto.sha256,
    Foto.sha256_thumb,
    Foto.lebar,
    Foto.tinggi,
    Foto.ukuran,
    Foto.nama_berkas,
    Foto.privat,
    Foto.disamarkan,
    Foto.diunggah_oleh,
    Foto.diunggah_pada,
    Foto.dihapus_pada,
]


def _info(r, pemilik_id=None) -> FotoInfo:
    return FotoInfo(*r[: len(_KOLOM)], pemilik_id=pemilik_id)


def daftar_foto(
    engine: Engine,
    pemilik: Pemilik | Sequence[Pemilik],
    actor: Actor | None,
    *,
    layar: bool = False,
    dihapus: bool = False,
) -> list[FotoInfo]:
    """Photos of one owner (or several of the same kind), oldest first. ``layar=True`` = a public screen
    (projector, PDF): private photos are left out whoever is looking; so they are for roles without
    personal-data access. ``dihapus=True``: only the soft-deleted ones (admin purge list)."""
    owners = [pemilik] if isinstance(pemilik, Pemilik) else list(pemilik)
    if not owners:
        return []
    col = owners[0].kolom
    q = select(*_KOLOM, col).where(col.in_([p.id for p in owners]))
    q = q.where(Foto.dihapus_pada.is_not(None) if dihapus else _aktif())
    if layar or not boleh_lihat_privat(actor):
        q = q.where(Foto.privat.is_(False))
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(Foto.diunggah_pada, Foto.id)).all()
    return [_info(r, r[-1]) for r in rows]


def versi(engine: Engine) -> tuple:
    """The data fingerprint of the caches (every photo change moves it, so a photo made private disappears
    from Mode Rembuk and the Peta on the next rerun, never after a ttl): db.fingerprint.get_fingerprint."""
    from db.fingerprint import get_fingerprint

    return get_fingerprint(engine)


def jumlah_aktif(engine: Engine, pemilik: Pemilik) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).where(pemilik.kolom == pemilik.id, _aktif())) or 0


def riwayat_janji(engine: Engine, janji_id: int) -> list[tuple[int, dt.datetime, int, str]]:
    """Progress entries of a janji, newest first: (id, waktu, progres, status)."""
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(JanjiRiwayat.id, JanjiRiwayat.waktu, JanjiRiwayat.progres, JanjiRiwayat.status)
                .where(JanjiRiwayat.janji_id == janji_id)
                .order_by(JanjiRiwayat.waktu.desc(), JanjiRiwayat.id.desc())
            )
        ]


def foto_janji(engine: Engine, janji_id: int, actor: Actor | None) -> list[FotoInfo]:
    """Photos of every progress entry of a janji (``pemilik_id`` = the entry)."""
    ids = [r[0] for r in riwayat_janji(engine, janji_id)]
    return daftar_foto(engine, [Pemilik("janji_riwayat", i) for i in ids], actor)


def thumbnail_per_aspirasi(
    engine: Engine, nomor: Sequence[str], actor: Actor | None, *, layar: bool = False
) -> dict[str, FotoInfo]:
    """One photo per aspiration (by ticket number): the first 'sebelum', else the first of any kind."""
    if not nomor:
        return {}
    q = (
        select(*_KOLOM, Aspirasi.nomor)
        .join(Aspirasi, Aspirasi.id == Foto.aspirasi_id)
        .where(Aspirasi.nomor.in_(list(nomor)), _aktif())
    )
    if layar or not boleh_lihat_privat(actor):
        q = q.where(Foto.privat.is_(False))
    out: dict[str, FotoInfo] = {}
    with engine.connect() as conn:
        for r in conn.execute(q.order_by(Foto.diunggah_pada, Foto.id)):
            info = _info(r)
            cur = out.get(r[-1])
            if cur is None or (cur.jenis != "sebelum" and info.jenis == "sebelum"):
                out[r[-1]] = info
    return out


@dataclass(frozen=True)
class Pasangan:
    """'Sebelum → Sesudah' of one resolved aspiration (public screen: no private photo, no citizen text)."""

    aspirasi_id: int
    nomor: str
    kategori: str
    rw: int | None
    tanggal_selesai: dt.date
    sebelum: FotoInfo | None
    sesudah: FotoInfo


def rembuk_terakhir(conn: Connection, kelurahan_kode: str, today: dt.date) -> dt.date | None:
    """Date of the last held rembuk of a kelurahan before ``today``."""
    return conn.scalar(
        select(func.max(Rembuk.tanggal))
        .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
        .where(RembukKelurahan.kelurahan_kode == kelurahan_kode, Rembuk.status == "terlaksana", Rembuk.tanggal < today)
    )


TANPA_REMBUK_HARI = 180


def sebelum_sesudah(engine: Engine, kelurahan_kode: str, today: dt.date, limit: int = 10) -> list[Pasangan]:
    """Aspirations of a kelurahan resolved since its last rembuk (or the last 180 days when it had none)
    that carry a 'sesudah' photo, newest first, with their first 'sebelum' photo. Never private photos."""
    with engine.connect() as conn:
        since = rembuk_terakhir(conn, kelurahan_kode, today) or today - dt.timedelta(days=TANPA_REMBUK_HARI)
        base = (
            select(Aspirasi.id, Aspirasi.nomor, Kategori.nama, Aspirasi.rw, Aspirasi.tanggal_selesai)
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .where(
                Aspirasi.kelurahan_kode == kelurahan_kode,
                Aspirasi.status == "selesai",
                Aspirasi.tanggal_selesai >= since,
                Aspirasi.tanggal_selesai <= today,
                select(Foto.id)
                .where(Foto.aspirasi_id == Aspirasi.id, Foto.jenis == "sesudah", _aktif(), Foto.privat.is_(False))
                .exists(),
            )
            .order_by(Aspirasi.tanggal_selesai.desc(), Aspirasi.id.desc())
            .limit(limit)
        )
        asp = conn.execute(base).all()
        ids = [a.id for a in asp]
        fotos = conn.execute(
            select(*_KOLOM, Foto.aspirasi_id)
            .where(
                Foto.aspirasi_id.in_(ids),
                Foto.jenis.in_(("sebelum", "sesudah")),
                _aktif(),
                Foto.privat.is_(False),
            )
            .order_by(Foto.diunggah_pada, Foto.id)
        ).all()
    first: dict[tuple[int, str], FotoInfo] = {}
    last_sesudah: dict[int, FotoInfo] = {}
    for r in fotos:
        info = _info(r, r[-1])
        first.setdefault((r[-1], info.jenis), info)
        if info.jenis == "sesudah":
            last_sesudah[r[-1]] = info
    return [
        Pasangan(a.id, a.nomor, a.nama, a.rw, a.tanggal_selesai, first.get((a.id, "sebelum")), last_sesudah[a.id])
        for a in asp
        if a.id in last_sesudah
    ]


def brief_foto(engine: Engine, kelurahan_kode: str, today: dt.date, limit: int = 6, root: Path | None = None):
    """Thumbnail pairs for the PDF brief: [(caption, sebelum bytes | None, sesudah bytes)] (no private photo)."""
    out = []
    for p in sebelum_sesudah(engine, kelurahan_kode, today, limit):
        sesudah = baca_berkas(p.sesudah.sha256_thumb, root)
        if sesudah is None:
            continue
        sebelum = baca_berkas(p.sebelum.sha256_thumb, root) if p.sebelum else None
        rw = f", RW {p.rw:02d}" if p.rw else ""
        out.append((f"{p.kategori}{rw} - selesai {p.tanggal_selesai:%d/%m/%Y}", sebelum, sesudah))
    return out


# --- the evidence rule -------------------------------------------------------------------------------


def periksa_bukti_selesai(conn: Connection, aspirasi_id: int, ke: str) -> None:
    """Raise BuktiFotoKurang when ``ke`` is 'selesai', the category requires a 'sesudah' photo and the
    aspiration has none (active). Called by db.aspirasi.ubah_status inside its transaction."""
    if ke != "selesai":
        return
    row = conn.execute(
        select(Kategori.nama, Kategori.bukti_sesudah_wajib)
        .join(Aspirasi, Aspirasi.kategori_id == Kategori.id)
        .where(Aspirasi.id == aspirasi_id)
    ).first()
    if row is None or not row.bukti_sesudah_wajib:
        return
    n = conn.scalar(select(func.count()).where(Foto.aspirasi_id == aspirasi_id, Foto.jenis == "sesudah", _aktif()))
    if not n:
        raise BuktiFotoKurang(
            f"Kategori '{row.nama}' mewajibkan bukti foto sesudah: unggah minimal satu foto berjenis "
            "'Sesudah' (bagian Foto pada detail aspirasi) sebelum menandai aspirasi ini Selesai."
        )


def bukti_wajib(engine: Engine, aspirasi_id: int) -> bool:
    """Whether the category of this aspiration requires a 'sesudah' photo to close."""
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                select(Kategori.bukti_sesudah_wajib)
                .join(Aspirasi, Aspirasi.kategori_id == Kategori.id)
                .where(Aspirasi.id == aspirasi_id)
            )
        )


def kategori_bukti(engine: Engine) -> dict[str, tuple[str, bool]]:
    """kode -> (nama, bukti sesudah wajib) of every category."""
    with engine.connect() as conn:
        rows = conn.execute(select(Kategori.kode, Kategori.nama, Kategori.bukti_sesudah_wajib).order_by(Kategori.nama))
        return {k: (n, bool(w)) for k, n, w in rows}


def atur_bukti_wajib(engine: Engine, actor: Actor, kode_wajib: Iterable[str]) -> None:
    """Admin: the categories whose aspirations need a 'sesudah' photo to be closed as Selesai."""
    actor.wajib("admin")
    kode_wajib = sorted(set(kode_wajib))
    with engine.begin() as conn:
        known = set(conn.scalars(select(Kategori.kode)))
        if unknown := set(kode_wajib) - known:
            raise FotoDitolak(f"Kategori tidak dikenal: {', '.join(sorted(unknown))}.")
        conn.execute(update(Kategori).values(bukti_sesudah_wajib=Kategori.kode.in_(kode_wajib)))
        write_audit(conn, "kategori_bukti_foto", actor.username, wajib=kode_wajib)


# --- consistency, backup ----------------------------------------------------------------------------


@dataclass
class LaporanFoto:
    berkas: int = 0  # files in the store
    baris: int = 0  # rows (also soft-deleted)
    yatim: list[str] = dataclasses.field(default_factory=list)  # files without a row
    dihapus: int = 0  # orphan files removed
    hilang: list[int] = dataclasses.field(default_factory=list)  # rows whose file is missing

    def ringkasan(self) -> str:
        return (
            f"{self.berkas} berkas, {self.baris} baris foto; berkas tanpa baris: {len(self.yatim)} "
            f"(dihapus {self.dihapus}); baris tanpa berkas: {len(self.hilang)}"
            + (f" (id {', '.join(map(str, self.hilang[:20]))})" if self.hilang else "")
        )


def _berkas_toko(root: Path) -> Iterable[Path]:
    if not root.exists():
        return []
    return (p for p in root.glob("??/*") if p.is_file())


def periksa_foto(
    engine: Engine, *, root: Path | None = None, hapus: bool = True, umur_min_detik: float = 600
) -> LaporanFoto:
    """Find files without a row (removed when ``hapus``, if older than ``umur_min_detik``: an upload in
    flight writes its file a moment before its row commits) and rows whose file is missing (reported)."""
    root = root_dir(root)
    with engine.connect() as conn:
        rows = conn.execute(select(Foto.id, Foto.sha256, Foto.sha256_thumb)).all()
    used = {s for r in rows for s in (r.sha256, r.sha256_thumb)}
    rep = LaporanFoto(baris=len(rows))
    now = time.time()
    present: set[str] = set()
    for path in _berkas_toko(root):
        rep.berkas += 1
        sha = path.name[:-4] if _NAMA_BERKAS.match(path.name) else None
        if sha and sha in used:
            present.add(sha)
            continue
        rep.yatim.append(str(path.relative_to(root)))
        if hapus and now - path.stat().st_mtime >= umur_min_detik:
            path.unlink(missing_ok=True)
            rep.dihapus += 1
    rep.hilang = [r.id for r in rows if r.sha256 not in present or r.sha256_thumb not in present]
    _baca.cache_clear()
    return rep


def arsip_path(backup_file: str | os.PathLike) -> Path:
    """The photo archive written beside a database backup: ``FILE.foto.tar``."""
    p = Path(backup_file)
    return p.with_name(p.name + ".foto.tar")


def cadangkan_foto(dest: str | os.PathLike, root: Path | None = None) -> int:
    """Every stored file into an uncompressed tar (JPEGs do not compress); returns the count."""
    root = root_dir(root)
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    n = 0
    with tarfile.open(tmp, "w") as tar:
        for path in sorted(_berkas_toko(root)):
            if _NAMA_BERKAS.match(path.name):
                tar.add(path, arcname=f"{path.parent.name}/{path.name}", recursive=False)
                n += 1
    os.replace(tmp, dest)
    return n


def pulihkan_foto(src: str | os.PathLike, root: Path | None = None) -> int:
    """Put the files of a photo archive back into the store. Only ``ab/<sha256>.jpg`` members whose
    content has that hash are taken (no path tricks, no foreign files); returns the count."""
    n = 0
    with tarfile.open(src, "r") as tar:
        for m in tar:
            parts = m.name.split("/")
            if not (m.isfile() and len(parts) == 2 and _NAMA_BERKAS.match(parts[1]) and parts[1][:2] == parts[0]):
                continue
            fh = tar.extractfile(m)
            if fh is None:
                continue
            data = fh.read()
            if sha256(data) == parts[1][:-4]:
                tulis_berkas(data, root)
                n += 1
    _baca.cache_clear()
    return n


# --- demo photos ------------------------------------------------------------------------------------

_WARNA = {"sebelum": (150, 110, 80), "proses": (200, 150, 40), "sesudah": (40, 130, 80), "dokumentasi": (50, 90, 150)}


def gambar_demo(judul: str, jenis: str, nomor: int = 0) -> bytes:
    """A drawn placeholder photo (JPEG bytes): the title, the kind and 'FOTO DEMO (sintetis)'."""
    w, h = 800, 600
    base = _WARNA.get(jenis, (90, 90, 90))
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
    d.text((30, 88), JENIS.get(jenis, jenis).upper(), font=small, fill=(250, 210, 90))
    d.rectangle([0, h - 70, w, h], fill=(185, 28, 28))
    d.text((30, h - 58), "FOTO DEMO (sintetis)", font=small, fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


DEMO_OPEN = 160
DEMO_SELESAI = 160
DEMO_HARI_SELESAI = 120


def generate_demo_foto(conn: Connection, today: dt.date, root: Path | None = None) -> int:
    """Synthetic photos for the demo data (deterministic, cheap: one drawn image per category and kind,
    shared by all rows through the content-addressed store; a few hundred rows). Returns the row count."""
    kat = dict(conn.execute(select(Kategori.id, Kategori.nama)).tuples().all())
    cache: dict[tuple[int, str], FotoSiap] = {}

    def siap(kategori_id: int, jenis: str) -> FotoSiap:
        key = (kategori_id, jenis)
        if key not in cache:
            img = Image.open(io.BytesIO(gambar_demo(kat[kategori_id], jenis, kategori_id))).convert("RGB")
            cache[key] = _dari_gambar(img, f"demo-{jenis}.jpg", 0, None)
            tulis_berkas(cache[key].display, root)
            tulis_berkas(cache[key].thumb, root)
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
        .where(demo, Aspirasi.status == "selesai", Aspirasi.tanggal_selesai >= today - dt.timedelta(DEMO_HARI_SELESAI))
        .order_by(Aspirasi.id)
    ).all()
    rows = []

    def row(aspirasi_id: int, kategori_id: int, jenis: str, waktu: dt.datetime, privat: bool = False) -> dict:
        f = siap(kategori_id, jenis)
        return {
            "aspirasi_id": aspirasi_id,
            "jenis": jenis,
            "sha256": f.sha256,
            "sha256_thumb": f.sha256_thumb,
            "ukuran": len(f.display),
            "ukuran_thumb": len(f.thumb),
            "lebar": f.lebar,
            "tinggi": f.tinggi,
            "nama_berkas": f.nama_berkas,
            "privat": privat,
            "is_demo": True,
            "diunggah_oleh": "demo",
            "diunggah_pada": waktu,
            "diubah_pada": waktu,
        }

    for i, a in enumerate(every(terbuka, DEMO_OPEN)):
        rows.append(row(a.id, a.kategori_id, "sebelum", a.dibuat_pada, privat=(i % 25 == 7)))
    for i, a in enumerate(every(selesai, DEMO_SELESAI)):
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
            img = Image.open(io.BytesIO(gambar_demo(label, "dokumentasi"))).convert("RGB")
            doc[label] = _dari_gambar(img, "demo-dokumentasi.jpg", 0, None)
            tulis_berkas(doc[label].display, root)
            tulis_berkas(doc[label].thumb, root)
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


def unggah(
    engine: Engine,
    actor: Actor,
    pemilik: Pemilik,
    jenis: str,
    berkas: Sequence[tuple[str, bytes]],
    *,
    privat: bool = False,
    root: Path | None = None,
) -> list[int]:
    """Check every (name, bytes) first — one refused file refuses all, nothing written — then store them."""
    actor.wajib("tulis")
    return simpan_foto(engine, actor, pemilik, jenis, [proses(d, n) for n, d in berkas], privat=privat, root=root)
