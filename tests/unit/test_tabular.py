"""The generic table reader (CSV/XLSX) and the date parser: pure, no database."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from db.tabular import ImportProblem, InvalidDate, normalise_header, parse_date, problems_frame, read_table

SYN = {"Nama Lengkap": "nama", "kel": "kelurahan"}


def xlsx(rows: list[list], extra_sheet: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet("Petunjuk").append(["abaikan"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_delimiters_and_headers(sep):
    data = sep.join(["Nama Lengkap", " KEL ", "No RW"]) + "\n" + sep.join(["Budi", "Gadingasri", "03"]) + "\n"
    t = read_table(data.encode(), "hadir.csv", synonyms=SYN)
    assert t.ok, t.problems
    assert list(t.data.columns) == ["nama", "kelurahan", "no_rw"]
    assert t.data.loc[2].tolist() == ["Budi", "Gadingasri", "03"]  # strings kept as written (leading zero)
    assert t.kolom_asli["kelurahan"] == "KEL"


def test_semicolon_with_commas_inside_quotes_and_bom():
    data = '\ufeffnama;alamat\n"Siti, S.Pd";"Jl. A, No. 1"\n'.encode()
    t = read_table(data, "x.csv")
    assert t.ok and t.data.loc[2].tolist() == ["Siti, S.Pd", "Jl. A, No. 1"]


def test_line_numbers_are_sheet_rows_and_blank_rows_are_skipped():
    data = b"nama,rw\nA,1\n,\n\nB,2\n"
    t = read_table(data, "x.csv")
    assert list(t.data.index) == [2, 5]
    assert t.data.loc[5, "nama"] == "B"


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "x.csv", "Berkas kosong"),
        (b"\n \n", "x.csv", "Berkas kosong"),
        (b"nama,rw\n", "x.csv", "hanya berisi baris judul"),
        (b"nama,rw\n\n,\n", "x.csv", "hanya berisi baris judul"),
        (b"PK\x03\x04rubbish", "x.xlsx", "rusak"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "x.xls", ".xls"),
        (b"abc", "x.pdf", "tidak didukung"),
        (b"anything", "x.xlsm", "bermakro"),
    ],
)
def test_file_level_problems(data, name, reason):
    t = read_table(data, name)
    assert not t.ok
    assert t.problems[0].baris == 0
    assert reason in t.problems[0].alasan


def test_too_large():
    t = read_table(b"nama\n" + b"x\n" * 100, "x.csv", max_bytes=50)
    assert not t.ok and "terlalu besar" in t.problems[0].alasan


def test_too_many_rows():
    t = read_table(b"nama\n" + b"x\n" * 11, "x.csv", max_rows=10)
    assert not t.ok and "Terlalu banyak baris" in t.problems[0].alasan


def test_duplicate_and_untitled_columns_and_required():
    t = read_table(b"Nama,RW,nama ,\nA,1,B,zzz\n", "x.csv", required=["nama", "rt"])
    reasons = {(p.baris, p.kolom): p.alasan for p in t.problems}
    assert "Judul kolom ganda" in reasons[(1, "nama")]
    assert "tidak punya judul" in reasons[(1, None)]
    assert "Kolom 'rt' tidak ada" in reasons[(1, "rt")]


def test_row_with_too_many_cells_is_reported_with_its_row():
    t = read_table(b"nama,rw\nA,1\nB,2,3\nC,3,\n", "x.csv")
    assert t.problems == [ImportProblem(3, None, t.problems[0].alasan)]
    assert "lebih banyak dari judulnya" in t.problems[0].alasan
    assert t.data.loc[4].tolist() == ["C", "3"]  # a trailing empty cell is fine


def test_cp1252_fallback_warns_and_undecodable_is_a_problem():
    t = read_table("nama\nJosé\n".encode("cp1252"), "x.csv")
    assert t.ok and t.data.loc[2, "nama"] == "José"
    assert "Windows-1252" in t.warnings[0] and "CSV UTF-8" in t.warnings[0]
    bad = read_table(b"nama\n\x81\x8d\n", "x.csv")
    assert not bad.ok and "bukan teks UTF-8" in bad.problems[0].alasan and "CSV UTF-8" in bad.problems[0].alasan


def test_utf16_with_bom():
    t = read_table("nama\trw\nDewi\t2\n".encode("utf-16"), "x.txt")
    assert t.ok and t.data.loc[2].tolist() == ["Dewi", "2"]


def test_xlsx_values_become_strings():
    rows = [["Nama", "RW", "Tanggal", "Hadir"], ["Budi", 3, dt.datetime(2025, 11, 28), True], [None], ["Ani", 4.0]]
    data = xlsx(rows)
    t = read_table(data, "hadir.xlsx")
    assert t.ok, t.problems
    assert t.format == "xlsx"
    assert t.data.loc[2].tolist() == ["Budi", "3", "2025-11-28", "TRUE"]
    assert t.data.loc[4].tolist() == ["Ani", "4", "", ""]


def test_xlsx_formula_is_rejected_with_its_cell():
    t = read_table(xlsx([["nama", "rw"], ["Budi", "=1+2"]]), "x.xlsx")
    assert not t.ok
    (p,) = t.problems
    assert (p.baris, p.kolom) == (2, "rw")
    assert "B2" in p.alasan and "rumus" in p.alasan


def test_xlsx_only_first_sheet_with_warning():
    t = read_table(xlsx([["nama"], ["Budi"]], extra_sheet=True), "x.xlsx")
    assert t.ok and len(t.data) == 1 and "lembar pertama" in t.warnings[0]


def test_macro_workbook_renamed_to_xlsx_is_rejected():
    buf = io.BytesIO(xlsx([["nama"], ["x"]]))
    with zipfile.ZipFile(buf, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 10)
    t = read_table(buf.getvalue(), "x.xlsx")
    assert not t.ok and "makro" in t.problems[0].alasan


def test_normalise_header():
    assert normalise_header("  No. RW ") == "no_rw"
    assert normalise_header("Nama  Lengkap", {"nama lengkap": "nama"}) == "nama"
    assert normalise_header(None) == ""


def test_problems_frame_sorted_and_file_level_dash():
    df = problems_frame([ImportProblem(5, "rw", "b"), ImportProblem(0, None, "a"), ImportProblem(2, None, "c")])
    assert df.values.tolist() == [["-", "-", "a"], ["2", "-", "c"], ["5", "rw", "b"]]


@pytest.mark.parametrize(
    "text",
    [
        "2025-11-28",
        "28/11/2025",
        "28-11-2025",
        "28.11.2025",
        "28 November 2025",
        "28 Nov 2025",
        "28 nop 2025",
        "28-Nov-2025",
        "Jumat, 28 November 2025",
        "jum'at 28 november 2025",
        "2025-11-28 00:00:00",
    ],
)
def test_parse_tanggal_accepts(text):
    assert parse_date(text) == dt.date(2025, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 Agustus 2025", dt.date(2025, 8, 17)),
        ("17 Agu 2025", dt.date(2025, 8, 17)),
        ("1 Mei 2025", dt.date(2025, 5, 1)),
        ("5 Okt 2024", dt.date(2024, 10, 5)),
        ("25 Des 2025", dt.date(2025, 12, 25)),
        ("28 Juli 2022", dt.date(2022, 7, 28)),
    ],
)
def test_parse_tanggal_indonesian_months(text, expected):
    assert parse_date(text) == expected


def test_parse_tanggal_empty_is_none():
    assert parse_date("") is None
    assert parse_date("   ") is None
    assert parse_date(None) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2025", "tidak ada di kalender"),
        ("11/28/2025", "urutan hari/bulan/tahun"),
        ("28 Novembre 2025", "nama bulan 'novembre'"),
        ("Kamis, 28 November 2025", "jatuh pada hari Jumat, bukan Kamis"),
        ("28/11/25", "empat angka"),
        ("besok", "tidak dapat dibaca"),
    ],
)
def test_parse_tanggal_reasons(text, reason):
    with pytest.raises(InvalidDate, match=reason):
        parse_date(text)


def test_utf16_without_bom_or_binary_is_a_problem_not_guessed():
    t = read_table("nama,rw\nJosé,1\n".encode("utf-16-le"), "x.csv")
    assert not t.ok and "UTF-16" in t.problems[0].alasan and t.data.empty
