"""Reporting periods of the OPD scorecard and its minimum-sample setting."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.audit import write_audit
from db.auth.roles import Actor
from db.format import MONTHS
from db.schema import Pengaturan, utcnow

SETTINGS_KEY = "kinerja"
DEFAULT_MIN_SAMPLE = 10
SHORT_MONTHS = [b[:3] for b in MONTHS]  # Jan, Feb, Mar, Apr, Mei, Jun, Jul, Agu, Sep, Okt, Nov, Des


# --- periods --------------------------------------------------------------------------------------

PERIOD_KINDS = {
    "bulan_ini": "Bulan ini",
    "3_bulan": "3 bulan terakhir",
    "tahun_ini": "Tahun ini",
    "pilih": "Pilih tanggal",
}


@dataclass(frozen=True)
class Period:
    dari: dt.date
    sampai: dt.date

    @property
    def hari(self) -> int:
        return (self.sampai - self.dari).days + 1

    def sebelumnya(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.dari - dt.timedelta(days=self.hari), self.dari - dt.timedelta(days=1))

    def label(self) -> str:
        return f"{short_date(self.dari)} s.d. {short_date(self.sampai)}"


def short_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _minus_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


def period(jenis: str, today: dt.date, dari: dt.date | None = None, sampai: dt.date | None = None) -> Period:
    """'bulan_ini' (1st of the month to today), '3_bulan' (three months to today), 'tahun_ini'
    (1 January to today) or 'pilih' (``dari``..``sampai``, swapped when given in reverse)."""
    if jenis == "3_bulan":
        return Period(_minus_months(today, 3) + dt.timedelta(days=1), today)
    if jenis == "tahun_ini":
        return Period(today.replace(month=1, day=1), today)
    if jenis == "pilih" and dari and sampai:
        return Period(min(dari, sampai), max(dari, sampai))
    return Period(today.replace(day=1), today)


def month_label(day: dt.date) -> str:
    """'Jan 2026', 'Agu 2026': Indonesian short month names (pre-formatted for chart axes)."""
    return f"{SHORT_MONTHS[day.month - 1]} {day.year}"


def last_months(today: dt.date, n: int = 12) -> list[dt.date]:
    """First days of the last ``n`` months, oldest first, the current month last."""
    first = today.replace(day=1)
    return [_minus_months(first, k) for k in range(n - 1, -1, -1)]


# --- settings -------------------------------------------------------------------------------------


def min_sample(engine: Engine) -> int:
    """Minimum number of Selesai in the period for an OPD to be ranked (admin setting, default 10)."""
    with engine.connect() as conn:
        raw = conn.scalar(select(Pengaturan.nilai).where(Pengaturan.kunci == SETTINGS_KEY))
    try:
        return max(1, int(json.loads(raw)["min_sampel"])) if raw else DEFAULT_MIN_SAMPLE
    except (ValueError, TypeError, KeyError):
        return DEFAULT_MIN_SAMPLE


def save_min_sample(engine: Engine, actor: Actor, n: int) -> int:
    actor.require("admin")
    n = int(n)
    if not 1 <= n <= 1000:
        raise ValueError("Sampel minimum 1–1.000 aspirasi selesai.")
    value = json.dumps({"min_sampel": n})
    with Session(engine) as s, s.begin():
        row = s.get(Pengaturan, SETTINGS_KEY)
        if row is None:
            s.add(Pengaturan(kunci=SETTINGS_KEY, nilai=value, diubah_oleh=actor.username))
        else:
            row.nilai, row.diubah_oleh, row.diubah_pada = value, actor.username, utcnow()
        write_audit(s, "pengaturan_kinerja", actor.username, min_sampel=n)
    return n
