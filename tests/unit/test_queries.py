"""Read queries: the overview numbers equal what the rows say."""

from __future__ import annotations

import datetime as dt
import statistics

import pandas as pd
import pytest

from db.aspirasi import queries as aspirasi_queries
from db.bimtek import reports as bimtek_reports
from db.demo import generate as demo_generate
from db.rembuk import records as rembuk_records
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.usefixtures("backend")


def _rows(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        df = pd.read_sql_query(
            "SELECT kelurahan_kode, status, terbuka, tenggat, tanggal_selesai, hari_kerja_selesai FROM aspirasi",
            conn,
        )
    df["terbuka"] = df["terbuka"].astype(bool)
    df["tenggat"] = pd.to_datetime(df["tenggat"]).dt.date
    df["tanggal_selesai"] = pd.to_datetime(df["tanggal_selesai"]).dt.date
    return df


def test_kpi_equals_the_rows(seeded_engine):
    df = _rows(seeded_engine)
    k = aspirasi_queries.kpi(seeded_engine, DEMO_TODAY)
    assert k.total == len(df)
    assert k.terbuka == int(df["terbuka"].sum())
    assert k.lewat_tenggat == int((df["terbuka"] & (df["tenggat"] < DEMO_TODAY)).sum())
    month = DEMO_TODAY.replace(day=1)
    done = df[df["status"] == "selesai"]
    assert k.selesai_bulan_ini == int((done["tanggal_selesai"] >= month).sum())
    assert k.median_hari_kerja_selesai == statistics.median(done["hari_kerja_selesai"])


def test_counts_per_kelurahan_cover_all_57(seeded_engine):
    df = _rows(seeded_engine)
    counts = aspirasi_queries.counts_per_kelurahan(seeded_engine, DEMO_TODAY)
    assert len(counts) == 57
    assert counts["total"].sum() == len(df)
    expected = df[df["terbuka"]].groupby("kelurahan_kode").size()
    assert counts["terbuka"][expected.index].tolist() == expected.tolist()


def test_empty_database(ready_engine):
    k = aspirasi_queries.kpi(ready_engine, DEMO_TODAY)
    assert (k.total, k.terbuka, k.median_hari_kerja_selesai) == (0, 0, None)
    counts = aspirasi_queries.counts_per_kelurahan(ready_engine, DEMO_TODAY)
    assert len(counts) == 57 and counts["total"].sum() == 0
    assert rembuk_records.next_rembuk(ready_engine, DEMO_TODAY) is None
    assert demo_generate.demo_info(ready_engine) is None
    assert bimtek_reports.bimtek_headline(ready_engine).events == 0


def test_rembuk_next_and_last(seeded_engine):
    nxt = rembuk_records.next_rembuk(seeded_engine, DEMO_TODAY)
    last = rembuk_records.last_rembuk(seeded_engine, DEMO_TODAY)
    assert nxt.tanggal > DEMO_TODAY >= last.tanggal
    assert nxt.tanggal.weekday() == 4 and len(nxt.kelurahan) == 1
    assert (nxt.tanggal - last.tanggal).days <= 21


def test_bimtek_headline(seeded_engine):
    h = bimtek_reports.bimtek_headline(seeded_engine)
    assert h.kelurahan_total == 57 and h.kelurahan_terjangkau == 57 and h.events >= 8


def test_rembuk_for_quick_capture_puts_today_first(seeded_engine):
    # DEMO_TODAY is a Friday whose rembuk was held; the next Friday's is still only scheduled.
    options = rembuk_records.rembuk_to_record(seeded_engine, DEMO_TODAY)
    first_label = next(iter(options.values()))
    assert first_label.startswith("Hari ini · ")
    nxt = DEMO_TODAY + dt.timedelta(days=7)
    assert all(not label.startswith(nxt.isoformat()) for label in options.values())
    assert len(options) <= 11
    on_next_friday = rembuk_records.rembuk_to_record(seeded_engine, nxt)
    assert next(iter(on_next_friday.values())).startswith("Hari ini · ")  # scheduled today counts


def test_data_version_changes_with_every_write(ready_engine):
    from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
    from db.auth.roles import Actor

    staf = Actor("s", "staf")
    v0 = aspirasi_queries.data_version(ready_engine)
    h = create_aspirasi(ready_engine, staf, NewAspirasi(judul="Lampu", kategori="pju", kelurahan="Sukun"))
    v1 = aspirasi_queries.data_version(ready_engine)
    update_status(ready_engine, staf, h.id, 1, "diverifikasi")
    v2 = aspirasi_queries.data_version(ready_engine)
    assert len({v0, v1, v2}) == 3
