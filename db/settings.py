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


def sso_requested() -> bool:
    """Login through the city's identity provider is asked for (``KULAKAN_AUTH=sso``); it also needs an [auth]
    section in .streamlit/secrets.toml (ui/auth.sso_enabled checks both; docs/DEPLOY.md)."""
    return os.environ.get("KULAKAN_AUTH", "").strip().lower() == "sso"


def session_minutes() -> int:
    """Minutes of inactivity after which a login expires (``KULAKAN_SESSION_MENIT``, default 60)."""
    return int(os.environ.get("KULAKAN_SESSION_MENIT", "60"))


def fresh_seconds() -> float:
    """Seconds a page may show data written by ANOTHER session before it reads the fingerprint again
    (``KULAKAN_SEGAR_DETIK``, default 5; ``0``: every run reads it). A session that wrote, or opens
    the app, always reads it at once (ui.data.key)."""
    return max(0.0, float(os.environ.get("KULAKAN_SEGAR_DETIK", "5")))


def db_pool_size() -> int:
    """Connections each app process keeps open to PostgreSQL (``KULAKAN_DB_POOL_SIZE``, default 5)."""
    return int(os.environ.get("KULAKAN_DB_POOL_SIZE", "5"))


def db_max_overflow() -> int:
    """Extra PostgreSQL connections a process may open under load (``KULAKAN_DB_MAX_OVERFLOW``, default 5).

    Size the server so that processes x (pool size + max overflow) < ``max_connections``.
    """
    return int(os.environ.get("KULAKAN_DB_MAX_OVERFLOW", "5"))


def lacak_enabled() -> bool:
    """The tracking page without login (``/lacak``); ``KULAKAN_LACAK=0`` turns the route off entirely."""
    return os.environ.get("KULAKAN_LACAK", "1").strip().lower() not in ("0", "false", "tidak", "off")


def base_url() -> str:
    """Public address of the app, the start of every tracking link (``KULAKAN_BASE_URL``)."""
    return os.environ.get("KULAKAN_BASE_URL", "").strip().rstrip("/") or "http://localhost:8501"


def session_max_hours() -> int:
    """Hours after which a login ends however active it is (``KULAKAN_SESSION_MAKS_JAM``, default 12)."""
    return int(os.environ.get("KULAKAN_SESSION_MAKS_JAM", "12"))


_PROCESS_SECRET = os.urandom(32).hex()


def session_secret() -> bytes:
    """Key that signs the session cookie and hashes client addresses.

    ``KULAKAN_SESSION_SECRET``, else ``STREAMLIT_SERVER_COOKIE_SECRET`` (already the same in every process
    of a cluster), else a random key of this process (logins then end when the process restarts).
    """
    value = os.environ.get("KULAKAN_SESSION_SECRET") or os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET")
    return (value or _PROCESS_SECRET).encode()


def cookie_secure() -> bool:
    """Mark the session cookie ``Secure`` (HTTPS only) always (``KULAKAN_COOKIE_SECURE=1``); it is also set
    whenever the request itself came over HTTPS."""
    return os.environ.get("KULAKAN_COOKIE_SECURE", "").strip().lower() in {"1", "true", "ya", "yes"}


def trusted_proxies() -> int:
    """How many reverse proxies in front of the app are trusted to append ``X-Forwarded-For``
    (``KULAKAN_PROXY_TEPERCAYA``, default 0: the header is ignored; 1 behind the nginx of deploy/)."""
    return int(os.environ.get("KULAKAN_PROXY_TEPERCAYA", "0") or 0)


def login_limit() -> int:
    """Password checks allowed per username and client address within the window (``KULAKAN_LOGIN_BATAS``, 5)."""
    return int(os.environ.get("KULAKAN_LOGIN_BATAS", "5"))


def login_window_minutes() -> int:
    """Length of the login throttle window (``KULAKAN_LOGIN_JENDELA_MENIT``, default 15)."""
    return int(os.environ.get("KULAKAN_LOGIN_JENDELA_MENIT", "15"))


def login_parallel() -> int:
    """Password verifications (Argon2id, 64 MiB each) run at once per process (``KULAKAN_LOGIN_PARALEL``, 2)."""
    return max(1, int(os.environ.get("KULAKAN_LOGIN_PARALEL", "2")))


def foto_dir() -> Path:
    """Where photo bytes live (``KULAKAN_FOTO_DIR``, default ``data/foto/``), content-addressed by SHA-256.

    Never under ``static/`` (Streamlit serves that folder to anyone). With several app hosts this is a
    shared volume (docs/DEPLOY.md); one photo folder belongs to one database.
    """
    value = os.environ.get("KULAKAN_FOTO_DIR", "").strip()
    return Path(value).expanduser().resolve() if value else PROJECT_ROOT / "data" / "foto"
