"""Login sessions that survive a reload, and the login throttle (per username, per client address, per pair).

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
from sqlalchemy import Engine, and_, case, delete, func, insert, null, or_, select, update

from db import settings
from db.audit import commit_audit
from db.auth import Actor
from db.schema import Pengguna, SesiLogin, ThrottleLogin, utcnow

NONCE_DETIK = 30  # a login's nonce must be traded for the cookie within this many seconds
SENTUH_DETIK = 30  # last-seen is written at most this often per session
COOKIE = "kulakan_sesi"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back (stored as UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def alamat_hash(alamat: str | None) -> str:
    """Keyed hash of a client address (addresses are personal data: never stored in clear)."""
    return hmac.new(settings.session_secret(), (alamat or "-").encode(), hashlib.sha256).hexdigest()


def alamat_samar(alamat: str | None) -> str:
    """A masked address for the admin's eyes: 203.0.113.x, 2001:db8:1::/48; unknown: 'tidak diketahui'."""
    try:
        ip = ipaddress.ip_address((alamat or "").strip())
    except ValueError:
        return "tidak diketahui"
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))


def alamat_klien(remote: str | None, forwarded_for: list[str], trusted_proxies: int) -> str | None:
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


def _tanda(token: str) -> str:
    mac = hmac.new(settings.session_secret(), b"sesi:" + token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def nilai_cookie(token: str) -> str:
    """The cookie's value: token and its HMAC signature."""
    return f"{token}.{_tanda(token)}"


def token_dari_cookie(nilai: str | None) -> str | None:
    """The token of a correctly signed cookie value, else None (a forged cookie never reaches the database)."""
    if not nilai or nilai.count(".") != 1 or len(nilai) > 200:
        return None
    token, tanda = nilai.split(".")
    return token if token and hmac.compare_digest(tanda, _tanda(token)) else None


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SesiBaru:
    id: int
    nonce: str  # single use, for /auth/sesi; not the session secret


@dataclass(frozen=True)
class InfoSesi:
    id: int
    actor: Actor
    nama: str | None
    wajib_ganti_sandi: bool


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=settings.session_minutes())


def _maks() -> dt.timedelta:
    return dt.timedelta(hours=settings.session_max_hours())


def buat_sesi(engine: Engine, username: str, alamat: str | None = None, now: dt.datetime | None = None) -> SesiBaru:
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
                nonce_kedaluwarsa=now + dt.timedelta(seconds=NONCE_DETIK),
                pengguna_id=uid,
                dibuat_pada=now,
                terakhir_aktif=now,
                kedaluwarsa=min(now + _idle(), now + _maks()),
                alamat_hash=alamat_hash(alamat),
            )
            .returning(SesiLogin.id)
        ).scalar_one()
    return SesiBaru(sid, nonce)


def tukar_nonce(engine: Engine, nonce: str | None, now: dt.datetime | None = None) -> str | None:
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
    return nilai_cookie(token) if sid is not None else None


def _periksa(engine: Engine, where, now: dt.datetime) -> InfoSesi | None:
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
                SesiLogin.dibuat_pada > now - _maks(),
                Pengguna.aktif.is_(True),
            )
        ).first()
    if row is None:
        return None
    if now - _utc(row.terakhir_aktif) >= dt.timedelta(seconds=SENTUH_DETIK):
        with engine.begin() as conn:
            conn.execute(
                update(SesiLogin)
                .where(SesiLogin.id == row.id)
                .values(terakhir_aktif=now, kedaluwarsa=min(now + _idle(), _utc(row.dibuat_pada) + _maks()))
            )
    return InfoSesi(row.id, Actor(row.username, row.peran, row.kecamatan_kode), row.nama, row.wajib_ganti_sandi)


def periksa_cookie(engine: Engine, nilai: str | None, now: dt.datetime | None = None) -> InfoSesi | None:
    """The live session a cookie value refers to (signed, not revoked, not expired, user active), else None."""
    token = token_dari_cookie(nilai)
    if token is None:
        return None
    return _periksa(engine, SesiLogin.token_hash == hash_token(token), now or utcnow())


def periksa_id(engine: Engine, sesi_id: int, now: dt.datetime | None = None) -> InfoSesi | None:
    """Whether the session a browser tab is using is still live (checked on every rerun)."""
    return _periksa(engine, SesiLogin.id == sesi_id, now or utcnow())


def cabut(engine: Engine, sesi_id: int, now: dt.datetime | None = None) -> bool:
    with engine.begin() as conn:
        n = conn.execute(
            update(SesiLogin)
            .where(SesiLogin.id == sesi_id, SesiLogin.dicabut.is_(False))
            .values(dicabut=True, dicabut_pada=now or utcnow(), nonce_hash=None)
        ).rowcount
    return bool(n)


def cabut_cookie(engine: Engine, nilai: str | None) -> bool:
    token = token_dari_cookie(nilai)
    if token is None:
        return False
    with engine.connect() as conn:
        sid = conn.scalar(select(SesiLogin.id).where(SesiLogin.token_hash == hash_token(token)))
    return sid is not None and cabut(engine, sid)


def cabut_semua(engine: Engine, username: str, now: dt.datetime | None = None) -> int:
    """Revoke every session of a user (password changed or reset, or by an admin). Returns how many."""
    with engine.begin() as conn:
        uid = select(Pengguna.id).where(Pengguna.username == username).scalar_subquery()
        return conn.execute(
            update(SesiLogin)
            .where(SesiLogin.pengguna_id == uid, SesiLogin.dicabut.is_(False))
            .values(dicabut=True, dicabut_pada=now or utcnow(), nonce_hash=None)
        ).rowcount


def daftar_sesi(engine: Engine, actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Live sessions per user, for the admin (no token, no address: only their hashes exist)."""
    actor.wajib("admin")
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
            .where(SesiLogin.dicabut.is_(False), SesiLogin.kedaluwarsa > now, SesiLogin.dibuat_pada > now - _maks())
            .order_by(Pengguna.username, SesiLogin.terakhir_aktif.desc())
        ).all()
    df = pd.DataFrame(rows, columns=["id", "username", "dibuat", "terakhir_aktif", "kedaluwarsa", "alamat_hash"])
    for col in ("dibuat", "terakhir_aktif", "kedaluwarsa"):
        df[col] = [_utc(v) for v in df[col]]
    df["alamat_hash"] = df["alamat_hash"].fillna("").str[:8]
    return df


# --- the login throttle --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kunci:
    kunci: str
    jenis: str  # pasangan | alamat | nama
    label: str
    batas: int  # checks per window
    bebas: int  # failures before delays start


@dataclass(frozen=True)
class Tolak:
    jenis: str
    sampai: dt.datetime
    batas_habis: bool  # the window's limit is used up (else: a growing delay is running)

    def pesan(self, now: dt.datetime) -> str:
        detik = max(1, int((self.sampai - now).total_seconds() + 0.999))
        if self.batas_habis:
            return f"Terlalu banyak percobaan gagal. Coba lagi {max(1, (detik + 59) // 60)} menit lagi."
        return f"Terlalu banyak percobaan gagal. Tunggu {detik} detik, lalu coba lagi."


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.login_window_minutes())


def kunci_login(username: str, alamat: str | None) -> list[Kunci]:
    """The three counters a login attempt for ``username`` from ``alamat`` counts against (sorted)."""
    batas = settings.login_limit()
    ah, samar = alamat_hash(alamat)[:32], alamat_samar(alamat)
    keys = [
        Kunci(f"p:{ah}:{username}", "pasangan", f"{username} dari {samar}"[:120], batas, 2),
        Kunci(f"a:{ah}", "alamat", samar, 4 * batas, batas),
        Kunci(f"u:{username}", "nama", username, 10 * batas, 2 * batas),
    ]
    return sorted(keys, key=lambda k: k.kunci)


def jeda(k: Kunci, percobaan: int) -> dt.timedelta:
    """Growing delay after the ``percobaan``-th failure in the window: 1, 2, 4, ... seconds (max 5 minutes)."""
    if percobaan < k.bebas:
        return dt.timedelta(0)
    return dt.timedelta(seconds=min(2 ** (percobaan - k.bebas), 300))


def _insert_ignore(conn, values: dict) -> None:
    t = ThrottleLogin.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    conn.execute(dialect_insert(t).values(**values).on_conflict_do_nothing(index_elements=["kunci"]))


def ambil_jatah(engine: Engine, keys: list[Kunci], now: dt.datetime) -> tuple[dict[str, int], Tolak | None]:
    """Take one password check from every counter, atomically: all or none.

    Returns ({kunci: checks so far in its window}, None), or ({}, why refused).
    """
    t = ThrottleLogin.__table__
    batas_jendela = now - _window()
    try:
        return _ambil(engine, t, keys, now, batas_jendela), None
    except _Ditolak as exc:  # the whole transaction was rolled back: no counter was taken
        return {}, exc.args[0]


class _Ditolak(Exception):
    pass


def _ambil(engine: Engine, t, keys: list[Kunci], now: dt.datetime, batas_jendela: dt.datetime) -> dict[str, int]:
    with engine.begin() as conn:
        for k in keys:
            _insert_ignore(conn, dict(kunci=k.kunci, jenis=k.jenis, label=k.label, percobaan=0, jendela_mulai=now,
                                      terakhir=now))  # fmt: skip
        counts: dict[str, int] = {}
        for k in keys:
            baru = t.c.jendela_mulai <= batas_jendela  # the window is over: start a new one
            n = conn.execute(
                update(t)
                .where(
                    t.c.kunci == k.kunci,
                    or_(
                        baru,
                        and_(t.c.percobaan < k.batas, or_(t.c.tahan_sampai.is_(None), t.c.tahan_sampai <= now)),
                    ),
                )
                .values(
                    percobaan=case((baru, 1), else_=t.c.percobaan + 1),
                    jendela_mulai=case((baru, now), else_=t.c.jendela_mulai),
                    tahan_sampai=case((baru, null()), else_=t.c.tahan_sampai),
                    terakhir=now,
                )
                .returning(t.c.percobaan)
            ).scalar()
            if n is None:
                q = select(t.c.percobaan, t.c.jendela_mulai, t.c.tahan_sampai).where(t.c.kunci == k.kunci)
                row = conn.execute(q).first()
                if row is None:  # cleared by an admin this very moment: ask to try again
                    raise _Ditolak(Tolak(k.jenis, now + dt.timedelta(seconds=1), False))
                if row.percobaan >= k.batas:
                    raise _Ditolak(Tolak(k.jenis, _utc(row.jendela_mulai) + _window(), True))
                raise _Ditolak(Tolak(k.jenis, _utc(row.tahan_sampai), False))
            counts[k.kunci] = n
    return counts


def catat_gagal(engine: Engine, keys: list[Kunci], counts: dict[str, int], now: dt.datetime) -> dict[str, int]:
    """After a wrong password: start each counter's delay. Returns {jenis: seconds} of the delays set."""
    t = ThrottleLogin.__table__
    set_: dict[str, int] = {}
    with engine.begin() as conn:
        for k in keys:
            d = jeda(k, counts[k.kunci])
            if d:
                conn.execute(update(t).where(t.c.kunci == k.kunci).values(tahan_sampai=now + d))
                set_[k.jenis] = int(d.total_seconds())
    return set_


def kembalikan_jatah(engine: Engine, keys: list[Kunci], *, berhasil: bool) -> None:
    """Give the slot back: the check did not happen (busy), or the password was right. So the counters hold
    failures (plus checks still running) and never more failed checks than the limit happen in a window, however
    many attempts race. A success also lifts its pair's delay; its failures still count until the window ends."""
    t = ThrottleLogin.__table__
    with engine.begin() as conn:
        for k in keys:
            values = {"percobaan": case((t.c.percobaan > 0, t.c.percobaan - 1), else_=0)}
            if berhasil and k.jenis == "pasangan":
                values["tahan_sampai"] = null()
            conn.execute(update(t).where(t.c.kunci == k.kunci).values(**values))


def daftar_throttle(engine: Engine, actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Counters that restrict someone now or still count in their window, for the admin."""
    actor.wajib("admin")
    now = now or utcnow()
    t = ThrottleLogin.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.kunci, t.c.jenis, t.c.label, t.c.percobaan, t.c.jendela_mulai, t.c.tahan_sampai, t.c.terakhir)
            .where(t.c.jendela_mulai > now - _window(), t.c.percobaan > 0)
            .order_by(t.c.terakhir.desc())
        ).all()
    df = pd.DataFrame(
        rows, columns=["kunci", "jenis", "label", "percobaan", "jendela_mulai", "tahan_sampai", "terakhir"]
    )
    for col in ("jendela_mulai", "tahan_sampai", "terakhir"):
        df[col] = [_utc(v) for v in df[col]]
    return df


def hapus_throttle(engine: Engine, actor: Actor, kunci: list[str]) -> int:
    """Clear counters (admin); the caller logs it."""
    actor.wajib("admin")
    if not kunci:
        return 0
    with engine.begin() as conn:
        return conn.execute(delete(ThrottleLogin).where(ThrottleLogin.kunci.in_(kunci))).rowcount


def jumlah_throttle(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ThrottleLogin))


# --- admin actions (each logged) -------------------------------------------------------------------


def cabut_oleh_admin(engine: Engine, actor: Actor, sesi_ids: list[int]) -> int:
    """An admin ends the chosen sessions (the browsers see the login form at their next action)."""
    actor.wajib("admin")
    with engine.connect() as conn:
        rows = conn.execute(
            select(SesiLogin.id, Pengguna.username)
            .join(Pengguna, Pengguna.id == SesiLogin.pengguna_id)
            .where(SesiLogin.id.in_([int(i) for i in sesi_ids]))
        ).all()
    n = 0
    for sid, username in rows:
        if cabut(engine, sid):
            n += 1
            commit_audit(engine, "sesi_dicabut", actor.username, username=username, sesi=sid)
    return n


def hapus_throttle_oleh_admin(engine: Engine, actor: Actor, kunci: list[str]) -> int:
    """An admin clears login throttles (e.g. a colleague who mistyped from the office); logged."""
    actor.wajib("admin")
    t = ThrottleLogin.__table__
    with engine.connect() as conn:
        labels = conn.execute(select(t.c.jenis, t.c.label).where(t.c.kunci.in_(kunci))).all()
    n = hapus_throttle(engine, actor, kunci)
    if n:
        commit_audit(engine, "throttle_dihapus", actor.username, throttle=[f"{j}: {lab}" for j, lab in labels])
    return n
