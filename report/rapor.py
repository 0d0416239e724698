"""The "Rapor OPD" for the monthly meeting with OPD heads: a PDF (one page per OPD) and an XLSX table.

Pure functions of the scorecard, trend and per-OPD lists of db/kinerja/. No personal data: no
reporter names or phones; aspirations appear by ticket number, title, kelurahan and age. Dated,
with the period, the previous period it is compared with, and the filter printed on every page.
Drawn like the rembuk brief (report/brief_pdf.py): fpdf2 with the core font Helvetica.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from db.aspirasi.listing import to_xlsx_bytes
from db.export import neutralise_cell
from db.format import format_compact, format_number
from db.kinerja.periods import Period
from db.kinerja.scorecard import COLUMNS
from report.brief_pdf import FONT, _Brief, _heading, _table, date_id, pdf_text


@dataclass(frozen=True)
class OpdReportCard:
    """What one OPD's page shows besides its scorecard row."""

    tertua: pd.DataFrame  # db.kinerja.scorecard.oldest_open
    janji_lewat: pd.DataFrame  # db.kinerja.scorecard.opd_overdue_janji


def _n(v) -> str:
    return "-" if v is None or pd.isna(v) else format_number(int(v))


def _pct(v) -> str:
    return "-" if v is None or pd.isna(v) else f"{format_number(float(v) * 100, 1)}%"


def _med(v) -> str:
    return "-" if v is None or pd.isna(v) else format_compact(float(v))


def _rank(row) -> str:
    return "sampel kecil" if bool(row["sampel_kecil"]) else _n(row["peringkat"])


def number_rows(row) -> list[list[str]]:
    """(measure, this period, previous period) rows of one OPD, formatted as on screen."""
    return [
        [COLUMNS["diterima"][0], _n(row["diterima"]), _n(row["diterima_lalu"])],
        [COLUMNS["terbuka"][0] + " (hari ini)", _n(row["terbuka"]), "-"],
        [COLUMNS["lewat_tenggat"][0] + " (hari ini)", _n(row["lewat_tenggat"]), "-"],
        [COLUMNS["selesai"][0], _n(row["selesai"]), _n(row["selesai_lalu"])],
        [COLUMNS["tepat_waktu_pct"][0], _pct(row["tepat_waktu_pct"]), _pct(row["tepat_waktu_pct_lalu"])],
        [COLUMNS["median_hk"][0], _med(row["median_hk"]), _med(row["median_hk_lalu"])],
        [COLUMNS["tertua_hk"][0], _n(row["tertua_hk"]), "-"],
        [COLUMNS["janji_dibuat"][0], _n(row["janji_dibuat"]), _n(row["janji_dibuat_lalu"])],
        [COLUMNS["janji_ditepati"][0], _n(row["janji_ditepati"]), _n(row["janji_ditepati_lalu"])],
        [COLUMNS["janji_lewat"][0] + " (hari ini)", _n(row["janji_lewat"]), "-"],
        [COLUMNS["dibuka_kembali"][0], _n(row["dibuka_kembali"]), _n(row["dibuka_kembali_lalu"])],
        [COLUMNS["bukan_kewenangan"][0] + " (terpisah)", _n(row["bukan_kewenangan"]), _n(row["bukan_kewenangan_lalu"])],
        [COLUMNS["peringkat"][0], _rank(row), "-"],
    ]


def _short(text, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def build_report_card_pdf(
    score: pd.DataFrame,
    tren: pd.DataFrame,
    detail: dict[str, OpdReportCard],
    periode: Period,
    today: dt.date,
    filter_text: str,
    min_sampel: int,
    *,
    dibuat: dt.datetime | None = None,
    compress: bool = True,
) -> bytes:
    """One page per OPD of ``score`` (in its order), then one page of definitions."""
    pdf = _Brief(format="A4")
    pdf.set_compression(compress)
    pdf.judul_kaki = f"Kulakan - Rapor OPD - {date_id(today, False)}"
    pdf.set_title("Rapor OPD")
    pdf.set_author("Kulakan - Pemerintah Kota Malang")
    pdf.set_creation_date(dt.datetime.combine(today, dt.time(7, 0), tzinfo=dt.UTC))
    pdf.set_auto_page_break(True, margin=16)
    lalu = periode.sebelumnya()
    for row in score.to_dict("records"):
        pdf.add_page()
        pdf.set_font(FONT, "B", 16)
        pdf.cell(0, 9, pdf_text(f"Rapor OPD - {row['opd']}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5, pdf_text(row["nama"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(
            0,
            4.6,
            pdf_text(
                f"Tanggal: {date_id(today)}. Periode: {periode.label()} "
                f"(dibandingkan dengan {lalu.label()}). Filter: {filter_text}. "
                f"Peringkat hanya untuk OPD dengan sedikitnya {format_number(min_sampel)} aspirasi Selesai dalam periode."  # noqa: E501
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if dibuat is not None:
            pdf.set_text_color(90)
            pdf.cell(0, 4.5, pdf_text(f"Dicetak {dibuat:%d/%m/%Y %H:%M} WIB"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
        _heading(pdf, "Angka")
        _table(pdf, ["Ukuran", "Periode ini", "Periode lalu"], number_rows(row), (4, 1.4, 1.4))

        t = tren[tren["opd"] == row["opd"]]
        _heading(pdf, "Tren 12 bulan")
        if not t.empty:
            pdf.set_font(FONT, size=7.5)
            header = ["", *t["label"].tolist()]
            rows = [
                ["Diterima", *(_n(v) for v in t["diterima"])],
                ["Selesai", *(_n(v) for v in t["selesai"])],
                ["Lewat tenggat", *(_n(v) for v in t["lewat_tenggat"])],
            ]
            _table_small(pdf, header, rows)
        d = detail.get(row["opd"])
        _heading(pdf, "10 aspirasi terbuka tertua")
        if d is None or d.tertua.empty:
            pdf.multi_cell(0, 5, pdf_text("Tidak ada aspirasi terbuka."), new_x="LMARGIN", new_y="NEXT")
        else:
            _table(
                pdf,
                ["Nomor", "Judul", "Kelurahan", "Diterima", "Umur (hari kerja)"],
                [
                    [
                        r.nomor,
                        _short(r.judul, 48),
                        r.kelurahan,
                        date_id(r.diterima, False),
                        _n(r.umur_hk) + (" (lewat tenggat)" if r.lewat_tenggat else ""),
                    ]
                    for r in d.tertua.itertuples()
                ],
                (2.6, 4.6, 2.4, 2.4, 2.4),
            )
        _heading(pdf, "Janji lewat tenggat")
        if d is None or d.janji_lewat.empty:
            pdf.multi_cell(0, 5, pdf_text("Tidak ada janji yang lewat tenggat."), new_x="LMARGIN", new_y="NEXT")
        else:
            _table(
                pdf,
                ["Janji", "Kelurahan", "Rembuk", "Tenggat", "Progres"],
                [
                    [
                        _short(r.teks, 60),
                        r.kelurahan,
                        date_id(r.rembuk, False),
                        date_id(r.tenggat, False),
                        f"{int(r.progres)}%",
                    ]
                    for r in d.janji_lewat.itertuples()
                ],
                (5.4, 2.4, 2.4, 2.4, 1.4),
            )
    pdf.add_page()
    _heading(pdf, "Definisi")
    pdf.set_font(FONT, size=9)
    for label, definisi in COLUMNS.values():
        pdf.multi_cell(0, 4.8, pdf_text(f"{label}: {definisi}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.multi_cell(
        0,
        4.8,
        pdf_text(
            "Tanpa data pribadi warga. Hari kerja: Senin-Jumat di luar libur nasional dan cuti bersama. "
            "Setiap angka dapat diperiksa di halaman Kinerja OPD: tautannya membuka persis aspirasi yang dihitung."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _table_small(pdf, header: list[str], rows: list[list[str]]) -> None:
    from fpdf.fonts import FontFace

    with pdf.table(
        col_widths=(2.2, *([1] * (len(header) - 1))),
        text_align="CENTER",
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 245)),
        line_height=4.5,
    ) as table:
        table.row([pdf_text(h) for h in header])
        for r in rows:
            table.row([pdf_text(c) for c in r])
    pdf.set_font(FONT, size=10)


def report_card_table(score: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as a table with Indonesian headers (numbers stay numbers for the spreadsheet)."""
    out = pd.DataFrame(
        {
            "OPD": score["opd"],
            "Nama OPD": score["nama"],
            "Peringkat": [_rank(r) for r in score.to_dict("records")],
            "Diterima": score["diterima"],
            "Diterima (periode lalu)": score["diterima_lalu"],
            "Terbuka": score["terbuka"],
            "Lewat tenggat": score["lewat_tenggat"],
            "Selesai": score["selesai"],
            "Selesai tepat waktu": score["tepat_waktu"],
            "Tepat waktu %": (score["tepat_waktu_pct"] * 100).round(1),
            "Tepat waktu % (periode lalu)": (score["tepat_waktu_pct_lalu"] * 100).round(1),
            "Median hari kerja": score["median_hk"],
            "Median hari kerja (periode lalu)": score["median_hk_lalu"],
            "Terbuka tertua (hari kerja)": score["tertua_hk"].astype("float"),
            "Janji dibuat": score["janji_dibuat"],
            "Janji ditepati tepat waktu": score["janji_ditepati"],
            "Janji lewat tenggat": score["janji_lewat"],
            "Dibuka kembali": score["dibuka_kembali"],
            "Bukan kewenangan kota": score["bukan_kewenangan"],
        }
    )
    if "dikonfirmasi_belum_beres" in score:
        out["Ditutup tapi belum beres"] = score["dikonfirmasi_belum_beres"]
    return out


def build_report_card_xlsx(score: pd.DataFrame, periode: Period, today: dt.date, filter_text: str) -> bytes:
    """The scorecard table (sheet 'rapor') and a sheet 'keterangan' with date, periods, filter, definitions."""
    import io

    import openpyxl

    main = to_xlsx_bytes(report_card_table(score), sheet="rapor")
    wb = openpyxl.load_workbook(io.BytesIO(main))
    ws = wb.create_sheet("keterangan")
    lalu = periode.sebelumnya()
    for r in [
        ("Rapor OPD", "Kulakan - Pemerintah Kota Malang"),
        ("Tanggal", date_id(today)),
        ("Periode", periode.label()),
        ("Dibandingkan dengan", lalu.label()),
        ("Filter", filter_text),
        *COLUMNS.values(),
    ]:
        ws.append([neutralise_cell(v) for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
