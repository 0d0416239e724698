"""Engine and session factory built from the one database setting."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.settings import database_url, db_max_overflow, db_pool_size


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the map read while staff write; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an engine for ``url`` (default: the configured database)."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Per process: processes x (pool_size + max_overflow) must stay below the server's max_connections.
    kwargs.setdefault("pool_size", db_pool_size())
    kwargs.setdefault("max_overflow", db_max_overflow())
    # No JIT: the pages' queries run for milliseconds to a few hundred, and compiling them costs more
    # (PostgreSQL's JIT took 1.1 s of a 3.2 s Kinerja query at 1M aspirations; issue 16).
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("options", "-c jit=off")
    return create_engine(url, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_lock(conn) -> None:
    """Take the database's write lock at the start of a write transaction, before any read.

    SQLite: a no-op UPDATE acquires the RESERVED lock (waiting up to busy_timeout), so what this
    transaction then reads is not already stale for its own insert (e.g. the next ticket number).
    PostgreSQL: readers never block; writers that number tickets serialise on an advisory lock
    (see db.aspirasi.services._next_nomor), so nothing is needed here.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE app_meta SET nilai = nilai WHERE 0")
