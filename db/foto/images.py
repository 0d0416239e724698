"""Pure image processing (Pillow): limits, checks, GPS, JPEG, blurring."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF from iPhones, when the well-kept pillow-heif wheel is installed (requirements.txt)
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover - depends on the install
    HEIC = False

# --- the size budget -----------------------------------------------------------------------------

MAX_BYTES = 20 * 1024 * 1024  # an upload; a 48 MP phone JPEG is ~12 MB
MAX_PIXELS = 50_000_000  # decoded pixels; more is refused before decoding (decompression bomb)
DISPLAY_PX = 1600  # longest side of the stored display copy
THUMB_PX = 320  # longest side of the thumbnail
DISPLAY_QUALITY = 82
THUMB_QUALITY = 72
FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"} | ({"HEIF": "HEIC"} if HEIC else {})
EXTENSIONS = ["jpg", "jpeg", "png", "webp"] + (["heic", "heif"] if HEIC else [])
HEIC_MESSAGE = (
    "Foto HEIC (iPhone) belum bisa dibaca di server ini. Ubah dulu ke JPEG: di iPhone pilih "
    "Pengaturan → Kamera → Format → 'Paling Kompatibel', atau bagikan foto lewat WhatsApp/e-mail "
    "(otomatis menjadi JPEG), lalu unggah lagi."
)


class FotoRejected(ValueError):
    """An upload or change that is refused; the message is for the user (Indonesian). Nothing was written."""


# --- processing (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedFoto:
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

    def columns(self) -> dict:
        """The ``foto`` columns that describe the stored files (owner, kind and privacy are the caller's)."""
        return {
            "sha256": self.sha256,
            "sha256_thumb": self.sha256_thumb,
            "ukuran": len(self.display),
            "ukuran_thumb": len(self.thumb),
            "lebar": self.lebar,
            "tinggi": self.tinggi,
            "nama_berkas": self.nama_berkas,
        }


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(nama: str | None) -> str:
    """A file name fit for display: no folders (``../``), no markup or control characters, <= 80 chars."""
    base = re.split(r"[\\/]", str(nama or ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = _SAFE_NAME.sub("_", base).strip(" ._") or "foto"
    return base[:80]


def _rational(v) -> float:
    if isinstance(v, tuple):  # (numerator, denominator)
        return float(v[0]) / float(v[1]) if v[1] else 0.0
    return float(v)


def read_gps(img: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) of the EXIF GPS block, or None (absent, malformed or outside the globe)."""
    try:
        gps = img.getexif().get_ifd(0x8825)
        if not gps or 2 not in gps or 4 not in gps:
            return None

        def deg(values, ref) -> float:
            d, m, s = (_rational(x) for x in values)
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


def _from_image(img: Image.Image, nama: str, ukuran_asli: int, gps) -> PreparedFoto:
    display = _jpeg(img, DISPLAY_PX, DISPLAY_QUALITY)
    thumb = _jpeg(img, THUMB_PX, THUMB_QUALITY)
    with Image.open(io.BytesIO(display)) as check:
        lebar, tinggi = check.size
    return PreparedFoto(display, thumb, sha256(display), sha256(thumb), lebar, tinggi, nama, ukuran_asli, gps)


def process(data: bytes, nama: str | None = None) -> PreparedFoto:
    """Check and re-encode an upload; raises FotoDitolak with a clear Indonesian message."""
    nama = safe_name(nama)
    if len(data) > MAX_BYTES:
        raise FotoRejected(
            f"Berkas {nama} terlalu besar ({len(data) / 1e6:.1f} MB; paling besar {MAX_BYTES // 2**20} MB).".replace(
                ".", ",", 1
            )
        )
    if not data:
        raise FotoRejected(f"Berkas {nama} kosong.")
    head = data[:64].lstrip().lower()
    if HEIC is False and data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise FotoRejected(HEIC_MESSAGE)
    if head.startswith((b"<svg", b"<?xml", b"%pdf", b"<!doctype", b"<html")):
        raise FotoRejected(f"Berkas {nama} bukan foto (SVG, PDF atau HTML tidak diterima). Unggah JPEG, PNG atau WebP.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[f for f in FORMAT if f in Image.OPEN])
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            if isinstance(exc, UnidentifiedImageError):
                raise FotoRejected(
                    f"Berkas {nama} bukan foto JPEG, PNG atau WebP yang dapat dibaca"
                    + (" (HEIC: lihat petunjuk di bawah kolom unggah)." if not HEIC else ".")
                ) from exc
            raise FotoRejected(f"Ukuran gambar {nama} tidak wajar (terlalu banyak piksel); tidak disimpan.") from exc
        except Exception as exc:
            raise FotoRejected(f"Berkas {nama} rusak atau bukan foto.") from exc
        with img:
            w, h = img.size
            if w < 1 or h < 1 or w * h > MAX_PIXELS:
                raise FotoRejected(
                    f"Ukuran gambar {nama} tidak wajar ({w} × {h} piksel; paling banyak "
                    f"{MAX_PIXELS // 1_000_000} megapiksel). Tidak disimpan."
                )
            try:
                img.load()
            except Exception as exc:
                raise FotoRejected(f"Berkas {nama} terpotong atau rusak (tidak bisa dibaca sampai habis).") from exc
            gps = read_gps(img)
            try:
                upright = ImageOps.exif_transpose(img)
            except Exception:
                upright = img
            return _from_image(_rgb(upright), nama, len(data), gps)


def blur_image(display: bytes, kotak: tuple[float, float, float, float], radius: int = 24) -> Image.Image:
    """The display image with a Gaussian blur over ``kotak`` = (x0, y0, x1, y1) as fractions 0..1."""
    x0, y0, x1, y1 = kotak
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise FotoRejected("Kotak samaran tidak valid: kiri < kanan dan atas < bawah, di dalam foto.")
    img = Image.open(io.BytesIO(display)).convert("RGB")
    w, h = img.size
    box = (int(x0 * w), int(y0 * h), max(int(x0 * w) + 1, round(x1 * w)), max(int(y0 * h) + 1, round(y1 * h)))
    region = img.crop(box)
    # Pixelate first, then blur: a Gaussian blur alone can be partly undone on text such as house numbers.
    small = region.resize((max(1, region.width // 16), max(1, region.height // 16)), Image.Resampling.BILINEAR)
    region = small.resize(region.size, Image.Resampling.NEAREST).filter(ImageFilter.GaussianBlur(radius))
    img.paste(region, box)
    return img
