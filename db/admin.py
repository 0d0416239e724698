"""Administration: users, editable reference data (cuti bersama, category targets) and the audit view.

Every function requires the ``admin`` permission and leaves an entry in log_audit.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, literal, select, tuple_, update

from db.aspirasi.status import STATUS_LABELS
from db.auth.roles import ROLES, Actor
from db.auth.users import UserError, hash_password, log
from db.format import day_bounds, format_time
from db.schema import Aspirasi, AspirasiRiwayat, CutiBersama, Kategori, Kecamatan, LogAudit, Opd, Pengguna


def list_users(engine: Engine, actor: Actor) -> pd.DataFrame:
    actor.require("admin")
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
    df["Dibuat"] = df["Dibuat"].map(format_time).astype(object)  # stored UTC, shown in WIB
    return df


def update_user(
    engine: Engine, actor: Actor, username: str, *, peran: str, aktif: bool, kecamatan_kode: str | None
) -> None:
    """Change a user's role, scope or active flag (an admin cannot lock themselves out)."""
    actor.require("admin")
    if peran not in ROLES:
        raise UserError("Peran tidak dikenal.")
    if username == actor.username and (peran != "admin" or not aktif):
        raise UserError("Anda tidak dapat mencabut hak admin atau menonaktifkan akun Anda sendiri.")
    with engine.begin() as conn:
        old = conn.execute(
            select(Pengguna.peran, Pengguna.aktif, Pengguna.kecamatan_kode).where(Pengguna.username == username)
        ).first()
        if old is None:
            raise UserError(f"Pengguna '{username}' tidak ada.")
        conn.execute(
            update(Pengguna)
            .where(Pengguna.username == username)
            .values(peran=peran, aktif=aktif, kecamatan_kode=kecamatan_kode or None)
        )
    log(engine, "pengguna_diubah", actor.username, username=username, dari=list(old), ke=[peran, aktif, kecamatan_kode])


def reset_password(engine: Engine, actor: Actor, username: str) -> str:
    """Give a user a new one-time password (shown once to the admin); they must change it at login."""
    actor.require("admin")
    sandi = secrets.token_urlsafe(12)
    with engine.begin() as conn:
        done = conn.execute(
            update(Pengguna)
            .where(Pengguna.username == username)
            .values(password_hash=hash_password(sandi), wajib_ganti_sandi=True)
        ).rowcount
    if not done:
        raise UserError(f"Pengguna '{username}' tidak ada.")
    from db.auth.sessions import revoke_all

    log(engine, "sandi_direset", actor.username, username=username, sesi_dicabut=revoke_all(engine, username))
    return sandi


# --- reference data ------------------------------------------------------------------------------


def list_cuti_bersama(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(CutiBersama.tanggal, CutiBersama.keterangan).order_by(CutiBersama.tanggal)).all()
    return pd.DataFrame(rows, columns=["Tanggal", "Keterangan"])


def add_cuti_bersama(engine: Engine, actor: Actor, tanggal: dt.date, keterangan: str) -> None:
    actor.require("admin")
    keterangan = " ".join((keterangan or "").split())
    if not keterangan:
        raise UserError("Keterangan cuti bersama wajib diisi.")
    with engine.begin() as conn:
        if conn.scalar(select(CutiBersama.tanggal).where(CutiBersama.tanggal == tanggal)) is not None:
            raise UserError(f"{tanggal.isoformat()} sudah ada dalam daftar.")
        conn.execute(insert(CutiBersama).values(tanggal=tanggal, keterangan=keterangan[:160]))
    log(engine, "cuti_ditambah", actor.username, tanggal=tanggal, keterangan=keterangan)


def delete_cuti_bersama(engine: Engine, actor: Actor, tanggal: dt.date) -> None:
    actor.require("admin")
    with engine.begin() as conn:
        conn.execute(delete(CutiBersama).where(CutiBersama.tanggal == tanggal))
    log(engine, "cuti_dihapus", actor.username, tanggal=tanggal)


def list_kategori(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Kategori.kode, Kategori.nama, Opd.kode, Kategori.sla_hari_kerja)
            .outerjoin(Opd, Opd.id == Kategori.opd_id)
            .order_by(Kategori.nama)
        ).all()
    return pd.DataFrame(rows, columns=["Kode", "Kategori", "OPD bawaan", "Target (hari kerja)"])


def update_kategori(engine: Engine, actor: Actor, kode: str, *, opd_kode: str | None, sla_hari_kerja: int) -> None:
    """Default OPD and service-level target of a category (applies to aspirations recorded afterwards)."""
    actor.require("admin")
    if not 1 <= int(sla_hari_kerja) <= 365:
        raise UserError("Target layanan 1–365 hari kerja.")
    with engine.begin() as conn:
        opd_id = conn.scalar(select(Opd.id).where(Opd.kode == opd_kode)) if opd_kode else None
        if opd_kode and opd_id is None:
            raise UserError(f"OPD '{opd_kode}' tidak dikenal.")
        done = conn.execute(
            update(Kategori).where(Kategori.kode == kode).values(opd_id=opd_id, sla_hari_kerja=int(sla_hari_kerja))
        ).rowcount
    if not done:
        raise UserError(f"Kategori '{kode}' tidak ada.")
    log(engine, "kategori_diubah", actor.username, kode=kode, opd=opd_kode, sla=int(sla_hari_kerja))


# --- audit ---------------------------------------------------------------------------------------

AUDIT_KINDS = {
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


AUDIT_PAGE = 50  # rows per page of the audit view


@dataclass(frozen=True)
class AuditPage:
    rows: pd.DataFrame  # Waktu (WIB), Oleh, Aksi, Rincian; newest first
    next: tuple | None  # pass as ``after`` for the next (older) page; None on the last page


_LOG, _STATUS = 1, 0  # source order among entries of the same instant (part of the page key)


def list_audit(
    engine: Engine,
    actor: Actor,
    *,
    jenis: str | None = None,
    oleh: str | None = None,
    dari: dt.date | None = None,
    sampai: dt.date | None = None,
    after: tuple | None = None,
    size: int = AUDIT_PAGE,
) -> AuditPage:
    """One page of logins, exports, user changes, imports and status changes, newest first.

    Keyset paging on (waktu, source, id): each source reads at most ``size + 1`` rows from its
    (waktu, id) index, older than ``after``, and only those are merged, so a page costs the same at
    any size of the archive (no OFFSET, no sort of the whole history)."""
    actor.require("admin")
    mulai, akhir = day_bounds(dari, sampai)  # the days are WIB days

    def bounded(waktu_col, id_col, oleh_col, source: int) -> list:
        conds = []
        if oleh:
            conds.append(oleh_col == oleh)
        if mulai:
            conds.append(waktu_col >= mulai)
        if akhir:
            conds.append(waktu_col < akhir)
        if after is not None:
            aw, asrc, aid = after
            if source == asrc:
                conds.append(tuple_(waktu_col, id_col) < tuple_(literal(aw, waktu_col.type), literal(aid)))
            else:  # the other source sorts before (<=) or after (<) this one at the same instant
                conds.append(waktu_col <= aw if source < asrc else waktu_col < aw)
        return conds

    rows: list[tuple] = []
    with engine.connect() as conn:
        if jenis is None or jenis in AUDIT_KINDS:
            q = select(LogAudit.waktu, literal(_LOG), LogAudit.id, LogAudit.oleh, LogAudit.aksi, LogAudit.rincian)
            conds = bounded(LogAudit.waktu, LogAudit.id, LogAudit.oleh, _LOG)
            if jenis:
                conds.append(LogAudit.aksi.in_(AUDIT_KINDS[jenis]))
            q = q.where(*conds).order_by(LogAudit.waktu.desc(), LogAudit.id.desc()).limit(size + 1)
            rows += conn.execute(q).tuples().all()
        if jenis in (None, "status"):
            r = AspirasiRiwayat
            newest = (
                select(r.id, r.waktu, r.oleh, r.aspirasi_id, r.dari_status, r.ke_status)
                .where(*bounded(r.waktu, r.id, r.oleh, _STATUS))
                .order_by(r.waktu.desc(), r.id.desc())
                .limit(size + 1)
                .subquery()
            )  # limited first, then joined: the ticket numbers of these rows only
            q = select(
                newest.c.waktu,
                literal(_STATUS),
                newest.c.id,
                newest.c.oleh,
                literal("status_aspirasi"),
                (
                    Aspirasi.nomor
                    + literal(": ")
                    + func.coalesce(newest.c.dari_status, literal("–"))
                    + literal(" → ")
                    + newest.c.ke_status
                ),
            ).join(Aspirasi, Aspirasi.id == newest.c.aspirasi_id)
            rows += conn.execute(q).tuples().all()
    rows.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    more = len(rows) > size
    rows = rows[:size]
    nxt = tuple(rows[-1][:3]) if more else None
    return AuditPage(_audit_frame([(w, o, a, x) for w, _s, _i, o, a, x in rows]), nxt)


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
    """Logins, exports, user changes, imports and status changes, newest first (one table, ``batas`` rows)."""
    return list_audit(engine, actor, jenis=jenis, oleh=oleh, dari=dari, sampai=sampai, size=batas).rows


def _audit_frame(rows: list[tuple]) -> pd.DataFrame:
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

    # Formatted before the frame is built: a column of datetimes would be converted to pandas timestamps
    # and back, which costs more than the queries of a page.
    return pd.DataFrame(
        {
            "Waktu": pd.Series(
                [format_time(w, detik=True) for w, *_ in rows], dtype=object
            ),  # stored UTC, shown in WIB
            "Oleh": pd.Series([o for _, o, _, _ in rows], dtype=object),
            "Aksi": pd.Series([a for _, _, a, _ in rows], dtype=object),
            "Rincian": pd.Series([tidy(x) for *_, x in rows], dtype=object),
        }
    )
