"""Importing aspirations: good files in, every kind of bad row reported with its line, nothing half-written."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from db.aspirasi.importer import import_aspirasi, template_csv, template_xlsx
from db.auth.roles import AccessDenied, Actor
from db.schema import Aspirasi, AspirasiRiwayat
from tests.hostile import HOSTILE

pytestmark = pytest.mark.usefixtures("backend")
STAF = Actor("siti.staf", "staf")
TODAY = dt.date(2026, 11, 20)

GOOD = (
    "ref;tanggal;judul;kategori;kelurahan;rw;rt;sumber;kanal\n"
    "S-1;28 November 2025;Lampu jalan mati;pju;Gadingasri;1;1;Ketua RT;SAMBAT Online\n"
    "S-2;2025-12-01;Saluran mampet;Drainase/banjir;Kota Lama;2;;RW;surat\n"
    "S-3;05/01/2026;Sampah liar;sampah;Rampal Celaket;;;warga;\n"
)


def n_aspirasi(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(Aspirasi.id)))


def problems(report) -> list[tuple[int, str, str]]:
    return [(p.baris, p.kolom, p.alasan) for p in report.problems]


def test_good_csv_with_spelling_variants_and_indonesian_dates(ready_engine):
    calls = []
    report = import_aspirasi(
        ready_engine, STAF, GOOD.encode(), "maret.csv", TODAY, progress=lambda d, t: calls.append((d, t))
    )
    assert report.ok, report.tabel_masalah()
    assert (report.total_baris, report.ditambahkan, report.sudah_ada) == (3, 3, 0)
    assert calls[-1] == (3, 3)
    with ready_engine.connect() as conn:
        rows = conn.execute(
            select(
                Aspirasi.ref_eksternal,
                Aspirasi.kelurahan_kode,
                Aspirasi.tanggal_diterima,
                Aspirasi.sumber,
                Aspirasi.kanal,
            ).order_by(Aspirasi.ref_eksternal)
        ).all()
        history = conn.scalar(select(func.count(AspirasiRiwayat.id)))
    assert [tuple(r) for r in rows] == [
        ("S-1", "35.73.02.1010", dt.date(2025, 11, 28), "RT", "sambat"),
        ("S-2", "35.73.03.1001", dt.date(2025, 12, 1), "RW", "surat"),
        ("S-3", "35.73.02.1002", dt.date(2026, 1, 5), "warga", "langsung"),
    ]
    assert history == 3


def test_importing_the_same_file_twice_does_not_duplicate(ready_engine):
    import_aspirasi(ready_engine, STAF, GOOD.encode(), "a.csv", TODAY)
    again = import_aspirasi(ready_engine, STAF, GOOD.encode(), "a.csv", TODAY)
    assert again.ok and (again.ditambahkan, again.sudah_ada) == (0, 3)
    assert n_aspirasi(ready_engine) == 3
    # Without a ref column the row content is the reference.
    no_ref = "tanggal,judul,kategori,kelurahan\n2026-01-02,Pohon tumbang,rth,Sukun\n"
    assert import_aspirasi(ready_engine, STAF, no_ref.encode(), "b.csv", TODAY).ditambahkan == 1
    assert import_aspirasi(ready_engine, STAF, no_ref.encode(), "b.csv", TODAY).sudah_ada == 1
    assert n_aspirasi(ready_engine) == 4


BAD_ROWS = [
    ("S-9,2026-01-02,Judul,pju,Surabaya,,,RT,", "kelurahan", "tidak ditemukan"),
    ("S-9,2026-02-30,Judul,pju,Sukun,,,RT,", "tanggal", "tidak ada di kalender"),
    ("S-9,kemarin,Judul,pju,Sukun,,,RT,", "tanggal", "kemarin"),
    ("S-9,,Judul,pju,Sukun,,,RT,", "tanggal", "wajib"),
    ("S-9,2026-01-02,Judul,tidak-ada,Sukun,,,RT,", "kategori", "tidak dikenal"),
    ("S-9,2026-01-02,Judul,pju,Sukun,99,,RT,", "rw", "RW 99 tidak ada"),
    ("S-9,2026-01-02,Judul,pju,Sukun,1,99,RT,", "rt", "RT 99 tidak ada"),
    ("S-9,2026-01-02,Judul,pju,Sukun,satu,,RT,", "rw", "bukan angka"),
    ("S-9,2026-01-02,,pju,Sukun,,,RT,", "judul", "wajib"),
    ("S-9,2030-01-02,Judul,pju,Sukun,,,RT,", "tanggal_diterima", "masa depan"),
    ("S-9,2026-01-02,Judul,pju,Sukun,,,camat,", "sumber", "tidak dikenal"),
    ("S-1,2026-01-02,Judul,pju,Sukun,,,RT,", "ref", "sama dengan baris 2"),
]


@pytest.mark.parametrize(("row", "kolom", "alasan"), BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_with_its_line_and_nothing_is_written(ready_engine, row, kolom, alasan):
    text = (
        "ref,tanggal,judul,kategori,kelurahan,rw,rt,sumber,kanal\nS-1,2026-01-02,Baik,pju,Sukun,1,1,RT,surat\n"
        + row
        + "\n"
    )
    report = import_aspirasi(ready_engine, STAF, text.encode(), "x.csv", TODAY)
    assert not report.ok
    found = [(b, k, a) for b, k, a in problems(report) if k == kolom]
    assert found and found[0][0] == 3 and alasan in found[0][2], problems(report)
    assert n_aspirasi(ready_engine) == 0  # the good row 2 was not written either
    assert "Tidak ada yang disimpan" in report.ringkasan()


@pytest.mark.parametrize(
    ("data", "name", "alasan"),
    [
        (b"", "kosong.csv", "Berkas kosong"),
        (b"ref,tanggal,judul,kategori,kelurahan\n", "header.csv", "hanya berisi baris judul kolom"),
        (b"tanggal,judul,judul,kategori,kelurahan\n2026-01-01,a,b,pju,Sukun\n", "dobel.csv", "ganda"),
        (b"tanggal,judul,kelurahan\n2026-01-01,a,Sukun\n", "kurang.csv", "kategori"),
        ("tanggal,judul,kategori,kelurahan\n2026-01-01,Jalan \xe9,pju,Sukun\n".encode("utf-16-le"), "enc.csv", ""),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_written(ready_engine, data, name, alasan):
    report = import_aspirasi(ready_engine, STAF, data, name, TODAY)
    assert not report.ok
    assert alasan.lower() in " ".join(p.alasan.lower() for p in report.problems)
    assert n_aspirasi(ready_engine) == 0


def test_xlsx_template_and_formula_cells(ready_engine):
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    ws = wb["aspirasi"]
    ws["A2"] = "XL-1"
    ws["G2"] = 1  # RW as a number cell, not text
    buf = io.BytesIO()
    wb.save(buf)
    report = import_aspirasi(ready_engine, STAF, buf.getvalue(), "template.xlsx", TODAY)
    assert report.ok and report.ditambahkan == 1, report.tabel_masalah()
    ws["A2"] = "XL-2"
    ws["C2"] = '=HYPERLINK("http://evil.example","klik")'
    buf = io.BytesIO()
    wb.save(buf)
    report = import_aspirasi(ready_engine, STAF, buf.getvalue(), "formula.xlsx", TODAY)
    assert not report.ok and any("rumus" in p.alasan.lower() for p in report.problems)
    assert n_aspirasi(ready_engine) == 1
    assert template_csv().decode("utf-8-sig").startswith("ref,tanggal,judul")


def test_hostile_text_is_stored_exactly(ready_engine):
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["ref", "tanggal", "judul", "kategori", "kelurahan"])
    for i, text in enumerate(HOSTILE):
        w.writerow([f"H-{i}", "2026-01-02", text, "lainnya", "Sukun"])
    report = import_aspirasi(ready_engine, STAF, buf.getvalue().encode(), "h.csv", TODAY)
    assert report.ok, report.tabel_masalah()
    with ready_engine.connect() as conn:
        stored = conn.scalars(select(Aspirasi.judul).order_by(Aspirasi.ref_eksternal)).all()
    assert sorted(stored) == sorted(" ".join(t.split()) for t in HOSTILE)


def test_only_writers_may_import(ready_engine):
    with pytest.raises(AccessDenied):
        import_aspirasi(ready_engine, Actor("wali", "pimpinan"), GOOD.encode(), "a.csv", TODAY)
    scoped = import_aspirasi(ready_engine, Actor("staf.sukun", "staf", "35.73.04"), GOOD.encode(), "a.csv", TODAY)
    assert not scoped.ok and all(p.alasan == "Di luar kecamatan akun Anda." for p in scoped.problems)
    assert n_aspirasi(ready_engine) == 0


def test_a_50_mb_upload_is_refused_before_reading(ready_engine):
    big = b"ref,tanggal,judul,kategori,kelurahan\n" + b"x" * (50 * 1024 * 1024)
    report = import_aspirasi(ready_engine, STAF, big, "besar.csv", TODAY)
    assert not report.ok and "terlalu besar" in report.problems[0].alasan
    assert n_aspirasi(ready_engine) == 0
