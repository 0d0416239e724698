"""Printable brief (PDF) of a host kelurahan: the content of the Mode Rembuk page on paper.

A pure function of :class:`db.rembuk.mode.ModeRembuk` (aggregates only: no personal data, no reporter
names or phones, no aspiration texts). Uses fpdf2 with the core font Helvetica: no font file and no
network needed; characters Helvetica (latin-1) cannot encode are transliterated or replaced by a visible
mark (``teks``): '[emoji]' for emoji, '<U+202E>' for control/zero-width/direction characters.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from db.format import format_date, format_number, format_time
from db.rembuk.mode import ModeRembuk

_REPLACEMENTS = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2022": "-",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2194": "<->",
    "\u00a0": " ",
}
FONT = "Helvetica"


def _emoji(ch: str) -> bool:
    """A pictograph (or a part of an emoji sequence: skin tone, regional indicator, keycap)."""
    cp = ord(ch)
    return (unicodedata.category(ch) in ("So", "Sk") and cp >= 0x2100) or 0x1F000 <= cp <= 0x1FAFF or cp == 0x20E3


# Joiners and selectors that belong to the emoji before them (no mark of their own inside a sequence).
_EMOJI_TAIL = {"\u200d", "\ufe0e", "\ufe0f"}
EMOJI = "[emoji]"


def visible_mark(ch: str) -> str:
    """The visible mark of a character that would be invisible or would reorder the line: '<U+202E>'."""
    return f"<U+{ord(ch):04X}>"


def pdf_text(value) -> str:
    """Text Helvetica can draw, nothing dropped silently: known symbols transliterated, accents dropped
    only when needed, an emoji (or emoji sequence) shown as '[emoji]', and control, zero-width and
    direction characters (U+202E right-to-left override, U+200B zero-width space, ...) shown as a
    visible mark '<U+202E>' so they neither vanish nor reorder the printed line; any other character
    Helvetica (latin-1) cannot draw is shown by its code point the same way."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    out: list[str] = []
    in_emoji = joined = False
    for ch in str(value):
        if in_emoji and (ch in _EMOJI_TAIL or 0x1F3FB <= ord(ch) <= 0x1F3FF):
            joined = joined or ch == "\u200d"  # a zero-width joiner glues the next pictograph to this one
            continue
        if _emoji(ch):
            if not (in_emoji and joined):
                out.append(EMOJI)
            # A flag is a pair of regional indicators: the first one glues the second.
            flag = 0x1F1E6 <= ord(ch) <= 0x1F1FF
            in_emoji, joined = True, flag and not (in_emoji and joined)
            continue
        in_emoji = joined = False
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\n\t":
            out.append(visible_mark(ch))
            continue
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base if base.strip() else visible_mark(ch))
    return "".join(out)


def date_id(day: dt.date | None, with_weekday: bool = True) -> str:
    """'Jumat, 20 November 2026', as on screen; '-' for no date (Helvetica has no en dash)."""
    return "-" if day is None else format_date(day, with_weekday)


def _number(n) -> str:
    """A count as on screen ('1.554'); '-' when missing."""
    return "-" if n is None or pd.isna(n) else format_number(int(n))


class _Brief(FPDF):
    judul_kaki = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 6, pdf_text(f"{self.judul_kaki} - halaman {self.page_no()}/{{nb}}"), align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(11, 61, 145)
    pdf.cell(0, 8, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FONT, size=10)


def _table(pdf: FPDF, header: list[str], rows: list[list], widths: tuple[int, ...]) -> None:
    pdf.set_font(FONT, size=9.5)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 245)),
        line_height=5.5,
    ) as table:
        table.row([pdf_text(h) for h in header])
        for r in rows:
            table.row([pdf_text(c) for c in r])
    pdf.set_font(FONT, size=10)


def build_brief_pdf(
    m: ModeRembuk, *, dibuat: dt.datetime | None = None, compress: bool = True, foto: list | None = None
) -> bytes:
    """The brief of one kelurahan as PDF bytes (dated ``m.tanggal``; ``dibuat`` = when printed).

    ``foto``: optional "Sebelum -> Sesudah" thumbnails, ``db.foto.queries.brief_foto(...)`` (never private photos).
    """
    pdf = _Brief(format="A4")
    pdf.set_compression(compress)
    pdf.judul_kaki = f"Kulakan - Ringkasan Rembuk Kelurahan {m.nama} - {date_id(m.tanggal, False)}"
    pdf.set_title(pdf_text(f"Ringkasan Rembuk Kelurahan {m.nama}"))
    pdf.set_author("Kulakan - Pemerintah Kota Malang")
    pdf.set_creation_date(dt.datetime.combine(m.tanggal, dt.time(7, 0), tzinfo=dt.UTC))
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()

    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 10, pdf_text(f"Ringkasan Rembuk - Kelurahan {m.nama}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, pdf_text(f"Kecamatan {m.kecamatan}, Kota Malang"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, pdf_text(f"Tanggal: {date_id(m.tanggal)}"), new_x="LMARGIN", new_y="NEXT")
    if dibuat is not None:
        pdf.set_font(FONT, size=8.5)
        pdf.set_text_color(90)
        # An aware time is shown in the city's zone like every time on screen; a naive one is taken as local.
        dicetak = format_time(dibuat) if dibuat.tzinfo else f"{format_date(dibuat.date())} {dibuat:%H.%M} WIB"
        pdf.cell(0, 5, pdf_text(f"Dicetak {dicetak}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.set_font(FONT, size=10)
    pdf.cell(
        0,
        6,
        pdf_text(f"Rembuk terakhir sebelumnya: {date_id(m.rembuk_terakhir)}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    _heading(pdf, "Aspirasi")
    _table(
        pdf,
        ["Total", "Terbuka", "Lewat tenggat", "Masuk hari ini"],
        [[_number(m.total), _number(m.terbuka), _number(m.lewat_tenggat), _number(m.hari_ini)]],
        (1, 1, 1, 1),
    )

    _heading(pdf, "Aspirasi terbuka per kategori")
    if m.terbuka_per_kategori.empty:
        pdf.multi_cell(0, 6, pdf_text("Tidak ada aspirasi terbuka."), new_x="LMARGIN", new_y="NEXT")
    else:
        _table(
            pdf,
            ["Kategori", "Terbuka", "Lewat tenggat"],
            [[r.kategori, _number(r.terbuka), _number(r.lewat_tenggat)] for r in m.terbuka_per_kategori.itertuples()],
            (3, 1, 1),
        )

    _heading(pdf, f"Janji rembuk terakhir ({date_id(m.rembuk_terakhir, False)})")
    if m.janji_terakhir.empty:
        pdf.multi_cell(0, 6, pdf_text("Tidak ada janji tercatat."), new_x="LMARGIN", new_y="NEXT")
    else:
        _table(
            pdf,
            ["Janji", "OPD", "Tenggat", "Progres", "Status"],
            [
                [
                    r.teks,
                    r.opd if isinstance(r.opd, str) else "-",
                    date_id(r.tenggat, False) if isinstance(r.tenggat, dt.date) else "-",
                    f"{int(r.progres)}%",
                    f"{r.status_label}{' (lewat tenggat)' if r.lewat_tenggat else ''}",
                ]
                for r in m.janji_terakhir.itertuples()
            ],
            (5, 1.9, 2.2, 1.1, 2.4),
        )

    _heading(pdf, "Lewat tenggat per OPD")
    if m.lewat_tenggat_per_opd.empty:
        pdf.multi_cell(0, 6, pdf_text("Tidak ada yang lewat tenggat."), new_x="LMARGIN", new_y="NEXT")
    else:
        _table(
            pdf,
            ["OPD", "Aspirasi", "Janji"],
            [[r.opd, _number(r.aspirasi), _number(r.janji)] for r in m.lewat_tenggat_per_opd.itertuples()],
            (2, 1, 1),
        )

    perlu = getattr(m, "opd_perlu_hadir", None)
    if perlu is not None:
        _heading(pdf, "OPD yang perlu hadir")
        if perlu.empty:
            pdf.multi_cell(
                0,
                6,
                pdf_text("Tidak ada OPD dengan aspirasi terbuka atau janji lewat tenggat di kelurahan ini."),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        else:
            _table(
                pdf,
                ["OPD", "Terbuka", "Lewat tenggat", "Janji lewat tenggat"],
                [
                    [r.opd, _number(r.terbuka), _number(r.lewat_tenggat), _number(r.janji_lewat_tenggat)]
                    for r in perlu.itertuples()
                ],
                (2, 1, 1, 1.3),
            )

    b = m.bimtek
    _heading(pdf, "Cakupan bimtek")
    _table(
        pdf,
        ["Lembaga", "Terlatih", "Jumlah", "Cakupan"],
        [
            ["RT", _number(b.rt_terlatih), _number(b.rt_total), f"{b.rt_persen:.1f}%".replace(".", ",")],
            ["RW", _number(b.rw_terlatih), _number(b.rw_total), f"{b.rw_persen:.1f}%".replace(".", ",")],
            ["LPMK", "Ya" if b.lpmk else "Belum", "1", "100%" if b.lpmk else "0%"],
        ],
        (2, 1, 1, 1),
    )
    if foto:
        _foto_section(pdf, foto)
    pdf.ln(2)
    pdf.set_font(FONT, "I", 8.5)
    pdf.multi_cell(
        0,
        4.5,
        pdf_text("Ringkasan agregat tanpa data pribadi warga. Jumlah RT/RW per kelurahan indikatif (data referensi)."),
    )
    return bytes(pdf.output())


def _foto_section(pdf: FPDF, pairs: list) -> None:
    """Issue 15: thumbnail pairs (caption, sebelum JPEG bytes | None, sesudah JPEG bytes), two pairs a row."""
    import io

    _heading(pdf, "Sebelum -> Sesudah (aspirasi selesai sejak rembuk terakhir)")
    w, h, gap = 40.0, 30.0, 2.0
    for i, (caption, sebelum, sesudah) in enumerate(pairs):
        col = i % 2
        if col == 0:
            if pdf.get_y() + h + 12 > pdf.h - 16:
                pdf.add_page()
            y = pdf.get_y()
        x = pdf.l_margin + col * (2 * w + 3 * gap + 6)
        for j, raw in enumerate((sebelum, sesudah)):
            if raw:
                pdf.image(io.BytesIO(raw), x=x + j * (w + gap), y=y, w=w, h=h, keep_aspect_ratio=True)
            else:
                pdf.set_xy(x + j * (w + gap), y + h / 2 - 3)
                pdf.set_font(FONT, "I", 8)
                pdf.cell(w, 6, pdf_text("tanpa foto sebelum"), align="C")
        pdf.set_xy(x, y + h + 0.5)
        pdf.set_font(FONT, size=8)
        pdf.cell(2 * w + gap, 5, pdf_text(caption)[:70])
        if col == 1 or i == len(pairs) - 1:
            pdf.set_xy(pdf.l_margin, y + h + 7)
