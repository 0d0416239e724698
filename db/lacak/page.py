"""What the public tracking page shows, and the RW answer."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.aspirasi.status import STATUS_JANJI, is_aspirasi_overdue, status_label
from db.audit import write_audit
from db.engine import write_lock
from db.format import format_date
from db.format import format_time as waktu_indonesia
from db.lacak.links import ANSWERS, ConfirmationRejected, _live_token, allow, fixed_time, hash_token
from db.schema import (
    Aspirasi,
    AspirasiRiwayat,
    Janji,
    Kategori,
    Kecamatan,
    Kelurahan,
    LacakKonfirmasi,
    Opd,
    utcnow,
)
from db.workdays import today as city_today

MAX_NOTE = 280
NEUTRAL_MESSAGE = "Tautan ini tidak dapat dibuka. Mintalah tautan terbaru kepada kelurahan atau pengurus RW Anda."
BY_ANONYMOUS = "lacak (tanpa login)"


# --- the page without login -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    waktu: str  # 'Jumat, 20 November 2026, 09.15 WIB' (or a date alone)
    status: str


@dataclass(frozen=True)
class LacakJanji:
    teks: str  # staff text: escape when shown
    opd: str
    status: str
    progres: int
    tenggat: str


@dataclass(frozen=True)
class AfterFoto:
    """A non-private 'sesudah' photo (filled by the photo feature; see :func:`after_foto`)."""

    keterangan: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class LacakView:
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
    riwayat: list[Step]
    janji: list[LacakJanji]
    boleh_jawab: bool  # Selesai: the RT/RW may answer "sudah beres / belum beres"
    sudah_jawab_hari_ini: bool
    jawaban_terakhir: tuple[str, dt.date] | None  # (jawaban label, date) of this link's last answer
    foto: list[AfterFoto] = field(default_factory=list)


def after_foto(conn, aspirasi_id: int, limit: int = 6) -> list[AfterFoto]:
    """The non-private 'sesudah' photos of an aspiration (display copies, read through the app, never a URL)."""
    from db.foto.storage import read_file  # the photo store; imported here so the tracking module stays light
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
        raw = read_file(sha)
        if raw is not None:
            out.append(AfterFoto(f"Foto sesudah · {wib_time(waktu)}", raw, "image/jpeg"))
    return out


def wib_time(waktu: dt.datetime) -> str:
    """'Jumat, 20 November 2026 09.15 WIB': the one WIB formatter (db.format.format_time)."""
    return waktu_indonesia(waktu)


def _history(conn, a) -> list[Step]:
    rows = conn.execute(
        select(AspirasiRiwayat.waktu, AspirasiRiwayat.dari_status, AspirasiRiwayat.ke_status)
        .where(AspirasiRiwayat.aspirasi_id == a.id)
        .order_by(AspirasiRiwayat.waktu, AspirasiRiwayat.id)
    ).all()
    out = []
    if not rows or rows[0].dari_status is not None:
        out.append(Step(format_date(a.tanggal_diterima), "Diterima"))
    out += [Step(wib_time(r.waktu), status_label(r.ke_status)) for r in rows]
    return out


def lacak_view(engine: Engine, token: str | None, today: dt.date | None = None) -> LacakView | None:
    """What the tracking page shows for ``token``, or None (unknown, malformed or revoked: one answer)."""
    today = today or city_today()
    with engine.connect() as conn:
        found = _live_token(conn, token)
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
            LacakJanji(j.teks, j.opd or "–", STATUS_JANJI.get(j.status, j.status), int(j.progres),
                       format_date(j.tenggat, with_weekday=False))
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
        riwayat = _history(conn, a)
        foto = after_foto(conn, aspirasi_id)
    return LacakView(
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
        jawaban_terakhir=(ANSWERS[last.jawaban], last.tanggal) if last is not None else None,
        foto=foto,
    )


def read(
    engine: Engine, token: str | None, klien: str, dihitung: set, today: dt.date | None = None
) -> tuple[bool, LacakView | None]:
    """The page's lookup: (allowed by the rate limit, view or None), always taking WAKTU_TETAP or longer.

    A token is counted against the client's lookup budget once per browser session (``dihitung``: the
    hashes already counted), so reruns of the page (typing a note) do not use it up."""
    mulai = time.monotonic()
    digest = hash_token(token or "")
    allowed = True
    if digest not in dihitung:
        allowed = allow(engine, klien, "lihat")
        if allowed:
            dihitung.add(digest)
    view = lacak_view(engine, token, today) if allowed else None
    fixed_time(mulai)
    return allowed, view


def check_answer(jawaban: str, catatan: str | None) -> str | None:
    """The note as it will be stored (exactly as typed; empty -> None), or KonfirmasiDitolak."""
    if jawaban not in ANSWERS:
        raise ConfirmationRejected("Pilih 'Sudah beres' atau 'Belum beres'.")
    if catatan is None or not catatan.strip():
        return None
    if len(catatan) > MAX_NOTE:
        raise ConfirmationRejected(f"Catatan paling panjang {MAX_NOTE} karakter.")
    return catatan


def answer(
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
    catatan = check_answer(jawaban, catatan)
    today = today or city_today()
    now = now or utcnow()
    try:
        with engine.begin() as conn:
            write_lock(conn)
            found = _live_token(conn, token)
            if found is None:
                raise ConfirmationRejected(NEUTRAL_MESSAGE)
            token_id, aspirasi_id = found
            nomor, status = conn.execute(
                select(Aspirasi.nomor, Aspirasi.status).where(Aspirasi.id == aspirasi_id)
            ).one()
            if status != "selesai":
                raise ConfirmationRejected("Konfirmasi hanya dapat diberikan setelah aspirasi berstatus Selesai.")
            if conn.scalar(
                select(LacakKonfirmasi.id).where(LacakKonfirmasi.token_id == token_id, LacakKonfirmasi.tanggal == today)
            ):
                raise ConfirmationRejected(_ALREADY_MESSAGE)
            conn.execute(
                insert(LacakKonfirmasi).values(
                    aspirasi_id=aspirasi_id, token_id=token_id, tanggal=today, waktu=now, jawaban=jawaban,
                    catatan=catatan, klien_hash=klien,
                )
            )  # fmt: skip
            # Move the data fingerprint (db.aspirasi.queries.data_version) so cached pages show the flag; the
            # optimistic-lock version of the aspiration is not touched.
            conn.execute(update(Aspirasi).where(Aspirasi.id == aspirasi_id).values(diubah_pada=now))
            write_audit(conn, "lacak_jawaban", BY_ANONYMOUS, nomor=nomor, jawaban=jawaban, waktu=now.isoformat(),
                   klien=klien, ada_catatan=catatan is not None)  # fmt: skip
    except IntegrityError as exc:  # two answers at the same moment: the unique (token, day) holds
        raise ConfirmationRejected(_ALREADY_MESSAGE) from exc


_ALREADY_MESSAGE = "Jawaban untuk tautan ini sudah tercatat hari ini. Anda dapat menjawab lagi besok."


# --- flags for staff pages and Kinerja OPD --------------------------------------------------------


def _latest():
    """The latest answer per aspiration (subquery: aspirasi_id, id of that answer)."""
    return (
        select(LacakKonfirmasi.aspirasi_id, func.max(LacakKonfirmasi.id).label("kid"))
        .group_by(LacakKonfirmasi.aspirasi_id)
        .subquery()
    )
