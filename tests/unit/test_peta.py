"""Map queries: metrics against hand-computed values, capped points, the panel, the export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import event, insert, select

from db.aspirasi import map_data as aspirasi_map_data
from db.aspirasi import rollups
from db.aspirasi.filters import AspirasiFilter
from db.export import neutralise, to_csv_bytes
from db.schema import Aspirasi, Kategori, Kelurahan, Rembuk, RembukKelurahan
from ui.components import MapClick
from ui.peta import LAST_CLICK_KEY, SELECTED_KEY, selected_after_click

pytestmark = pytest.mark.usefixtures("backend")

TODAY = dt.date(2026, 11, 20)
KASIN = "35.73.02.1006"
KLOJEN = "35.73.02.1001"


def _add(engine, rows):
    import uuid

    batch = uuid.uuid4().hex[:6]
    with engine.begin() as conn:
        kat = dict(conn.execute(select(Kategori.kode, Kategori.id)).tuples().all())
        conn.execute(
            insert(Aspirasi),
            [
                {
                    "nomor": f"T-{batch}-{i}",
                    "judul": r.get("judul", f"aspirasi {i}"),
                    "kategori_id": kat[r.get("kategori", "sampah")],
                    "kelurahan_kode": r["kel"],
                    "sumber": "RT",
                    "kanal": "langsung",
                    "tanggal_diterima": TODAY - dt.timedelta(days=r["umur"]),
                    "tenggat": TODAY + dt.timedelta(days=r.get("sisa", 10)),
                    "status": "diterima" if r["terbuka"] else "selesai",
                    "terbuka": r["terbuka"],
                    "lat": r.get("lat"),
                    "lon": r.get("lon"),
                }
                for i, r in enumerate(rows)
            ],
        )
        rollups.rebuild(conn)  # rows written past the services: recount what the pages read


@pytest.fixture
def hand_made(ready_engine):
    """Kasin: 4 aspirations (3 open aged 10, 20, 40 days; one of them overdue), Klojen: 1 closed."""
    _add(
        ready_engine,
        [
            {"kel": KASIN, "umur": 10, "terbuka": True},
            {"kel": KASIN, "umur": 20, "terbuka": True, "sisa": -1},
            {"kel": KASIN, "umur": 40, "terbuka": True, "kategori": "pju"},
            {"kel": KASIN, "umur": 90, "terbuka": False},
            {"kel": KLOJEN, "umur": 5, "terbuka": False},
        ],
    )
    return ready_engine


def test_metrics_by_hand(hand_made):
    df = aspirasi_map_data.kelurahan_metrics(hand_made, AspirasiFilter(), TODAY)
    assert len(df) == 57
    with hand_made.connect() as conn:
        rt_kasin = conn.scalar(select(Kelurahan.jumlah_rt).where(Kelurahan.kode == KASIN))
    kasin = df.loc[KASIN]
    assert (kasin.jumlah, kasin.terbuka, kasin.lewat_tenggat) == (4, 3, 1)
    assert kasin.per_100_rt == round(4 * 100 / rt_kasin, 1)
    assert kasin.median_umur == 20  # median of 10, 20, 40
    klojen = df.loc[KLOJEN]
    assert (klojen.jumlah, klojen.terbuka, klojen.median_umur) == (1, 0, 0)
    assert df.drop([KASIN, KLOJEN])["jumlah"].sum() == 0


def test_median_with_an_even_count_and_a_filter(hand_made):
    _add(hand_made, [{"kel": KASIN, "umur": 30, "terbuka": True, "kategori": "pju"}])
    assert (
        aspirasi_map_data.kelurahan_metrics(hand_made, AspirasiFilter(), TODAY).loc[KASIN].median_umur == 25
    )  # 10,20,30,40
    only_pju = aspirasi_map_data.kelurahan_metrics(hand_made, AspirasiFilter(kategori=("pju",)), TODAY).loc[KASIN]
    assert (only_pju.jumlah, only_pju.median_umur) == (2, 35)


def test_points_are_capped_evenly_and_deterministically(seeded_engine):
    full = aspirasi_map_data.points(seeded_engine, AspirasiFilter(), cap=100_000)
    assert not full.sampled and len(full.data) == full.total > 1000
    capped = aspirasi_map_data.points(seeded_engine, AspirasiFilter(), cap=300)
    assert capped.sampled and capped.total == full.total
    assert 150 <= len(capped.data) <= 300
    again = aspirasi_map_data.points(seeded_engine, AspirasiFilter(), cap=300)
    pd.testing.assert_frame_equal(capped.data, again.data)
    klojen = aspirasi_map_data.points(seeded_engine, AspirasiFilter(kecamatan=("35.73.02",)), cap=100_000)
    assert len(klojen.data) < len(full.data)


def test_panel_of_a_kelurahan(hand_made):
    with hand_made.begin() as conn:
        for day, status in [
            (TODAY - dt.timedelta(days=7), "terlaksana"),
            (TODAY + dt.timedelta(days=14), "dijadwalkan"),
        ]:
            rid = conn.execute(insert(Rembuk).values(tanggal=day, status=status).returning(Rembuk.id)).scalar()
            conn.execute(insert(RembukKelurahan).values(rembuk_id=rid, kelurahan_kode=KASIN))
    p = aspirasi_map_data.kelurahan_panel(hand_made, AspirasiFilter(), KASIN, TODAY)
    assert (p.nama, p.kecamatan, p.terbuka_total) == ("Kasin", "Klojen", 3)
    assert p.terbuka["umur_hari"].tolist() == [40, 20, 10]  # oldest first
    assert dict(zip(p.per_kategori["kategori"], p.per_kategori["jumlah"], strict=True)) == {
        "Sampah": 3,
        "Penerangan jalan (PJU)": 1,
    }
    assert dict(zip(p.per_status["status_label"], p.per_status["jumlah"], strict=True)) == {"Diterima": 3, "Selesai": 1}
    assert p.rembuk_terakhir == TODAY - dt.timedelta(days=7)
    assert p.rembuk_berikutnya == TODAY + dt.timedelta(days=14)
    assert aspirasi_map_data.kelurahan_panel(hand_made, AspirasiFilter(), "35.73.09.9999", TODAY) is None


def test_export_is_exactly_the_filtered_rows(seeded_engine):
    f = AspirasiFilter(kecamatan=("35.73.03",), keadaan="terbuka")
    rows = aspirasi_map_data.filtered_rows(seeded_engine, f)
    metrics = aspirasi_map_data.kelurahan_metrics(seeded_engine, f, TODAY)
    assert len(rows) == metrics["jumlah"].sum() > 0
    assert set(rows["kecamatan"]) == {"Kedungkandang"} and rows["terbuka"].astype(bool).all()
    assert not {"pelapor_nama", "pelapor_telepon"} & set(rows.columns)


def test_export_neutralises_formulas():
    df = pd.DataFrame({"judul": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "aman"], "n": [1, 2, 3, 4, 5]})
    out = neutralise(df)
    assert out["judul"].tolist() == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "aman"]
    assert out["n"].tolist() == [1, 2, 3, 4, 5]
    assert to_csv_bytes(df).startswith("\ufeff".encode())


def test_click_handling():
    state: dict = {}
    assert selected_after_click(MapClick(None, None), state) is None
    assert selected_after_click(MapClick(KASIN, "1,1"), state) == KASIN
    state.pop(SELECTED_KEY)  # the panel was closed...
    assert selected_after_click(MapClick(KASIN, "1,1"), state) is None  # ...and the old click is not replayed
    assert selected_after_click(MapClick(KLOJEN, "2,2"), state) == KLOJEN
    assert selected_after_click(MapClick(None, "3,3"), state) == KLOJEN  # a click on a point keeps the panel
    assert state[LAST_CLICK_KEY] == "3,3"


def _bucket(i: int) -> int:
    return i % 4096 * 2531 % 4096  # the rule of db/aspirasi/map_data.py, written out by hand


@pytest.mark.parametrize(("f", "cap"), [(AspirasiFilter(), 300), (AspirasiFilter(kelurahan=(KLOJEN,)), 3)])
def test_point_sample_is_the_first_buckets_read_from_the_sample_index(seeded_engine, f, cap):
    """Beyond the cap: exactly the located aspirations whose bucket is below 4096 x cap / total (about cap of
    them), and the database can read them from ix_aspirasi_sampel (an index on an expression is usable only
    if the query writes the expression the same way: a regression here reads the archive)."""
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "aspirasi.lat IS NOT NULL" in statement and "count(" not in statement:
            seen.append((statement, parameters))

    event.listen(seeded_engine, "before_cursor_execute", keep)
    try:
        capped = aspirasi_map_data.points(seeded_engine, f, cap=cap)
    finally:
        event.remove(seeded_engine, "before_cursor_execute", keep)
    bound = 4096 * cap // capped.total
    assert capped.sampled and 0 < bound < 4096
    with seeded_engine.connect() as conn:
        located = conn.execute(
            select(Aspirasi.id).where(f.where(), Aspirasi.lat.is_not(None), Aspirasi.lon.is_not(None))
        ).scalars()
        expected = sorted(i for i in located if _bucket(i) < bound)
        assert capped.data["id"].tolist() == expected and 0 < len(expected) <= 1.3 * cap
        (statement, parameters) = seen[-1]
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        if conn.dialect.name == "postgresql":  # this test table is small enough for a plain scan to be cheaper
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # this transaction only
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(explain + statement, parameters))
    # The bucket bound narrows the index range (SQLite shows it as <expr>), not only the kelurahan.
    used = "ix_aspirasi_sampel (kelurahan_kode=? AND <expr><?)" if seeded_engine.dialect.name == "sqlite" else "4096"
    assert "ix_aspirasi_sampel" in plan and used in plan, plan


def test_point_sample_follows_the_ids_evenly():
    """Any stretch of consecutive ids is sampled at the bound's rate (not only whole blocks of 4096): the
    newest thousand aspirations are as present on the map as the oldest."""
    for start, length, bound in ((1, 10_054, 2314), (8_192, 1_862, 2314), (999_000, 1_000, 23), (5, 300, 410)):
        got = sum(_bucket(i) < bound for i in range(start, start + length))
        assert abs(got - length * bound / 4096) <= max(3, 0.05 * length * bound / 4096), (start, length, got)
