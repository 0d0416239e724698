"""Photo reads: lists, thumbnails, before/after pairs, photos for the brief."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from db.auth.roles import Actor
from db.foto.services import KINDS, Owner, _active
from db.foto.storage import read_file
from db.schema import Aspirasi, Foto, JanjiRiwayat, Kategori, Rembuk, RembukKelurahan


def can_see_private(actor: Actor | None) -> bool:
    """Private photos: staff and admin only (pimpinan, Mode Rembuk and the PDF never)."""
    return actor is not None and actor.can("data_pribadi")


# --- reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FotoInfo:
    id: int
    jenis: str
    sha256: str
    sha256_thumb: str
    lebar: int
    tinggi: int
    ukuran: int
    nama_berkas: str | None
    privat: bool
    disamarkan: bool
    diunggah_oleh: str
    diunggah_pada: dt.datetime
    dihapus_pada: dt.datetime | None = None
    pemilik_id: int | None = None

    @property
    def label(self) -> str:
        return KINDS.get(self.jenis, self.jenis)


_COLUMNS = [
    Foto.id,
    Foto.jenis,
    Foto.sha256,
    Foto.sha256_thumb,
    Foto.lebar,
    Foto.tinggi,
    Foto.ukuran,
    Foto.nama_berkas,
    Foto.privat,
    Foto.disamarkan,
    Foto.diunggah_oleh,
    Foto.diunggah_pada,
    Foto.dihapus_pada,
]


def _info(r, pemilik_id=None) -> FotoInfo:
    return FotoInfo(*r[: len(_COLUMNS)], pemilik_id=pemilik_id)


def list_foto(
    engine: Engine,
    pemilik: Owner | Sequence[Owner],
    actor: Actor | None,
    *,
    layar: bool = False,
    dihapus: bool = False,
) -> list[FotoInfo]:
    """Photos of one owner (or several of the same kind), oldest first. ``layar=True`` = a public screen
    (projector, PDF): private photos are left out whoever is looking; so they are for roles without
    personal-data access. ``dihapus=True``: only the soft-deleted ones (admin purge list)."""
    owners = [pemilik] if isinstance(pemilik, Owner) else list(pemilik)
    if not owners:
        return []
    col = owners[0].kolom
    q = select(*_COLUMNS, col).where(col.in_([p.id for p in owners]))
    q = q.where(Foto.dihapus_pada.is_not(None) if dihapus else _active())
    if layar or not can_see_private(actor):
        q = q.where(Foto.privat.is_(False))
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(Foto.diunggah_pada, Foto.id)).all()
    return [_info(r, r[-1]) for r in rows]


def version(engine: Engine) -> tuple:
    """The data fingerprint of the caches (every photo change moves it, so a photo made private disappears
    from Mode Rembuk and the Peta on the next rerun, never after a ttl): db.fingerprint.get_fingerprint."""
    from db.fingerprint import get_fingerprint

    return get_fingerprint(engine)


def count_active(engine: Engine, pemilik: Owner) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).where(pemilik.kolom == pemilik.id, _active())) or 0


def janji_progress(engine: Engine, janji_id: int) -> list[tuple[int, dt.datetime, int, str]]:
    """Progress entries of a janji, newest first: (id, waktu, progres, status)."""
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(JanjiRiwayat.id, JanjiRiwayat.waktu, JanjiRiwayat.progres, JanjiRiwayat.status)
                .where(JanjiRiwayat.janji_id == janji_id)
                .order_by(JanjiRiwayat.waktu.desc(), JanjiRiwayat.id.desc())
            )
        ]


def foto_janji(engine: Engine, janji_id: int, actor: Actor | None) -> list[FotoInfo]:
    """Photos of every progress entry of a janji (``pemilik_id`` = the entry)."""
    ids = [r[0] for r in janji_progress(engine, janji_id)]
    return list_foto(engine, [Owner("janji_riwayat", i) for i in ids], actor)


def thumbnail_per_aspirasi(
    engine: Engine, nomor: Sequence[str], actor: Actor | None, *, layar: bool = False
) -> dict[str, FotoInfo]:
    """One photo per aspiration (by ticket number): the first 'sebelum', else the first of any kind."""
    if not nomor:
        return {}
    q = (
        select(*_COLUMNS, Aspirasi.nomor)
        .join(Aspirasi, Aspirasi.id == Foto.aspirasi_id)
        .where(Aspirasi.nomor.in_(list(nomor)), _active())
    )
    if layar or not can_see_private(actor):
        q = q.where(Foto.privat.is_(False))
    out: dict[str, FotoInfo] = {}
    with engine.connect() as conn:
        for r in conn.execute(q.order_by(Foto.diunggah_pada, Foto.id)):
            info = _info(r)
            cur = out.get(r[-1])
            if cur is None or (cur.jenis != "sebelum" and info.jenis == "sebelum"):
                out[r[-1]] = info
    return out


@dataclass(frozen=True)
class BeforeAfter:
    """'Sebelum → Sesudah' of one resolved aspiration (public screen: no private photo, no citizen text)."""

    aspirasi_id: int
    nomor: str
    kategori: str
    rw: int | None
    tanggal_selesai: dt.date
    sebelum: FotoInfo | None
    sesudah: FotoInfo


def last_rembuk_date(conn: Connection, kelurahan_kode: str, today: dt.date) -> dt.date | None:
    """Date of the last held rembuk of a kelurahan before ``today``."""
    return conn.scalar(
        select(func.max(Rembuk.tanggal))
        .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
        .where(RembukKelurahan.kelurahan_kode == kelurahan_kode, Rembuk.status == "terlaksana", Rembuk.tanggal < today)
    )


NO_REMBUK_DAYS = 180


def before_after(engine: Engine, kelurahan_kode: str, today: dt.date, limit: int = 10) -> list[BeforeAfter]:
    """Aspirations of a kelurahan resolved since its last rembuk (or the last 180 days when it had none)
    that carry a 'sesudah' photo, newest first, with their first 'sebelum' photo. Never private photos."""
    with engine.connect() as conn:
        since = last_rembuk_date(conn, kelurahan_kode, today) or today - dt.timedelta(days=NO_REMBUK_DAYS)
        base = (
            select(Aspirasi.id, Aspirasi.nomor, Kategori.nama, Aspirasi.rw, Aspirasi.tanggal_selesai)
            .join(Kategori, Kategori.id == Aspirasi.kategori_id)
            .where(
                Aspirasi.kelurahan_kode == kelurahan_kode,
                Aspirasi.status == "selesai",
                Aspirasi.tanggal_selesai >= since,
                Aspirasi.tanggal_selesai <= today,
                select(Foto.id)
                .where(Foto.aspirasi_id == Aspirasi.id, Foto.jenis == "sesudah", _active(), Foto.privat.is_(False))
                .exists(),
            )
            .order_by(Aspirasi.tanggal_selesai.desc(), Aspirasi.id.desc())
            .limit(limit)
        )
        asp = conn.execute(base).all()
        ids = [a.id for a in asp]
        fotos = conn.execute(
            select(*_COLUMNS, Foto.aspirasi_id)
            .where(
                Foto.aspirasi_id.in_(ids),
                Foto.jenis.in_(("sebelum", "sesudah")),
                _active(),
                Foto.privat.is_(False),
            )
            .order_by(Foto.diunggah_pada, Foto.id)
        ).all()
    first: dict[tuple[int, str], FotoInfo] = {}
    last_sesudah: dict[int, FotoInfo] = {}
    for r in fotos:
        info = _info(r, r[-1])
        first.setdefault((r[-1], info.jenis), info)
        if info.jenis == "sesudah":
            last_sesudah[r[-1]] = info
    return [
        BeforeAfter(a.id, a.nomor, a.nama, a.rw, a.tanggal_selesai, first.get((a.id, "sebelum")), last_sesudah[a.id])
        for a in asp
        if a.id in last_sesudah
    ]


def brief_foto(engine: Engine, kelurahan_kode: str, today: dt.date, limit: int = 6, root: Path | None = None):
    """Thumbnail pairs for the PDF brief: [(caption, sebelum bytes | None, sesudah bytes)] (no private photo)."""
    out = []
    for p in before_after(engine, kelurahan_kode, today, limit):
        sesudah = read_file(p.sesudah.sha256_thumb, root)
        if sesudah is None:
            continue
        sebelum = read_file(p.sebelum.sha256_thumb, root) if p.sebelum else None
        rw = f", RW {p.rw:02d}" if p.rw else ""
        out.append((f"{p.kategori}{rw} - selesai {p.tanggal_selesai:%d/%m/%Y}", sebelum, sesudah))
    return out
