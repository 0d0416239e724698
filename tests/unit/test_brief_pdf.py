"""report.brief_pdf: the printable brief of a host kelurahan (PDF bytes, no personal data)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zlib

import pandas as pd
import pytest

from db.rembuk.mode import BimtekCakupan, ModeRembuk, mode_rembuk_data
from report.brief_pdf import build_brief_pdf, date_id, pdf_text
from tests.conftest import DEMO_TODAY


def _mode(**kw) -> ModeRembuk:
    base = dict(
        kelurahan_kode="35.73.02.1003",
        nama="Samaan",
        kecamatan="Klojen",
        tanggal=dt.date(2026, 11, 20),
        rembuk_hari_ini=1,
        total=24,
        terbuka=4,
        lewat_tenggat=1,
        hari_ini=3,
        hari_ini_terbuka=3,
        terbuka_per_kategori=pd.DataFrame(
            {"kategori": ["Drainase/banjir", "Sampah"], "terbuka": [3, 1], "lewat_tenggat": [1, 0]}
        ),
        rembuk_terakhir=dt.date(2025, 8, 22),
        janji_terakhir=pd.DataFrame(
            {
                "teks": ["Perbaikan saluran – tahap 1 “segera” 🚧"],
                "opd": ["DPUPRPKP"],
                "tenggat": [dt.date(2025, 9, 24)],
                "progres": [60],
                "status": ["proses"],
                "status_label": ["Dalam proses"],
                "lewat_tenggat": [True],
            }
        ),
        lewat_tenggat_per_opd=pd.DataFrame({"opd": ["DLH"], "aspirasi": [1], "janji": [1]}),
        bimtek=BimtekCakupan(9, 58, 8, 8, True),
        titik_rw=pd.DataFrame(columns=["rw", "lat", "lon", "jumlah", "terbuka", "status"]),
    )
    base.update(kw)
    return ModeRembuk(**base)


def _text(pdf: bytes) -> str:
    return pdf.decode("latin-1")


def test_pdf_states_kelurahan_and_date():
    pdf = build_brief_pdf(_mode(), dibuat=dt.datetime(2026, 11, 20, 8, 30), compress=False)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = _text(pdf)
    assert "Kelurahan Samaan" in text
    assert "Kecamatan Klojen" in text
    assert "Jumat, 20 November 2026" in text
    assert "Drainase/banjir" in text and "DPUPRPKP" in text
    assert "60%" in text and "9/58" not in text  # numbers in their own cells
    # Characters Helvetica cannot draw are transliterated, not lost with an error.
    assert 'Perbaikan saluran - tahap 1 "segera" [emoji]' in text.replace("\\(", "(").replace("\\)", ")")


def test_compressed_pdf_is_smaller_and_still_holds_the_text():
    m = _mode()
    plain = build_brief_pdf(m, compress=False)
    packed = build_brief_pdf(m)
    assert packed.startswith(b"%PDF-") and len(packed) < len(plain)
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", packed, re.S)
    inflated = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    assert b"Samaan" in inflated


def test_empty_sections_are_stated():
    m = _mode(
        terbuka_per_kategori=pd.DataFrame(columns=["kategori", "terbuka", "lewat_tenggat"]),
        janji_terakhir=pd.DataFrame(
            columns=["teks", "opd", "tenggat", "progres", "status", "status_label", "lewat_tenggat"]
        ),
        lewat_tenggat_per_opd=pd.DataFrame(columns=["opd", "aspirasi", "janji"]),
        rembuk_terakhir=None,
    )
    text = _text(build_brief_pdf(m, compress=False))
    assert "Tidak ada aspirasi terbuka." in text
    assert "Tidak ada janji tercatat." in text
    assert "Tidak ada yang lewat tenggat." in text


def test_teks_and_tanggal_helpers():
    assert pdf_text("Gading Kasri – RW 03") == "Gading Kasri - RW 03"
    assert pdf_text("Ngaglik\u200b\u202e") == "Ngaglik<U+200B><U+202E>"  # visible, never dropped
    assert pdf_text("café ☕") == "café [emoji]"
    assert pdf_text(None) == "-"
    assert date_id(dt.date(2025, 11, 28)) == "Jumat, 28 November 2025"


@pytest.mark.usefixtures("backend")
def test_brief_of_demo_kelurahan_has_no_personal_data(seeded_engine):
    from sqlalchemy import select

    from db.schema import Aspirasi

    kode = "35.73.02.1003"
    m = mode_rembuk_data(seeded_engine, kode, DEMO_TODAY)
    text = _text(build_brief_pdf(m, compress=False))
    assert f"Kelurahan {m.nama}" in text and "Jumat, 20 November 2026" in text
    with seeded_engine.connect() as conn:
        rows = conn.execute(
            select(Aspirasi.pelapor_nama, Aspirasi.pelapor_telepon).where(Aspirasi.kelurahan_kode == kode)
        ).all()
    personal = {v for row in rows for v in row if v}
    assert personal, "the demo should hold reporter data for this kelurahan"
    for value in personal:
        assert pdf_text(value) not in text


def test_hostile_unicode_is_shown_visibly_and_in_order():
    """Issue 12 §6: emoji are '[emoji]' (not '?'), bidi/zero-width characters a visible mark (not dropped),
    and the right-to-left override cannot reorder the printed line (it is not in the PDF at all)."""
    from tests.hostile import BIDI_ZERO_WIDTH, EMOJI

    assert pdf_text("\u202eKIRI-KE-KANAN\u200b tersembunyi") == "<U+202E>KIRI-KE-KANAN<U+200B> tersembunyi"
    assert pdf_text("🚧 jalan rusak 🚧") == "[emoji] jalan rusak [emoji]"
    assert pdf_text("👨\u200d👩\u200d👧 keluarga 👍🏽 🇮🇩") == "[emoji] keluarga [emoji] [emoji]"
    for value in BIDI_ZERO_WIDTH + EMOJI:
        shown = pdf_text(value)
        shown.encode("latin-1")  # drawable by Helvetica
        assert "?" not in shown
        assert not any(unicodedata.category(c) in ("Cf", "Cc") for c in shown)
        hidden = [c for c in value if unicodedata.category(c) in ("Cf", "Cc") and c != "\u200d"]
        for c in hidden:
            assert f"<U+{ord(c):04X}>" in shown
    janji = _mode().janji_terakhir.copy()
    janji["teks"] = ["\u202eKIRI\u200b 🚧"]
    text = _text(build_brief_pdf(_mode(janji_terakhir=janji), compress=False))
    assert "(<U+202E>KIRI<U+200B> [emoji])" in text.replace(") Tj", ")")
    assert "\u202e".encode("utf-16-be").decode("latin-1") not in text


def test_printed_time_is_wib_in_the_indonesian_format():
    late = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)  # 06.30 WIB on 2 December
    text = _text(build_brief_pdf(_mode(), dibuat=late, compress=False))
    assert "Dicetak Rabu, 2 Desember 2026 06.30 WIB" in text
