"""The "open and overdue" rule (*lewat tenggat*), in SQL and in Python, in one place.

An aspirasi is overdue when it is open (``terbuka``, kept in step with its status by the write
services) and its due date ``tenggat`` is before today. The due date is the category target in
working days from receipt (weekends, national holidays and cuti bersama skipped), computed once with
db.kalender when the aspirasi is recorded, so the rule itself compares dates: on the due date it is
not overdue yet, the day after it is. No due date: never overdue.

A janji is overdue when it is not fulfilled yet (status in ``JANJI_TERBUKA``) and its ``tenggat`` is
before today.

Every screen counts with the SQL form; code that already holds the row uses the Python twin.
tests/unit/test_overdue.py checks that both agree on the same rows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_
from sqlalchemy.sql import ColumnElement

from db.domain import JANJI_TERBUKA
from db.schema import Aspirasi, Janji


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
    return and_(Janji.status.in_(JANJI_TERBUKA), Janji.tenggat < today)


def is_janji_overdue(status: str, tenggat: dt.date | None, today: dt.date) -> bool:
    """Python twin of :func:`janji_overdue`."""
    return status in JANJI_TERBUKA and _before(tenggat, today)


def _before(tenggat, today: dt.date) -> bool:
    # A missing date arrives as None, NaN or NaT from a frame: never overdue (NULL in SQL).
    if tenggat is None or tenggat != tenggat:  # NaN and NaT are not equal to themselves
        return False
    if isinstance(tenggat, dt.datetime):  # a pandas Timestamp
        tenggat = tenggat.date()
    return tenggat < today
