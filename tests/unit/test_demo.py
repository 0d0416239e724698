"""The demo generator: deterministic, believable and internally consistent."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from db.aspirasi.status import STATUS_ASPIRASI
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference, rt_per_rw
from db.schema import Aspirasi, CutiBersama, Kategori
from db.workdays import WorkCalendar
from geo.spatial import assign_kelurahan
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.usefixtures("backend")


def _frame(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(sql, conn)


def _fresh(url):
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    return engine


def test_same_seed_same_data(tmp_path):
    dumps = []
    for name in ("a", "b"):
        engine = _fresh(f"sqlite:///{tmp_path / name}.db")
        generate_demo(engine, n_aspirasi=300, seed=3, today=DEMO_TODAY)
        dumps.append(
            _frame(engine, "SELECT * FROM aspirasi ORDER BY nomor").drop(columns=["dibuat_pada", "diubah_pada"])
        )
        engine.dispose()
    pd.testing.assert_frame_equal(dumps[0], dumps[1])
    engine = _fresh(f"sqlite:///{tmp_path / 'c'}.db")
    generate_demo(engine, n_aspirasi=300, seed=4, today=DEMO_TODAY)
    other = _frame(engine, "SELECT * FROM aspirasi ORDER BY nomor")
    assert not other["judul"].equals(dumps[0]["judul"])


def test_points_lie_in_their_own_kelurahan(seeded_engine):
    df = _frame(seeded_engine, "SELECT kelurahan_kode, lon, lat FROM aspirasi WHERE lon IS NOT NULL")
    assert len(df) > 1000
    assert (assign_kelurahan(df["lon"], df["lat"]) == df["kelurahan_kode"].to_numpy()).all()


def test_rw_rt_within_the_kelurahan_counts(seeded_engine):
    df = _frame(
        seeded_engine,
        "SELECT a.rw, a.rt, k.jumlah_rw, k.jumlah_rt FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode",
    )
    assert (df["rw"].between(1, df["jumlah_rw"])).all()
    per_rw = [rt_per_rw(int(w), int(t))[int(r) - 1] for r, w, t in zip(df.rw, df.jumlah_rw, df.jumlah_rt, strict=True)]
    assert (df["rt"] >= 1).all() and (df["rt"] <= pd.Series(per_rw)).all()
    # ...and every (kelurahan, RW, RT) is an RT lembaga that exists.
    missing = _frame(
        seeded_engine,
        "SELECT COUNT(*) AS n FROM aspirasi a LEFT JOIN lembaga l ON l.kelurahan_kode = a.kelurahan_kode "
        "AND l.jenis = 'RT' AND l.rw = a.rw AND l.rt = a.rt WHERE l.id IS NULL",
    )
    assert missing["n"].iloc[0] == 0


def test_status_consistent_with_dates(seeded_engine):
    df = _frame(
        seeded_engine,
        "SELECT status, terbuka, tanggal_diterima, tanggal_selesai, tenggat, hari_kerja_selesai FROM aspirasi",
    )
    for col in ("tanggal_diterima", "tanggal_selesai", "tenggat"):
        df[col] = pd.to_datetime(df[col])
    assert (df["terbuka"].astype(bool) == df["status"].map(lambda s: STATUS_ASPIRASI[s][1])).all()
    closed = df[~df["terbuka"].astype(bool)]
    opened = df[df["terbuka"].astype(bool)]
    assert closed["tanggal_selesai"].notna().all() and opened["tanggal_selesai"].isna().all()
    assert (closed["tanggal_selesai"] >= closed["tanggal_diterima"]).all()
    assert (closed["tanggal_selesai"] <= pd.Timestamp(DEMO_TODAY)).all()
    assert (df["tenggat"] > df["tanggal_diterima"]).all()
    assert (df["tanggal_diterima"] >= pd.Timestamp(DEMO_TODAY - dt.timedelta(days=731))).all()
    # Old aspirations are mostly closed, fresh ones mostly open.
    age = (pd.Timestamp(DEMO_TODAY) - df["tanggal_diterima"]).dt.days
    assert df[age > 365]["terbuka"].astype(bool).mean() < 0.1
    assert df[age < 7]["terbuka"].astype(bool).mean() > 0.8
    assert set(df["status"]) <= set(STATUS_ASPIRASI)


def test_category_opd_and_history(seeded_engine):
    with seeded_engine.connect() as conn:
        n_kat = conn.scalar(select(func.count(Aspirasi.kategori_id.distinct())))
        n_kat_all = conn.scalar(select(func.count(Kategori.id)))
        without_history = conn.scalar(select(func.count()).select_from(Aspirasi).where(~Aspirasi.riwayat.any()))
    assert n_kat == n_kat_all
    assert without_history == 0
    last = _frame(
        seeded_engine,
        "SELECT a.status, r.ke_status FROM aspirasi a JOIN aspirasi_riwayat r ON r.aspirasi_id = a.id "
        "WHERE r.id = (SELECT MAX(r2.id) FROM aspirasi_riwayat r2 WHERE r2.aspirasi_id = a.id)",
    )
    assert (last["status"] == last["ke_status"]).all()


def test_rembuk_on_fridays_not_on_holidays_and_rotating(seeded_engine):
    with seeded_engine.connect() as conn:
        cuti = conn.scalars(select(CutiBersama.tanggal)).all()
    kalender = WorkCalendar(cuti)
    df = _frame(
        seeded_engine,
        "SELECT r.tanggal, r.status, rk.kelurahan_kode FROM rembuk r "
        "JOIN rembuk_kelurahan rk ON rk.rembuk_id = r.id ORDER BY r.tanggal",
    )
    days = pd.to_datetime(df["tanggal"]).dt.date
    assert (pd.to_datetime(df["tanggal"]).dt.day_of_week == 4).all()
    assert not any(kalender.is_libur(d) for d in days)
    assert (df[days > DEMO_TODAY]["status"] == "dijadwalkan").all()
    held = df[df["status"] == "terlaksana"]["kelurahan_kode"].tolist()
    assert len(held) >= 57
    for start in range(0, len(held) - 56, 57):
        assert len(set(held[start : start + 57])) == 57  # each full cycle visits every kelurahan once


def test_aspirations_linked_to_the_rembuk_where_raised(seeded_engine):
    df = _frame(
        seeded_engine,
        "SELECT a.tanggal_diterima, a.kanal, r.tanggal, r.status, "
        "(SELECT COUNT(*) FROM rembuk_kelurahan rk WHERE rk.rembuk_id = r.id "
        " AND rk.kelurahan_kode = a.kelurahan_kode) AS host "
        "FROM aspirasi a JOIN rembuk r ON r.id = a.rembuk_id",
    )
    assert len(df) > 200
    assert (pd.to_datetime(df["tanggal_diterima"]) == pd.to_datetime(df["tanggal"])).all()
    assert (df["status"] == "terlaksana").all() and (df["host"] == 1).all() and (df["kanal"] == "rembuk").all()
    janji = _frame(
        seeded_engine,
        "SELECT j.progres, j.status, r.status AS rstatus FROM janji j JOIN rembuk r ON r.id = j.rembuk_id",
    )
    assert len(janji) > 20 and (janji["rstatus"] == "terlaksana").all()
    assert janji["progres"].between(0, 100).all()
    assert (janji[janji["status"] == "selesai"]["progres"] == 100).all()


def test_bimtek_of_28_july_2022_reaches_every_kelurahan(seeded_engine):
    df = _frame(
        seeded_engine,
        "SELECT b.tempat, COUNT(DISTINCT p.kelurahan_kode) AS n FROM bimtek b "
        "JOIN bimtek_peserta p ON p.bimtek_id = b.id WHERE b.tanggal = '2022-07-28' GROUP BY b.tempat",
    )
    assert df.to_dict("records") == [{"tempat": "Savana Hotel & Convention", "n": 57}]


def test_reseeding_replaces_demo_but_keeps_real_data(ready_engine):
    generate_demo(ready_engine, n_aspirasi=100, seed=1, today=DEMO_TODAY)
    with ready_engine.begin() as conn:
        kat = conn.scalar(select(Kategori.id).limit(1))
        conn.execute(
            insert(Aspirasi),
            [
                {
                    "nomor": "ASP-2026-900001",
                    "judul": "Aspirasi asli",
                    "kategori_id": kat,
                    "kelurahan_kode": "35.73.02.1010",
                    "sumber": "warga",
                    "kanal": "langsung",
                    "tanggal_diterima": DEMO_TODAY,
                    "status": "diterima",
                    "terbuka": True,
                }
            ],
        )
    generate_demo(ready_engine, n_aspirasi=50, seed=2, today=DEMO_TODAY)
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(Aspirasi.is_demo)) == 50
        assert conn.scalar(select(Aspirasi.judul).where(~Aspirasi.is_demo)) == "Aspirasi asli"
