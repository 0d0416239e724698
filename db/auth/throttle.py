"""Login throttle: per-account and per-address attempt limits."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, case, delete, func, null, or_, select, update

from db import settings
from db.audit import commit_audit
from db.auth.roles import Actor
from db.auth.sessions import _utc, address_hash
from db.schema import ThrottleLogin, utcnow


def masked_address(alamat: str | None) -> str:
    """A masked address for the admin's eyes: 203.0.113.x, 2001:db8:1::/48; unknown: 'tidak diketahui'."""
    try:
        ip = ipaddress.ip_address((alamat or "").strip())
    except ValueError:
        return "tidak diketahui"
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))


# --- the login throttle --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottleKey:
    kunci: str
    jenis: str  # pasangan | alamat | nama
    label: str
    batas: int  # checks per window
    bebas: int  # failures before delays start


@dataclass(frozen=True)
class Refusal:
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


def login_keys(username: str, alamat: str | None) -> list[ThrottleKey]:
    """The three counters a login attempt for ``username`` from ``alamat`` counts against (sorted)."""
    batas = settings.login_limit()
    ah, samar = address_hash(alamat)[:32], masked_address(alamat)
    keys = [
        ThrottleKey(f"p:{ah}:{username}", "pasangan", f"{username} dari {samar}"[:120], batas, 2),
        ThrottleKey(f"a:{ah}", "alamat", samar, 4 * batas, batas),
        ThrottleKey(f"u:{username}", "nama", username, 10 * batas, 2 * batas),
    ]
    return sorted(keys, key=lambda k: k.kunci)


def backoff(k: ThrottleKey, percobaan: int) -> dt.timedelta:
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


def take_quota(engine: Engine, keys: list[ThrottleKey], now: dt.datetime) -> tuple[dict[str, int], Refusal | None]:
    """Take one password check from every counter, atomically: all or none.

    Returns ({kunci: checks so far in its window}, None), or ({}, why refused).
    """
    t = ThrottleLogin.__table__
    batas_jendela = now - _window()
    try:
        return _take(engine, t, keys, now, batas_jendela), None
    except _Refused as exc:  # the whole transaction was rolled back: no counter was taken
        return {}, exc.args[0]


class _Refused(Exception):
    pass


def _take(engine: Engine, t, keys: list[ThrottleKey], now: dt.datetime, batas_jendela: dt.datetime) -> dict[str, int]:
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
                    raise _Refused(Refusal(k.jenis, now + dt.timedelta(seconds=1), False))
                if row.percobaan >= k.batas:
                    raise _Refused(Refusal(k.jenis, _utc(row.jendela_mulai) + _window(), True))
                raise _Refused(Refusal(k.jenis, _utc(row.tahan_sampai), False))
            counts[k.kunci] = n
    return counts


def record_failure(engine: Engine, keys: list[ThrottleKey], counts: dict[str, int], now: dt.datetime) -> dict[str, int]:
    """After a wrong password: start each counter's delay. Returns {jenis: seconds} of the delays set."""
    t = ThrottleLogin.__table__
    set_: dict[str, int] = {}
    with engine.begin() as conn:
        for k in keys:
            d = backoff(k, counts[k.kunci])
            if d:
                conn.execute(update(t).where(t.c.kunci == k.kunci).values(tahan_sampai=now + d))
                set_[k.jenis] = int(d.total_seconds())
    return set_


def return_quota(engine: Engine, keys: list[ThrottleKey], *, berhasil: bool) -> None:
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


def list_throttle(engine: Engine, actor: Actor, now: dt.datetime | None = None) -> pd.DataFrame:
    """Counters that restrict someone now or still count in their window, for the admin."""
    actor.require("admin")
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


def delete_throttle(engine: Engine, actor: Actor, kunci: list[str]) -> int:
    """Clear counters (admin); the caller logs it."""
    actor.require("admin")
    if not kunci:
        return 0
    with engine.begin() as conn:
        return conn.execute(delete(ThrottleLogin).where(ThrottleLogin.kunci.in_(kunci))).rowcount


def count_throttle(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ThrottleLogin))


def delete_throttle_by_admin(engine: Engine, actor: Actor, kunci: list[str]) -> int:
    """An admin clears login throttles (e.g. a colleague who mistyped from the office); logged."""
    actor.require("admin")
    t = ThrottleLogin.__table__
    with engine.connect() as conn:
        labels = conn.execute(select(t.c.jenis, t.c.label).where(t.c.kunci.in_(kunci))).all()
    n = delete_throttle(engine, actor, kunci)
    if n:
        commit_audit(engine, "throttle_dihapus", actor.username, throttle=[f"{j}: {lab}" for j, lab in labels])
    return n
