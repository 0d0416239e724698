"""The QR-code sheet of an RW digest (PDF) for the kelurahan notice board: one QR per aspiration.

QR codes by segno (pure Python, no Pillow needed), drawn with fpdf2 and the core font Helvetica (see
report/brief_pdf.py). The sheet carries ticket number, category, RW and status only: no titles, no names.
"""

from __future__ import annotations

import datetime as dt
import io

import segno
from fpdf import FPDF

from db.lacak.news import GROUPS, News
from report.brief_pdf import FONT, date_id, pdf_text

_COLUMNS, _ROWS = 3, 4
_LEBAR, _TINGGI = 62.0, 62.0
_QR_MM = 40.0
_LABEL = {k: v.split("*")[1] for k, v in GROUPS.items()}  # 'Selesai', 'Dalam proses', ...


def qr_png(data: str) -> bytes:
    """A QR code of ``data`` as PNG bytes (error correction M, quiet zone of 2 modules)."""
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buf, kind="png", scale=8, border=2)
    return buf.getvalue()


class _Sheet(FPDF):
    kaki = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 6, pdf_text(f"{self.kaki} - halaman {self.page_no()}/{{nb}}"), align="C")


def qr_sheet_pdf(k: News, tautan_per_id: dict[int, str], *, compress: bool = True) -> bytes:
    """One QR code per aspiration of the digest that has a link (3 x 4 per A4 page)."""
    wilayah = f"Kelurahan {k.kelurahan}" + (f" RW {k.rw:02d}" if k.rw is not None else " (semua RW)")
    pdf = _Sheet(format="A4")
    pdf.set_compression(compress)
    pdf.kaki = f"Kulakan - Lacak aspirasi {wilayah} - {date_id(k.tanggal, False)}"
    pdf.set_title(pdf_text(f"Lacak aspirasi {wilayah}"))
    pdf.set_author("Kulakan - Pemerintah Kota Malang")
    pdf.set_creation_date(dt.datetime.combine(k.tanggal, dt.time(7, 0), tzinfo=dt.UTC))
    pdf.set_auto_page_break(False)
    items = [i for i in k.items if i.aspirasi_id in tautan_per_id]
    per_page = _COLUMNS * _ROWS
    for start in range(0, max(len(items), 1), per_page):
        pdf.add_page()
        pdf.set_font(FONT, "B", 15)
        pdf.cell(0, 8, pdf_text(f"Lacak aspirasi - {wilayah}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9.5)
        pdf.multi_cell(
            0, 5,
            pdf_text(f"Kec. {k.kecamatan} - per {date_id(k.tanggal)}. Pindai kode dengan kamera ponsel untuk melihat "
                 "perkembangan aspirasi; bila sudah selesai, jawab 'Sudah beres' atau 'Belum beres'."),
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
        if not items:
            pdf.ln(4)
            pdf.cell(0, 6, pdf_text("Tidak ada aspirasi untuk wilayah ini."))
            break
        top = pdf.get_y() + 3
        for n, item in enumerate(items[start : start + per_page]):
            col, row = n % _COLUMNS, n // _COLUMNS
            x = pdf.l_margin + col * _LEBAR
            y = top + row * _TINGGI
            pdf.set_draw_color(200)
            pdf.rect(x + 1, y, _LEBAR - 2, _TINGGI - 2)
            pdf.image(io.BytesIO(qr_png(tautan_per_id[item.aspirasi_id])), x=x + (_LEBAR - _QR_MM) / 2, y=y + 2,
                      w=_QR_MM, h=_QR_MM)  # fmt: skip
            pdf.set_xy(x + 2, y + 2 + _QR_MM + 1)
            pdf.set_font(FONT, "B", 10)
            pdf.cell(_LEBAR - 4, 4.5, pdf_text(item.nomor), align="C", new_x="LEFT", new_y="NEXT")
            pdf.set_font(FONT, size=8.5)
            rw = f" - RW {item.rw:02d}" if item.rw is not None else ""
            pdf.cell(_LEBAR - 4, 4, pdf_text(f"{item.kategori}{rw}")[:48], align="C", new_x="LEFT", new_y="NEXT")
            status = item.status_label if item.kelompok == "ditutup" else _LABEL[item.kelompok]
            pdf.cell(_LEBAR - 4, 4, pdf_text(status), align="C")
    return bytes(pdf.output())
