"""The pure rotation planner: properties of the plan, re-flow after changes, the priority score."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from db.rotasi.planner import (
    Change,
    KelurahanInfo,
    RotasiSettings,
    _arrangeable,
    plan_rotation,
    priority,
    rotation_status,
)
from db.workdays import WorkCalendar

D = dt.date
W = dt.timedelta(weeks=1)
TODAY = D(2026, 3, 25)  # a Wednesday; the first Friday is 27 March 2026
SIZES = {"35.73.01": 12, "35.73.02": 11, "35.73.03": 11, "35.73.04": 11, "35.73.05": 12}  # 57 like Kota Malang


def kota(**overrides) -> list[KelurahanInfo]:
    """57 kelurahan in 5 kecamatan (12/11/11/11/12), no needs, never visited."""
    out = []
    for kec, n in SIZES.items():
        for i in range(n):
            kode = f"{kec}.{1001 + i}"
            out.append(KelurahanInfo(kode, f"Kel {kode[-6:]}", kec, **overrides.get(kode, {})))
    return out


KOTA = kota()
KODES = [k.kode for k in KOTA]
KEC = {k.kode: k.kecamatan_kode for k in KOTA}


def kec(kode: str) -> str:
    return KEC[kode]


def flat(plan, *, cycle: int | None = None) -> list[str]:
    return [k for s in plan.semua_slot() for k in s.kelurahan if cycle is None or s.siklus[k] == cycle]


def previous_cycle(end: D, order: list[str]) -> list[tuple[D, str]]:
    """A complete earlier cycle: one host per Friday in ``order``, the last one on ``end``."""
    n = len(order)
    return [(end - (n - 1 - i) * W, k) for i, k in enumerate(order)]


def round_robin() -> list[str]:
    by_kec = {kc: [k for k in KODES if kec(k) == kc] for kc in SIZES}
    out = []
    while any(by_kec.values()):
        for kc in SIZES:
            if by_kec[kc]:
                out.append(by_kec[kc].pop(0))
    return out


# --- priority ---------------------------------------------------------------------------------


def test_priority_parts_are_hand_computed_and_sum_to_the_total():
    info = KelurahanInfo(
        "35.73.01.1001",
        "A",
        "35.73.01",
        last_visit=TODAY - dt.timedelta(days=70),
        terbuka=10,
        lewat_tenggat=6,
        janji_belum=2,
        bimtek_gap=0.5,
    )
    s = priority(info, TODAY, RotasiSettings())
    # 10 weeks x 1.0, 10 x 0.2, 6 x 0.5, 2 x 1.0, 0.5 x 5.0
    assert s.parts == {"hari": 10.0, "terbuka": 2.0, "lewat_tenggat": 3.0, "janji": 2.0, "bimtek": 2.5}
    assert s.total == 19.5 == pytest.approx(sum(s.parts.values()))
    assert s.nilai["hari"] == 70
    custom = priority(info, TODAY, RotasiSettings(bobot_hari=0.5, bobot_bimtek=0.0))
    assert custom.parts["hari"] == 5.0 and custom.parts["bimtek"] == 0.0 and custom.total == 12.0
    never = priority(KelurahanInfo("x", "x", "k"), TODAY, RotasiSettings(hari_tanpa_kunjungan=700))
    assert never.parts["hari"] == 100.0 and never.total == 100.0


def test_weights_change_the_order():
    # A: visited 20 weeks ago, no needs. B: visited 10 weeks ago, 30 open aspirations.
    kel = [
        KelurahanInfo("35.73.01.1001", "A", "35.73.01", last_visit=TODAY - 20 * W),
        KelurahanInfo("35.73.02.1001", "B", "35.73.02", last_visit=TODAY - 10 * W, terbuka=30),
    ]
    default = plan_rotation(kel, [], TODAY, RotasiSettings())
    assert flat(default)[:2] == ["35.73.01.1001", "35.73.02.1001"]  # 20 > 10 + 6
    needs = plan_rotation(kel, [], TODAY, RotasiSettings(bobot_terbuka=1.0))
    assert flat(needs)[:2] == ["35.73.02.1001", "35.73.01.1001"]  # 10 + 30 > 20
    assert needs.skor["35.73.02.1001"].parts["terbuka"] == 30.0


def test_settings_are_validated_and_read_leniently():
    with pytest.raises(ValueError, match="1 sampai 3"):
        RotasiSettings(per_jumat=4)
    with pytest.raises(ValueError, match="bobot_janji"):
        RotasiSettings(bobot_janji=-1)
    s = RotasiSettings.from_dict({"per_jumat": 2, "bobot_hari": 2, "tidak_dikenal": 1})
    assert (s.per_jumat, s.bobot_hari, s.bobot_terbuka) == (2, 2.0, 0.2)
    assert RotasiSettings.from_dict(s.to_dict()) == s


# --- cycles -----------------------------------------------------------------------------------


def test_each_kelurahan_exactly_once_per_cycle():
    order = round_robin()
    history = previous_cycle(D(2025, 6, 27), order)  # cycle 1 complete on 27 June 2025
    this_cycle = [(D(2025, 7, 4) + i * W, k) for i, k in enumerate(order[:30])]  # 30 of cycle 2
    plan = plan_rotation(KOTA, history + this_cycle, TODAY, RotasiSettings(horizon_minggu=104))
    assert plan.siklus_selesai == 1
    assert plan.cycle_start == D(2025, 7, 4)
    assert plan.visited_this_cycle == {k: d for d, k in this_cycle}
    current = flat(plan, cycle=0)
    assert sorted(current) == sorted(order[30:])  # the 27 unvisited, each once
    assert len(current) == len(set(current)) == 27
    nxt = flat(plan, cycle=1)
    assert sorted(nxt) == sorted(KODES)  # the whole next cycle fits in 104 weeks, each once
    assert plan.expected_end == max(s.tanggal for s in plan.semua_slot() if 0 in s.siklus.values())
    # The next cycle starts only after the current one: cycle numbers never go down.
    numbers = [s.siklus[k] for s in plan.semua_slot() for k in s.kelurahan]
    assert numbers == sorted(numbers)


def test_cycle_derivation_ignores_repeats_and_counts_completing_hosts_first():
    kel = [KelurahanInfo(k, k, kc) for k, kc in [("A", "k1"), ("B", "k2"), ("C", "k3")]]
    d = [D(2026, 1, 2) + i * W for i in range(6)]
    # A, B, A again (repeat, ignored), then C and A on the same day: C completes, A opens cycle 2.
    visits = [(d[0], "A"), (d[1], "B"), (d[2], "A"), (d[3], "C"), (d[3], "A")]
    plan = plan_rotation(kel, visits, TODAY, RotasiSettings())
    assert plan.siklus_selesai == 1
    assert plan.visited_this_cycle == {"A": d[3]}
    assert plan.cycle_start == d[3]
    # B and C remain; B waited longer (last visit d1 < d3), so B goes first.
    assert [s.kelurahan for s in plan.slots[:2]] == [["B"], ["C"]]
    assert plan.expected_end == D(2026, 4, 10)  # 27 Mar B, 3 Apr Jumat Agung skipped, 10 Apr C


def test_two_per_friday_fills_the_friday_that_completes_the_cycle():
    plan = plan_rotation(KOTA, [], TODAY, RotasiSettings(per_jumat=2, horizon_minggu=40))
    # 57 hosts, two per Friday: the 29th Friday has the last of cycle 0 and the first of cycle 1.
    cur = [s for s in plan.semua_slot() if 0 in s.siklus.values()]
    assert len(cur) == 29
    last = cur[-1]
    assert sorted(last.siklus.values()) == [0, 1]
    assert plan.expected_end == last.tanggal
    assert all(len(s.kelurahan) == 2 for s in plan.semua_slot())
    # Hosts of one Friday come from different kecamatan.
    assert all(kec(a) != kec(b) for s in plan.semua_slot() for a, b in [s.kelurahan])


# --- calendar ---------------------------------------------------------------------------------


def test_no_holiday_or_cuti_bersama_friday():
    kal = WorkCalendar([D(2026, 5, 15)])  # cuti bersama Kenaikan Yesus Kristus (a Friday)
    plan = plan_rotation(KOTA, [], TODAY, RotasiSettings(horizon_minggu=60), libur=kal)
    days = [s.tanggal for s in plan.semua_slot()]
    assert all(d.weekday() == 4 for d in days)
    for holiday in (D(2026, 4, 3), D(2026, 5, 1), D(2026, 5, 15), D(2026, 12, 25), D(2027, 1, 1)):
        assert holiday not in days
    skipped = {x.tanggal: x.alasan for x in plan.dilewati}
    assert skipped[D(2026, 4, 3)] == "Wafat Yesus Kristus"
    assert skipped[D(2026, 12, 25)] == "Hari Raya Natal"
    assert skipped[D(2026, 5, 15)] == "Cuti bersama"
    assert days[:3] == [D(2026, 3, 27), D(2026, 4, 10), D(2026, 4, 17)]
    # Without the cuti bersama list, 15 May is a rembuk Friday.
    assert D(2026, 5, 15) in [s.tanggal for s in plan_rotation(KOTA, [], TODAY).slots]
    # A plain function works as well.
    custom = plan_rotation(KOTA, [], TODAY, libur=lambda d: "Libur daerah" if d == D(2026, 3, 27) else None)
    assert custom.slots[0].tanggal == D(2026, 4, 3)  # the function replaces the default calendar
    assert custom.dilewati[0].alasan == "Libur daerah"


def test_friday_already_held_today_is_not_planned_again():
    friday = D(2026, 3, 27)
    plan = plan_rotation(KOTA, [(friday, KODES[0])], friday, RotasiSettings())
    assert plan.slots[0].tanggal == D(2026, 4, 10)
    assert KODES[0] not in flat(plan, cycle=0)
    # Not yet held today: today's Friday is the next slot.
    assert plan_rotation(KOTA, [], friday).slots[0].tanggal == friday


# --- kecamatan rule and fairness ------------------------------------------------------------------


def test_same_kecamatan_not_on_consecutive_fridays_when_avoidable():
    kel = [
        KelurahanInfo("A1", "A1", "A", terbuka=40),
        KelurahanInfo("A2", "A2", "A", terbuka=30),
        KelurahanInfo("B1", "B1", "B", terbuka=20),
        KelurahanInfo("B2", "B2", "B", terbuka=10),
    ]
    plan = plan_rotation(kel, [], TODAY)
    assert flat(plan)[:4] == ["A1", "B1", "A2", "B2"]  # priority alone would give A1 A2 B1 B2
    assert not any(s.kecamatan_berulang for s in plan.slots[:4])


def test_lookahead_keeps_the_end_of_the_cycle_arrangeable():
    kel = [
        KelurahanInfo("B1", "B1", "B", terbuka=50),
        KelurahanInfo("B2", "B2", "B", terbuka=40),
        KelurahanInfo("A1", "A1", "A", terbuka=30),
        KelurahanInfo("A2", "A2", "A", terbuka=20),
        KelurahanInfo("A3", "A3", "A", terbuka=10),
    ]
    plan = plan_rotation(kel, [], TODAY)
    # Greedy without look-ahead: B1 A1 B2 A2 A3 (A twice at the end). Three A and two B fit only as A B A B A.
    assert flat(plan)[:5] == ["A1", "B1", "A2", "B2", "A3"]
    assert not any(s.kecamatan_berulang for s in plan.slots[:5])


def test_unavoidable_repeat_is_flagged_once():
    kel = [KelurahanInfo(k, k, k[0], terbuka=t) for k, t in [("A1", 40), ("A2", 30), ("A3", 20), ("B1", 10)]]
    plan = plan_rotation(kel, [], TODAY)
    assert flat(plan)[:4] == ["A1", "B1", "A2", "A3"]
    assert [s.kecamatan_berulang for s in plan.slots[:4]] == [False, False, False, True]


def test_arrangeable():
    from collections import Counter

    assert _arrangeable(Counter({"A": 2, "B": 2}), "A")
    assert not _arrangeable(Counter({"A": 3, "B": 1}), "B")
    assert _arrangeable(Counter({"A": 2, "B": 1}), "B")  # A B A
    assert not _arrangeable(Counter({"A": 2, "B": 1}), "A")
    assert _arrangeable(Counter(), None)


def test_fairness_equal_scores_spread_every_kecamatan():
    plan = plan_rotation(KOTA, [], TODAY, RotasiSettings(horizon_minggu=70))
    order = flat(plan, cycle=0)
    assert len(order) == 57
    kecs = [kec(k) for k in order]
    # No kecamatan twice in a row (max run length 1); after every Friday each kecamatan has had its
    # proportional share of visits, within one; no kecamatan waits more than 6 Fridays.
    # (Sorting by code alone would put all 12 kelurahan of 35.73.01 first.)
    assert all(a != b for a, b in itertools.pairwise(kecs))
    for n in range(1, 58):
        for kc, size in SIZES.items():
            assert abs(kecs[:n].count(kc) - n * size / 57) <= 1, (n, kc)
    for kc in SIZES:
        pos = [i for i, x in enumerate(kecs) if x == kc]
        assert pos[0] < 5 and max(b - a for a, b in itertools.pairwise(pos)) <= 6
    assert kecs[:10] == [
        "35.73.01",
        "35.73.02",
        "35.73.03",
        "35.73.04",
        "35.73.05",
        "35.73.01",
        "35.73.05",
        "35.73.02",
        "35.73.03",
        "35.73.04",
    ]


def test_deterministic_whatever_the_input_order():
    history = previous_cycle(D(2026, 1, 9), round_robin())[:-5]
    info = kota(**{k: {"terbuka": i % 7, "janji_belum": i % 3} for i, k in enumerate(KODES)})
    changes = [Change("batal", D(2026, 4, 17)), Change("pin", D(2026, 5, 8), kelurahan_kode=KODES[3])]
    a = plan_rotation(info, history, TODAY, RotasiSettings(per_jumat=2), changes)
    shuffled_info, shuffled_hist = list(info), list(history)
    random.Random(3).shuffle(shuffled_info)
    random.Random(4).shuffle(shuffled_hist)
    b = plan_rotation(shuffled_info, shuffled_hist, TODAY, RotasiSettings(per_jumat=2), changes)
    assert a == b
    assert a.slots and a == plan_rotation(info, history, TODAY, RotasiSettings(per_jumat=2), changes)


# --- manual changes and re-flow -------------------------------------------------------------------


@pytest.fixture
def base():
    """A rotation in progress: the order of the previous cycle repeats (scores fall strictly)."""
    order = round_robin()
    history = previous_cycle(D(2026, 3, 20), order)
    return history, order


def _plan(base, changes=(), **kw):
    history, _ = base
    return plan_rotation(KOTA, history, TODAY, RotasiSettings(horizon_minggu=20, **kw), changes)


def test_without_changes_the_previous_order_repeats(base):
    _, order = base
    plan = _plan(base)
    assert flat(plan, cycle=0) == order
    assert plan.slots[0].tanggal == D(2026, 3, 27) and plan.slots[0].kelurahan == [order[0]]


def test_pin_puts_the_kelurahan_on_its_date_and_nowhere_else(base):
    _, order = base
    target = order[30]  # would come in October
    plan = _plan(base, [Change("pin", D(2026, 4, 17), kelurahan_kode=target, oleh="staf")])
    slot = next(s for s in plan.slots if s.tanggal == D(2026, 4, 17))
    assert slot.kelurahan == [target] and slot.dipin == [target]
    assert flat(plan, cycle=0).count(target) == 1
    # Before the pin the order is unchanged; the pinned one is taken out of its old place.
    assert flat(plan, cycle=0)[:2] == order[:2]
    assert [k for k in flat(plan, cycle=0) if k != target] == [k for k in order if k != target]


def test_pin_on_a_holiday_is_ignored_with_a_warning(base):
    plan = _plan(base, [Change("pin", D(2026, 4, 3), kelurahan_kode=KODES[5])])
    assert D(2026, 4, 3) not in [s.tanggal for s in plan.semua_slot()]
    assert any("2026-04-03" in w and "Wafat Yesus Kristus" in w for w in plan.peringatan)
    assert flat(plan, cycle=0) == base[1]


def test_pinned_neighbours_avoid_its_kecamatan(base):
    _, order = base
    # order[0] (35.73.01) is first on 27 March; pin another 35.73.01 kelurahan on 10 April (next Friday).
    target = order[5]
    assert kec(target) == kec(order[0])
    plan = _plan(base, [Change("pin", D(2026, 4, 10), kelurahan_kode=target)])
    first, second, third = plan.slots[:3]
    assert second.kelurahan == [target]
    assert kec(first.kelurahan[0]) != kec(target) and kec(third.kelurahan[0]) != kec(target)
    assert first.kelurahan == [order[1]]  # the highest-scored one of another kecamatan


def test_cancel_reflows_the_rest(base):
    _, order = base
    plan = _plan(base, [Change("batal", D(2026, 4, 17))])
    assert D(2026, 4, 17) in {x.tanggal for x in plan.dilewati if x.alasan == "Dibatalkan"}
    assert D(2026, 4, 17) not in [s.tanggal for s in plan.semua_slot()]
    # Same order, every host from 17 April on moves one Friday later.
    assert flat(plan, cycle=0) == order
    before = {s.tanggal: s.kelurahan for s in _plan(base).semua_slot()}
    after = {s.tanggal: s.kelurahan for s in plan.semua_slot()}
    assert after[D(2026, 3, 27)] == before[D(2026, 3, 27)]
    assert after[D(2026, 4, 24)] == before[D(2026, 4, 17)]
    assert after[D(2026, 5, 8)] == before[D(2026, 4, 24)]  # 1 May is Hari Buruh
    assert plan.expected_end == _plan(base).expected_end + W


def test_swap_exchanges_two_fridays_only(base):
    a, b = D(2026, 4, 10), D(2026, 5, 8)
    before = {s.tanggal: s.kelurahan for s in _plan(base).slots}
    plan = _plan(base, [Change("tukar", a, tanggal_lain=b)])
    after = {s.tanggal: s.kelurahan for s in plan.slots}
    assert after[a] == before[b] and after[b] == before[a]
    assert {d: h for d, h in after.items() if d not in (a, b)} == {d: h for d, h in before.items() if d not in (a, b)}
    slot = next(s for s in plan.slots if s.tanggal == a)
    assert slot.alasan[before[b][0]] == "ditukar dari 2026-05-08"


def test_swap_is_kept_when_an_earlier_friday_is_cancelled_later(base):
    a, b = D(2026, 4, 10), D(2026, 5, 8)
    before = {s.tanggal: s.kelurahan for s in _plan(base).slots}
    changes = [Change("tukar", a, tanggal_lain=b), Change("batal", D(2026, 3, 27))]
    after = {s.tanggal: s.kelurahan for s in _plan(base, changes).slots}
    assert after[a] == before[b] and after[b] == before[a]
    assert after[D(2026, 4, 17)] == before[D(2026, 3, 27)]  # the cancelled host re-flows to the next free Friday


def test_postpone_moves_hosts_to_the_next_friday(base):
    d = D(2026, 4, 17)
    before = {s.tanggal: s.kelurahan for s in _plan(base).slots}
    plan = _plan(base, [Change("tunda", d)])
    after = {s.tanggal: s.kelurahan for s in plan.slots}
    assert d not in after
    assert {x.tanggal: x.alasan for x in plan.dilewati}[d] == "Ditunda ke 2026-04-24"
    assert after[D(2026, 4, 24)] == before[d]
    assert after[D(2026, 5, 8)] == before[D(2026, 4, 24)]


def test_postpone_to_a_given_date(base):
    d, to = D(2026, 4, 10), D(2026, 5, 22)
    before = {s.tanggal: s.kelurahan for s in _plan(base).slots}
    plan = _plan(base, [Change("tunda", d, tanggal_lain=to)])
    after = {s.tanggal: s.kelurahan for s in plan.slots}
    assert d not in after and after[to] == before[d]
    assert after[D(2026, 4, 17)] == before[D(2026, 4, 17)]  # the others do not wait for it
    # Postponing onto a holiday falls back to the next usable Friday, with a warning.
    plan = _plan(base, [Change("tunda", d, tanggal_lain=D(2026, 12, 25))])
    assert {s.tanggal: s.kelurahan for s in plan.slots}[D(2026, 4, 17)] == before[d]
    assert any("2026-12-25" in w for w in plan.peringatan)


# --- status -----------------------------------------------------------------------------------


def test_rotation_status(base):
    history, order = base
    visits = [*history, (D(2026, 3, 27), order[0]), (D(2026, 4, 10), order[1])]
    today = D(2026, 4, 15)
    plan = plan_rotation(KOTA, visits, today, RotasiSettings(horizon_minggu=4))
    df = rotation_status(KOTA, visits, plan, today).set_index("kode")
    assert len(df) == 57
    assert df.loc[order[0], "status"] == "sudah" and df.loc[order[0], "tanggal"] == D(2026, 3, 27)
    assert df.loc[order[0], "hari_sejak"] == 19
    assert df.loc[order[2], "status"] == "berikutnya" and df.loc[order[2], "tanggal"] == D(2026, 4, 17)
    # 4 weeks ahead: 17 Apr, 24 Apr, 8 May (1 May is a holiday) -> two more 'dijadwalkan'.
    assert df.loc[order[3], "status"] == "dijadwalkan" and df.loc[order[3], "tanggal"] == D(2026, 4, 24)
    assert df.loc[order[4], "status"] == "dijadwalkan" and df.loc[order[4], "tanggal"] == D(2026, 5, 8)
    assert df.loc[order[5], "status"] == "belum" and df.loc[order[5], "tanggal"] == D(2026, 5, 15)
    assert df["status"].value_counts().to_dict() == {"belum": 52, "sudah": 2, "dijadwalkan": 2, "berikutnya": 1}
    # The previous cycle's last host, visited 20 March, is 'belum' in this cycle.
    assert df.loc[order[56], "kunjungan_terakhir"] == D(2026, 3, 20)
    assert df.attrs["dikunjungi"] == 2 and df.attrs["total"] == 57
    assert df.attrs["siklus_mulai"] == D(2026, 3, 27)
    assert df.attrs["perkiraan_selesai"] == plan.expected_end == plan.lanjutan[-1].tanggal
