"""Tracking links for RT/RW (issue 17): tokens, the page without login, "sudah beres / belum" answers,
the rate limit of that page, and the flags other pages count.

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
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd
from sqlalchemy import Engine, and_, case, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from db.audit import write_audit
from db.auth import Actor, AksesDitolak
from db.domain import STATUS_JANJI, status_label
from db.engine import write_lock
from db.format import tanggal
from db.format import waktu as waktu_indonesia
from db.kalender import today as city_today
from db.overdue import aspirasi_overdue, is_aspirasi_overdue
from db.schema import (
    AppMeta,
    Aspirasi,
    AspirasiRiwayat,
    Janji,
    Kategori,
    Kecamatan,
    Kelurahan,
    LacakAkses,
    LacakKonfirmasi,
    LacakToken,
    Opd,
    Rembuk,
    RembukKelurahan,
    utcnow,
)
from db.sql import count_if

TOKEN_BYTES = 32  # 256 bits of randomness (the issue asks for at least 128)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # what token_urlsafe(32) produces
MAKS_TAUTAN_AKTIF = 5  # live links per aspiration; issuing one more ends the oldest
CATATAN_MAKS = 280
JAWABAN = {"beres": "Sudah beres", "belum": "Belum beres"}
# Requests per client address hash: (at most, within).
BATAS_AKSES = {"lihat": (30, dt.timedelta(minutes=10)), "jawab": (5, dt.timedelta(hours=1))}
SIMPAN_AKSES = dt.timedelta(days=1)  # rate-limit rows older than this are deleted
WAKTU_TETAP = 0.3  # seconds: every answer of the page takes at least this long (valid or not)
PESAN_NETRAL = "Tautan ini tidak dapat dibuka. Mintalah tautan terbaru kepada kelurahan atau pengurus RW Anda."
PESAN_BATAS = "Terlalu banyak permintaan dari alamat Anda. Coba lagi beberapa menit lagi."
OLEH_ANONIM = "lacak (tanpa login)"
_KUNCI_KLIEN = "lacak_kunci_klien"


class KonfirmasiDitolak(ValueError):
    """An answer that cannot be recorded (message in Indonesian, safe to show)."""


# --- tokens -------------------------------------------------------------------------------------


def buat_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tautan(base_url: str, token: str) -> str:
    """The tracking link as sent to the RW: ``{base}/lacak?t={token}``."""
    return f"{base_url.rstrip('/')}/lacak?t={quote(token, safe='')}"


def _periksa_wilayah(conn, actor: Actor, ids: list[int]) -> None:
    if not actor.kecamatan_kode or not ids:
        return
    lain = conn.scalar(
        select(func.count(Aspirasi.id))
        .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
        .where(Aspirasi.id.in_(ids), Kelurahan.kecamatan_kode != actor.kecamatan_kode)
    )
    if lain:
        raise AksesDitolak("Akun ini hanya berwenang untuk kecamatannya sendiri.")


def _cabut(conn, ids: list[int], oleh: str, now: dt.datetime) -> int:
    return conn.execute(
        update(LacakToken)
        .where(LacakToken.aspirasi_id.in_(ids), LacakToken.dicabut_pada.is_(None))
        .values(dicabut_pada=now, dicabut_oleh=oleh)
    ).rowcount


def terbitkan(
    engine: Engine, actor: Actor, aspirasi_ids: Iterable[int], sumber: str = "kabar", ganti: bool = False
) -> dict[int, str]:
    """Issue a fresh tracking token for each aspiration; returns {aspirasi id: token} (shown once).

    ``ganti=True`` (the "buat ulang" of the Aspirasi detail) first ends every live link of those
    aspirations. Otherwise older links keep working (a link already shared in a WhatsApp group stays
    valid), up to :data:`MAKS_TAUTAN_AKTIF` per aspiration, the oldest ending first.
    """
    actor.wajib("tulis")
    ids = sorted({int(i) for i in aspirasi_ids})
    if not ids:
        return {}
    now = utcnow()
    tokens = {i: buat_token() for i in ids}
    with engine.begin() as conn:
        write_lock(conn)
        ada = set(conn.scalars(select(Aspirasi.id).where(Aspirasi.id.in_(ids))))
        if ada != set(ids):
            raise KonfirmasiDitolak("Aspirasi tidak ditemukan.")
        _periksa_wilayah(conn, actor, ids)
        if ganti:
            _cabut(conn, ids, actor.username, now)
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
            if seen[aid] > MAKS_TAUTAN_AKTIF:
                lama.append(tid)
        if lama:
            conn.execute(
                update(LacakToken).where(LacakToken.id.in_(lama)).values(dicabut_pada=now, dicabut_oleh=actor.username)
            )
        write_audit(conn, "lacak_tautan_dibuat", actor.username, jumlah=len(ids), sumber=sumber, ganti=ganti,
               aspirasi=ids[:50])  # fmt: skip
    return tokens


def cabut(engine: Engine, actor: Actor, aspirasi_id: int) -> int:
    """End every live link of an aspiration; returns how many were live."""
    actor.wajib("tulis")
    with engine.begin() as conn:
        write_lock(conn)
        _periksa_wilayah(conn, actor, [aspirasi_id])
        n = _cabut(conn, [aspirasi_id], actor.username, utcnow())
        write_audit(conn, "lacak_tautan_dicabut", actor.username, aspirasi=aspirasi_id, jumlah=n)
    return n


@dataclass(frozen=True)
class InfoTautan:
    aktif: int
    terakhir_dibuat: dt.datetime | None


def info_tautan(engine: Engine, aspirasi_id: int) -> InfoTautan:
    with engine.connect() as conn:
        n, last = conn.execute(
            select(func.count(LacakToken.id), func.max(LacakToken.dibuat_pada)).where(
                LacakToken.aspirasi_id == aspirasi_id, LacakToken.dicabut_pada.is_(None)
            )
        ).one()
    return InfoTautan(int(n), last)


def _token_hidup(conn, token: str | None):
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


def waktu_tetap(mulai: float, detik: float = WAKTU_TETAP) -> None:
    """Sleep until ``detik`` seconds after ``mulai`` (time.monotonic()): the page's answer takes the same
    time whether the token was valid, unknown or revoked."""
    sisa = detik - (time.monotonic() - mulai)
    if sisa > 0:
        time.sleep(sisa)


# --- client address and rate limit ------------------------------------------------------------------

_kunci_cache: dict[str, bytes] = {}


def _kunci_klien(engine: Engine) -> bytes:
    url = engine.url.render_as_string(hide_password=True)
    if url in _kunci_cache:
        return _kunci_cache[url]
    with engine.begin() as conn:
        nilai = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == _KUNCI_KLIEN))
    if nilai is None:
        try:
            with engine.begin() as conn:
                conn.execute(insert(AppMeta).values(kunci=_KUNCI_KLIEN, nilai=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another process created it first
        with engine.connect() as conn:
            nilai = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == _KUNCI_KLIEN))
    _kunci_cache[url] = bytes.fromhex(nilai)
    return _kunci_cache[url]


def klien_hash(engine: Engine, alamat: str | None) -> str:
    """Keyed hash of a client address (an IPv4 address alone would be reversible by trying all 2^32)."""
    return hmac.new(_kunci_klien(engine), (alamat or "tidak-diketahui").encode(), hashlib.sha256).hexdigest()


def izinkan(engine: Engine, klien: str, jenis: str, now: dt.datetime | None = None) -> bool:
    """Count one request of ``jenis`` ('lihat' or 'jawab') for a client hash; False when over the limit."""
    batas, jendela = BATAS_AKSES[jenis]
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
        conn.execute(delete(LacakAkses).where(LacakAkses.waktu < now - SIMPAN_AKSES))
    return True


# --- the page without login -------------------------------------------------------------------------


@dataclass(frozen=True)
class Langkah:
    waktu: str  # 'Jumat, 20 November 2026, 09.15 WIB' (or a date alone)
    status: str


@dataclass(frozen=True)
class JanjiLacak:
    teks: str  # staff text: escape when shown
    opd: str
    status: str
    progres: int
    tenggat: str


@dataclass(frozen=True)
class FotoSesudah:
    """A non-private 'sesudah' photo (filled by the photo feature; see :func:`foto_sesudah`)."""

    keterangan: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class TampilanLacak:
    """Everything the tracking page shows: one aspiration, no personal data, no free text of residents."""

    token_id: int
    aspirasi_id: int
    nomor: str
    kategori: str
    kelurahan: str
    kecamatan: str
    rw: int | None
    status: str
    status_label: str
    terbuka: bool
    lewat_tenggat: bool
    diterima: dt.date
    tenggat: dt.date | None
    selesai: dt.date | None
    opd: str
    riwayat: list[Langkah]
    janji: list[JanjiLacak]
    boleh_jawab: bool  # Selesai: the RT/RW may answer "sudah beres / belum beres"
    sudah_jawab_hari_ini: bool
    jawaban_terakhir: tuple[str, dt.date] | None  # (jawaban label, date) of this link's last answer
    foto: list[FotoSesudah] = field(default_factory=list)


def foto_sesudah(conn, aspirasi_id: int, limit: int = 6) -> list[FotoSesudah]:
    """The non-private 'sesudah' photos of an aspiration (display copies, read through the app, never a URL)."""
    from db.foto import baca_berkas  # the photo store; imported here so the tracking module stays light
    from db.schema import Foto

    rows = conn.execute(
        select(Foto.sha256, Foto.diunggah_pada)
        .where(
            Foto.aspirasi_id == aspirasi_id,
            Foto.jenis == "sesudah",
            Foto.privat.is_(False),
            Foto.dihapus_pada.is_(None),
        )
        .order_by(Foto.diunggah_pada, Foto.id)
        .limit(limit)
    ).all()
    out = []
    for sha, waktu in rows:
        raw = baca_berkas(sha)
        if raw is not None:
            out.append(FotoSesudah(f"Foto sesudah · {waktu_wib(waktu)}", raw, "image/jpeg"))
    return out


def waktu_wib(waktu: dt.datetime) -> str:
    """'Jumat, 20 November 2026 09.15 WIB': the one WIB formatter (db.format.waktu)."""
    return waktu_indonesia(waktu)


def _riwayat(conn, a) -> list[Langkah]:
    rows = conn.execute(
        select(AspirasiRiwayat.waktu, AspirasiRiwayat.dari_status, AspirasiRiwayat.ke_status)
        .where(AspirasiRiwayat.aspirasi_id == a.id)
        .order_by(AspirasiRiwayat.waktu, AspirasiRiwayat.id)
    ).all()
    out = []
    if not rows or rows[0].dari_status is not None:
        out.append(Langkah(tanggal(a.tanggal_diterima), "Diterima"))
    out += [Langkah(waktu_wib(r.waktu), status_label(r.ke_status)) for r in rows]
    return out


def tampilan(engine: Engine, token: str | None, today: dt.date | None = None) -> TampilanLacak | None:
    """What the tracking page shows for ``token``, or None (unknown, malformed or revoked: one answer)."""
    today = today or city_today()
    with engine.connect() as conn:
        found = _token_hidup(conn, token)
        if found is None:
            return None
        token_id, aspirasi_id = found
        row = conn.execute(
            select(
                Aspirasi.id,
                Aspirasi.nomor,
                Aspirasi.rw,
                Aspirasi.status,
                Aspirasi.terbuka,
                Aspirasi.tenggat,
                Aspirasi.tanggal_diterima,
                Aspirasi.tanggal_selesai,
                Kategori.nama,
                Kelurahan.nama,
                Kecamatan.nama,
                Opd.nama,
            )
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
            .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
            .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
            .where(Aspirasi.id == aspirasi_id)
        ).first()
        if row is None:
            return None
        a = row
        kategori, kelurahan, kecamatan, opd = row[8:]
        janji = [
            JanjiLacak(j.teks, j.opd or "–", STATUS_JANJI.get(j.status, j.status), int(j.progres),
                       tanggal(j.tenggat, with_weekday=False))
            for j in conn.execute(
                select(Janji.teks, Opd.kode.label("opd"), Janji.status, Janji.progres, Janji.tenggat)
                .outerjoin(Opd, Opd.id == Janji.opd_id)
                .where(Janji.aspirasi_id == aspirasi_id, Janji.status != "batal")
                .order_by(Janji.id)
            )
        ]  # fmt: skip
        last = conn.execute(
            select(LacakKonfirmasi.jawaban, LacakKonfirmasi.tanggal)
            .where(LacakKonfirmasi.token_id == token_id)
            .order_by(LacakKonfirmasi.id.desc())
            .limit(1)
        ).first()
        riwayat = _riwayat(conn, a)
        foto = foto_sesudah(conn, aspirasi_id)
    return TampilanLacak(
        token_id=token_id,
        aspirasi_id=aspirasi_id,
        nomor=a.nomor,
        kategori=kategori,
        kelurahan=kelurahan,
        kecamatan=kecamatan,
        rw=a.rw,
        status=a.status,
        status_label=status_label(a.status),
        terbuka=bool(a.terbuka),
        lewat_tenggat=is_aspirasi_overdue(a.terbuka, a.tenggat, today),
        diterima=a.tanggal_diterima,
        tenggat=a.tenggat,
        selesai=a.tanggal_selesai,
        opd=opd or "Belum ditentukan",
        riwayat=riwayat,
        janji=janji,
        boleh_jawab=a.status == "selesai",
        sudah_jawab_hari_ini=last is not None and last.tanggal == today,
        jawaban_terakhir=(JAWABAN[last.jawaban], last.tanggal) if last is not None else None,
        foto=foto,
    )


def baca(
    engine: Engine, token: str | None, klien: str, dihitung: set, today: dt.date | None = None
) -> tuple[bool, TampilanLacak | None]:
    """The page's lookup: (allowed by the rate limit, view or None), always taking WAKTU_TETAP or longer.

    A token is counted against the client's lookup budget once per browser session (``dihitung``: the
    hashes already counted), so reruns of the page (typing a note) do not use it up."""
    mulai = time.monotonic()
    digest = hash_token(token or "")
    allowed = True
    if digest not in dihitung:
        allowed = izinkan(engine, klien, "lihat")
        if allowed:
            dihitung.add(digest)
    view = tampilan(engine, token, today) if allowed else None
    waktu_tetap(mulai)
    return allowed, view


def periksa_jawaban(jawaban: str, catatan: str | None) -> str | None:
    """The note as it will be stored (exactly as typed; empty -> None), or KonfirmasiDitolak."""
    if jawaban not in JAWABAN:
        raise KonfirmasiDitolak("Pilih 'Sudah beres' atau 'Belum beres'.")
    if catatan is None or not catatan.strip():
        return None
    if len(catatan) > CATATAN_MAKS:
        raise KonfirmasiDitolak(f"Catatan paling panjang {CATATAN_MAKS} karakter.")
    return catatan


def jawab(
    engine: Engine,
    token: str | None,
    jawaban: str,
    catatan: str | None,
    klien: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Record an RT/RW answer through a tracking link: only for a Selesai aspiration, one per link per
    day. "Belum beres" does not reopen the aspiration; it flags it for staff. Audited."""
    catatan = periksa_jawaban(jawaban, catatan)
    today = today or city_today()
    now = now or utcnow()
    try:
        with engine.begin() as conn:
            write_lock(conn)
            found = _token_hidup(conn, token)
            if found is None:
                raise KonfirmasiDitolak(PESAN_NETRAL)
            token_id, aspirasi_id = found
            nomor, status = conn.execute(
                select(Aspirasi.nomor, Aspirasi.status).where(Aspirasi.id == aspirasi_id)
            ).one()
            if status != "selesai":
                raise KonfirmasiDitolak("Konfirmasi hanya dapat diberikan setelah aspirasi berstatus Selesai.")
            if conn.scalar(
                select(LacakKonfirmasi.id).where(LacakKonfirmasi.token_id == token_id, LacakKonfirmasi.tanggal == today)
            ):
                raise KonfirmasiDitolak(_PESAN_SUDAH)
            conn.execute(
                insert(LacakKonfirmasi).values(
                    aspirasi_id=aspirasi_id, token_id=token_id, tanggal=today, waktu=now, jawaban=jawaban,
                    catatan=catatan, klien_hash=klien,
                )
            )  # fmt: skip
            # Move the data fingerprint (db.queries.data_version) so cached pages show the flag; the
            # optimistic-lock version of the aspiration is not touched.
            conn.execute(update(Aspirasi).where(Aspirasi.id == aspirasi_id).values(diubah_pada=now))
            write_audit(conn, "lacak_jawaban", OLEH_ANONIM, nomor=nomor, jawaban=jawaban, waktu=now.isoformat(),
                   klien=klien, ada_catatan=catatan is not None)  # fmt: skip
    except IntegrityError as exc:  # two answers at the same moment: the unique (token, day) holds
        raise KonfirmasiDitolak(_PESAN_SUDAH) from exc


_PESAN_SUDAH = "Jawaban untuk tautan ini sudah tercatat hari ini. Anda dapat menjawab lagi besok."


# --- flags for staff pages and Kinerja OPD --------------------------------------------------------


def _terakhir():
    """The latest answer per aspiration (subquery: aspirasi_id, id of that answer)."""
    return (
        select(LacakKonfirmasi.aspirasi_id, func.max(LacakKonfirmasi.id).label("kid"))
        .group_by(LacakKonfirmasi.aspirasi_id)
        .subquery()
    )


def belum_beres_select():
    """SELECT of the ids of aspirations "dikonfirmasi belum beres": closed as Selesai, and the latest
    RT/RW answer since that closing says "Belum beres". Driven from the answers table, so its cost grows
    with the answers, not with the archive. Kinerja OPD counts these as "ditutup tapi belum beres"."""
    t = _terakhir()
    return (
        select(Aspirasi.id)
        .join(t, t.c.aspirasi_id == Aspirasi.id)
        .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
        .where(
            Aspirasi.status == "selesai",
            LacakKonfirmasi.jawaban == "belum",
            LacakKonfirmasi.tanggal >= func.coalesce(Aspirasi.tanggal_selesai, Aspirasi.tanggal_diterima),
        )
    )


def konfirmasi_dari(engine: Engine, ids: Iterable[int]) -> dict[int, str]:
    """{aspirasi id: 'Belum beres' | 'Sudah beres'} for the given ids that have a current answer
    (the latest, given since the aspiration was closed as Selesai)."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    t = _terakhir()
    with engine.connect() as conn:
        rows = conn.execute(
            select(Aspirasi.id, LacakKonfirmasi.jawaban)
            .join(t, t.c.aspirasi_id == Aspirasi.id)
            .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
            .where(
                Aspirasi.id.in_(ids),
                Aspirasi.status == "selesai",
                LacakKonfirmasi.tanggal >= func.coalesce(Aspirasi.tanggal_selesai, Aspirasi.tanggal_diterima),
            )
        ).all()
    return {int(i): JAWABAN[j] for i, j in rows}


def jumlah_belum_beres(engine: Engine, f=None) -> int:
    """How many aspirations (matching the AspirasiFilter ``f``, if given) are flagged "belum beres"."""
    stmt = select(func.count(Aspirasi.id)).where(Aspirasi.id.in_(belum_beres_select()))
    if f is not None:
        stmt = f.apply(stmt)
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def belum_beres_kelurahan(engine: Engine, kelurahan_kode: str) -> pd.DataFrame:
    """The flagged aspirations of one kelurahan (for the Peta panel; no notes, no personal data)."""
    t = _terakhir()
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Aspirasi.nomor,
                Aspirasi.judul,
                Kategori.nama,
                Opd.kode,
                Aspirasi.rw,
                Aspirasi.tanggal_selesai,
                LacakKonfirmasi.tanggal,
            )
            .join(t, t.c.aspirasi_id == Aspirasi.id)
            .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
            .where(Aspirasi.kelurahan_kode == kelurahan_kode, Aspirasi.id.in_(belum_beres_select()))
            .order_by(LacakKonfirmasi.tanggal.desc(), Aspirasi.nomor)
        ).all()
    return pd.DataFrame(
        rows, columns=["Nomor", "Judul", "Kategori", "OPD", "RW", "Ditutup", "Dikonfirmasi belum beres"]
    )


def ditutup_belum_beres_per_opd(
    engine: Engine, dari: dt.date | None = None, sampai: dt.date | None = None
) -> pd.DataFrame:
    """Per OPD: aspirations closed as Selesai (closing date in [dari, sampai]) that the RT/RW says are
    not solved — Kinerja OPD's "ditutup tapi belum beres". Columns: opd_kode, opd, jumlah."""
    stmt = (
        select(Opd.kode, Opd.nama, func.count(Aspirasi.id))
        .join(Opd, Opd.id == Aspirasi.opd_id)
        .where(Aspirasi.id.in_(belum_beres_select()))
        .group_by(Opd.kode, Opd.nama)
        .order_by(func.count(Aspirasi.id).desc(), Opd.kode)
    )
    if dari is not None:
        stmt = stmt.where(Aspirasi.tanggal_selesai >= dari)
    if sampai is not None:
        stmt = stmt.where(Aspirasi.tanggal_selesai <= sampai)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=["opd_kode", "opd", "jumlah"])


def riwayat_konfirmasi(engine: Engine, aspirasi_id: int) -> pd.DataFrame:
    """Every answer to an aspiration (staff view): time WIB, answer, note (untrusted: shown as data)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(LacakKonfirmasi.waktu, LacakKonfirmasi.jawaban, LacakKonfirmasi.catatan)
            .where(LacakKonfirmasi.aspirasi_id == aspirasi_id)
            .order_by(LacakKonfirmasi.id.desc())
        ).all()
    return pd.DataFrame(
        [{"Waktu": waktu_wib(w), "Jawaban": JAWABAN[j], "Catatan": c or "–"} for w, j, c in rows],
        columns=["Waktu", "Jawaban", "Catatan"],
    )


def _kunjungan_terakhir(sebelum: dt.date):
    return (
        select(RembukKelurahan.kelurahan_kode.label("kode"), func.max(Rembuk.tanggal).label("tgl"))
        .join(Rembuk, Rembuk.id == RembukKelurahan.rembuk_id)
        .where(Rembuk.status == "terlaksana", Rembuk.tanggal < sebelum)
        .group_by(RembukKelurahan.kelurahan_kode)
        .subquery()
    )


def konfirmasi_sejak_kunjungan(engine: Engine, sebelum: dt.date, kelurahan_kode: str | None = None) -> pd.DataFrame:
    """Per kelurahan: aspirations whose latest RT/RW answer, given since the last rembuk held there
    before ``sebelum``, says "sudah beres" / "belum beres" (Rotasi and the host brief).
    Columns: kelurahan_kode, sudah_beres, belum_beres (only kelurahan with answers)."""
    t = _terakhir()
    lv = _kunjungan_terakhir(sebelum)
    stmt = (
        select(
            Aspirasi.kelurahan_kode,
            count_if(LacakKonfirmasi.jawaban == "beres"),
            count_if(LacakKonfirmasi.jawaban == "belum"),
        )
        .join(t, t.c.aspirasi_id == Aspirasi.id)
        .join(LacakKonfirmasi, LacakKonfirmasi.id == t.c.kid)
        .outerjoin(lv, lv.c.kode == Aspirasi.kelurahan_kode)
        .where(
            LacakKonfirmasi.tanggal >= func.coalesce(lv.c.tgl, literal(dt.date(1900, 1, 1))),
            LacakKonfirmasi.tanggal <= sebelum,
        )
        .group_by(Aspirasi.kelurahan_kode)
    )
    if kelurahan_kode:
        stmt = stmt.where(Aspirasi.kelurahan_kode == kelurahan_kode)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame(
        [(k, int(b or 0), int(n or 0)) for k, b, n in rows], columns=["kelurahan_kode", "sudah_beres", "belum_beres"]
    )


# --- RW digest (kabar RW) -------------------------------------------------------------------------

MAKS_ITEM_KABAR = 40
KELOMPOK = {
    "selesai": "✅ *Selesai*",
    "proses": "🔧 *Dalam proses*",
    "menunggu": "⏳ *Menunggu*",
    "lewat": "⚠️ *Lewat tenggat*",
    "ditutup": "▪️ *Ditutup tanpa penyelesaian*",
}
_PROSES = ("diteruskan", "dalam_proses")


def kelompok(status: str, terbuka: bool, lewat_tenggat: bool) -> str:
    """Which section of the digest an aspiration goes to (overdue wins over in-process/waiting)."""
    if status == "selesai":
        return "selesai"
    if not terbuka:
        return "ditutup"
    if lewat_tenggat:
        return "lewat"
    return "proses" if status in _PROSES else "menunggu"


@dataclass(frozen=True)
class ItemKabar:
    aspirasi_id: int
    nomor: str
    judul: str
    kategori: str
    rw: int | None
    kelompok: str
    status_label: str
    dari_rembuk_terakhir: bool


@dataclass(frozen=True)
class Kabar:
    kelurahan_kode: str
    kelurahan: str
    kecamatan: str
    rw: int | None  # None: semua RW
    tanggal: dt.date
    rembuk_terakhir: dt.date | None
    diangkat: int  # raised at the last rembuk (in this RW)
    items: list[ItemKabar]
    lainnya: int  # matching items left out (over MAKS_ITEM_KABAR)


def kabar_rw(engine: Engine, kelurahan_kode: str, rw: int | None, today: dt.date) -> Kabar:
    """The digest content of a kelurahan (one RW, or all): what was raised at its last rembuk (held on or
    before ``today``), what is open, and what was closed since that rembuk. Items raised at the last
    rembuk first, then overdue, then the rest; at most MAKS_ITEM_KABAR."""
    with engine.connect() as conn:
        kel = conn.execute(
            select(Kelurahan.nama, Kecamatan.nama)
            .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
            .where(Kelurahan.kode == kelurahan_kode)
        ).first()
        if kel is None:
            raise KonfirmasiDitolak("Kelurahan tidak dikenal.")
        last = conn.execute(
            select(Rembuk.id, Rembuk.tanggal)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(
                RembukKelurahan.kelurahan_kode == kelurahan_kode,
                Rembuk.status == "terlaksana",
                Rembuk.tanggal <= today,
            )
            .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc())
            .limit(1)
        ).first()
        dari_rembuk = (Aspirasi.rembuk_id == last.id) if last is not None else literal(False)
        ditutup_sejak = (
            and_(Aspirasi.terbuka.is_(False), Aspirasi.tanggal_selesai >= last.tanggal)
            if last is not None
            else literal(False)
        )
        lewat = aspirasi_overdue(today)
        where = [Aspirasi.kelurahan_kode == kelurahan_kode, dari_rembuk | Aspirasi.terbuka.is_(True) | ditutup_sejak]
        if rw is not None:
            where.append(Aspirasi.rw == rw)
        total, diangkat = conn.execute(select(func.count(Aspirasi.id), count_if(dari_rembuk)).where(*where)).one()
        rows = conn.execute(
            select(
                Aspirasi.id,
                Aspirasi.nomor,
                Aspirasi.judul,
                Kategori.nama.label("kategori"),
                Aspirasi.rw,
                Aspirasi.status,
                Aspirasi.terbuka,
                lewat.label("lewat"),
                dari_rembuk.label("dari_rembuk"),
            )
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .where(*where)
            .order_by(
                case((dari_rembuk, 0), else_=1),
                case((lewat, 0), else_=1),
                Aspirasi.tanggal_diterima,
                Aspirasi.id,
            )
            .limit(MAKS_ITEM_KABAR)
        ).all()
    items = [
        ItemKabar(
            int(r.id), r.nomor, r.judul, r.kategori, r.rw,
            kelompok(r.status, bool(r.terbuka), bool(r.lewat)), status_label(r.status), bool(r.dari_rembuk),
        )
        for r in rows
    ]  # fmt: skip
    return Kabar(
        kelurahan_kode, kel[0], kel[1], rw, today, last.tanggal if last is not None else None,
        int(diangkat or 0), items, max(int(total) - len(items), 0),
    )  # fmt: skip


def teks_aman(value: str, batas: int = 90) -> str:
    """Citizen text for a WhatsApp message: control, zero-width and direction characters removed (a
    right-to-left override would visually reorder the link after it), whitespace folded, shortened."""
    clean = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value))
    clean = "".join(ch for ch in clean if unicodedata.category(ch) != "Cf")
    clean = " ".join(clean.split())
    return clean if len(clean) <= batas else clean[: batas - 1].rstrip() + "…"


def _wilayah(k: Kabar) -> str:
    return f"Kelurahan {k.kelurahan}" + (f" · RW {k.rw:02d}" if k.rw is not None else " · semua RW")


def teks_kabar(k: Kabar, tautan_per_id: dict[int, str]) -> str:
    """The WhatsApp-ready Indonesian text of a digest; ``tautan_per_id`` = {aspirasi id: tracking link}."""
    lines = [f"*Kabar Kulakan · {_wilayah(k)}*", f"Kec. {k.kecamatan} · per {tanggal(k.tanggal)}", ""]
    if k.rembuk_terakhir is not None:
        diangkat = (
            f"{k.diangkat} aspirasi diangkat (tanda ★)"
            if k.diangkat
            else "tidak ada aspirasi wilayah ini yang diangkat"
        )
        lines.append(f"Rembuk terakhir: {tanggal(k.rembuk_terakhir)} · {diangkat}.")
    else:
        lines.append("Belum ada rembuk yang terlaksana di kelurahan ini.")
    if not k.items:
        lines += ["", "Tidak ada aspirasi terbuka atau yang baru selesai untuk wilayah ini."]
    for kode, judul in KELOMPOK.items():
        grup = [i for i in k.items if i.kelompok == kode]
        if not grup:
            continue
        lines += ["", f"{judul} ({len(grup)})"]
        for i in grup:
            rw = f" · RW {i.rw:02d}" if i.rw is not None else ""
            status = f" · {i.status_label}" if kode == "ditutup" else ""
            lines.append(f"• {'★ ' if i.dari_rembuk_terakhir else ''}{i.nomor} · {i.kategori}{rw}{status}")
            lines.append(f"  {teks_aman(i.judul)}")
            if i.aspirasi_id in tautan_per_id:
                lines.append(f"  Lacak: {tautan_per_id[i.aspirasi_id]}")
    if k.lainnya:
        lines += ["", f"…dan {k.lainnya} aspirasi lainnya tidak dimuat; tanyakan ke kelurahan."]
    lines += [
        "",
        "Buka tautan *Lacak* untuk melihat perkembangannya. Bila sudah Selesai, mohon jawab di sana: "
        "*Sudah beres* atau *Belum beres*.",
    ]
    return "\n".join(lines)


def tautan_whatsapp(text: str) -> str:
    """The "Kirim lewat WhatsApp" link: the staff member picks the group in WhatsApp."""
    return "https://wa.me/?text=" + quote(text, safe="")


def masih_hidup(engine: Engine, tokens: dict[int, str]) -> dict[int, str]:
    """The subset of {aspirasi id: token} whose token is still live for that aspiration (e.g. the links
    a staff member issued earlier in this session, before reusing them in a digest)."""
    if not tokens:
        return {}
    by_hash = {hash_token(t): (i, t) for i, t in tokens.items()}
    with engine.connect() as conn:
        rows = conn.execute(
            select(LacakToken.token_hash, LacakToken.aspirasi_id).where(
                LacakToken.token_hash.in_(list(by_hash)), LacakToken.dicabut_pada.is_(None)
            )
        ).all()
    return {by_hash[h][0]: by_hash[h][1] for h, aid in rows if by_hash[h][0] == aid}
