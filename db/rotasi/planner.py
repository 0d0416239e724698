"""Rotation planner of the Friday rembuk: a pure function of (history, today, settings, changes).

Nothing here touches the database (see ``db/rotasi/data.py`` for the I/O around it), so every
property of the plan is unit-tested with plain data.

Definitions
-----------
* A **cycle** visits every kelurahan once. Walking the held rembuk in date order, a kelurahan joins
  the current cycle at its first visit in it; the cycle ends on the date the last missing one is
  visited, and the next cycle starts right after. A repeat visit inside a cycle does not count.
  Hosts of one date that complete a cycle count first; the other hosts of that date (already
  visited in the ending cycle) open the next one.
* The **plan** fills the coming non-holiday Fridays (from today, inclusive) with ``per_jumat`` hosts:
  first the kelurahan not yet visited in the current cycle, then the next cycle. It is computed up
  to the horizon and, beyond it (``Plan.lanjutan``), until the current cycle is complete, so the
  expected end date of the cycle is always known.
* **Order:** priority score (desc), then the kecamatan least served so far in the cycle (fairness),
  then the code. Constraint, "where possible": no kecamatan on two consecutive rembuk and hosts of
  one Friday from different kecamatan. With one host per Friday a look-ahead keeps the rest of the
  cycle arrangeable (so the cycle does not end with a run of one kecamatan).
* **Changes** (``Change``) are applied in the given order (oldest first):
  ``pin`` puts a kelurahan on a Friday (and nowhere else before it); ``batal`` removes a Friday and
  the plan re-flows; ``tukar`` exchanges the hosts the two Fridays had at that point; ``tunda`` moves
  a Friday's hosts to ``tanggal_lain`` (or the next usable Friday) and removes the Friday.
  Swapped and postponed hosts are held on their new dates like pins, so later changes re-flow the
  rest of the plan around them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from db.workdays import FRIDAY, WorkCalendar, public_holiday

CHANGE_KINDS: dict[str, str] = {
    "pin": "Tetapkan kelurahan pada Jumat",
    "tukar": "Tukar tuan rumah dua Jumat",
    "batal": "Batalkan Jumat",
    "tunda": "Tunda Jumat",
}

ROTASI_STATUSES: dict[str, str] = {
    "sudah": "Sudah dikunjungi",
    "berikutnya": "Berikutnya",
    "dijadwalkan": "Dijadwalkan",
    "belum": "Belum",
}

# Parts of the priority score, in display order, with their Indonesian labels.
SCORE_PARTS: dict[str, str] = {
    "hari": "Lama sejak kunjungan terakhir",
    "terbuka": "Aspirasi terbuka",
    "lewat_tenggat": "Aspirasi lewat tenggat",
    "janji": "Janji belum dipenuhi",
    "bimtek": "Kesenjangan bimtek RW",
}

LiburFn = Callable[[dt.date], str | None]

MAX_FRIDAYS = 600  # safety bound of the Friday walk (about 11 years)


# --- settings and inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RotasiSettings:
    """Admin settings of the planner (stored as JSON under the key ``rotasi``).

    The score is a sum of points; the defaults make the rotation itself dominate (one point per week
    since the last visit: a cycle of 57 Fridays spreads the kelurahan over ~57 points), while needs
    can move a kelurahan several weeks forward: 10 open aspirations (+2), 6 of them overdue (+3),
    2 unfulfilled commitments (+2) and no bimtek-trained RW at all (+5) = 12 weeks earlier.
    """

    per_jumat: int = 1  # host kelurahan per Friday, 1..3
    bobot_hari: float = 1.0  # points per week since the last visit
    bobot_terbuka: float = 0.2  # points per open aspiration
    bobot_lewat_tenggat: float = 0.5  # extra points per open aspiration past its deadline
    bobot_janji: float = 1.0  # points per unfulfilled commitment (belum/proses)
    bobot_bimtek: float = 5.0  # points for a full bimtek gap (share of RWs never trained: 0..1)
    horizon_minggu: int = 12  # weeks of Fridays shown as "dijadwalkan"
    hari_tanpa_kunjungan: int = 730  # days assumed for a kelurahan with no visit on record

    def __post_init__(self) -> None:
        if isinstance(self.per_jumat, bool) or not isinstance(self.per_jumat, int) or not 1 <= self.per_jumat <= 3:
            raise ValueError("Jumlah kelurahan per Jumat harus 1 sampai 3.")
        if isinstance(self.horizon_minggu, bool) or not isinstance(self.horizon_minggu, int):
            raise ValueError("Cakrawala rencana harus bilangan bulat minggu.")
        if not 1 <= self.horizon_minggu <= 104:
            raise ValueError("Cakrawala rencana harus 1 sampai 104 minggu.")
        if not isinstance(self.hari_tanpa_kunjungan, int) or self.hari_tanpa_kunjungan < 0:
            raise ValueError("Hari tanpa kunjungan harus bilangan bulat >= 0.")
        for name in ("bobot_hari", "bobot_terbuka", "bobot_lewat_tenggat", "bobot_janji", "bobot_bimtek"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"Bobot '{name}' harus angka >= 0.")

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict | None) -> RotasiSettings:
        """Settings from stored JSON: unknown keys ignored, missing keys take the defaults."""
        data = data or {}
        kwargs: dict = {}
        for f in fields(cls):
            if f.name not in data or data[f.name] is None:
                continue
            value = data[f.name]
            if f.name in ("per_jumat", "horizon_minggu", "hari_tanpa_kunjungan"):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            kwargs[f.name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class KelurahanInfo:
    """What the planner knows about one kelurahan (counts as of today)."""

    kode: str
    nama: str
    kecamatan_kode: str
    last_visit: dt.date | None = None
    terbuka: int = 0
    lewat_tenggat: int = 0
    janji_belum: int = 0
    bimtek_gap: float = 0.0  # 0 = every RW has a trained representative, 1 = none


@dataclass(frozen=True)
class Change:
    """A manual change to the plan (see the module docstring for the semantics of each kind)."""

    jenis: str  # pin / tukar / batal / tunda
    tanggal: dt.date
    tanggal_lain: dt.date | None = None  # tukar: the other Friday; tunda: the new date (None = next Friday)
    kelurahan_kode: str | None = None  # pin: the kelurahan
    id: int | None = None
    oleh: str | None = None
    waktu: dt.datetime | None = None
    catatan: str | None = None


@dataclass(frozen=True)
class Score:
    """Priority score: ``total`` = sum of ``parts``; ``nilai`` holds the raw input of each part."""

    total: float
    parts: dict[str, float]
    nilai: dict[str, float]


@dataclass(frozen=True)
class Slot:
    """One planned Friday."""

    tanggal: dt.date
    kelurahan: list[str]
    dipin: list[str] = field(default_factory=list)  # hosts held on this date by a change or a confirmation
    alasan: dict[str, str] = field(default_factory=dict)  # kode -> why it is here (Indonesian)
    siklus: dict[str, int] = field(default_factory=dict)  # kode -> 0 current cycle, 1 next, ...; -1 repeat visit
    kecamatan_berulang: bool = False  # the kecamatan rule could not be met on this Friday
    catatan: str | None = None

    @property
    def pinned(self) -> bool:
        return bool(self.dipin)


@dataclass(frozen=True)
class Skip:
    """A Friday without rembuk: a holiday (its name), cancelled or postponed."""

    tanggal: dt.date
    alasan: str


@dataclass(frozen=True)
class Plan:
    today: dt.date
    slots: list[Slot]  # Fridays up to the horizon
    lanjutan: list[Slot]  # Fridays after the horizon, until the current cycle is complete (tentative)
    cycle_start: dt.date | None  # first visit of the current cycle (or its first planned Friday)
    visited_this_cycle: dict[str, dt.date]
    expected_end: dt.date | None  # Friday on which the current cycle is expected to be complete
    dilewati: list[Skip]
    skor: dict[str, Score]  # priority of every kelurahan as of today
    total_kelurahan: int
    siklus_selesai: int  # cycles completed in the history
    horizon_end: dt.date
    peringatan: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list[Skip]:
        return self.dilewati

    @property
    def berikutnya(self) -> Slot | None:
        return self.slots[0] if self.slots else None

    @property
    def dikunjungi(self) -> int:
        return len(self.visited_this_cycle)

    def semua_slot(self) -> list[Slot]:
        return [*self.slots, *self.lanjutan]

    def hosts_on(self, day: dt.date) -> list[str]:
        return next((list(s.kelurahan) for s in self.semua_slot() if s.tanggal == day), [])


# --- priority ---------------------------------------------------------------------------------------


def priority(info: KelurahanInfo, today: dt.date, settings: RotasiSettings) -> Score:
    """Transparent priority of a kelurahan: the parts are weight x value, the total their sum."""
    hari = (today - info.last_visit).days if info.last_visit else settings.hari_tanpa_kunjungan
    hari = max(hari, 0)
    gap = min(max(float(info.bimtek_gap), 0.0), 1.0)
    nilai = {
        "hari": float(hari),
        "terbuka": float(info.terbuka),
        "lewat_tenggat": float(info.lewat_tenggat),
        "janji": float(info.janji_belum),
        "bimtek": gap,
    }
    parts = {
        "hari": round(settings.bobot_hari * hari / 7, 4),
        "terbuka": round(settings.bobot_terbuka * info.terbuka, 4),
        "lewat_tenggat": round(settings.bobot_lewat_tenggat * info.lewat_tenggat, 4),
        "janji": round(settings.bobot_janji * info.janji_belum, 4),
        "bimtek": round(settings.bobot_bimtek * gap, 4),
    }
    return Score(round(sum(parts.values()), 4), parts, nilai)


# --- helpers ------------------------------------------------------------------------------------------


def libur_fn(libur: WorkCalendar | LiburFn | None) -> LiburFn:
    """A function date -> name of the holiday (or None) from a Kalender, a function or nothing."""
    if libur is None:
        return public_holiday
    if isinstance(libur, WorkCalendar):
        cuti = libur.cuti_bersama

        def fn(day: dt.date) -> str | None:
            return public_holiday(day) or ("Cuti bersama" if day in cuti else None)

        return fn
    return libur


def first_friday(day: dt.date) -> dt.date:
    """The Friday on or after ``day``."""
    return day + dt.timedelta(days=(FRIDAY - day.weekday()) % 7)


def _arrangeable(counts: Counter, prev: str | None) -> bool:
    """Can these kecamatan counts be put in a row with no two neighbours equal, not starting with ``prev``?"""
    n = sum(counts.values())
    if n == 0:
        return True
    c = Counter(counts)
    length = n
    if prev is not None:
        c[prev] += 1
        length += 1
    top, m = max(c.items(), key=lambda kv: (kv[1], kv[0] == prev))
    if m > (length + 1) // 2:
        return False
    # With an odd length, a kecamatan at half-plus-one must take the first place, which is prev's.
    return not (prev is not None and length % 2 == 1 and m == (length + 1) // 2 and top != prev)


class _Cycle:
    """The cycle walk over groups of hosts (one group per date)."""

    def __init__(self, n: int):
        self.n = n
        self.members: dict[str, dt.date] = {}
        self.start: dt.date | None = None
        self.selesai = 0

    def copy(self) -> _Cycle:
        other = _Cycle(self.n)
        other.members = dict(self.members)
        other.start = self.start
        other.selesai = self.selesai
        return other

    def apply(self, day: dt.date, kodes: Iterable[str]) -> bool:
        """Add a date's hosts; True when they complete the cycle."""
        kodes = list(dict.fromkeys(kodes))
        new = [k for k in kodes if k not in self.members]
        rep = [k for k in kodes if k in self.members]
        if new and not self.members:
            self.start = day
        for k in new:
            self.members[k] = day
        if self.n and len(self.members) >= self.n:
            self.selesai += 1
            self.members = dict.fromkeys(rep, day)
            self.start = day if rep else None
            return True
        return False


@dataclass
class _Rules:
    pins: dict[str, tuple[dt.date, str]] = field(default_factory=dict)  # kode -> (date, reason)
    skip: dict[dt.date, str] = field(default_factory=dict)  # date -> reason


class _Planner:
    def __init__(self, kelurahan, visits, today, settings, libur):
        self.today = today
        self.settings = settings
        self.libur = libur_fn(libur)
        self.info = {k.kode: k for k in kelurahan}
        self.kodes = sorted(self.info)
        self.kec = {k: i.kecamatan_kode for k, i in self.info.items()}
        self.kec_total = Counter(self.kec.values())
        self.peringatan: list[str] = []

        valid = sorted({(d, k) for d, k in visits if d <= today and k in self.info})
        unknown = sorted({k for _, k in visits if k not in self.info})
        if unknown:
            self.peringatan.append(f"Kunjungan dengan kode kelurahan tak dikenal diabaikan: {', '.join(unknown)}.")
        groups: dict[dt.date, list[str]] = {}
        for d, k in valid:
            groups.setdefault(d, []).append(k)
        self.history = _Cycle(len(self.kodes))
        for d in sorted(groups):
            self.history.apply(d, groups[d])
        self.held_dates = set(groups)
        self.last_visit: dict[str, dt.date | None] = {}
        for k, inf in self.info.items():
            seen = [d for d, kk in valid if kk == k]
            candidates = [x for x in (inf.last_visit, max(seen) if seen else None) if x is not None and x <= today]
            self.last_visit[k] = max(candidates) if candidates else None
        last_day = max(groups) if groups else None
        self.prev_kecs = {self.kec[k] for k in groups[last_day]} if last_day else set()
        self.horizon_end = today + dt.timedelta(weeks=settings.horizon_minggu)
        self.skor = {k: priority(self._info_at(k, self.last_visit[k]), today, settings) for k in self.kodes}
        # Score without its time part: later cycles add the weeks since their planned visit.
        self.rest = {k: sk.total - sk.parts["hari"] for k, sk in self.skor.items()}

    def _info_at(self, kode: str, last: dt.date | None) -> KelurahanInfo:
        return replace(self.info[kode], last_visit=last)

    # -- validity of dates

    def slot_date_ok(self, day: dt.date, skip: dict[dt.date, str]) -> bool:
        return (
            day >= self.today
            and day.weekday() == FRIDAY
            and day not in self.held_dates
            and day not in skip
            and self.libur(day) is None
        )

    def why_not(self, day: dt.date, skip: dict[dt.date, str]) -> str:
        if day < self.today:
            return "sudah lewat"
        if day.weekday() != FRIDAY:
            return "bukan hari Jumat"
        if day in self.held_dates:
            return "rembuk pada tanggal itu sudah terlaksana"
        if day in skip:
            return skip[day].lower()
        name = self.libur(day)
        return f"hari libur ({name})" if name else "tidak dapat dipakai"

    def next_slot_date(self, after: dt.date, skip: dict[dt.date, str]) -> dt.date | None:
        day = first_friday(after + dt.timedelta(days=1))
        for _ in range(MAX_FRIDAYS):
            if self.slot_date_ok(day, skip):
                return day
            day += dt.timedelta(days=7)
        return None

    # -- the plan for a set of rules

    def build(self, aturan: _Rules, warn: bool) -> tuple[list[Slot], list[Skip], _Cycle, dt.date | None]:
        s = self.settings
        pins: dict[str, tuple[dt.date, str]] = {}
        for kode, (day, why) in sorted(aturan.pins.items()):
            if kode not in self.info:
                if warn:
                    self.peringatan.append(f"Kelurahan {kode} tidak dikenal; penetapan diabaikan.")
                continue
            if not self.slot_date_ok(day, aturan.skip):
                if warn:
                    nama = self.info[kode].nama
                    self.peringatan.append(
                        f"{nama} tidak dapat ditetapkan pada {day.isoformat()}: {self.why_not(day, aturan.skip)}."
                    )
                continue
            pins[kode] = (day, why)
        pins_by_date: dict[dt.date, list[str]] = {}
        for kode, (day, _) in pins.items():
            pins_by_date.setdefault(day, []).append(kode)
        last_pin = max(pins_by_date, default=None)

        sik = self.history.copy()
        base = sik.selesai
        last_seen = dict(self.last_visit)
        prev_kecs = set(self.prev_kecs)
        slots: list[Slot] = []
        dilewati: list[Skip] = []
        expected_end: dt.date | None = None if self.kodes else self.today
        day = first_friday(self.today)
        for _ in range(MAX_FRIDAYS):
            done = expected_end is not None
            if day > self.horizon_end and done and (last_pin is None or day > last_pin):
                break
            if day in self.held_dates:
                day += dt.timedelta(days=7)
                continue
            name = self.libur(day)
            if name or day in aturan.skip:
                dilewati.append(Skip(day, name or aturan.skip[day]))
                day += dt.timedelta(days=7)
                continue
            pinned = sorted(pins_by_date.get(day, []))
            reserved = {k for k, (d, _) in pins.items() if d > day}
            nxt = self.next_slot_date(day, aturan.skip)
            next_kecs = {self.kec[k] for k in pins_by_date.get(nxt, [])} if nxt else set()
            chosen = list(pinned)
            while len(chosen) < s.per_jumat:
                cur = set(sik.members) | set(chosen)
                later_cycle = len(cur) >= len(self.kodes) or sik.selesai > base
                if len(cur) >= len(self.kodes):  # the cycle completes on this Friday: next cycle
                    pool = [k for k in self.kodes if k not in chosen and k not in reserved]
                    served = {k for k in chosen if k in sik.members}
                else:
                    pool = [k for k in self.kodes if k not in cur and k not in reserved]
                    served = cur
                if not pool:
                    break
                if later_cycle:  # later cycles: the last visit is the (planned) one of the previous cycle
                    score = {k: self.rest[k] + s.bobot_hari * max((day - last_seen[k]).days, 0) / 7 for k in pool}
                else:  # the current cycle: the priority as of today, as shown
                    score = {k: self.skor[k].total for k in pool}
                chosen.append(self._choose(pool, chosen, prev_kecs | next_kecs, served, score))
            old = set(sik.members)
            completed = sik.apply(day, chosen)
            siklus: dict[str, int] = {}
            alasan: dict[str, str] = {}
            for k in chosen:
                if k not in old:
                    siklus[k] = sik.selesai - base - (1 if completed else 0)
                elif completed:
                    siklus[k] = sik.selesai - base
                else:
                    siklus[k] = -1
                if k in pins:
                    alasan[k] = pins[k][1]
                else:
                    alasan[k] = "prioritas"
                if siklus[k] == -1:
                    alasan[k] += "; kunjungan ulang (sudah dikunjungi pada siklus ini)"
                last_seen[k] = day
            if completed and expected_end is None:
                expected_end = day
            slot_kecs = [self.kec[k] for k in chosen]
            berulang = bool(set(slot_kecs) & prev_kecs) or len(set(slot_kecs)) < len(slot_kecs)
            catatan = None
            if not chosen:
                catatan = "Kosong: kelurahan yang tersisa sudah ditetapkan pada Jumat berikutnya."
            elif len(chosen) < s.per_jumat:
                catatan = "Kurang dari jumlah per Jumat: kelurahan tersisa sudah ditetapkan pada Jumat lain."
            slots.append(
                Slot(day, chosen, [k for k in chosen if k in pins], alasan, siklus, berulang and bool(chosen), catatan)
            )
            if chosen:
                prev_kecs = set(slot_kecs)
            day += dt.timedelta(days=7)
        return slots, dilewati, sik, expected_end

    def _choose(self, pool, chosen, forbidden, served, score) -> str:
        s = self.settings
        kec = self.kec
        share = {kc: sum(1 for k in served if kec[k] == kc) / self.kec_total[kc] for kc in {kec[k] for k in pool}}

        def key(k: str):
            return (-round(score[k], 6), share[kec[k]], k)

        ranked = sorted(pool, key=key)
        slot_kecs = {kec[k] for k in chosen}
        blocked = forbidden | slot_kecs
        counts = Counter(kec[k] for k in pool)

        def feasible(k: str) -> bool:
            if s.per_jumat != 1:
                return True
            rest = Counter(counts)
            rest[kec[k]] -= 1
            return _arrangeable(+rest, kec[k])

        for test in (
            lambda k: kec[k] not in blocked and feasible(k),
            lambda k: kec[k] not in blocked,
            lambda k: kec[k] not in slot_kecs,
        ):
            pick = next((k for k in ranked if test(k)), None)
            if pick is not None:
                return pick
        return ranked[0]


# --- the planner --------------------------------------------------------------------------------------


def plan_rotation(
    kelurahan: Sequence[KelurahanInfo],
    visits: Iterable[tuple[dt.date, str]],
    today: dt.date,
    settings: RotasiSettings | None = None,
    perubahan: Sequence[Change] = (),
    libur: WorkCalendar | LiburFn | None = None,
) -> Plan:
    """The rotation plan (pure and deterministic: same inputs, same plan).

    ``visits`` are the held rembuk as (date, kelurahan code), one pair per host; visits after
    ``today`` are ignored. ``libur`` names the holidays (a Kalender with the cuti bersama, or a
    function date -> name or None; default: public holidays only). ``perubahan`` oldest first.
    """
    settings = settings or RotasiSettings()
    p = _Planner(list(kelurahan), list(visits), today, settings, libur)
    aturan = _Rules()
    for ch in perubahan:
        _apply_change(p, aturan, ch)
    slots, dilewati, _, expected_end = p.build(aturan, warn=True)
    in_horizon = [x for x in slots if x.tanggal <= p.horizon_end]
    lanjutan = [x for x in slots if x.tanggal > p.horizon_end]
    cycle_start = p.history.start
    if cycle_start is None:
        first = next((x.tanggal for x in slots if x.kelurahan), None)
        cycle_start = first
    return Plan(
        today=today,
        slots=in_horizon,
        lanjutan=lanjutan,
        cycle_start=cycle_start,
        visited_this_cycle=dict(sorted(p.history.members.items())),
        expected_end=expected_end,
        dilewati=dilewati,
        skor=p.skor,
        total_kelurahan=len(p.kodes),
        siklus_selesai=p.history.selesai,
        horizon_end=p.horizon_end,
        peringatan=list(dict.fromkeys(p.peringatan)),
    )


def _apply_change(p: _Planner, aturan: _Rules, ch: Change) -> None:
    d = ch.tanggal
    if ch.jenis == "pin":
        if not ch.kelurahan_kode:
            p.peringatan.append(f"Penetapan {d.isoformat()} tanpa kelurahan diabaikan.")
            return
        aturan.pins[ch.kelurahan_kode] = (d, ch.catatan or "ditetapkan manual")
    elif ch.jenis == "batal":
        aturan.skip[d] = "Dibatalkan"
    elif ch.jenis == "tukar":
        other = ch.tanggal_lain
        if other is None or other == d:
            p.peringatan.append(f"Penukaran {d.isoformat()} tanpa tanggal lain diabaikan.")
            return
        for day in (d, other):
            if not p.slot_date_ok(day, aturan.skip):
                p.peringatan.append(
                    f"Penukaran {d.isoformat()} ↔ {other.isoformat()} diabaikan: "
                    f"{day.isoformat()} {p.why_not(day, aturan.skip)}."
                )
                return
        slots, *_ = p.build(aturan, warn=False)
        hosts = {x.tanggal: list(x.kelurahan) for x in slots}
        for k in hosts.get(d, []):
            aturan.pins[k] = (other, f"ditukar dari {d.isoformat()}")
        for k in hosts.get(other, []):
            aturan.pins[k] = (d, f"ditukar dari {other.isoformat()}")
    elif ch.jenis == "tunda":
        if not p.slot_date_ok(d, aturan.skip):
            p.peringatan.append(f"Penundaan {d.isoformat()} diabaikan: {p.why_not(d, aturan.skip)}.")
            return
        slots, *_ = p.build(aturan, warn=False)
        moved = next((list(x.kelurahan) for x in slots if x.tanggal == d), [])
        skip_now = {**aturan.skip, d: "Ditunda"}
        target = ch.tanggal_lain
        if target is not None and not p.slot_date_ok(target, skip_now):
            p.peringatan.append(
                f"Tanggal pengganti {target.isoformat()} {p.why_not(target, skip_now)}; dipakai Jumat berikutnya."
            )
            target = None
        if target is None:
            target = p.next_slot_date(d, skip_now)
        aturan.skip[d] = f"Ditunda ke {target.isoformat()}" if target else "Ditunda"
        if target:
            for k in moved:
                aturan.pins[k] = (target, f"diundur dari {d.isoformat()}")
    else:
        p.peringatan.append(f"Jenis perubahan '{ch.jenis}' tidak dikenal; diabaikan.")


# --- status of the current cycle ---------------------------------------------------------------------


def rotation_status(
    kelurahan: Sequence[KelurahanInfo],
    visits: Iterable[tuple[dt.date, str]],
    plan: Plan,
    today: dt.date,
) -> pd.DataFrame:
    """One row per kelurahan (by code) with its state in the current cycle.

    Columns: kode, nama, kecamatan_kode, status (sudah / berikutnya / dijadwalkan / belum),
    status_label, tanggal (visit date when 'sudah', else the planned date in this cycle, tentative
    beyond the horizon), kunjungan_terakhir, hari_sejak (nullable int), skor.
    ``df.attrs`` carries the cycle progress: dikunjungi, total, perkiraan_selesai, siklus_mulai.
    """
    last: dict[str, dt.date] = {}
    for d, k in visits:
        if d <= today and (k not in last or d > last[k]):
            last[k] = d
    in_horizon = {slot.tanggal for slot in plan.slots}
    planned: dict[str, tuple[dt.date, bool]] = {}
    for slot in plan.semua_slot():
        for k in slot.kelurahan:
            if slot.siklus.get(k) == 0 and k not in planned:
                planned[k] = (slot.tanggal, slot.tanggal in in_horizon)
    first = set(plan.berikutnya.kelurahan) if plan.berikutnya else set()
    rows = []
    for info in sorted(kelurahan, key=lambda i: i.kode):
        k = info.kode
        lv = max([x for x in (last.get(k), info.last_visit) if x is not None and x <= today], default=None)
        if k in plan.visited_this_cycle:
            status, tanggal = "sudah", plan.visited_this_cycle[k]
        elif k in first and k in planned:
            status, tanggal = "berikutnya", planned[k][0]
        elif k in planned and planned[k][1]:
            status, tanggal = "dijadwalkan", planned[k][0]
        else:
            status, tanggal = "belum", planned[k][0] if k in planned else None
        rows.append(
            {
                "kode": k,
                "nama": info.nama,
                "kecamatan_kode": info.kecamatan_kode,
                "status": status,
                "status_label": ROTASI_STATUSES[status],
                "tanggal": tanggal,
                "kunjungan_terakhir": lv,
                "hari_sejak": (today - lv).days if lv else None,
                "skor": plan.skor[k].total if k in plan.skor else None,
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "kode",
            "nama",
            "kecamatan_kode",
            "status",
            "status_label",
            "tanggal",
            "kunjungan_terakhir",
            "hari_sejak",
            "skor",
        ],
    )
    df["hari_sejak"] = df["hari_sejak"].astype("Int64")
    df.attrs.update(
        dikunjungi=plan.dikunjungi,
        total=plan.total_kelurahan,
        perkiraan_selesai=plan.expected_end,
        siklus_mulai=plan.cycle_start,
    )
    return df
