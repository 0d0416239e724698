"""Login sessions that survive a reload (the login throttle they work with is db/auth/throttle.py).

Sessions: the browser holds a signed, HttpOnly cookie with a random token; the database keeps only the
token's SHA-256, who it belongs to, when it was made and last used, when it expires, whether it was revoked and
a keyed hash of the client address. A login first creates the record with a one-time *nonce* (valid a few
seconds, single use, stored hashed); the browser trades the nonce for its cookie at ``/auth/sesi`` (serve.py).
The token itself never appears in a URL, a page or the database.

Throttle: every password check first takes a slot from three counters in one transaction (the pair
username+address, the address, the username), each a single conditional ``UPDATE ... RETURNING`` on both
SQLite and PostgreSQL, so no burst gets more checks than the limits. Failures add growing delays. The pair
counter carries the configured limit (a stranger's failures slow only themselves); the address counter stops
one address trying many names; the username counter, with a much higher limit, stops a guess spread over many
addresses. A successful login gives its slot back on every counter (colleagues behind one office address do
not slow each other down by logging in) and lifts its pair's delay.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, delete, insert, select, update

from db import settings
from db.audit import commit_audit
from db.auth.roles import Actor
from db.schema import Pengguna, SesiLogin, utcnow

NONCE_SECONDS = 30  # a login's nonce must be traded for the cookie within this many seconds
TOUCH_SECONDS = 30  # last-seen is written at most this often per session
COOKIE = "kulakan_sesi"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back (stored as UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def address_hash(alamat: str | None) -> str:
    """Keyed hash of a client address (addresses are personal data: never stored in clear)."""
    return hmac.new(settings.session_secret(), (alamat or "-").encode(), hashlib.sha256).hexdigest()


def client_address(remote: str | None, forwarded_for: list[str], trusted_proxies: int) -> str | None:
    """The client's address: the connection's own, or behind ``trusted_proxies`` proxies the entry the nearest
    of them appended to X-Forwarded-For (entries further left are whatever the client claimed). Not an address:
    None."""
    if trusted_proxies > 0:
        hops = [h.strip() for v in forwarded_for for h in v.split(",") if h.strip()]
        if len(hops) >= trusted_proxies:
            remote = hops[-trusted_proxies]
    try:
        return str(ipaddress.ip_address(str(remote).strip()))
    except ValueError:
        return None


# --- the cookie ----------------------------------------------------------------------------------


def _sign(token: str) -> str:
    mac = hmac.new(settings.session_secret(), b"sesi:" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def cookie_value(token: str) -> str:
    """The cookie's value: token and its HMAC signature."""
    return f"{token}.{_sign(token)}"


def token_from_cookie(nilai: str | None) -> str | None:
    """The token of a correctly signed cookie value, else None (a forged cookie never reaches the database)."""
    if not nilai or nilai.count(".") != 1 or len(nilai) > 200:
        return None
    token, tanda = nilai.split(".")
    return token if token and hmac.compare_digest(tanda, _sign(token)) else None


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    id: int
    nonce: str  # single use, for /auth/sesi; not the session secret


@dataclass(frozen=True)
class SessionInfo:
    id: int
    actor: Actor
    nama: str | None
    wajib_ganti_sandi: bool


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=settings.session_minutes())


def _max_age() -> dt.timedelta:
    return dt.timedelta(hours=settings.session_max_hours())


def create_session(
    engine: Engine, username: str, alamat: str | None = None, now: dt.datetime | None = None
) -> NewSession:
    """A new session record for a user who just logged in, with its one-time nonce."""
    now = now or utcnow()
    nonce = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        uid = conn.scalar(select(Pengguna.id).where(Pengguna.username == username))
        if uid is None:
            raise ValueError(f"pengguna {username!r} tidak ada")
        # Housekeeping: records that ended more than a day ago are of no use any more.
        conn.execute(delete(SesiLogin).where(SesiLogin.kedaluwarsa < now - dt.timedelta(days=1)))
        sid = conn.execute(
            insert(SesiLogin)
            .values(
                nonce_hash=hash_token(nonce),
                nonce_kedaluwarsa=now + dt.timedelta(seconds=NONCE_SECONDS),
                pengguna_id=uid,
                dibuat_pada=now,
                terakhir_aktif=now,
                kedaluwarsa=min(now + _idle(), now + _max_age()),
                alamat_hash=address_hash(alamat),
            )
            .returning(SesiLogin.id)
        ).scalar_one()
    return NewSession(sid, nonce)


def exchange_nonce(engine: Engine, nonce: str | None, now: dt.datetime | None = None) -> str | None:
    """Trade a fresh, unused nonce for the session's cookie value (one atomic UPDATE: a nonce works once)."""
    if not nonce or len(nonce) > 100:
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        sid = conn.execute(
            update(SesiLogin)
            .where(
                SesiLogin.nonce_hash == hash_token(nonce),
                SesiLogin.nonce_kedaluwarsa > now,
                SesiLogin.dicabut.is_(False),
                SesiLogin.kedaluwarsa > now,
            )
            .values(token_hash=hash_token(token), nonce_hash=None, nonce_kedaluwarsa=None)
            .returning(SesiLogin.id)
        ).scalar()
    return cookie_value(token) if sid is not None else None


def _check(engine: Engine, where, now: dt.datetime) -> SessionInfo | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                SesiLogin.id,
                SesiLogin.dibuat_pada,
                SesiLogin.terakhir_aktif,
                Pengguna.username,
                Pengguna.peran,
                Pengguna.kecamatan_kode,
                Pengguna.nama,
                Pengguna.wajib_ganti_sandi,
            )
            .join(Pengguna, Pengguna.id == SesiLogin.pengguna_id)
            .where(
                where,
                SesiLogin.dicabut.is_(False),
                SesiLogin.kedaluwarsa > now,
                SesiLogin.dibuat_pada > now - _max_age(),
                Pengguna.aktif.is_(True),
            )
        ).first()
    if row is None:
        return None
    if now - _utc(row.terakhir_aktif) >= dt.timedelta(seconds=TOUCH_SECONDS):
        with engine.begin() as conn:
            conn.execute(
                update(SesiLogin)
                .where(SesiLogin.id == row.id)
                .values(terakhir_aktif=now, kedaluwarsa=min(now + _idle(), _utc(row.dibuat_pada) + _max_age()))
            )
    return SessionInfo(row.id, Actor(row.username, row.peran, row.kecamatan_kode), row.nama, row.wajib_ganti_sandi)


def check_cookie(engine: Engine, nilai: str | None, now: dt.datetime | None = None) -> SessionInfo | None:
    """The live session a cookie value refers to (signed, not revoked, not expired, user active), else None."""
    token = token_from_cookie(nilai)
    if token is None:
        return None
    return _check(engine, SesiLogin.token_hash == hash_token(token), now or utcnow())


def check_id(engine: Engine, sesi_id: int, now: dt.datetime | None = None) -> SessionInfo | None:
    """Whether the session a browser tab is using is still live (checked on every rerun)."""
    return _check(engine, SesiLogin.id == sesi_id, now or utcnow())


def revoke(engine: Engine, sesi_id: int, now: dt.datetime | None = None) -> bool:
    with engine.begin() as conn:
        n = conn.execute(
            update(SesiLogin)
            .where(SesiLogin.id == sesi_id, SesiLogin.dicabut.is_(False))
            .values(dicabut=True, dicabut_pada=now or utcnow(), nonce_hash=None)
        ).rowcount
    return bool(n)


def revoke_cookie(engine: Engine, nilai: str | None) -> bool:
    token = token_from_cookie(nilai)
    if token is None:
        return False
    with engine.connect() as conn:
        sid = conn.scalar(select(SesiLogin.id).where(SesiLogin.token_hash == hash_token(token)))
    return sid is not None and revoke(engine, sid)


def revoke_all(engine: Engine, username: str, now: dt.datetime | None = None) -> int:
    """Revoke every session of a user (password changed or reset, or by an admin). Returns how many."""
    with engine.begin() as conn:
        uid = select(Pengguna.id).where(Pengguna.username == username).scalar_subquery()
        return conn.execute(
            update(SesiLogin)
            .where(SesiLogin.pengguna_id == uid, SesiLogin.dicabut.is_(False))
            .values(dicabut=True, dicabut_pada=now or utcnow(), nonce_hash=None)
        ).rowcount


def list_sessions(engine: Engine, actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Live sessions per user, for the admin (no token, no address: only their hashes exist)."""
    actor.require("admin")
    now = now or utcnow()
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                SesiLogin.id,
                Pengguna.username,
                SesiLogin.dibuat_pada,
                SesiLogin.terakhir_aktif,
                SesiLogin.kedaluwarsa,
                SesiLogin.alamat_hash,
            )
            .join(Pengguna, Pengguna.id == SesiLogin.pengguna_id)
            .where(SesiLogin.dicabut.is_(False), SesiLogin.kedaluwarsa > now, SesiLogin.dibuat_pada > now - _max_age())
            .order_by(Pengguna.username, SesiLogin.terakhir_aktif.desc())
        ).all()
    df = pd.DataFrame(rows, columns=["id", "username", "dibuat", "terakhir_aktif", "kedaluwarsa", "alamat_hash"])
    for col in ("dibuat", "terakhir_aktif", "kedaluwarsa"):
        df[col] = [_utc(v) for v in df[col]]
    df["alamat_hash"] = df["alamat_hash"].fillna("").str[:8]
    return df


# --- admin actions (each logged) -------------------------------------------------------------------


def revoke_by_admin(engine: Engine, actor: Actor, sesi_ids: list[int]) -> int:
    """An admin ends the chosen sessions (the browsers see the login form at their next action)."""
    actor.require("admin")
    with engine.connect() as conn:
        rows = conn.execute(
            select(SesiLogin.id, Pengguna.username)
            .join(Pengguna, Pengguna.id == SesiLogin.pengguna_id)
            .where(SesiLogin.id.in_([int(i) for i in sesi_ids]))
        ).all()
    n = 0
    for sid, username in rows:
        if revoke(engine, sid):
            n += 1
            commit_audit(engine, "sesi_dicabut", actor.username, username=username, sesi=sid)
    return n
