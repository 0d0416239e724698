"""User accounts: Argon2id password hashes, login with a throttle, and the audit log of access.

Login attempts are counted in the database (throttle_login, db/auth/sessions.py), so the limits hold across app
processes; sessions that survive a reload are in db/auth/sessions.py too.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, insert, select, update

from db.audit import commit_audit
from db.auth import sessions
from db.auth import throttle as auth_throttle
from db.auth.roles import ROLES, Actor
from db.schema import Kecamatan, Pengguna, utcnow
from db.settings import login_parallel

_HASHER = PasswordHasher()
# Letters, digits and . _ - (an e-mail address is allowed, for accounts that log in through the city's SSO).
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")
MIN_PASSWORD = 10
FAILURE_LIMIT = 5  # default password checks per username and address ... (KULAKAN_LOGIN_BATAS)
FAILURE_WINDOW = dt.timedelta(minutes=15)  # ... within this window (KULAKAN_LOGIN_JENDELA_MENIT)
# A fixed hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _HASHER.hash("bukan-kata-sandi-siapa-pun")


class UserError(ValueError):
    """A user could not be created or changed (message in Indonesian)."""


def log(engine: Engine, aksi: str, oleh: str | None, **rincian) -> None:
    commit_audit(engine, aksi, oleh, **rincian)


def hash_password(sandi: str) -> str:
    return _HASHER.hash(sandi)


def check_new_password(sandi: str) -> None:
    if len(sandi) < MIN_PASSWORD:
        raise UserError(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    if sandi.strip() != sandi or not sandi.strip():
        raise UserError("Kata sandi tidak boleh diawali atau diakhiri spasi.")


def create_user(
    engine: Engine,
    actor: Actor,
    username: str,
    peran: str,
    sandi: str,
    nama: str | None = None,
    kecamatan_kode: str | None = None,
    sekali_pakai: bool = False,
) -> int:
    """Create an account (admin only)."""
    actor.require("admin")
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise UserError("Nama pengguna 3–64 karakter: huruf kecil, angka, titik, garis bawah atau minus.")
    if peran not in ROLES:
        raise UserError(f"Peran harus salah satu dari: {', '.join(ROLES)}.")
    check_new_password(sandi)
    with engine.begin() as conn:
        if kecamatan_kode and conn.scalar(select(Kecamatan.kode).where(Kecamatan.kode == kecamatan_kode)) is None:
            raise UserError(f"Kecamatan '{kecamatan_kode}' tidak dikenal.")
        if conn.scalar(select(Pengguna.id).where(Pengguna.username == username)) is not None:
            raise UserError(f"Pengguna '{username}' sudah ada.")
        new_id = conn.execute(
            insert(Pengguna)
            .values(
                username=username,
                nama=nama,
                peran=peran,
                password_hash=hash_password(sandi),
                kecamatan_kode=kecamatan_kode,
                wajib_ganti_sandi=sekali_pakai,
            )
            .returning(Pengguna.id)
        ).scalar_one()
    log(engine, "pengguna_dibuat", actor.username, username=username, peran=peran, kecamatan=kecamatan_kode)
    return new_id


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(Pengguna.id)))


def create_first_admin(engine: Engine) -> str | None:
    """On a database without users, create 'admin' with a one-time password and return it (else None)."""
    if count_users(engine):
        return None
    sandi = secrets.token_urlsafe(12)
    from db.auth.roles import SYSTEM

    create_user(engine, SYSTEM, "admin", "admin", sandi, nama="Administrator", sekali_pakai=True)
    return sandi


@dataclass(frozen=True)
class SignInResult:
    actor: Actor | None
    pesan: str | None = None  # why the login failed, for the user
    wajib_ganti_sandi: bool = False
    nama: str | None = None


_PASSWORD_SLOTS = threading.BoundedSemaphore(login_parallel())
SLOT_WAIT_SECONDS = 10.0  # how long an attempt waits for a free verification slot before "coba lagi sebentar"
BUSY_MESSAGE = "Server sedang memeriksa banyak login sekaligus. Coba lagi sebentar."


def _verify(stored: str, sandi: str) -> bool:
    """One Argon2id check (64 MiB); callers hold a slot of _SLOT_SANDI."""
    try:
        return _HASHER.verify(stored, sandi)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(
    engine: Engine, username: str, sandi: str, now: dt.datetime | None = None, alamat: str | None = None
) -> SignInResult:
    """Check a login from client address ``alamat``; every attempt and every throttle event is logged.

    Before the password is checked, the attempt takes a slot from the login throttle (db/auth/sessions.py) in one atomic
    step, so no burst gets more checks than the limits; at most ``KULAKAN_LOGIN_PARALEL`` checks run at once
    in this process (each costs 64 MiB), the others wait up to 10 s and then are asked to try again.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()[:64]
    samar = auth_throttle.masked_address(alamat)
    keys = auth_throttle.login_keys(username, alamat)
    counts, tolak = auth_throttle.take_quota(engine, keys, now)
    if tolak is not None:
        log(engine, "login_ditahan", username, alamat=samar, throttle=tolak.jenis, sampai=tolak.sampai.isoformat())
        return SignInResult(None, tolak.pesan(now))
    if not _PASSWORD_SLOTS.acquire(timeout=SLOT_WAIT_SECONDS):
        auth_throttle.return_quota(engine, keys, berhasil=False)
        log(engine, "login_sibuk", username, alamat=samar)
        return SignInResult(None, BUSY_MESSAGE)
    try:
        with engine.connect() as conn:
            user = conn.execute(
                select(
                    Pengguna.id,
                    Pengguna.username,
                    Pengguna.peran,
                    Pengguna.nama,
                    Pengguna.kecamatan_kode,
                    Pengguna.password_hash,
                    Pengguna.aktif,
                    Pengguna.wajib_ganti_sandi,
                ).where(Pengguna.username == username)
            ).first()
        stored = user.password_hash if user is not None and user.aktif and user.password_hash else _DUMMY_HASH
        ok = _verify(stored, sandi or "") and user is not None and user.aktif and stored != _DUMMY_HASH
    finally:
        _PASSWORD_SLOTS.release()
    if not ok:
        jeda = auth_throttle.record_failure(engine, keys, counts, now)
        log(engine, "login_gagal", username, alamat=samar)
        if jeda:
            log(engine, "login_dijeda", username, alamat=samar, detik=jeda)
        return SignInResult(None, "Nama pengguna atau kata sandi salah.")
    auth_throttle.return_quota(engine, keys, berhasil=True)
    if _HASHER.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(update(Pengguna).where(Pengguna.id == user.id).values(password_hash=hash_password(sandi)))
    log(engine, "login_ok", username, alamat=samar)
    return SignInResult(Actor(user.username, user.peran, user.kecamatan_kode), None, user.wajib_ganti_sandi, user.nama)


def sign_in_sso(engine: Engine, email: str | None) -> SignInResult:
    """Map a user authenticated by the city's identity provider (OIDC) to a Kulakan account.

    The role always comes from Kulakan's own users table: an e-mail without an active account is
    refused, so the identity provider alone never grants access.
    """
    username = (email or "").strip().lower()[:64]
    if not username:
        return SignInResult(None, "Penyedia identitas tidak mengirim alamat e-mail.")
    with engine.connect() as conn:
        user = conn.execute(
            select(Pengguna.username, Pengguna.peran, Pengguna.nama, Pengguna.kecamatan_kode, Pengguna.aktif).where(
                Pengguna.username == username
            )
        ).first()
    if user is None or not user.aktif:
        log(engine, "login_sso_ditolak", username)
        return SignInResult(None, f"Akun {username} belum terdaftar atau tidak aktif di Kulakan. Hubungi admin.")
    log(engine, "login_ok", username, cara="sso")
    return SignInResult(Actor(user.username, user.peran, user.kecamatan_kode), None, False, user.nama)


def change_password(engine: Engine, actor: Actor, sandi_lama: str, sandi_baru: str, alamat: str | None = None) -> None:
    """Change one's own password; every session of the account ends (the caller may start a new one)."""
    hasil = sign_in(engine, actor.username, sandi_lama, alamat=alamat)
    if not hasil.actor:
        raise UserError("Kata sandi lama salah." if hasil.pesan.startswith("Nama pengguna") else hasil.pesan)
    if sandi_baru == sandi_lama:
        raise UserError("Kata sandi baru harus berbeda.")
    check_new_password(sandi_baru)
    with engine.begin() as conn:
        conn.execute(
            update(Pengguna)
            .where(Pengguna.username == actor.username)
            .values(password_hash=hash_password(sandi_baru), wajib_ganti_sandi=False)
        )
    dicabut = sessions.revoke_all(engine, actor.username)
    log(engine, "sandi_diganti", actor.username, sesi_dicabut=dicabut)
