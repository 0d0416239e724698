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


def lacak_aktif() -> bool:
    """The tracking page without login (``/lacak``); ``KULAKAN_LACAK=0`` turns the route off entirely."""
    return os.environ.get("KULAKAN_LACAK", "1").strip().lower() not in ("0", "false", "tidak", "off")


def base_url() -> str:
    """Public address of the app, the start of every tracking link (``KULAKAN_BASE_URL``)."""
    return os.environ.get("KULAKAN_BASE_URL", "").strip().rstrip("/") or "http://localhost:8501"


def trusted_proxies() -> frozenset[str]:
    """Addresses of reverse proxies whose ``X-Forwarded-For`` is believed (``KULAKAN_TRUSTED_PROXIES``,
    comma-separated, e.g. ``127.0.0.1``); empty: the connection's own address is the client's."""
    raw = os.environ.get("KULAKAN_TRUSTED_PROXIES", "")
    return frozenset(p.strip() for p in raw.split(",") if p.strip())
