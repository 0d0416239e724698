"""Vocabulary of the aspirasi domain: codes stored in the database and their Indonesian labels, and the
"open and overdue" rule (*lewat tenggat*) in SQL and in Python, in one place.

Codes are short ASCII strings (portable across SQLite and PostgreSQL); labels are what users read.

An aspirasi is overdue when it is open (``terbuka``, kept in step with its status by the write services) and
its due date ``tenggat`` is before today. The due date is the category target in working days from receipt
(weekends, national holidays and cuti bersama skipped), computed once with db/workdays.py when the aspirasi is
recorded, so the rule itself compares dates: on the due date it is not overdue yet, the day after it is. No due
date: never overdue. A janji is overdue when it is not fulfilled yet and its ``tenggat`` is before today.
Every screen counts with the SQL form; code that already holds the row uses the Python twin
(tests/unit/test_overdue.py checks that both agree on the same rows).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_
from sqlalchemy.sql import ColumnElement

from db.schema import Aspirasi, Janji

# Detailed status of an aspirasi -> (label, is_open).
STATUS_ASPIRASI: dict[str, tuple[str, bool]] = {
    "diterima": ("Diterima", True),
    "diverifikasi": ("Diverifikasi", True),
    "diteruskan": ("Diteruskan ke OPD", True),
    "dalam_proses": ("Dalam proses", True),
    "selesai": ("Selesai", False),
    "tidak_dapat": ("Tidak dapat ditindaklanjuti", False),
    "bukan_kewenangan": ("Bukan kewenangan kota", False),
    "musrenbang": ("Dialihkan ke Musrenbang", False),
    "duplikat": ("Duplikat", False),
}
OPEN_STATUSES = tuple(k for k, (_, is_open) in STATUS_ASPIRASI.items() if is_open)
CLOSED_STATUSES = tuple(k for k, (_, is_open) in STATUS_ASPIRASI.items() if not is_open)
# Status code -> label (the one lookup: status_label below, or this mapping where a dict is needed).
STATUS_LABELS: dict[str, str] = {k: label for k, (label, _) in STATUS_ASPIRASI.items()}

# Who brought the aspirasi in.
SOURCES: dict[str, str] = {
    "RT": "RT",
    "RW": "RW",
    "LPMK": "LPMK",
    "warga": "Warga",
    "lainnya": "Lainnya",
}

# Channel through which it arrived.
CHANNELS: dict[str, str] = {
    "rembuk": "Rembuk Jumat",
    "langsung": "Datang langsung",
    "sambat": "SAMBAT Online",
    "surat": "Surat",
    "telepon": "Telepon/WhatsApp",
    "medsos": "Media sosial",
}

PRIORITIES: dict[str, str] = {"rendah": "Rendah", "sedang": "Sedang", "tinggi": "Tinggi", "darurat": "Darurat"}

STATUS_REMBUK: dict[str, str] = {
    "dijadwalkan": "Dijadwalkan",
    "terlaksana": "Terlaksana",
    "dibatalkan": "Dibatalkan",
    "ditunda": "Ditunda",
}

STATUS_JANJI: dict[str, str] = {
    "belum": "Belum dimulai",
    "proses": "Dalam proses",
    "selesai": "Selesai",
    "batal": "Dibatalkan",
}
OPEN_JANJI_STATUSES = ("belum", "proses")  # not fulfilled yet

LEMBAGA_KINDS: dict[str, str] = {"RT": "RT", "RW": "RW", "LPMK": "LPMK"}

# Role of a bimtek participant.
PESERTA_ROLES: dict[str, str] = {
    "ketua_rt": "Ketua RT",
    "ketua_rw": "Ketua RW",
    "ketua_lpmk": "Ketua LPMK",
    "pengurus_rt": "Pengurus RT",
    "pengurus_rw": "Pengurus RW",
    "pengurus_lpmk": "Pengurus LPMK",
    "lainnya": "Lainnya",
}

USER_ROLES: dict[str, str] = {"pimpinan": "Pimpinan", "staf": "Staf", "admin": "Admin"}


def status_label(code: str) -> str:
    """The Indonesian label of an aspirasi status code (an unknown code is shown as is)."""
    return STATUS_LABELS.get(code, code)


def is_open_status(code: str) -> bool:
    return STATUS_ASPIRASI[code][1]


def aspirasi_overdue(today: dt.date) -> ColumnElement[bool]:
    """SQL: the aspirasi is open and past its due date."""
    # The plain boolean column (not ``IS true``) so the (terbuka, tenggat) index applies.
    return and_(Aspirasi.terbuka, Aspirasi.tenggat < today)


def is_aspirasi_overdue(terbuka: bool, tenggat: dt.date | None, today: dt.date) -> bool:
    """Python twin of :func:`aspirasi_overdue` for a row already loaded."""
    return bool(terbuka) and _before(tenggat, today)


def aspirasi_open_on(day: dt.date) -> ColumnElement[bool]:
    """SQL: the aspirasi was open on ``day``: received by then and not closed by then (still open, or
    closed later). On today this is ``terbuka``."""
    return and_(Aspirasi.tanggal_diterima <= day, or_(Aspirasi.terbuka, Aspirasi.tanggal_selesai > day))


def aspirasi_overdue_on(day: dt.date) -> ColumnElement[bool]:
    """SQL: the aspirasi was open and past its due date on ``day`` (on today: :func:`aspirasi_overdue`)."""
    return and_(aspirasi_open_on(day), Aspirasi.tenggat < day)


def janji_overdue(today: dt.date) -> ColumnElement[bool]:
    """SQL: the janji is not fulfilled yet and past its due date."""
    return and_(Janji.status.in_(OPEN_JANJI_STATUSES), Janji.tenggat < today)


def is_janji_overdue(status: str, tenggat: dt.date | None, today: dt.date) -> bool:
    """Python twin of :func:`janji_overdue`."""
    return status in OPEN_JANJI_STATUSES and _before(tenggat, today)


def _before(tenggat, today: dt.date) -> bool:
    # A missing date arrives as None, NaN or NaT from a frame: never overdue (NULL in SQL).
    if tenggat is None or tenggat != tenggat:  # NaN and NaT are not equal to themselves
        return False
    if isinstance(tenggat, dt.datetime):  # a pandas Timestamp
        tenggat = tenggat.date()
    return tenggat < today
