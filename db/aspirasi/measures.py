"""The OPD performance measures ("ukuran kinerja") as SQL conditions on ``Aspirasi``, in one place.

The Kinerja OPD scorecard counts with these conditions, and the shared aspiration filter
(``AspirasiFilter.ukuran``) applies the very same condition, so a number on the scorecard and the
list it links to (Aspirasi or Peta with ``?ukur=...``) are the same rows by construction.

The rules reused here, not re-typed elsewhere:
- *lewat tenggat*: open and its due date (``tenggat``, the category target in working days from
  receipt, computed with db.workdays when recorded) is before today — as on the map and Beranda;
- *hari kerja sampai selesai*: ``hari_kerja_selesai``, written when an aspirasi is closed with
  ``Kalender.hari_kerja_antara`` (weekends, national holidays and cuti bersama skipped);
- *tepat waktu*: closed as Selesai with ``hari_kerja_selesai`` at most the category's target
  (``kategori.sla_hari_kerja``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, and_, false, func, or_, select, true, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from db.aspirasi.status import aspirasi_overdue
from db.format import day_bounds
from db.schema import Aspirasi, AspirasiRiwayat, Kategori


@dataclass(frozen=True)
class Measure:
    kode: str
    label: str  # what the filter shows (and the URL carries)
    definisi: str
    periode: bool  # needs a period (dari..sampai); otherwise it is the state today


MEASURES: dict[str, Measure] = {
    u.kode: u
    for u in [
        Measure(
            "lewat_tenggat",
            "Lewat tenggat",
            "Aspirasi yang masih terbuka hari ini dan tenggatnya (target layanan kategori, dalam hari kerja "
            "sejak diterima) sudah lewat.",
            False,
        ),
        Measure(
            "selesai",
            "Selesai dalam periode",
            "Aspirasi yang ditutup dengan status Selesai pada tanggal dalam periode.",
            True,
        ),
        Measure(
            "tepat_waktu",
            "Selesai tepat waktu",
            "Selesai dalam periode, dengan hari kerja sejak diterima sampai selesai tidak lebih dari target "
            "kategori (akhir pekan, libur nasional dan cuti bersama tidak dihitung).",
            True,
        ),
        Measure(
            "terlambat",
            "Selesai terlambat",
            "Selesai dalam periode, tetapi lebih lama dari target kategori (hari kerja).",
            True,
        ),
        Measure(
            "dibuka_kembali",
            "Dibuka kembali setelah Selesai",
            "Aspirasi yang pernah berstatus Selesai lalu dibuka kembali (riwayat status), dengan pembukaan "
            "kembali pada tanggal dalam periode (WIB).",
            True,
        ),
        Measure(
            "belum_beres",
            "Ditutup tapi belum beres",
            "Ditutup sebagai Selesai pada tanggal dalam periode, tetapi jawaban RT/RW terakhir lewat tautan lacak "
            "sejak penutupan itu: 'Belum beres'.",
            True,
        ),
        Measure(
            "bukan_kewenangan",
            "Bukan kewenangan kota",
            "Ditutup sebagai 'bukan kewenangan kota' pada tanggal dalam periode: diteruskan ke pihak lain, "
            "dihitung terpisah dan tidak pernah dihitung sebagai kinerja buruk OPD.",
            True,
        ),
    ]
}


def _sla():
    """The category target of the aspirasi (its own alias, so queries that join Kategori still work)."""
    k = aliased(Kategori)
    return select(k.sla_hari_kerja).where(k.id == Aspirasi.kategori_id).correlate(Aspirasi).scalar_subquery()


class _WithinSla(ColumnElement[bool]):
    """``hari_kerja_selesai <= kategori.sla_hari_kerja`` (NULL when there is no duration): the one rule,
    written per database for speed (in parentheses: it is spliced into larger conditions as text)."""

    type = Boolean()
    inherit_cache = True


@compiles(_WithinSla)
def _within_sla(element, compiler, **kw):
    return f"({compiler.process(Aspirasi.hari_kerja_selesai <= _sla(), **kw)})"


@compiles(_WithinSla, "postgresql")
def _within_sla_pg(element, compiler, **kw):
    # PostgreSQL runs a correlated subquery once per row (0.2 s over a month's 40,000 closed rows at 1M
    # aspirations); membership in the (kategori, allowed days 0..target) pairs is hashed once instead.
    # Negative days are within any target, as in the comparison; NULL stays NULL.
    k = aliased(Kategori)
    days = func.generate_series(0, k.sla_hari_kerja).table_valued("hari").alias("hari")
    pairs = select(k.id, days.c.hari).select_from(k).join(days, true())
    hk = Aspirasi.hari_kerja_selesai
    return f"({compiler.process(or_(hk < 0, tuple_(Aspirasi.kategori_id, hk).in_(pairs)), **kw)})"


def within_sla() -> ColumnElement[bool]:
    return _WithinSla()


def day_start_utc(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the city (WIB) as a UTC datetime (timestamps are stored in UTC)."""
    return day_bounds(day, None)[0]


def past_deadline(today: dt.date) -> ColumnElement[bool]:
    """Open now and past its due date (the rule of db/aspirasi/status.py)."""
    return aspirasi_overdue(today)


def resolved_between(dari: dt.date, sampai: dt.date) -> ColumnElement[bool]:
    return and_(Aspirasi.status == "selesai", Aspirasi.tanggal_selesai >= dari, Aspirasi.tanggal_selesai <= sampai)


def reopened_ids(dari: dt.date, sampai: dt.date):
    """Ids of aspirations reopened after Selesai, the reopening dated (WIB) within the period."""
    return select(AspirasiRiwayat.aspirasi_id).where(
        AspirasiRiwayat.dari_status == "selesai",
        AspirasiRiwayat.ke_status != "selesai",
        AspirasiRiwayat.waktu >= day_start_utc(dari),
        AspirasiRiwayat.waktu < day_start_utc(sampai + dt.timedelta(days=1)),
    )


def condition(kode: str, dari: dt.date | None, sampai: dt.date | None, today: dt.date | None) -> ColumnElement[bool]:
    """The condition of measure ``kode``; a period measure without a full period matches nothing."""
    u = MEASURES.get(kode)
    if u is None:
        return false()
    if kode == "lewat_tenggat":
        return past_deadline(today) if today else false()
    if dari is None or sampai is None or dari > sampai:
        return false()
    if kode == "selesai":
        return resolved_between(dari, sampai)
    if kode == "tepat_waktu":
        return and_(resolved_between(dari, sampai), within_sla())
    if kode == "terlambat":
        late = or_(~within_sla(), Aspirasi.hari_kerja_selesai.is_(None))
        return and_(resolved_between(dari, sampai), late)
    if kode == "dibuka_kembali":
        return Aspirasi.id.in_(reopened_ids(dari, sampai))
    if kode == "belum_beres":
        from db.lacak.followup import unresolved_select  # the confirmation rule lives with the tracking link

        return and_(resolved_between(dari, sampai), Aspirasi.id.in_(unresolved_select()))
    if kode == "bukan_kewenangan":
        return and_(
            Aspirasi.status == "bukan_kewenangan",
            Aspirasi.tanggal_selesai >= dari,
            Aspirasi.tanggal_selesai <= sampai,
        )
    raise AssertionError(kode)
