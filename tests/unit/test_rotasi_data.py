"""Rotation data layer on the demo database (SQLite and PostgreSQL): inputs equal SQL, the current
plan, manual changes with who/when, settings, confirmation, permissions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import delete, select, text

from db.aspirasi import rollups
from db.auth.roles import AccessDenied, Actor
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from db.rembuk.records import RembukError, get_rembuk
from db.rotasi import data as rd
from db.rotasi.planner import RotasiSettings, Skip
from db.schema import LogAudit, Pengaturan, Rembuk, RembukKelurahan, RotasiPerubahan
from db.testing import database
from tests.conftest import DEMO_SEED, DEMO_TODAY

D = dt.date
TODAY = DEMO_TODAY  # Friday 20 Nov 2026; its rembuk is already held in the demo data
STAF = Actor("staf.uji", "staf")
ADMIN = Actor("admin.uji", "admin")
PIMPINAN = Actor("pimpinan.uji", "pimpinan")
STAF_BLIMBING = Actor("staf.blimbing", "staf", kecamatan_kode="35.73.01")


@pytest.fixture(scope="module")
def demo_engine(backend, tmp_path_factory):
    """A demo database of this module only (the tests write to it and clean up after themselves)."""
    with database(backend, tmp_path_factory.mktemp("rotasi")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=400, seed=DEMO_SEED, today=TODAY)
        yield engine
        engine.dispose()


@pytest.fixture(autouse=True)
def e(demo_engine):
    yield demo_engine
    with demo_engine.begin() as conn:
        conn.execute(delete(RotasiPerubahan))
        conn.execute(delete(Pengaturan))
        conn.execute(delete(LogAudit))
        own = select(Rembuk.id).where(Rembuk.is_demo.is_(False))
        conn.execute(delete(RembukKelurahan).where(RembukKelurahan.rembuk_id.in_(own)))
        conn.execute(delete(Rembuk).where(Rembuk.is_demo.is_(False)))


def _sql(engine, query: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).all()


def _cycle0(plan) -> list[str]:
    return [k for s in plan.semua_slot() for k in s.kelurahan if s.siklus[k] == 0]


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def test_inputs_equal_sql(e):
    visits = rd.load_visits(e, TODAY)
    (n,) = _sql(
        e,
        "SELECT COUNT(*) FROM rembuk_kelurahan rk JOIN rembuk r ON r.id = rk.rembuk_id "
        "WHERE r.status = 'terlaksana' AND r.tanggal <= :t",
        t=TODAY,
    )[0]
    assert len(visits) == n > 90  # two years of Fridays, minus holidays and cancellations
    assert visits == sorted(visits) and visits[-1][0] == TODAY

    info = rd.load_kelurahan_info(e, TODAY)
    assert len(info) == 57
    (terbuka,) = _sql(e, "SELECT COUNT(*) FROM aspirasi WHERE terbuka")[0]
    (lewat,) = _sql(e, "SELECT COUNT(*) FROM aspirasi WHERE terbuka AND tenggat < :t", t=TODAY)[0]
    (janji,) = _sql(e, "SELECT COUNT(*) FROM janji WHERE status IN ('belum', 'proses')")[0]
    assert sum(i.terbuka for i in info) == terbuka > 0
    assert sum(i.lewat_tenggat for i in info) == lewat > 0
    assert sum(i.janji_belum for i in info) == janji > 0
    # Per kelurahan, the counts read from the rollups equal a scan of the archive (on two days).
    for day in (TODAY, TODAY + dt.timedelta(days=40)):
        with rollups.disabled():
            scanned = rd.load_kelurahan_info(e, day)
        assert rd.load_kelurahan_info(e, day) == scanned
    last = {}
    for d, k in visits:
        last[k] = d
    assert {i.kode: i.last_visit for i in info} == {i.kode: last.get(i.kode) for i in info}

    # Bimtek gap by hand: 1 - share of RWs with an attended RW-role participant.
    with e.connect() as conn:
        p = pd.read_sql_query(text("SELECT kelurahan_kode, peran, rw, hadir FROM bimtek_peserta"), conn)
        rw_count = dict(_sql(e, "SELECT kode, jumlah_rw FROM kelurahan"))
    p = p[p["hadir"].astype(bool) & p["peran"].isin(["ketua_rw", "pengurus_rw"])]
    trained = p.groupby("kelurahan_kode")["rw"].nunique()
    for i in info:
        expected = 1 - trained.get(i.kode, 0) / rw_count[i.kode]
        assert i.bimtek_gap == pytest.approx(expected, abs=1e-4), i.kode
    assert 0 < sum(i.bimtek_gap for i in info) < 57


def test_current_plan_covers_the_unvisited_and_follows_the_confirmed_schedule(e):
    plan = rd.current_plan(e, TODAY)
    visits = set(rd.load_visits(e, TODAY))
    cycle0 = _cycle0(plan)
    all_codes = {k for (k,) in _sql(e, "SELECT kode FROM kelurahan")}
    assert sorted(cycle0) == sorted(all_codes - set(plan.visited_this_cycle))
    assert len(cycle0) == len(set(cycle0)) and plan.dikunjungi + len(cycle0) == 57
    assert all((d, k) in visits and d >= plan.cycle_start for k, d in plan.visited_this_cycle.items())
    assert plan.expected_end == max(s.tanggal for s in plan.semua_slot() if 0 in s.siklus.values())

    # The confirmed ('dijadwalkan') demo rembuk keep their hosts and dates.
    scheduled = _sql(
        e,
        "SELECT r.tanggal, rk.kelurahan_kode FROM rembuk r JOIN rembuk_kelurahan rk ON rk.rembuk_id = r.id "
        "WHERE r.status = 'dijadwalkan' AND r.tanggal >= :t ORDER BY r.tanggal",
        t=TODAY,
    )
    assert len(scheduled) >= 5
    by_date = {s.tanggal: s for s in plan.semua_slot()}
    for raw_day, kode in scheduled:
        day = raw_day if isinstance(raw_day, dt.date) else dt.date.fromisoformat(raw_day)  # SQLite: text
        assert by_date[day].kelurahan == [kode] and by_date[day].dipin == [kode]
    assert plan.slots[0].tanggal == D(2026, 11, 27)
    assert Skip(D(2026, 12, 25), "Hari Raya Natal") in plan.dilewati
    assert D(2027, 2, 5) in {x.tanggal for x in plan.dilewati}  # cuti bersama Imlek, from the table

    # Left to itself, the planner starts with the highest score of a kecamatan other than the last host's.
    free = rd.current_plan(e, TODAY, ikuti_jadwal=False)
    last_kec = max(visits)[1][:8]
    best = max(
        (k for k in all_codes - set(free.visited_this_cycle) if k[:8] != last_kec),
        key=lambda k: (free.skor[k].total, k),
    )
    assert free.slots[0].kelurahan == [best] and free.slots[0].dipin == []


def test_status_table(e):
    plan, df = rd.current_status(e, TODAY)
    assert len(df) == 57 and df.attrs["dikunjungi"] == plan.dikunjungi
    counts = df["status"].value_counts().to_dict()
    assert counts["sudah"] == plan.dikunjungi
    assert counts["berikutnya"] == 1 and counts["dijadwalkan"] == len(plan.slots) - 1
    row = df.set_index("kode").loc[plan.slots[0].kelurahan[0]]
    assert row["status"] == "berikutnya" and row["tanggal"] == D(2026, 11, 27)
    assert row["hari_sejak"] == (TODAY - row["kunjungan_terakhir"]).days
    assert set(df["kecamatan"]) == {"Blimbing", "Klojen", "Kedungkandang", "Sukun", "Lowokwaru"}


def test_cancel_is_saved_with_who_and_when_and_re_flows(e):
    before = rd.current_plan(e, TODAY)
    first, second = before.slots[0], before.slots[1]
    pid = rd.save_change(e, STAF, "batal", first.tanggal, catatan="Wali kota dinas luar", today=TODAY)
    after = rd.current_plan(e, TODAY)
    assert Skip(first.tanggal, "Dibatalkan") in after.dilewati
    assert after.slots[0].tanggal == second.tanggal and after.slots[0].kelurahan == second.kelurahan
    moved = first.kelurahan[0]
    assert _cycle0(after).count(moved) == 1  # re-flowed, not lost
    assert next(s.tanggal for s in after.semua_slot() if moved in s.kelurahan) > first.tanggal

    hist = rd.change_history(e)
    assert hist[["id", "jenis", "tanggal", "oleh", "aktif", "catatan"]].values.tolist() == [
        [pid, "batal", first.tanggal, "staf.uji", True, "Wali kota dinas luar"]
    ]
    assert abs(dt.datetime.now(dt.UTC) - _aware(hist.loc[0, "waktu"])) < dt.timedelta(minutes=5)

    rd.deactivate_change(e, STAF, pid)
    assert rd.current_plan(e, TODAY) == before
    assert rd.change_history(e)["aktif"].tolist() == [False]
    with e.connect() as conn:
        assert conn.execute(select(LogAudit.aksi, LogAudit.oleh)).all() == [("rotasi_nonaktif", "staf.uji")]


def test_pin_swap_and_confirm(e):
    plan = rd.current_plan(e, TODAY)
    free = next(s for s in plan.slots if not s.dipin)
    target = _cycle0(plan)[-1]  # the last one of the cycle
    rd.save_change(e, STAF, "pin", free.tanggal, kelurahan_kode=target, today=TODAY)
    pinned = rd.current_plan(e, TODAY)
    slot = next(s for s in pinned.slots if s.tanggal == free.tanggal)
    assert slot.kelurahan == [target] and slot.dipin == [target] and slot.alasan[target] == "ditetapkan manual"
    assert _cycle0(pinned).count(target) == 1

    a, b = plan.slots[0], plan.slots[1]
    rd.save_change(e, STAF, "tukar", a.tanggal, tanggal_lain=b.tanggal, today=TODAY)
    swapped = {s.tanggal: s.kelurahan for s in rd.current_plan(e, TODAY).slots}
    assert swapped[a.tanggal] == b.kelurahan and swapped[b.tanggal] == a.kelurahan

    # Thursday before: staff confirm the Friday's host; confirming again changes nothing.
    rid = rd.confirm_slot(e, STAF, free.tanggal, [target], today=TODAY)
    assert rd.confirm_slot(e, STAF, free.tanggal, [target], today=TODAY) == rid
    r = get_rembuk(e, rid)
    assert (r.status, r.tuan_rumah, r.version, r.dibuat_oleh) == ("dijadwalkan", [target], 1, "staf.uji")
    other = next(k for k in _cycle0(plan) if k != target and k[:8] != target[:8])
    assert rd.confirm_slot(e, STAF, free.tanggal, [target, other], today=TODAY) == rid
    r = get_rembuk(e, rid)
    assert r.version == 2 and set(r.tuan_rumah) == {target, other}
    confirmed = next(s for s in rd.current_plan(e, TODAY).slots if s.tanggal == free.tanggal)
    assert set(confirmed.kelurahan) == {target, other} and set(confirmed.dipin) == {target, other}
    with pytest.raises(RembukError, match="terlaksana"):
        rd.confirm_slot(e, STAF, TODAY, [target], today=TODAY)  # today's rembuk is held already
    with pytest.raises(RembukError, match="lewat"):
        rd.confirm_slot(e, STAF, D(2026, 11, 13), [target], today=TODAY)


def test_invalid_changes_are_refused(e):
    cases = [
        ({"jenis": "batal", "tanggal": D(2026, 11, 26)}, "bukan hari Jumat"),
        ({"jenis": "pin", "tanggal": D(2026, 12, 25), "kelurahan_kode": "35.73.02.1006"}, "Natal"),
        ({"jenis": "batal", "tanggal": D(2026, 11, 13)}, "sudah lewat"),
        ({"jenis": "pin", "tanggal": D(2026, 12, 4)}, "Pilih kelurahan"),
        ({"jenis": "pin", "tanggal": D(2026, 12, 4), "kelurahan_kode": "35.73.09.9999"}, "tidak dikenal"),
        ({"jenis": "tukar", "tanggal": D(2026, 12, 4)}, "Jumat lain"),
        ({"jenis": "tunda", "tanggal": D(2026, 12, 4), "tanggal_lain": D(2026, 11, 27)}, "sesudah"),
        ({"jenis": "geser", "tanggal": D(2026, 12, 4)}, "tidak dikenal"),
    ]
    for kw, message in cases:
        with pytest.raises(rd.InvalidChange, match=message):
            rd.save_change(e, STAF, today=TODAY, **kw)
    assert rd.change_history(e).empty


def test_permissions_and_settings(e):
    friday = D(2026, 12, 4)
    with pytest.raises(AccessDenied):
        rd.save_change(e, PIMPINAN, "batal", friday, today=TODAY)
    with pytest.raises(AccessDenied):  # a kecamatan account cannot cancel a Friday for the whole city
        rd.save_change(e, STAF_BLIMBING, "batal", friday, today=TODAY)
    with pytest.raises(AccessDenied):  # ... nor pin a kelurahan of another kecamatan
        rd.save_change(e, STAF_BLIMBING, "pin", friday, kelurahan_kode="35.73.02.1006", today=TODAY)
    with pytest.raises(AccessDenied):
        rd.confirm_slot(e, PIMPINAN, friday, ["35.73.02.1006"], today=TODAY)
    with pytest.raises(AccessDenied):
        rd.save_settings(e, STAF, RotasiSettings(per_jumat=2))
    pid = rd.save_change(e, STAF_BLIMBING, "pin", friday, kelurahan_kode="35.73.01.1002", today=TODAY)
    with pytest.raises(AccessDenied):
        rd.deactivate_change(e, PIMPINAN, pid)
    assert rd.change_history(e)["id"].tolist() == [pid]
    rd.deactivate_change(e, STAF_BLIMBING, pid)

    assert rd.load_settings(e) == RotasiSettings()
    with pytest.raises(ValueError, match="1 sampai 3"):
        rd.save_settings(e, ADMIN, {"per_jumat": 5})
    saved = rd.save_settings(e, ADMIN, {"per_jumat": 2, "bobot_terbuka": 0.5})
    assert rd.load_settings(e) == saved == RotasiSettings(per_jumat=2, bobot_terbuka=0.5)
    with e.connect() as conn:
        assert conn.scalar(select(Pengaturan.diubah_oleh).where(Pengaturan.kunci == "rotasi")) == "admin.uji"
    plan = rd.current_plan(e, TODAY)
    # Two hosts every Friday; a Friday confirmed with one host keeps it and gets a second proposal.
    assert all(len(s.kelurahan) == 2 and s.kelurahan[0][:8] != s.kelurahan[1][:8] for s in plan.slots)
    confirmed = rd.current_plan(e, TODAY, RotasiSettings()).slots[0].kelurahan[0]
    assert plan.slots[0].dipin == [confirmed] and confirmed in plan.slots[0].kelurahan
