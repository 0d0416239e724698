"""Throw-away databases for tests and benchmarks: a SQLite file always, and a private PostgreSQL database
when the server answers (like geopandas.testing: public helpers in the package, so bench/ does not import tests/).

Imports neither Streamlit nor pytest."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL_ENV = "KULAKAN_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_admin_url() -> str:
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


def pg_unavailable_reason() -> str | None:
    """None when PostgreSQL answers, else a one-line reason to skip."""
    url = pg_admin_url()
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver/network error means: no server for these tests
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL tidak menjawab di {make_url(url).render_as_string(hide_password=True)}: {first_line}"
    return None


@contextmanager
def pg_database(server_url: str | None = None, prefix: str = "kulakan_t_"):
    """A fresh, private database on a PostgreSQL server (default: the test server); dropped afterwards.

    Used by the tests and by bench/ for its per-size databases.
    """
    admin_url = make_url(server_url or pg_admin_url())
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database(backend: str, tmp_dir):
    """Yield a URL of an empty database of ``backend`` ('sqlite' or 'postgresql')."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'kulakan-{uuid.uuid4().hex[:8]}.db'}"
    else:
        with pg_database() as url:
            yield url
