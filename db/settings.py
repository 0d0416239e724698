"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "kulakan.db"

DATABASE_URL_ENV = "KULAKAN_DATABASE_URL"


def database_url() -> str:
    """The database URL: ``KULAKAN_DATABASE_URL`` or a SQLite file under ``data/``."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def timezone_name() -> str:
    """The city's time zone; every 'today' in the app is a date in this zone."""
    return os.environ.get("KULAKAN_TZ", "Asia/Jakarta")


def session_minutes() -> int:
    """Minutes of inactivity after which a login expires (``KULAKAN_SESSION_MENIT``, default 60)."""
    return int(os.environ.get("KULAKAN_SESSION_MENIT", "60"))


def db_pool_size() -> int:
    """Connections each app process keeps open to PostgreSQL (``KULAKAN_DB_POOL_SIZE``, default 5)."""
    return int(os.environ.get("KULAKAN_DB_POOL_SIZE", "5"))


def db_max_overflow() -> int:
    """Extra PostgreSQL connections a process may open under load (``KULAKAN_DB_MAX_OVERFLOW``, default 5).

    Size the server so that processes x (pool size + max overflow) < ``max_connections``.
    """
    return int(os.environ.get("KULAKAN_DB_MAX_OVERFLOW", "5"))


def foto_dir() -> Path:
    """Where photo bytes live (``KULAKAN_FOTO_DIR``, default ``data/foto/``), content-addressed by SHA-256.

    Never under ``static/`` (Streamlit serves that folder to anyone). With several app hosts this is a
    shared volume (docs/DEPLOY.md); one photo folder belongs to one database.
    """
    value = os.environ.get("KULAKAN_FOTO_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else PROJECT_ROOT / "data" / "foto"
