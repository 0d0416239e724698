"""The one data fingerprint: the key every UI cache is built on (ui.data.key()).

Per table, the cheapest value that moves with every write a page can show, all in one SELECT of
scalar subqueries (one round trip). Chosen over a version-counter table bumped in each write
transaction (or triggers): that needs a migration and an edit in every write path, and a path
that forgets the bump serves stale pages; these maxima come for free from the writes themselves.

- Archive tables (aspirasi, aspirasi_riwayat, janji, janji_riwayat, bimtek, bimtek_peserta, foto,
  rotasi_perubahan): ``max(id)`` and, where rows change in place, ``max(diubah_pada)``. Both are
  index lookups (primary key, indexed timestamp), never a count over the archive.
- Small tables (rembuk, kategori, opd, cuti_bersama, app_meta): a count (and rembuk's summed
  optimistic-lock version, which moves with every edit of a rembuk).
- Writes that change rows in place without a timestamp (a participant's attendance, a bimtek's
  details, category targets, a deactivated rotation change, deleted demo data, the holiday
  confirmation) all leave a ``log_audit`` row: the newest audit id that records a data change. Login,
  logout, session and export entries are skipped (they change nothing a cached page shows, and a
  burst of failed logins must not empty every cache); the Admin audit view reads the log uncached.

A page that reads no aspirasi (Bimtek) keys its caches on ``without_aspirasi(fingerprint)``: the same
values less the three only an aspiration's write moves.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from db.schema import (
    AppMeta,
    Aspirasi,
    AspirasiRiwayat,
    Bimtek,
    BimtekPeserta,
    CutiBersama,
    Foto,
    Janji,
    JanjiRiwayat,
    Kategori,
    LogAudit,
    Opd,
    Pengaturan,
    Rembuk,
    RotasiPerubahan,
    SesiLogin,
    ThrottleLogin,
)

# Audit entries that record no change of the data pages show (db.admin.AUDIT_KINDS "login" and "ekspor",
# plus the single sign-on outcomes).
AUDIT_WITHOUT_DATA = (
    "login_ok", "login_gagal", "login_ditahan", "login_dijeda", "login_sibuk", "logout", "sesi_berakhir",
    "sandi_diganti", "sesi_dicabut", "throttle_dihapus", "ekspor", "sso", "login_sso_ditolak",
)  # fmt: skip

# Tables whose writes change nothing a cached page shows (a session check, the login throttle): the
# fingerprint reads neither, and ui.data does not count a write to them as the session's own change.
TABLES_WITHOUT_DATA = frozenset({SesiLogin.__tablename__, ThrottleLogin.__tablename__})


def _fingerprint_query():
    def scalar(expr, *where):
        return select(expr).where(*where).scalar_subquery()

    last_data_audit = (
        select(LogAudit.id)
        .where(LogAudit.aksi.not_in(AUDIT_WITHOUT_DATA))
        .order_by(LogAudit.id.desc())  # read backwards from the newest entry: stops at the first match
        .limit(1)
        .scalar_subquery()
    )
    return select(
        scalar(
            func.max(Aspirasi.id)
        ),  # first: db.aspirasi.queries.data_version callers read [0] as the newest aspirasi
        scalar(func.max(Aspirasi.diubah_pada)),
        scalar(func.max(AspirasiRiwayat.id)),
        scalar(func.count(Rembuk.id)),
        scalar(func.sum(Rembuk.version)),
        scalar(func.max(Janji.id)),
        scalar(func.max(Janji.diubah_pada)),
        scalar(func.max(JanjiRiwayat.id)),
        scalar(func.max(Bimtek.id)),
        scalar(func.max(BimtekPeserta.id)),
        scalar(func.max(Foto.id)),
        scalar(func.max(Foto.diubah_pada)),
        scalar(func.max(RotasiPerubahan.id)),
        scalar(func.max(Pengaturan.diubah_pada)),
        scalar(func.count(Kategori.id)),
        scalar(func.count(Opd.id)),
        scalar(func.count(CutiBersama.tanggal)),
        scalar(func.count(AppMeta.kunci)),
        last_data_audit,
    )


_QUERY = _fingerprint_query()


# What only the aspirations' own writes move: the first three values (max aspirasi id, its max diubah_pada,
# max aspirasi_riwayat id). Photos stay in: a bimtek has its own.
_ASPIRASI_VALUES = 3


def without_aspirasi(fp: tuple) -> tuple:
    """The fingerprint of a page that reads no aspirasi (Bimtek): the same values less those only a write of
    an aspiration moves, so recording aspirations all day leaves that page's caches warm."""
    return fp[_ASPIRASI_VALUES:]


def get_fingerprint(engine: Engine) -> tuple:
    """A tuple that changes with every write to data a page reads (see the module docstring)."""
    with engine.connect() as conn:
        return tuple(conn.execute(_QUERY).one())
