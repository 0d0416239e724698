"""Property tests (Hypothesis) of the invariants users rely on: working-day arithmetic over holidays and
cuti bersama, and the rotation planner. Pure functions, no database; max_examples kept modest."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.rotasi.planner import Change, KelurahanInfo, plan_rotation
from db.workdays import WorkCalendar, public_holiday

D = dt.date
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

days = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31))
cuti = st.sets(days, max_size=25)


@FAST
@given(start=days, n=st.integers(0, 80), cuti_bersama=cuti)
def test_add_then_count_back_gives_n_and_lands_on_a_working_day(start, n, cuti_bersama):
    kal = WorkCalendar(cuti_bersama)
    end = kal.add_hari_kerja(start, n)
    assert kal.hari_kerja_antara(start, end) == n
    if n > 0:
        assert end.weekday() < 5
        assert end not in cuti_bersama and public_holiday(end) is None
        # ... and it is the first such day: one day earlier there was one working day fewer.
        assert kal.hari_kerja_antara(start, end - dt.timedelta(days=1)) == n - 1
    else:
        assert end == start


@FAST
@given(start=days, a=st.integers(0, 40), b=st.integers(0, 40), cuti_bersama=cuti)
def test_working_days_add_up(start, a, b, cuti_bersama):
    kal = WorkCalendar(cuti_bersama)
    assert kal.add_hari_kerja(kal.add_hari_kerja(start, a), b) == kal.add_hari_kerja(start, a + b)


@FAST
@given(start=days, weeks=st.integers(0, 30), cuti_bersama=cuti)
def test_rembuk_fridays_are_fridays_and_never_holidays(start, weeks, cuti_bersama):
    kal = WorkCalendar(cuti_bersama)
    end = start + dt.timedelta(weeks=weeks)
    fridays = list(kal.jumat(start, end))
    for day in fridays:
        assert day.weekday() == 4 and start <= day <= end and not kal.is_libur(day)
    every = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    assert fridays == [d for d in every if d.weekday() == 4 and not kal.is_libur(d)]


# --- the rotation planner ----------------------------------------------------------------------------

SIZES = {"35.73.01": 12, "35.73.02": 11, "35.73.03": 11, "35.73.04": 11, "35.73.05": 12}  # 57 like Kota Malang
KODES = [f"{kec}.{1001 + i}" for kec, n in SIZES.items() for i in range(n)]
KEC = {k: k[:8] for k in KODES}


@st.composite
def kota(draw):
    """57 kelurahan with random needs (open aspirations, overdue, promises, bimtek gap)."""
    return [
        KelurahanInfo(
            k,
            f"Kel {k[-6:]}",
            KEC[k],
            terbuka=draw(st.integers(0, 30)),
            lewat_tenggat=draw(st.integers(0, 5)),
            janji_belum=draw(st.integers(0, 3)),
            bimtek_gap=draw(st.sampled_from([0.0, 0.5, 1.0])),
        )
        for k in KODES
    ]


today_st = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30))


def fridays_after(today: dt.date, n: int) -> list[dt.date]:
    first = today + dt.timedelta(days=(4 - today.weekday()) % 7)
    return [first + dt.timedelta(weeks=i) for i in range(n)]


@SLOW
@given(info=kota(), today=today_st, extra=st.sets(st.integers(0, 70), max_size=8))
def test_a_fresh_cycle_visits_every_kelurahan_once_never_on_a_holiday_never_one_kecamatan_twice(info, today, extra):
    holidays = {f for i, f in enumerate(fridays_after(today, 72)) if i in extra}
    kal = WorkCalendar(holidays)
    plan = plan_rotation(info, [], today, libur=kal)
    slots = [s for s in plan.semua_slot() if s.kelurahan]
    cycle0 = [k for s in slots for k in s.kelurahan if s.siklus[k] == 0]
    assert sorted(cycle0) == sorted(KODES)  # every kelurahan exactly once in the cycle
    for s in plan.semua_slot():
        assert s.tanggal.weekday() == 4 and not kal.is_libur(s.tanggal)
    for day in holidays:
        assert plan.hosts_on(day) == []
    for before, after in itertools.pairwise(slots):
        if {KEC[k] for k in before.kelurahan} & {KEC[k] for k in after.kelurahan}:
            assert after.kecamatan_berulang  # only ever as a flagged exception ...
    assert not any(s.kecamatan_berulang for s in slots)  # ... and with no history, never needed


@SLOW
@given(
    info=kota(),
    today=today_st,
    pins=st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(KODES)), max_size=4, unique_by=(lambda p: p[0], lambda p: p[1])
    ),
)
def test_pins_are_respected_and_the_cycle_stays_complete(info, today, pins):
    fridays = fridays_after(today, 45)
    changes = [Change("pin", fridays[i], kelurahan_kode=k) for i, k in pins]
    plan = plan_rotation(info, [], today, perubahan=changes)
    for i, k in pins:
        if public_holiday(fridays[i]) is None:
            assert k in plan.hosts_on(fridays[i]), (fridays[i], k)
    cycle0 = [k for s in plan.semua_slot() for k in s.kelurahan if s.siklus[k] == 0]
    assert sorted(cycle0) == sorted(KODES)
    slots = [s for s in plan.semua_slot() if s.kelurahan]
    for before, after in itertools.pairwise(slots):
        if {KEC[k] for k in before.kelurahan} & {KEC[k] for k in after.kelurahan}:
            assert after.kecamatan_berulang or after.pinned or before.pinned


@SLOW
@given(info=kota(), today=today_st, a=st.integers(0, 11), b=st.integers(0, 11))
def test_a_swap_exchanges_the_two_fridays_hosts(info, today, a, b):
    plan = plan_rotation(info, [], today)
    usable = [s.tanggal for s in plan.slots if s.kelurahan]
    if a >= len(usable) or b >= len(usable) or a == b:
        return
    d1, d2 = usable[a], usable[b]
    swapped = plan_rotation(info, [], today, perubahan=[Change("tukar", d1, tanggal_lain=d2)])
    assert sorted(swapped.hosts_on(d1)) == sorted(plan.hosts_on(d2))
    assert sorted(swapped.hosts_on(d2)) == sorted(plan.hosts_on(d1))
    cycle0 = [k for s in swapped.semua_slot() for k in s.kelurahan if s.siklus[k] == 0]
    assert sorted(cycle0) == sorted(KODES)
