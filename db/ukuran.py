"""The OPD performance measures ("ukuran kinerja") as SQL conditions on ``Aspirasi``, in one place.

The Kinerja OPD scorecard counts with these conditions, and the shared aspiration filter
(``AspirasiFilter.ukuran``) applies the very same condition, so a number on the scorecard and the
list it links to (Aspirasi or Peta with ``?ukur=...``) are the same rows by construction.

The rules reused here, not re-typed elsewhere:
- *lewat tenggat*: open and its due date (``tenggat``, the category target in working days from
  receipt, computed with db.kalender when recorded) is before today — as on the map and Beranda;
- *hari kerja sampai selesai*: ``hari_kerja_selesai``, written when an aspirasi is closed with
  ``Kalender.hari_kerja_antara`` (weekends, national holidays and cuti bersama skipped);
- *tepat waktu*: closed as Selesai with ``hari_kerja_selesai`` at most the category's target
  (``kategori.sla_hari_kerja``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from db.format import batas_hari
from db.overdue import aspirasi_overdue
from db.schema import Aspirasi, AspirasiRiwayat, Kategori


@dataclass(frozen=True)
class Ukuran:
    kode: str
    label: str  # what the filter shows (and the URL carries)
    definisi: str
    periode: bool  # needs a period (dari..sampai); otherwise it is the state today


UKURAN: dict[str, Ukuran] = {
    u.kode: u
    for u in [
        Ukuran(
            "lewat_tenggat",
            "Lewat tenggat",
            "Aspirasi yang masih terbuka hari ini dan tenggatnya (target layanan kategori, dalam hari kerja "
            "sejak diterima) sudah lewat.",
            False,
        ),
        Ukuran(
            "selesai",
            "Selesai dalam periode",
            "Aspirasi yang ditutup dengan status Selesai pada tanggal dalam periode.",
            True,
        ),
        Ukuran(
            "tepat_waktu",
            "Selesai tepat waktu",
            "Selesai dalam periode, dengan hari kerja sejak diterima sampai selesai tidak lebih dari target "
            "kategori (akhir pekan, libur nasional dan cuti bersama tidak dihitung).",
            True,
        ),
        Ukuran(
            "terlambat",
            "Selesai terlambat",
            "Selesai dalam periode, tetapi lebih lama dari target kategori (hari kerja).",
            True,
        ),
        Ukuran(
            "dibuka_kembali",
            "Dibuka kembali setelah Selesai",
            "Aspirasi yang pernah berstatus Selesai lalu dibuka kembali (riwayat status), dengan pembukaan "
            "kembali pada tanggal dalam periode (WIB).",
            True,
        ),
        Ukuran(
            "belum_beres",
            "Ditutup tapi belum beres",
            "Ditutup sebagai Selesai pada tanggal dalam periode, tetapi jawaban RT/RW terakhir lewat tautan lacak "
            "sejak penutupan itu: 'Belum beres'.",
            True,
        ),
        Ukuran(
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


def awal_hari_utc(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the city (WIB) as a UTC datetime (timestamps are stored in UTC)."""
    return batas_hari(day, None)[0]


def lewat_tenggat(today: dt.date) -> ColumnElement[bool]:
    """Open now and past its due date (the rule of db/overdue.py)."""
    return aspirasi_overdue(today)


def selesai_antara(dari: dt.date, sampai: dt.date) -> ColumnElement[bool]:
    return and_(Aspirasi.status == "selesai", Aspirasi.tanggal_selesai >= dari, Aspirasi.tanggal_selesai <= sampai)


def dibuka_kembali_ids(dari: dt.date, sampai: dt.date):
    """Ids of aspirations reopened after Selesai, the reopening dated (WIB) within the period."""
    return select(AspirasiRiwayat.aspirasi_id).where(
        AspirasiRiwayat.dari_status == "selesai",
        AspirasiRiwayat.ke_status != "selesai",
        AspirasiRiwayat.waktu >= awal_hari_utc(dari),
        AspirasiRiwayat.waktu < awal_hari_utc(sampai + dt.timedelta(days=1)),
    )


def kondisi(kode: str, dari: dt.date | None, sampai: dt.date | None, today: dt.date | None) -> ColumnElement[bool]:
    """The condition of measure ``kode``; a period measure without a full period matches nothing."""
    u = UKURAN.get(kode)
    if u is None:
        return false()
    if kode == "lewat_tenggat":
        return lewat_tenggat(today) if today else false()
    if dari is None or sampai is None or dari > sampai:
        return false()
    if kode == "selesai":
        return selesai_antara(dari, sampai)
    if kode == "tepat_waktu":
        return and_(selesai_antara(dari, sampai), Aspirasi.hari_kerja_selesai <= _sla())
    if kode == "terlambat":
        late = or_(Aspirasi.hari_kerja_selesai > _sla(), Aspirasi.hari_kerja_selesai.is_(None))
        return and_(selesai_antara(dari, sampai), late)
    if kode == "dibuka_kembali":
        return Aspirasi.id.in_(dibuka_kembali_ids(dari, sampai))
    if kode == "belum_beres":
        from db.lacak import belum_beres_select  # the confirmation rule lives with the tracking link

        return and_(selesai_antara(dari, sampai), Aspirasi.id.in_(belum_beres_select()))
    if kode == "bukan_kewenangan":
        return and_(
            Aspirasi.status == "bukan_kewenangan",
            Aspirasi.tanggal_selesai >= dari,
            Aspirasi.tanggal_selesai <= sampai,
        )
    raise AssertionError(kode)
