"""User accounts: Argon2id password hashes, login with a throttle, and the audit log of access.

Login attempts are counted in the database (throttle_login, db/sesi.py), so the limits hold across app
processes; sessions that survive a reload are in db/sesi.py too.
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

from db import sesi
from db.audit import commit_audit
from db.auth import PERAN, Actor
from db.schema import Kecamatan, Pengguna, utcnow
from db.settings import login_parallel

_HASHER = PasswordHasher()
# Letters, digits and . _ - (an e-mail address is allowed, for accounts that log in through the city's SSO).
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")
MIN_SANDI = 10
BATAS_GAGAL = 5  # default password checks per username and address ... (KULAKAN_LOGIN_BATAS)
JENDELA_GAGAL = dt.timedelta(minutes=15)  # ... within this window (KULAKAN_LOGIN_JENDELA_MENIT)
# A fixed hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _HASHER.hash("bukan-kata-sandi-siapa-pun")


class PenggunaError(ValueError):
    """A user could not be created or changed (message in Indonesian)."""


def log(engine: Engine, aksi: str, oleh: str | None, **rincian) -> None:
    commit_audit(engine, aksi, oleh, **rincian)


def hash_sandi(sandi: str) -> str:
    return _HASHER.hash(sandi)


def periksa_sandi_baru(sandi: str) -> None:
    if len(sandi) < MIN_SANDI:
        raise PenggunaError(f"Kata sandi minimal {MIN_SANDI} karakter.")
    if sandi.strip() != sandi or not sandi.strip():
        raise PenggunaError("Kata sandi tidak boleh diawali atau diakhiri spasi.")


def buat_pengguna(
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
    actor.wajib("admin")
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise PenggunaError("Nama pengguna 3–64 karakter: huruf kecil, angka, titik, garis bawah atau minus.")
    if peran not in PERAN:
        raise PenggunaError(f"Peran harus salah satu dari: {', '.join(PERAN)}.")
    periksa_sandi_baru(sandi)
    with engine.begin() as conn:
        if kecamatan_kode and conn.scalar(select(Kecamatan.kode).where(Kecamatan.kode == kecamatan_kode)) is None:
            raise PenggunaError(f"Kecamatan '{kecamatan_kode}' tidak dikenal.")
        if conn.scalar(select(Pengguna.id).where(Pengguna.username == username)) is not None:
            raise PenggunaError(f"Pengguna '{username}' sudah ada.")
        new_id = conn.execute(
            insert(Pengguna)
            .values(
                username=username,
                nama=nama,
                peran=peran,
                password_hash=hash_sandi(sandi),
                kecamatan_kode=kecamatan_kode,
                wajib_ganti_sandi=sekali_pakai,
            )
            .returning(Pengguna.id)
        ).scalar_one()
    log(engine, "pengguna_dibuat", actor.username, username=username, peran=peran, kecamatan=kecamatan_kode)
    return new_id


def jumlah_pengguna(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count(Pengguna.id)))


def buat_admin_pertama(engine: Engine) -> str | None:
    """On a database without users, create 'admin' with a one-time password and return it (else None)."""
    if jumlah_pengguna(engine):
        return None
    sandi = secrets.token_urlsafe(12)
    from db.auth import SISTEM

    buat_pengguna(engine, SISTEM, "admin", "admin", sandi, nama="Administrator", sekali_pakai=True)
    return sandi


@dataclass(frozen=True)
class HasilMasuk:
    actor: Actor | None
    pesan: str | None = None  # why the login failed, for the user
    wajib_ganti_sandi: bool = False
    nama: str | None = None


_SLOT_SANDI = threading.BoundedSemaphore(login_parallel())
TUNGGU_SLOT_DETIK = 10.0  # how long an attempt waits for a free verification slot before "coba lagi sebentar"
PESAN_SIBUK = "Server sedang memeriksa banyak login sekaligus. Coba lagi sebentar."


def _verifikasi(stored: str, sandi: str) -> bool:
    """One Argon2id check (64 MiB); callers hold a slot of _SLOT_SANDI."""
    try:
        return _HASHER.verify(stored, sandi)
    except (VerificationError, InvalidHashError):
        return False


def masuk(
    engine: Engine, username: str, sandi: str, now: dt.datetime | None = None, alamat: str | None = None
) -> HasilMasuk:
    """Check a login from client address ``alamat``; every attempt and every throttle event is logged.

    Before the password is checked, the attempt takes a slot from the login throttle (db/sesi.py) in one atomic
    step, so no burst gets more checks than the limits; at most ``KULAKAN_LOGIN_PARALEL`` checks run at once
    in this process (each costs 64 MiB), the others wait up to 10 s and then are asked to try again.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()[:64]
    samar = sesi.alamat_samar(alamat)
    keys = sesi.kunci_login(username, alamat)
    counts, tolak = sesi.ambil_jatah(engine, keys, now)
    if tolak is not None:
        log(engine, "login_ditahan", username, alamat=samar, throttle=tolak.jenis, sampai=tolak.sampai.isoformat())
        return HasilMasuk(None, tolak.pesan(now))
    if not _SLOT_SANDI.acquire(timeout=TUNGGU_SLOT_DETIK):
        sesi.kembalikan_jatah(engine, keys, berhasil=False)
        log(engine, "login_sibuk", username, alamat=samar)
        return HasilMasuk(None, PESAN_SIBUK)
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
        ok = _verifikasi(stored, sandi or "") and user is not None and user.aktif and stored != _DUMMY_HASH
    finally:
        _SLOT_SANDI.release()
    if not ok:
        jeda = sesi.catat_gagal(engine, keys, counts, now)
        log(engine, "login_gagal", username, alamat=samar)
        if jeda:
            log(engine, "login_dijeda", username, alamat=samar, detik=jeda)
        return HasilMasuk(None, "Nama pengguna atau kata sandi salah.")
    sesi.kembalikan_jatah(engine, keys, berhasil=True)
    if _HASHER.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(update(Pengguna).where(Pengguna.id == user.id).values(password_hash=hash_sandi(sandi)))
    log(engine, "login_ok", username, alamat=samar)
    return HasilMasuk(Actor(user.username, user.peran, user.kecamatan_kode), None, user.wajib_ganti_sandi, user.nama)


def masuk_sso(engine: Engine, email: str | None) -> HasilMasuk:
    """Map a user authenticated by the city's identity provider (OIDC) to a Kulakan account.

    The role always comes from Kulakan's own users table: an e-mail without an active account is
    refused, so the identity provider alone never grants access.
    """
    username = (email or "").strip().lower()[:64]
    if not username:
        return HasilMasuk(None, "Penyedia identitas tidak mengirim alamat e-mail.")
    with engine.connect() as conn:
        user = conn.execute(
            select(Pengguna.username, Pengguna.peran, Pengguna.nama, Pengguna.kecamatan_kode, Pengguna.aktif).where(
                Pengguna.username == username
            )
        ).first()
    if user is None or not user.aktif:
        log(engine, "login_sso_ditolak", username)
        return HasilMasuk(None, f"Akun {username} belum terdaftar atau tidak aktif di Kulakan. Hubungi admin.")
    log(engine, "login_ok", username, cara="sso")
    return HasilMasuk(Actor(user.username, user.peran, user.kecamatan_kode), None, False, user.nama)


def ganti_sandi(engine: Engine, actor: Actor, sandi_lama: str, sandi_baru: str, alamat: str | None = None) -> None:
    """Change one's own password; every session of the account ends (the caller may start a new one)."""
    hasil = masuk(engine, actor.username, sandi_lama, alamat=alamat)
    if not hasil.actor:
        raise PenggunaError("Kata sandi lama salah." if hasil.pesan.startswith("Nama pengguna") else hasil.pesan)
    if sandi_baru == sandi_lama:
        raise PenggunaError("Kata sandi baru harus berbeda.")
    periksa_sandi_baru(sandi_baru)
    with engine.begin() as conn:
        conn.execute(
            update(Pengguna)
            .where(Pengguna.username == actor.username)
            .values(password_hash=hash_sandi(sandi_baru), wajib_ganti_sandi=False)
        )
    dicabut = sesi.cabut_semua(engine, actor.username)
    log(engine, "sandi_diganti", actor.username, sesi_dicabut=dicabut)
