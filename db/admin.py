"""Administration: users, editable reference data (cuti bersama, category targets) and the audit view.

Every function requires the ``admin`` permission and leaves an entry in log_audit.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, literal, select, union_all, update

from db.auth import PERAN, Actor
from db.domain import STATUS_LABELS
from db.format import batas_hari, waktu
from db.schema import Aspirasi, AspirasiRiwayat, CutiBersama, Kategori, Kecamatan, LogAudit, Opd, Pengguna
from db.users import PenggunaError, hash_sandi, log


def daftar_pengguna(engine: Engine, actor: Actor) -> pd.DataFrame:
    actor.wajib("admin")
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Pengguna.username,
                Pengguna.nama,
                Pengguna.peran,
                Kecamatan.nama,
                Pengguna.aktif,
                Pengguna.wajib_ganti_sandi,
                Pengguna.dibuat_pada,
            )
            .outerjoin(Kecamatan, Kecamatan.kode == Pengguna.kecamatan_kode)
            .order_by(Pengguna.username)
        ).all()
    df = pd.DataFrame(
        rows, columns=["Nama pengguna", "Nama", "Peran", "Kecamatan", "Aktif", "Wajib ganti sandi", "Dibuat"]
    )
    df["Dibuat"] = df["Dibuat"].map(waktu).astype(object)  # stored UTC, shown in WIB
    return df


def ubah_pengguna(
    engine: Engine, actor: Actor, username: str, *, peran: str, aktif: bool, kecamatan_kode: str | None
) -> None:
    """Change a user's role, scope or active flag (an admin cannot lock themselves out)."""
    actor.wajib("admin")
    if peran not in PERAN:
        raise PenggunaError("Peran tidak dikenal.")
    if username == actor.username and (peran != "admin" or not aktif):
        raise PenggunaError("Anda tidak dapat mencabut hak admin atau menonaktifkan akun Anda sendiri.")
    with engine.begin() as conn:
        old = conn.execute(
            select(Pengguna.peran, Pengguna.aktif, Pengguna.kecamatan_kode).where(Pengguna.username == username)
        ).first()
        if old is None:
            raise PenggunaError(f"Pengguna '{username}' tidak ada.")
        conn.execute(
            update(Pengguna)
            .where(Pengguna.username == username)
            .values(peran=peran, aktif=aktif, kecamatan_kode=kecamatan_kode or None)
        )
    log(engine, "pengguna_diubah", actor.username, username=username, dari=list(old), ke=[peran, aktif, kecamatan_kode])


def reset_sandi(engine: Engine, actor: Actor, username: str) -> str:
    """Give a user a new one-time password (shown once to the admin); they must change it at login."""
    actor.wajib("admin")
    sandi = secrets.token_urlsafe(12)
    with engine.begin() as conn:
        done = conn.execute(
            update(Pengguna)
            .where(Pengguna.username == username)
            .values(password_hash=hash_sandi(sandi), wajib_ganti_sandi=True)
        ).rowcount
    if not done:
        raise PenggunaError(f"Pengguna '{username}' tidak ada.")
    from db.sesi import cabut_semua

    log(engine, "sandi_direset", actor.username, username=username, sesi_dicabut=cabut_semua(engine, username))
    return sandi


# --- reference data ------------------------------------------------------------------------------


def daftar_cuti(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(CutiBersama.tanggal, CutiBersama.keterangan).order_by(CutiBersama.tanggal)).all()
    return pd.DataFrame(rows, columns=["Tanggal", "Keterangan"])


def tambah_cuti(engine: Engine, actor: Actor, tanggal: dt.date, keterangan: str) -> None:
    actor.wajib("admin")
    keterangan = " ".join((keterangan or "").split())
    if not keterangan:
        raise PenggunaError("Keterangan cuti bersama wajib diisi.")
    with engine.begin() as conn:
        if conn.scalar(select(CutiBersama.tanggal).where(CutiBersama.tanggal == tanggal)) is not None:
            raise PenggunaError(f"{tanggal.isoformat()} sudah ada dalam daftar.")
        conn.execute(insert(CutiBersama).values(tanggal=tanggal, keterangan=keterangan[:160]))
    log(engine, "cuti_ditambah", actor.username, tanggal=tanggal, keterangan=keterangan)


def hapus_cuti(engine: Engine, actor: Actor, tanggal: dt.date) -> None:
    actor.wajib("admin")
    with engine.begin() as conn:
        conn.execute(delete(CutiBersama).where(CutiBersama.tanggal == tanggal))
    log(engine, "cuti_dihapus", actor.username, tanggal=tanggal)


def daftar_kategori(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Kategori.kode, Kategori.nama, Opd.kode, Kategori.sla_hari_kerja)
            .outerjoin(Opd, Opd.id == Kategori.opd_id)
            .order_by(Kategori.nama)
        ).all()
    return pd.DataFrame(rows, columns=["Kode", "Kategori", "OPD bawaan", "Target (hari kerja)"])


def ubah_kategori(engine: Engine, actor: Actor, kode: str, *, opd_kode: str | None, sla_hari_kerja: int) -> None:
    """Default OPD and service-level target of a category (applies to aspirations recorded afterwards)."""
    actor.wajib("admin")
    if not 1 <= int(sla_hari_kerja) <= 365:
        raise PenggunaError("Target layanan 1–365 hari kerja.")
    with engine.begin() as conn:
        opd_id = conn.scalar(select(Opd.id).where(Opd.kode == opd_kode)) if opd_kode else None
        if opd_kode and opd_id is None:
            raise PenggunaError(f"OPD '{opd_kode}' tidak dikenal.")
        done = conn.execute(
            update(Kategori).where(Kategori.kode == kode).values(opd_id=opd_id, sla_hari_kerja=int(sla_hari_kerja))
        ).rowcount
    if not done:
        raise PenggunaError(f"Kategori '{kode}' tidak ada.")
    log(engine, "kategori_diubah", actor.username, kode=kode, opd=opd_kode, sla=int(sla_hari_kerja))


# --- audit ---------------------------------------------------------------------------------------

JENIS_AUDIT = {
    "login": (
        "login_ok",
        "login_gagal",
        "login_ditahan",
        "login_dijeda",
        "login_sibuk",
        "logout",
        "sesi_berakhir",
        "sandi_diganti",
        "sesi_dicabut",
        "throttle_dihapus",
    ),
    "ekspor": ("ekspor",),
    "pengguna": ("pengguna_dibuat", "pengguna_diubah", "sandi_direset"),
    "impor": ("impor_aspirasi", "impor_peserta"),
}


def audit(
    engine: Engine,
    actor: Actor,
    *,
    jenis: str | None = None,
    oleh: str | None = None,
    dari: dt.date | None = None,
    sampai: dt.date | None = None,
    batas: int = 500,
) -> pd.DataFrame:
    """Logins, exports, user changes, imports and status changes, newest first (one table)."""
    actor.wajib("admin")
    log_q = select(
        LogAudit.waktu.label("waktu"),
        LogAudit.oleh.label("oleh"),
        LogAudit.aksi.label("aksi"),
        LogAudit.rincian.label("rincian"),
    )
    status_q = select(
        AspirasiRiwayat.waktu.label("waktu"),
        AspirasiRiwayat.oleh.label("oleh"),
        literal("status_aspirasi").label("aksi"),
        (
            Aspirasi.nomor
            + literal(": ")
            + func.coalesce(AspirasiRiwayat.dari_status, literal("–"))
            + literal(" → ")
            + AspirasiRiwayat.ke_status
        ).label("rincian"),
    ).join(Aspirasi, Aspirasi.id == AspirasiRiwayat.aspirasi_id)
    if jenis == "status":
        parts = [status_q]
    elif jenis in JENIS_AUDIT:
        parts = [log_q.where(LogAudit.aksi.in_(JENIS_AUDIT[jenis]))]
    else:
        parts = [log_q, status_q]
    u = union_all(*parts).subquery()
    stmt = select(u)
    if oleh:
        stmt = stmt.where(u.c.oleh == oleh)
    mulai, akhir = batas_hari(dari, sampai)  # the days are WIB days
    if mulai:
        stmt = stmt.where(u.c.waktu >= mulai)
    if akhir:
        stmt = stmt.where(u.c.waktu < akhir)
    with engine.connect() as conn:
        rows = conn.execute(stmt.order_by(u.c.waktu.desc()).limit(batas)).all()
    df = pd.DataFrame(rows, columns=["Waktu", "Oleh", "Aksi", "Rincian"])

    def tidy(text: str | None) -> str:
        if not text:
            return ""
        try:
            data = json.loads(text)
        except ValueError:
            for code, name in STATUS_LABELS.items():
                text = text.replace(code, name)
            return text
        return "; ".join(f"{k}: {v}" for k, v in data.items()) if isinstance(data, dict) else str(data)

    df["Rincian"] = df["Rincian"].map(tidy)
    df["Waktu"] = df["Waktu"].map(lambda t: waktu(t, detik=True)).astype(object)  # stored UTC, shown in WIB
    return df
