"""Tracking links for RT/RW (issue 17): issuing, revoking and looking up tokens, and the rate limit of the page
without login. What that page shows and the RW's "sudah beres / belum" answer: db/lacak/page.py; the measures
other pages count from the answers: db/lacak/followup.py; the RW digest: db/lacak/news.py.

Security in one place:
- a token is ``secrets.token_urlsafe(32)`` (256 bits); only its SHA-256 is stored, so a link is shown
  once (when issued) and a copy of the database does not open any link;
- a lookup hashes what was given and compares the stored hash with ``hmac.compare_digest``; unknown,
  malformed and revoked tokens take the same path and the caller pads every answer to the same time;
- client addresses are never stored: a keyed hash (HMAC, key kept in ``app_meta``) is used for the rate
  limit (in the database, so it holds across processes) and the audit trail.

No Streamlit here; the page lives in ui/lacak.py and views/lacak.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.audit import write_audit
from db.auth.roles import AccessDenied, Actor
from db.engine import write_lock
from db.schema import (
    AppMeta,
    Aspirasi,
    Kelurahan,
    LacakAkses,
    LacakToken,
    utcnow,
)

TOKEN_BYTES = 32  # 256 bits of randomness (the issue asks for at least 128)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # what token_urlsafe(32) produces
MAX_ACTIVE_LINKS = 5  # live links per aspiration; issuing one more ends the oldest
ANSWERS = {"beres": "Sudah beres", "belum": "Belum beres"}
# Requests per client address hash: (at most, within).
ACCESS_LIMIT = {"lihat": (30, dt.timedelta(minutes=10)), "jawab": (5, dt.timedelta(hours=1))}
ACCESS_KEEP = dt.timedelta(days=1)  # rate-limit rows older than this are deleted
FIXED_TIME = 0.3  # seconds: every answer of the page takes at least this long (valid or not)
LIMIT_MESSAGE = "Terlalu banyak permintaan dari alamat Anda. Coba lagi beberapa menit lagi."
_CLIENT_KEYS = "lacak_kunci_klien"


class ConfirmationRejected(ValueError):
    """An answer that cannot be recorded (message in Indonesian, safe to show)."""


# --- tokens -------------------------------------------------------------------------------------


def create_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link(base_url: str, token: str) -> str:
    """The tracking link as sent to the RW: ``{base}/lacak?t={token}``."""
    return f"{base_url.rstrip('/')}/lacak?t={quote(token, safe='')}"


def _check_area(conn, actor: Actor, ids: list[int]) -> None:
    if not actor.kecamatan_kode or not ids:
        return
    lain = conn.scalar(
        select(func.count(Aspirasi.id))
        .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
        .where(Aspirasi.id.in_(ids), Kelurahan.kecamatan_kode != actor.kecamatan_kode)
    )
    if lain:
        raise AccessDenied("Akun ini hanya berwenang untuk kecamatannya sendiri.")


def _revoke(conn, ids: list[int], oleh: str, now: dt.datetime) -> int:
    return conn.execute(
        update(LacakToken)
        .where(LacakToken.aspirasi_id.in_(ids), LacakToken.dicabut_pada.is_(None))
        .values(dicabut_pada=now, dicabut_oleh=oleh)
    ).rowcount


def issue(
    engine: Engine, actor: Actor, aspirasi_ids: Iterable[int], sumber: str = "kabar", ganti: bool = False
) -> dict[int, str]:
    """Issue a fresh tracking token for each aspiration; returns {aspirasi id: token} (shown once).

    ``ganti=True`` (the "buat ulang" of the Aspirasi detail) first ends every live link of those
    aspirations. Otherwise older links keep working (a link already shared in a WhatsApp group stays
    valid), up to :data:`MAX_ACTIVE_LINKS` per aspiration, the oldest ending first.
    """
    actor.require("tulis")
    ids = sorted({int(i) for i in aspirasi_ids})
    if not ids:
        return {}
    now = utcnow()
    tokens = {i: create_token() for i in ids}
    with engine.begin() as conn:
        write_lock(conn)
        ada = set(conn.scalars(select(Aspirasi.id).where(Aspirasi.id.in_(ids))))
        if ada != set(ids):
            raise ConfirmationRejected("Aspirasi tidak ditemukan.")
        _check_area(conn, actor, ids)
        if ganti:
            _revoke(conn, ids, actor.username, now)
        conn.execute(
            insert(LacakToken),
            [
                {"aspirasi_id": i, "token_hash": hash_token(t), "sumber": sumber, "dibuat_oleh": actor.username,
                 "dibuat_pada": now}
                for i, t in tokens.items()
            ],
        )  # fmt: skip
        # Keep at most MAKS_TAUTAN_AKTIF live links per aspiration (the newest).
        live = conn.execute(
            select(LacakToken.id, LacakToken.aspirasi_id)
            .where(LacakToken.aspirasi_id.in_(ids), LacakToken.dicabut_pada.is_(None))
            .order_by(LacakToken.aspirasi_id, LacakToken.id.desc())
        ).all()
        seen: dict[int, int] = {}
        lama = []
        for tid, aid in live:
            seen[aid] = seen.get(aid, 0) + 1
            if seen[aid] > MAX_ACTIVE_LINKS:
                lama.append(tid)
        if lama:
            conn.execute(
                update(LacakToken).where(LacakToken.id.in_(lama)).values(dicabut_pada=now, dicabut_oleh=actor.username)
            )
        write_audit(conn, "lacak_tautan_dibuat", actor.username, jumlah=len(ids), sumber=sumber, ganti=ganti,
               aspirasi=ids[:50])  # fmt: skip
    return tokens


def revoke(engine: Engine, actor: Actor, aspirasi_id: int) -> int:
    """End every live link of an aspiration; returns how many were live."""
    actor.require("tulis")
    with engine.begin() as conn:
        write_lock(conn)
        _check_area(conn, actor, [aspirasi_id])
        n = _revoke(conn, [aspirasi_id], actor.username, utcnow())
        write_audit(conn, "lacak_tautan_dicabut", actor.username, aspirasi=aspirasi_id, jumlah=n)
    return n


@dataclass(frozen=True)
class LinkInfo:
    aktif: int
    terakhir_dibuat: dt.datetime | None


def link_info(engine: Engine, aspirasi_id: int) -> LinkInfo:
    with engine.connect() as conn:
        n, last = conn.execute(
            select(func.count(LacakToken.id), func.max(LacakToken.dibuat_pada)).where(
                LacakToken.aspirasi_id == aspirasi_id, LacakToken.dicabut_pada.is_(None)
            )
        ).one()
    return LinkInfo(int(n), last)


def _live_token(conn, token: str | None):
    """(token id, aspirasi id) of a live token, or None. Malformed input takes the same path."""
    given = token if isinstance(token, str) and _TOKEN_RE.match(token) else "-" * 43
    digest = hash_token(given)
    row = conn.execute(
        select(LacakToken.id, LacakToken.aspirasi_id, LacakToken.token_hash, LacakToken.dicabut_pada).where(
            LacakToken.token_hash == digest
        )
    ).first()
    stored = row.token_hash if row is not None else "0" * 64
    cocok = hmac.compare_digest(stored, digest)
    if row is None or not cocok or row.dicabut_pada is not None or given != token:
        return None
    return row.id, row.aspirasi_id


def fixed_time(mulai: float, detik: float = FIXED_TIME) -> None:
    """Sleep until ``detik`` seconds after ``mulai`` (time.monotonic()): the page's answer takes the same
    time whether the token was valid, unknown or revoked."""
    sisa = detik - (time.monotonic() - mulai)
    if sisa > 0:
        time.sleep(sisa)


# --- client address and rate limit ------------------------------------------------------------------

_client_key_cache: dict[str, bytes] = {}


def _client_key(engine: Engine) -> bytes:
    url = engine.url.render_as_string(hide_password=True)
    if url in _client_key_cache:
        return _client_key_cache[url]
    with engine.begin() as conn:
        nilai = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == _CLIENT_KEYS))
    if nilai is None:
        try:
            with engine.begin() as conn:
                conn.execute(insert(AppMeta).values(kunci=_CLIENT_KEYS, nilai=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another process created it first
        with engine.connect() as conn:
            nilai = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == _CLIENT_KEYS))
    _client_key_cache[url] = bytes.fromhex(nilai)
    return _client_key_cache[url]


def client_hash(engine: Engine, alamat: str | None) -> str:
    """Keyed hash of a client address (an IPv4 address alone would be reversible by trying all 2^32)."""
    return hmac.new(_client_key(engine), (alamat or "tidak-diketahui").encode(), hashlib.sha256).hexdigest()


def allow(engine: Engine, klien: str, jenis: str, now: dt.datetime | None = None) -> bool:
    """Count one request of ``jenis`` ('lihat' or 'jawab') for a client hash; False when over the limit."""
    batas, jendela = ACCESS_LIMIT[jenis]
    now = now or utcnow()
    with engine.begin() as conn:
        write_lock(conn)
        n = conn.scalar(
            select(func.count(LacakAkses.id)).where(
                LacakAkses.klien_hash == klien, LacakAkses.jenis == jenis, LacakAkses.waktu >= now - jendela
            )
        )
        if n >= batas:
            return False
        conn.execute(insert(LacakAkses).values(klien_hash=klien, jenis=jenis, waktu=now))
        # Housekeeping on the waktu index: a cheap range probe when there is nothing to delete.
        conn.execute(delete(LacakAkses).where(LacakAkses.waktu < now - ACCESS_KEEP))
    return True
