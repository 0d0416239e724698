"""Attendance-sheet import: role mapping, good and bad rows, all-or-nothing, idempotent re-import, CLI."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from db.auth.roles import AccessDenied, Actor
from db.bimtek import importer as ip
from db.bimtek import reports as bimtek_reports
from db.bimtek import services as bimtek_services
from db.schema import BimtekPeserta, LogAudit
from db.tabular import read_table

STAF = Actor("siti.staf", "staf")
GADING_KASRI, TUNJUNGSEKAR = "35.73.02.1010", "35.73.05.1008"


@pytest.mark.parametrize(
    ("text", "peran"),
    [
        ("Ketua RT", "ketua_rt"),
        ("ketua rt.", "ketua_rt"),
        ("Ka. RT", "ketua_rt"),
        ("KETUA RT 03", "ketua_rt"),
        ("Pak RT", "ketua_rt"),
        ("Ketua Rukun Tetangga", "ketua_rt"),
        ("bendahara rt", "pengurus_rt"),
        ("Sekretaris RT", "pengurus_rt"),
        ("Ketua RW", "ketua_rw"),
        ("Pengurus RW", "pengurus_rw"),
        ("Sekretaris RW", "pengurus_rw"),
        ("Sekertaris R.W.", "pengurus_rw"),
        ("Wakil Ketua RW", "pengurus_rw"),
        ("Ketua LPMK", "ketua_lpmk"),
        ("Ketua L.P.M.K", "ketua_lpmk"),
        ("LPMK", "pengurus_lpmk"),
        ("Anggota LPMK", "pengurus_lpmk"),
        ("Bendahara LPM", "pengurus_lpmk"),
        ("RW", "pengurus_rw"),
        ("ketua_rw", "ketua_rw"),
        ("Lainnya", "lainnya"),
        ("Staf Kelurahan", "lainnya"),
    ],
)
def test_role_mapping(text, peran):
    assert ip.map_role(text) == peran


@pytest.mark.parametrize("text", ["", "Ketua", "Ketua RT/RW", "Bupati", "Ketua PKK", None])
def test_role_mapping_refuses_what_it_cannot_tell(text):
    assert ip.map_role(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("ya", True), ("Y", True), ("1", True), ("Hadir", True), ("✓", True), ("TRUE", True),
     ("tidak", False), ("N", False), ("0", False), ("tidak hadir", False), ("Tidak Hadir", False), ("FALSE", False),
     ("", None), ("mungkin", None), ("x", None)],
)  # fmt: skip
def test_parse_hadir(text, value):
    assert ip.parse_attended(text) is value


def test_parse_nomor():
    assert ip.parse_nomor("05", "RW") == 5
    assert ip.parse_nomor("RW 05", "RW") == 5
    assert ip.parse_nomor("3.0", "RT") == 3
    assert ip.parse_nomor("", "RT") is None
    with pytest.raises(ValueError, match="bukan nomor"):
        ip.parse_nomor("tiga", "RW")
    with pytest.raises(ValueError, match="1 atau lebih"):
        ip.parse_nomor("0", "RW")


def sheet(*rows: str, header: str = "Nama;Jabatan;Kelurahan;RW;RT;Hadir") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


GOOD = sheet(
    "Budi Santoso;Ka. RT;Gadingasri;03;2;ya",  # alias of Gading Kasri
    "Siti Aminah;Sekretaris RW;gading kasri;5;;✓",
    "Eko;Ketua RT;Gading Kasri;1;;ya",  # unknown RT: accepted
    "Agus;Ketua LPMK;Tunjungsekar;;;tidak",
    "Rina;LPMK;Tunjung Sekar;;;hadir",
)


@pytest.fixture
def acara(ready_engine):
    return ready_engine, bimtek_services.create_bimtek(
        ready_engine, STAF, bimtek_services.BimtekData("Bimtek Uji", dt.date(2025, 11, 27))
    )


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(BimtekPeserta.id)))


@pytest.mark.usefixtures("backend")
def test_good_sheet_imports_then_reimport_writes_nothing_twice(acara):
    e, bid = acara
    calls = []
    h = ip.import_peserta(e, STAF, bid, GOOD, "hadir.csv", progress=lambda d, t: calls.append((d, t)))
    assert h.ok, h.problems
    assert (h.total_baris, h.ditambahkan, h.sudah_ada) == (5, 5, 0)
    assert calls[-1] == (10, 10) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    df = bimtek_reports.peserta_table(e, bid, STAF).set_index("Nama")
    assert df.loc["Budi Santoso", ["peran", "kelurahan_kode", "RW", "RT", "Hadir"]].tolist() == [
        "ketua_rt", GADING_KASRI, 3, 2, True,
    ]  # fmt: skip
    assert df.loc["Siti Aminah", ["peran", "RW"]].tolist() == ["pengurus_rw", 5]
    assert df.loc["Eko", "RT"] is pd_na()
    assert df.loc["Agus", ["peran", "kelurahan_kode", "Hadir"]].tolist() == ["ketua_lpmk", TUNJUNGSEKAR, False]
    cov = bimtek_reports.cakupan(e, bimtek_services.BimtekFilter()).loc[GADING_KASRI]
    assert (cov["rw_terlatih"], cov["rt_terlatih"]) == (1, 1)  # RW 5 (Siti); RT 2/RW 3 (Budi); Eko: no RT

    again = ip.import_peserta(e, STAF, bid, GOOD, "hadir.csv")
    assert again.ok and (again.ditambahkan, again.sudah_ada) == (0, 5)
    assert "0 peserta ditambahkan; 5 sudah ada, dilewati" in again.ringkasan()
    assert count(e) == 5  # LPMK rows (RW/RT NULL) are not duplicated either
    with e.connect() as conn:
        assert conn.scalar(select(func.count()).where(LogAudit.aksi == "impor_peserta")) == 2


@pytest.mark.usefixtures("backend")
def test_bad_rows_reject_the_whole_sheet_with_row_numbers(acara):
    e, bid = acara
    data = sheet(
        "Budi;Ketua RT;Gading Kasri;3;2;ya",  # row 2: fine
        "Cici;Ketua RW;Gading Kasri;7;;ya",  # row 3: Gading Kasri has 6 RW
        "Dedi;Ketua RT;Gading Kasri;3;9;ya",  # row 4: RW 3 has 8 RT
        ";Ketua RT;Gading Kasri;1;1;ya",  # row 5: no name
        "Fitri;Ketua;Gading Kasri;1;;ya",  # row 6: role unknown
        "Gita;Ketua RW;Kelurahan Antah;1;;ya",  # row 7: unknown kelurahan
        "Hadi;Ketua RW;Gading Kasri;;;ya",  # row 8: RW missing
        "Indah;Ketua RW;Gading Kasri;dua;;mungkin",  # row 9: RW not a number, hadir unreadable
        "Joko;Ketua RW;Gadingkasri;2;;ya",  # row 10: fine
    )
    h = ip.import_peserta(e, STAF, bid, data, "hadir.csv")
    assert not h.ok
    got = {(p.baris, p.kolom) for p in h.problems}
    assert got == {(3, "rw"), (4, "rt"), (5, "nama"), (6, "jabatan"), (7, "kelurahan"), (8, "rw"), (9, "rw"),
                   (9, "hadir")}  # fmt: skip
    reasons = {(p.baris, p.kolom): p.alasan for p in h.problems}
    assert "RW 7 tidak ada di Kelurahan Gading Kasri (RW 1–6)" in reasons[(3, "rw")]
    assert "RT 9 tidak ada di RW 3" in reasons[(4, "rt")]
    assert "tidak ditemukan" in reasons[(7, "kelurahan")]
    assert count(e) == 0  # all or nothing
    frame = h.problems_frame()
    assert list(frame.columns) == ["Baris", "Kolom", "Alasan"]
    assert frame["Baris"].tolist()[:2] == ["3", "4"]
    assert "Impor dibatalkan" in h.ringkasan()


@pytest.mark.usefixtures("backend")
def test_duplicates_inside_the_sheet(acara):
    e, bid = acara
    same = sheet("Budi;Ketua RT;Gading Kasri;3;2;ya", "budi ;ketua rt;Gadingasri;03;02;Ya")
    h = ip.import_peserta(e, STAF, bid, same, "x.csv")
    assert h.ok and (h.ditambahkan, h.ganda_dalam_berkas) == (1, 1)
    conflict = sheet("Ani;Ketua RW;Gading Kasri;1;;ya", "Ani;Ketua RW;Gading Kasri;1;;tidak")
    h = ip.import_peserta(e, STAF, bid, conflict, "x.csv")
    assert not h.ok and [(p.baris, p.kolom) for p in h.problems] == [(3, "hadir")]
    assert "baris 2" in h.problems[0].alasan
    assert count(e) == 1


@pytest.mark.usefixtures("backend")
def test_xlsx_sheet_without_hadir_column_and_with_header_synonyms(acara):
    e, bid = acara
    wb = Workbook()
    ws = wb.active
    ws.append(["Nama Lengkap", "Peran", "Desa/Kelurahan", "No RW", "No RT"])
    ws.append(["Budi", "Ketua RW", "Oro-oro Dowo", 4, None])
    ws.append(["Sari", "Ketua RT", "Oro Oro Dowo", 4, 1])
    out = io.BytesIO()
    wb.save(out)
    h = ip.import_peserta(e, STAF, bid, out.getvalue(), "daftar.xlsx")
    assert h.ok, h.problems
    assert h.ditambahkan == 2
    assert any("Kolom 'hadir' tidak ada" in w for w in h.warnings)
    assert bimtek_reports.peserta_table(e, bid, STAF)["Hadir"].tolist() == [True, True]


@pytest.mark.usefixtures("backend")
def test_permissions_and_scope(acara):
    e, bid = acara
    with pytest.raises(AccessDenied):
        ip.import_peserta(e, Actor("wali.kota", "pimpinan"), bid, GOOD, "x.csv")
    lowokwaru_only = Actor("staf.lowokwaru", "staf", "35.73.05")
    h = ip.import_peserta(e, lowokwaru_only, bid, GOOD, "x.csv")
    assert not h.ok
    assert {p.baris for p in h.problems} == {2, 3, 4}  # the Gading Kasri (Klojen) rows
    assert count(e) == 0


@pytest.mark.usefixtures("backend")
def test_unknown_event_and_file_problems(acara):
    e, bid = acara
    h = ip.import_peserta(e, STAF, bid + 999, GOOD, "x.csv")
    assert not h.ok and "tidak ditemukan" in h.problems[0].alasan
    h = ip.import_peserta(e, STAF, bid, b"nama,jabatan\nA,Ketua RT\n", "x.csv")
    assert {p.kolom for p in h.problems} == {"kelurahan", "rw", "rt"}


def test_templates_read_back_with_the_expected_columns():
    for data, name in ((ip.template_csv(), "t.csv"), (ip.template_xlsx(), "t.xlsx")):
        t = read_table(data, name, synonyms=ip.SYNONYMS)
        assert list(t.data.columns) == ip.COLUMNS
        assert "hanya berisi baris judul" in t.problems[0].alasan  # empty template: nothing to import


@pytest.mark.usefixtures("backend")
def test_filled_csv_template_imports(acara):
    e, bid = acara
    data = ip.template_csv() + b"Budi,Ketua RW,Gading Kasri,2,,ya\r\n"
    h = ip.import_peserta(e, STAF, bid, data, "templat.csv")
    assert h.ok and h.ditambahkan == 1


@pytest.mark.usefixtures("backend")
def test_cli(acara, tmp_path):
    e, bid = acara
    good = tmp_path / "hadir.csv"
    good.write_bytes(GOOD)
    out = io.StringIO()
    assert ip.cli_import_peserta(str(good), bid, e, out=out) == 0
    assert "5 peserta ditambahkan" in out.getvalue()
    out = io.StringIO()
    assert ip.cli_import_peserta(str(good), bid, e, out=out) == 0
    assert "5 sudah ada, dilewati" in out.getvalue()
    bad = tmp_path / "salah.csv"
    bad.write_bytes(sheet("Cici;Ketua RW;Gading Kasri;7;;ya"))
    out = io.StringIO()
    assert ip.cli_import_peserta(str(bad), bid, e, out=out) == 1
    assert "RW 7 tidak ada" in out.getvalue()
    assert ip.cli_import_peserta(str(tmp_path / "tidak-ada.csv"), bid, e, out=io.StringIO()) == 2
    assert count(e) == 5


def pd_na():
    import pandas as pd

    return pd.NA
