"""Image files for the photo tests, generated on the fly (no binaries in the repository): sound photos,
photos with EXIF (GPS, hostile text) and every hostile file of issue 15."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from tests.hostile import HOSTILE


def jpeg(size=(1200, 900), color=(30, 120, 200), **save) -> bytes:
    img = Image.new("RGB", size, color)
    for x in range(0, size[0], 50):  # some structure, so the encoder has work to do
        img.paste((255 - color[0], color[1], 40), (x, 0, x + 10, size[1]))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def png(size=(640, 480), mode="RGBA") -> bytes:
    img = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def webp(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 150, 10)).save(out, "WEBP")
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return (float(d), float(m), s)


def jpeg_exif(
    lat: float | None = None, lon: float | None = None, teks: str | None = None, orientation: int = 1
) -> bytes:
    """A phone-like JPEG: GPS block, orientation and (hostile) text in ImageDescription/Artist/Make/Software."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    if teks is not None:
        for tag in (0x010E, 0x013B, 0x010F, 0x0131):  # ImageDescription, Artist, Make, Software
            exif[tag] = teks
    if lat is not None:
        exif[0x8825] = {1: "S" if lat < 0 else "N", 2: _dms(lat), 3: "E" if lon >= 0 else "W", 4: _dms(lon)}
    return jpeg((1000, 600), exif=exif, comment=(teks or "").encode("utf-8"))


def bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    raw = png((1, 1), "RGB")
    ihdr_data = struct.pack(">II", width, height) + raw[24:29]
    chunk = b"IHDR" + ihdr_data
    return raw[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + raw[33:]


def truncated_jpeg() -> bytes:
    data = jpeg((1600, 1200))
    return data[: len(data) // 2]


def polyglot() -> bytes:
    """A valid JPEG with HTML/JS in its comment and appended after the end-of-image marker."""
    return (
        jpeg(comment=b"<html><script>alert('poliglot')</script>")
        + b"<html><body><script>alert(1)</script></body></html>"
    )


SVG = b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'><script>alert('svg')</script></svg>"


def pdf_bytes() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(0, 10, "bukan foto")
    return bytes(pdf.output())


def huge(mb: int = 60) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\0" * (mb * 1024 * 1024)


NAMA_JAHAT = "../../etc/<script>alert('nama')</script>.jpg"
HOSTILE_EXIF = " | ".join(HOSTILE)
