"""The shared filter: every filter, combinations and the empty result, checked against the raw rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from db.aspirasi.filters import AspirasiFilter
from db.schema import Aspirasi
from tests.hostile import HOSTILE

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture(scope="module")
def rows(seeded_engine) -> pd.DataFrame:
    sql = (
        "SELECT a.id, a.judul, a.deskripsi, a.kelurahan_kode, k.kecamatan_kode, kat.kode AS kategori, a.terbuka, "
        "a.status, a.sumber, o.kode AS opd, a.kanal, a.tanggal_diterima, a.rembuk_id FROM aspirasi a "
        "JOIN kelurahan k ON k.kode = a.kelurahan_kode JOIN kategori kat ON kat.id = a.kategori_id "
        "LEFT JOIN opd o ON o.id = a.opd_id"
    )
    with seeded_engine.connect() as conn:
        df = pd.read_sql_query(sql, conn)
    df["terbuka"] = df["terbuka"].astype(bool)
    df["tanggal_diterima"] = pd.to_datetime(df["tanggal_diterima"]).dt.date
    return df


def count(engine, f: AspirasiFilter) -> int:
    with engine.connect() as conn:
        return conn.scalar(f.apply(select(func.count(Aspirasi.id))))


def some_rembuk(rows) -> int:
    return int(rows["rembuk_id"].dropna().value_counts().index[0])


CASES = {
    "kecamatan": (AspirasiFilter(kecamatan=("35.73.02",)), lambda r: r.kecamatan_kode == "35.73.02"),
    "kelurahan": (
        AspirasiFilter(kelurahan=("35.73.02.1010", "35.73.05.1012")),
        lambda r: r.kelurahan_kode.isin(["35.73.02.1010", "35.73.05.1012"]),
    ),
    "kategori": (AspirasiFilter(kategori=("sampah", "pju")), lambda r: r.kategori.isin(["sampah", "pju"])),
    "terbuka": (AspirasiFilter(keadaan="terbuka"), lambda r: r.terbuka),
    "tertutup": (AspirasiFilter(keadaan="tertutup"), lambda r: ~r.terbuka),
    "status": (AspirasiFilter(status=("selesai", "musrenbang")), lambda r: r.status.isin(["selesai", "musrenbang"])),
    "sumber": (AspirasiFilter(sumber=("LPMK",)), lambda r: r.sumber == "LPMK"),
    "opd": (AspirasiFilter(opd=("DLH",)), lambda r: r.opd == "DLH"),
    "kanal": (AspirasiFilter(kanal=("sambat",)), lambda r: r.kanal == "sambat"),
    "dari": (AspirasiFilter(dari=dt.date(2026, 6, 1)), lambda r: r.tanggal_diterima >= dt.date(2026, 6, 1)),
    "sampai": (AspirasiFilter(sampai=dt.date(2025, 6, 1)), lambda r: r.tanggal_diterima <= dt.date(2025, 6, 1)),
    "teks": (AspirasiFilter(teks="  LAMPU "), lambda r: r.judul.str.lower().str.contains("lampu")),
    "kombinasi": (
        AspirasiFilter(kecamatan=("35.73.05",), keadaan="tertutup", kategori=("jalan_rusak", "drainase")),
        lambda r: (r.kecamatan_kode == "35.73.05") & ~r.terbuka & r.kategori.isin(["jalan_rusak", "drainase"]),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_filter_matches_the_rows(seeded_engine, rows, name):
    f, predicate = CASES[name]
    expected = int(predicate(rows).sum())
    assert 0 < expected < len(rows), f"the fixture must make {name!r} meaningful"
    assert count(seeded_engine, f) == expected


def test_rembuk_filter(seeded_engine, rows):
    rid = some_rembuk(rows)
    assert count(seeded_engine, AspirasiFilter(rembuk_id=rid)) == int((rows["rembuk_id"] == rid).sum()) > 0


def test_empty_filter_is_everything_and_empty_results_are_empty(seeded_engine, rows):
    assert AspirasiFilter().is_empty()
    assert count(seeded_engine, AspirasiFilter()) == len(rows)
    assert count(seeded_engine, AspirasiFilter(kelurahan=("35.73.02.1010",), kategori=("no-such",))) == 0
    assert count(seeded_engine, AspirasiFilter(dari=dt.date(2026, 5, 1), sampai=dt.date(2026, 4, 1))) == 0


@pytest.mark.parametrize("text", [*HOSTILE, "%", "_", "100%_"])
def test_hostile_search_text_never_changes_the_query(seeded_engine, rows, text):
    expected = int(
        (rows["judul"].str.lower().str.contains(text.lower().strip(), regex=False))
        .__or__(rows["deskripsi"].str.lower().str.contains(text.lower().strip(), regex=False))
        .sum()
    )
    assert count(seeded_engine, AspirasiFilter(teks=text)) == expected == 0


def test_describe_in_indonesian():
    f = AspirasiFilter(kecamatan=("35.73.02",), keadaan="terbuka", status=("diterima",), teks="lampu")
    text = f.describe({"kecamatan": {"35.73.02": "Klojen"}})
    assert text == 'Kecamatan: Klojen; Keadaan: Terbuka; Status: Diterima; Teks: "lampu"'
    assert AspirasiFilter().describe() == "Semua aspirasi"
    assert "Diterima: 2026-01-01 s.d. …" in AspirasiFilter(dari=dt.date(2026, 1, 1)).describe()
