"""The one writer of the audit log (``log_audit``): who did what, when, with a JSON detail.

It writes in the caller's transaction (a Session or a Connection), so the audit row commits or
rolls back with the change it records.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from db.schema import LogAudit


def write_audit(db: Session | Connection, aksi: str, oleh: str | None, /, **rincian) -> None:
    """Add one audit row in ``db``'s transaction; ``rincian`` becomes its JSON detail (dates and other
    values as text, Indonesian letters unescaped)."""
    detail = json.dumps(rincian, default=str, ensure_ascii=False)
    db.execute(insert(LogAudit).values(aksi=aksi, oleh=oleh, rincian=detail))


def commit_audit(engine: Engine, aksi: str, oleh: str | None, /, **rincian) -> None:
    """One audit row in a transaction of its own (a login, an export: no other change to commit with)."""
    with engine.begin() as conn:
        write_audit(conn, aksi, oleh, **rincian)
