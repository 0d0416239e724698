"""Rollups (issue 14): every write keeps them equal to a recount, and the pages' numbers read from them are
the numbers a scan of the archive gives, for every filter the rollups answer."""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, func, insert, select, update

from db.__main__ import main
from db.aspirasi import listing, queries, rollups
from db.aspirasi import map_data as aspirasi_map_data
from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.importer import import_aspirasi
from db.aspirasi.services import NewAspirasi, create_aspirasi, update_assignment, update_status
from db.aspirasi.workflow import can_move_to
from db.auth.roles import Actor
from db.demo.generate import clear_demo, generate_demo
from db.engine import make_engine
from db.kinerja.periods import PERIOD_KINDS, period
from db.kinerja.scorecard import scorecard
from db.migrate import downgrade, upgrade
from db.reference import load_reference
from db.rembuk.mode import mode_rembuk_data
from db.rembuk.records import list_rembuk
from db.schema import (
    Aspirasi,
    Kategori,
    Kelurahan,
    Opd,
    RekapAspirasi,
    RekapBerlokasi,
    RekapRembuk,
    RekapRw,
    RembukKelurahan,
)
from geo.boundaries import load_boundaries
from geo.maps import label_point
from tests.conftest import DEMO_TODAY

STAF = Actor("staf.uji", "staf")
KLOJEN_KEC = "35.73.02"
GADING_KASRI = "35.73.02.1010"

# Filters the rollups answer, and two they do not (the readers then scan).
FILTERS = [
    AspirasiFilter(),
    AspirasiFilter(kecamatan=(KLOJEN_KEC,)),
    AspirasiFilter(kelurahan=(GADING_KASRI, "35.73.05.1001")),
    AspirasiFilter(kecamatan=(KLOJEN_KEC,), kelurahan=(GADING_KASRI, "35.73.05.1001")),
    AspirasiFilter(keadaan="terbuka"),
    AspirasiFilter(keadaan="tertutup", kecamatan=("35.73.04",)),
]
SCAN_ONLY = [AspirasiFilter(kategori=("sampah",)), AspirasiFilter(teks="lampu")]
DAYS = [DEMO_TODAY, DEMO_TODAY.replace(day=1), DEMO_TODAY + dt.timedelta(days=45)]


def assert_rollups_equal_scan(engine, days=DAYS) -> None:
    """Beranda's and Peta's numbers (and the Rembuk list's) from the rollups equal the numbers from scanning
    aspirasi."""
    rembuk = list_rembuk(engine)
    with rollups.disabled():
        pd.testing.assert_frame_equal(rembuk, list_rembuk(engine))
    for today in days:
        fast = queries.kpi(engine, today)
        with rollups.disabled():
            assert queries.kpi(engine, today) == fast
        for f in FILTERS:
            assert rollups.supports(f)
            got = aspirasi_map_data.kelurahan_metrics(engine, f, today)
            with rollups.disabled():
                want = aspirasi_map_data.kelurahan_metrics(engine, f, today)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            with rollups.disabled():
                counted = listing.count(engine, f)
                located = aspirasi_map_data.points(engine, f, 50)
            assert rollups.count(engine, f) == listing.count(engine, f) == counted
            got_points = aspirasi_map_data.points(engine, f, 50)
            assert rollups.located_count(engine, f) == got_points.total == located.total
            pd.testing.assert_frame_equal(got_points.data, located.data)
            with rollups.disabled():
                want_age = aspirasi_map_data.median_open_age(engine, f, today)
            pd.testing.assert_series_equal(
                rollups.median_open_age(engine, f, today), want_age, check_dtype=False, check_index_type=False
            )
        assert_scorecard_equal_scan(engine, today)
        assert_mode_rembuk_equal_scan(engine, today)


def assert_mode_rembuk_equal_scan(engine, today) -> None:
    """Mode Rembuk's totals, open ones per kategori and dots per RW from the rollups equal the archive's, for
    the kelurahan with located RW aspirations (the dots' averages to a millionth of a degree) and one more."""
    with engine.connect() as conn:
        kels = conn.scalars(select(RekapRw.kelurahan_kode).distinct().order_by(RekapRw.kelurahan_kode)).all()
    for kode in [*kels[:3], GADING_KASRI]:
        got = mode_rembuk_data(engine, kode, today)
        with rollups.disabled():
            want = mode_rembuk_data(engine, kode, today)
        for name in ("total", "terbuka", "lewat_tenggat", "hari_ini", "hari_ini_terbuka"):
            assert getattr(got, name) == getattr(want, name), (kode, name)
        pd.testing.assert_frame_equal(got.terbuka_per_kategori, want.terbuka_per_kategori, check_dtype=False)
        pd.testing.assert_frame_equal(got.titik_rw, want.titik_rw, check_dtype=False, rtol=0, atol=2e-6)


def assert_scorecard_equal_scan(engine, today) -> None:
    """Kinerja OPD's scorecard from the OPD rollups equals the scorecard counted from the archive, for each
    kind of period and with an OPD filter (the one filter the OPD rollups answer besides none)."""
    opd = conn_scalar(engine, select(Opd.kode).order_by(Opd.kode))
    for f in (AspirasiFilter(), AspirasiFilter(opd=(opd,))):
        assert rollups.supports_opd(f)
        for jenis in PERIOD_KINDS:
            p = period(jenis, today, today - dt.timedelta(days=200), today - dt.timedelta(days=20))
            got = scorecard(engine, f, p, today)
            with rollups.disabled():
                want = scorecard(engine, f, p, today)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert not rollups.supports_opd(AspirasiFilter(kecamatan=(KLOJEN_KEC,)))
    assert not rollups.supports_opd(AspirasiFilter(kategori=("sampah",)))


def conn_scalar(engine, stmt):
    with engine.connect() as conn:
        return conn.scalar(stmt)


def test_seeded_demo_rollups_match_a_recount_and_the_scan(seeded_engine):
    assert rollups.check(seeded_engine) == []
    with seeded_engine.connect() as conn:
        captured = conn.scalar(select(func.count(Aspirasi.id)).where(Aspirasi.rembuk_id.is_not(None)))
    assert list_rembuk(seeded_engine)["aspirasi"].sum() == captured > 0
    with seeded_engine.connect() as conn:
        assert conn.scalar(select(func.sum(RekapAspirasi.jumlah))) == conn.scalar(select(func.count(Aspirasi.id)))
    assert_rollups_equal_scan(seeded_engine)
    for f in SCAN_ONLY:
        assert not rollups.supports(f) and rollups.kelurahan_metrics(seeded_engine, f, DEMO_TODAY) is None
        assert rollups.count(seeded_engine, f) is None and listing.count(seeded_engine, f) > 0


def test_hand_made_numbers_come_from_the_rollups(ready_engine):
    """Values a person can count: the rollup reader alone (no scan) gives them."""
    kel = GADING_KASRI
    ids = [
        create_aspirasi(
            ready_engine, STAF, NewAspirasi(f"Aspirasi {i}", "sampah", kel), DEMO_TODAY - dt.timedelta(d)
        ).id
        for i, d in enumerate([30, 2, 2])
    ]
    # Sampah is due in 5 working days: the one received 30 days ago is overdue, the others are not.
    update_status(ready_engine, STAF, ids[2], 1, "diverifikasi", today=DEMO_TODAY)
    update_status(ready_engine, STAF, ids[2], 2, "dalam_proses", today=DEMO_TODAY)
    update_status(ready_engine, STAF, ids[2], 3, "selesai", today=DEMO_TODAY)
    row = rollups.kelurahan_metrics(ready_engine, AspirasiFilter(), DEMO_TODAY).loc[kel]
    assert (row.jumlah, row.terbuka, row.lewat_tenggat, row.median_umur) == (3, 2, 1, 16.0)
    # One more with a location: the Peta's points total counts it (and only it).
    lon, lat = label_point(load_boundaries().kelurahan.geometry[kel])
    create_aspirasi(ready_engine, STAF, NewAspirasi("Berlokasi", "sampah", kel, lat=lat, lon=lon), DEMO_TODAY)
    assert rollups.located_count(ready_engine, AspirasiFilter()) == 1
    assert rollups.located_count(ready_engine, AspirasiFilter(keadaan="tertutup")) == 0
    k = rollups.kpi_counts(ready_engine, DEMO_TODAY)
    assert (k.total, k.terbuka, k.lewat_tenggat, k.selesai_bulan_ini) == (4, 3, 1, 1)
    assert rollups.median_workdays_to_resolve(ready_engine) == (True, 2.0)  # Wed 18 -> Fri 20 Nov 2026
    # Moving the due date into the future takes it out of 'lewat tenggat' at once.
    update_assignment(ready_engine, STAF, ids[0], 1, opd_kode=None, prioritas="tinggi", tenggat=DEMO_TODAY)
    assert rollups.kelurahan_metrics(ready_engine, AspirasiFilter(), DEMO_TODAY).loc[kel].lewat_tenggat == 0
    assert rollups.check(ready_engine) == []


def _csv(n: int, salt: int) -> bytes:
    names = ["Gadingasri", "Kota Lama", "Rampal Celaket", "Sukun"]
    kategori = ["pju", "sampah", "jalan_rusak"]
    lines = ["ref;tanggal;judul;kategori;kelurahan;sumber;kanal"]
    for i in range(n):
        day = DEMO_TODAY - dt.timedelta(days=(salt + 37 * i) % 300)
        lines.append(
            f"R-{uuid.uuid4().hex[:10]};{day.isoformat()};Impor {i};{kategori[(salt + i) % 3]};"
            f"{names[(salt + i) % 4]};warga;surat"
        )
    return "\n".join(lines).encode()


def _step(engine, action) -> None:
    kind, a, b = action
    if kind == "create":
        with engine.connect() as conn:
            kels = conn.scalars(select(Kelurahan.kode).order_by(Kelurahan.kode)).all()
            kats = conn.scalars(select(Kategori.kode).order_by(Kategori.kode)).all()
            # Every third one is captured at a rembuk (a demo one when there is demo data): clearing the demo
            # data with termasuk_terkait then detaches it, which moves the rembuk counts.
            hosts = conn.execute(
                select(RembukKelurahan.rembuk_id, RembukKelurahan.kelurahan_kode).order_by(
                    RembukKelurahan.rembuk_id, RembukKelurahan.kelurahan_kode
                )
            ).all()
        rembuk_id, kel = hosts[b % len(hosts)] if hosts and a % 3 == 0 else (None, kels[a % len(kels)])
        # Every other one has an RW and a location near the kelurahan's label point (Mode Rembuk's dots).
        where = {}
        if b % 2:
            lon, lat = label_point(load_boundaries().kelurahan.geometry[kel])
            where = {"rw": 1 + b % 4, "lat": lat + (b % 7) * 1.3e-5, "lon": lon - (a % 5) * 1.7e-5}
        item = NewAspirasi(f"Uji {a}-{b}", kats[a % len(kats)], kel, rembuk_id=rembuk_id, **where)
        create_aspirasi(engine, STAF, item, DEMO_TODAY - dt.timedelta(days=b % 400))
        return
    if kind == "import":
        assert import_aspirasi(engine, STAF, _csv(1 + a % 5, b), "uji.csv", DEMO_TODAY).ok
        return
    if kind == "demo":
        with engine.connect() as conn:
            real = conn.scalar(select(func.count()).where(~Aspirasi.is_demo))
        if not real:  # demo ticket numbers start at 000001: the generator is for a database without real rows
            generate_demo(engine, n_aspirasi=20 + a % 30, seed=b, today=DEMO_TODAY, termasuk_terkait=True)
        return
    if kind == "clear":
        with engine.begin() as conn:
            clear_demo(conn, termasuk_terkait=bool(a % 2))
        return
    with engine.connect() as conn:
        rows = conn.execute(select(Aspirasi.id, Aspirasi.status, Aspirasi.version).order_by(Aspirasi.id)).all()
    if not rows:
        return
    aid, status, version = rows[a % len(rows)]
    if kind == "status":
        ke = can_move_to(status)[b % len(can_move_to(status))]
        other = rows[(a + 1) % len(rows)][0]
        if ke == "duplikat" and other == aid:
            return
        update_status(engine, STAF, aid, version, ke, "uji", DEMO_TODAY, duplikat_dari=other)
    else:  # penugasan: a new due date (or none)
        tenggat = None if b % 4 == 0 else DEMO_TODAY + dt.timedelta(days=b % 60 - 20)
        with engine.connect() as conn:
            received = conn.scalar(select(Aspirasi.tanggal_diterima).where(Aspirasi.id == aid))
        update_assignment(
            engine,
            STAF,
            aid,
            version,
            opd_kode=None,
            prioritas="sedang",
            tenggat=max(tenggat, received) if tenggat else None,
        )


ACTION = st.tuples(
    st.sampled_from(["demo", "create", "create", "status", "status", "status", "penugasan", "import", "demo", "clear"]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
)


# No shrinking: the database state accumulates over the examples anyway, and each step is a real write.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(
    max_examples=6,
    phases=NO_SHRINK,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTION, min_size=3, max_size=10))
def test_any_sequence_of_writes_keeps_the_rollups_equal_to_a_recount(ready_engine, actions):
    # One database for all examples: the invariant holds from any state, so the state may accumulate.
    for action in actions:
        _step(ready_engine, action)
        assert rollups.check(ready_engine) == [], action
    assert_rollups_equal_scan(ready_engine, days=[DEMO_TODAY])


def test_check_rollups_command_reports_a_difference_in_indonesian_and_rebuild_fixes_it(
    ready_engine, monkeypatch, capsys
):
    monkeypatch.setenv("KULAKAN_DATABASE_URL", ready_engine.url.render_as_string(hide_password=False))
    generate_demo(ready_engine, n_aspirasi=60, seed=3, today=DEMO_TODAY)
    assert main(["check-rollups"]) == 0
    assert "cocok" in capsys.readouterr().out
    with ready_engine.begin() as conn:  # a write past the services: the rollups do not know it
        aid = conn.scalar(select(func.min(Aspirasi.id)).where(Aspirasi.terbuka))
        kode = conn.scalar(select(Aspirasi.kelurahan_kode).where(Aspirasi.id == aid))
        conn.execute(update(Aspirasi).where(Aspirasi.id == aid).values(status="musrenbang", terbuka=False))
    assert main(["check-rollups"]) == 1
    err = capsys.readouterr().err
    assert "TIDAK cocok" in err and f"rekap_aspirasi ({kode}, " in err and "tercatat" in err
    assert "python -m db check-rollups --rebuild" in err
    assert main(["check-rollups", "--rebuild"]) == 0
    assert rollups.check(ready_engine) == []


def test_migration_0010_counts_the_rows_already_there(empty_db_url):
    engine = make_engine(empty_db_url)
    upgrade(engine, "0009")
    load_reference(engine)
    with engine.begin() as conn:
        kat = conn.scalar(select(Kategori.id).where(Kategori.kode == "pju"))
        conn.execute(
            insert(Aspirasi),
            [
                {"nomor": f"ASP-2026-00000{i}", "judul": "lama", "kategori_id": kat, "kelurahan_kode": GADING_KASRI,
                 "sumber": "warga", "kanal": "surat", "tanggal_diterima": DEMO_TODAY - dt.timedelta(days=i),
                 "tenggat": DEMO_TODAY - dt.timedelta(days=1), "status": st_, "terbuka": st_ != "selesai",
                 "tanggal_selesai": DEMO_TODAY if st_ == "selesai" else None,
                 "hari_kerja_selesai": 4 if st_ == "selesai" else None}
                for i, st_ in enumerate(["diterima", "dalam_proses", "selesai"], start=1)
            ],
        )  # fmt: skip
    upgrade(engine)
    assert rollups.check(engine) == []
    row = rollups.kelurahan_metrics(engine, AspirasiFilter(), DEMO_TODAY).loc[GADING_KASRI]
    assert (row.jumlah, row.terbuka, row.lewat_tenggat, row.median_umur) == (3, 2, 2, 1.5)
    assert queries.kpi(engine, DEMO_TODAY).median_hari_kerja_selesai == 4
    engine.dispose()


def test_real_aspirations_detached_from_demo_rembuk_leave_its_count(ready_engine):
    """Clearing demo data with termasuk_terkait detaches real aspirations captured at a demo rembuk: the
    Rembuk counts follow (rekap_rembuk), as a recount and a scan say."""
    generate_demo(ready_engine, n_aspirasi=40, seed=5, today=DEMO_TODAY, termasuk_terkait=True)
    with ready_engine.connect() as conn:
        rembuk_id, kel = conn.execute(
            select(RembukKelurahan.rembuk_id, RembukKelurahan.kelurahan_kode).order_by(RembukKelurahan.rembuk_id)
        ).first()
        before = conn.scalar(select(func.count(Aspirasi.id)).where(Aspirasi.rembuk_id == rembuk_id))
    for i in range(2):
        create_aspirasi(ready_engine, STAF, NewAspirasi(f"Warga {i}", "pju", kel, rembuk_id=rembuk_id), DEMO_TODAY)
    listed = list_rembuk(ready_engine).set_index("id")
    assert listed.loc[rembuk_id, "aspirasi"] == before + 2
    with ready_engine.begin() as conn:
        clear_demo(conn, termasuk_terkait=True)
    assert rollups.check(ready_engine) == []
    assert_rollups_equal_scan(ready_engine, days=[DEMO_TODAY])
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(RekapRembuk)) == 0


def test_migrations_0012_to_0015_count_the_rows_already_there(ready_engine):
    generate_demo(ready_engine, n_aspirasi=60, seed=7, today=DEMO_TODAY, termasuk_terkait=True)
    want = list_rembuk(ready_engine)
    p = period("3_bulan", DEMO_TODAY)
    want_score = scorecard(ready_engine, AspirasiFilter(), p, DEMO_TODAY)
    # Also takes rekap_berlokasi (0013), rekap_opd_* (0014) and rekap_rw (0015) away and back.
    downgrade(ready_engine, "0011")
    upgrade(ready_engine)
    pd.testing.assert_frame_equal(scorecard(ready_engine, AspirasiFilter(), p, DEMO_TODAY), want_score)
    assert want_score["selesai"].sum() > 0
    assert rollups.check(ready_engine) == []
    pd.testing.assert_frame_equal(list_rembuk(ready_engine), want)
    assert want["aspirasi"].sum() > 0
    with ready_engine.connect() as conn:
        assert (
            conn.scalar(select(func.sum(RekapBerlokasi.jumlah)))
            == conn.scalar(select(func.count(Aspirasi.id)).where(Aspirasi.lat.is_not(None), Aspirasi.lon.is_not(None)))
            > 0
        )
        located_rw = and_(Aspirasi.lat.is_not(None), Aspirasi.lon.is_not(None), Aspirasi.rw.is_not(None))
        assert (
            conn.scalar(select(func.sum(RekapRw.jumlah)))
            == conn.scalar(select(func.count(Aspirasi.id)).where(located_rw))
            > 0
        )
