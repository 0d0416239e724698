"""Photos (issue 15), the writes: saving, the privacy flag, blurring, deleting and purging, and the evidence
rule. Image processing is in db/foto/images.py, the file store in db/foto/storage.py, reads in db/foto/queries.py.

No Streamlit here. The life of a photo:

1. :func:`db.foto.images.process` takes the uploaded bytes and refuses anything that is not a sound JPEG/PNG/WebP (HEIC
   too when ``pillow-heif`` is installed): too big (> 20 MB), too many pixels (> 50 MP, decompression
   bombs), truncated, SVG/PDF/HTML under an image name. It reads the GPS point (offered to staff as the
   aspiration's location), applies the EXIF orientation, and re-encodes with Pillow into a **display
   copy** (longest side <= 1600 px, JPEG) and a **thumbnail** (<= 320 px, JPEG). Neither carries any
   EXIF/XMP/ICC/comment: what is stored is Pillow's pixels, never the uploaded bytes. The original is
   not kept (it carries the GPS and camera fields we promise to strip, and 3-10 MB per phone photo
   for no gain: 1600 px is enough to see a patched pothole on a projector).
2. :func:`save_foto` writes both files into the store (``KULAKAN_FOTO_DIR``, content-addressed by
   SHA-256: ``ab/abcdef....jpg``) *then* commits the rows: a crash leaves at most files without a
   row, which :func:`db.foto.storage.check_foto` (``python -m db check-foto``) removes; it also reports rows whose
   file is missing.
3. Reads filter by role: photos flagged ``privat`` ("jangan tampilkan di layar/proyektor") are only
   for roles with personal-data access, never for pimpinan, Mode Rembuk or the PDF brief.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from db.aspirasi.workflow import TransitionRejected
from db.audit import write_audit
from db.auth.roles import Actor
from db.engine import write_lock
from db.foto.images import FotoRejected, PreparedFoto, _from_image, blur_image, process
from db.foto.storage import _delete_if_unused, read_file, write_file
from db.schema import Aspirasi, Bimtek, Foto, Janji, JanjiRiwayat, Kategori, Kelurahan, Rembuk, utcnow

Image.init()  # every plugin registered, so ``formats=`` below names only ones that exist
MAX_PER_ASPIRASI = 10

KINDS = {"sebelum": "Sebelum", "proses": "Proses", "sesudah": "Sesudah", "dokumentasi": "Dokumentasi"}
OWNERS = {
    "aspirasi": (Foto.aspirasi_id, ("sebelum", "proses", "sesudah")),
    "janji_riwayat": (Foto.janji_riwayat_id, ("proses", "sesudah")),
    "rembuk": (Foto.rembuk_id, ("dokumentasi",)),
    "bimtek": (Foto.bimtek_id, ("dokumentasi",)),
}


class FotoEvidenceMissing(TransitionRejected):
    """Closing as 'selesai' needs a 'sesudah' photo for this category."""


# --- owners, roles, audit -------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """The record a photo belongs to: jenis in PEMILIK, and its id."""

    jenis: str
    id: int

    @property
    def kolom(self):
        return OWNERS[self.jenis][0]


def _owner_kecamatan(conn: Connection, p: Owner) -> str | None:
    """Kecamatan of the owner (for scoped staff), raising FotoDitolak when the owner does not exist."""
    if p.jenis == "aspirasi":
        q = select(Kelurahan.kecamatan_kode).join(Aspirasi, Aspirasi.kelurahan_kode == Kelurahan.kode)
        q = q.where(Aspirasi.id == p.id)
    elif p.jenis == "janji_riwayat":
        q = (
            select(Kelurahan.kecamatan_kode)
            .join(Janji, Janji.kelurahan_kode == Kelurahan.kode)
            .join(JanjiRiwayat, JanjiRiwayat.janji_id == Janji.id)
            .where(JanjiRiwayat.id == p.id)
        )
    elif p.jenis == "rembuk":
        if conn.scalar(select(Rembuk.id).where(Rembuk.id == p.id)) is None:
            raise FotoRejected("Rembuk tidak ditemukan.")
        return None
    elif p.jenis == "bimtek":
        if conn.scalar(select(Bimtek.id).where(Bimtek.id == p.id)) is None:
            raise FotoRejected("Bimtek tidak ditemukan.")
        return None
    else:
        raise FotoRejected("Pemilik foto tidak dikenal.")
    kec = conn.scalar(q)
    if kec is None:
        raise FotoRejected("Data pemilik foto tidak ditemukan.")
    return kec


def _active():
    return Foto.dihapus_pada.is_(None)


# --- writes ----------------------------------------------------------------------------------------


def save_foto(
    engine: Engine,
    actor: Actor,
    pemilik: Owner,
    jenis: str,
    fotos: Sequence[PreparedFoto],
    *,
    privat: bool = False,
    root: Path | None = None,
) -> list[int]:
    """Store photos of one owner: files first, then the rows in one transaction. Returns the new ids."""
    actor.require("tulis")
    if pemilik.jenis not in OWNERS:
        raise FotoRejected("Pemilik foto tidak dikenal.")
    if jenis not in OWNERS[pemilik.jenis][1]:
        raise FotoRejected(f"Jenis foto '{jenis}' tidak berlaku di sini.")
    if not fotos:
        return []
    with engine.begin() as conn:
        write_lock(conn)
        kec = _owner_kecamatan(conn, pemilik)
        if kec:
            actor.require_area(kec)
        if pemilik.jenis == "aspirasi":
            ada = conn.scalar(select(func.count()).where(Foto.aspirasi_id == pemilik.id, _active()))
            if ada + len(fotos) > MAX_PER_ASPIRASI:
                raise FotoRejected(
                    f"Satu aspirasi paling banyak {MAX_PER_ASPIRASI} foto (sudah {ada}, ditambah {len(fotos)})."
                    " Hapus foto lama atau pilih lebih sedikit."
                )
        now = utcnow()
        rows = []
        for f in fotos:
            # Write the files before the rows commit: a crash leaves only orphan files (check-foto).
            write_file(f.display, root)
            write_file(f.thumb, root)
            rows.append(
                {
                    "aspirasi_id": None,
                    "janji_riwayat_id": None,
                    "rembuk_id": None,
                    "bimtek_id": None,
                    pemilik.kolom.key: pemilik.id,
                    "jenis": jenis,
                    **f.columns(),
                    "privat": bool(privat),
                    "diunggah_oleh": actor.username,
                    "diunggah_pada": now,
                    "diubah_pada": now,
                }
            )
        ids = [conn.execute(insert(Foto).values(**r).returning(Foto.id)).scalar_one() for r in rows]
        write_audit(
            conn, "foto_unggah", actor.username, pemilik=pemilik.jenis, pemilik_id=pemilik.id, jenis=jenis, foto=ids
        )
    return ids


def _foto_row(conn: Connection, foto_id: int):
    row = conn.execute(select(Foto.__table__).where(Foto.id == foto_id)).first()
    if row is None:
        raise FotoRejected("Foto tidak ditemukan.")
    return row


def _owner_of(row) -> Owner:
    for jenis, (col, _) in OWNERS.items():
        if getattr(row, col.key) is not None:
            return Owner(jenis, getattr(row, col.key))
    raise FotoRejected("Foto tanpa pemilik.")


def _can_change(conn: Connection, actor: Actor, row) -> None:
    actor.require("tulis")
    kec = _owner_kecamatan(conn, _owner_of(row))
    if kec:
        actor.require_area(kec)


def update_private(engine: Engine, actor: Actor, foto_id: int, privat: bool) -> None:
    """Mark (or unmark) a photo "jangan tampilkan di layar/proyektor" (audited)."""
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        _can_change(conn, actor, row)
        conn.execute(update(Foto).where(Foto.id == foto_id).values(privat=bool(privat), diubah_pada=utcnow()))
        write_audit(conn, "foto_privat", actor.username, foto=foto_id, privat=bool(privat))


def delete_foto(engine: Engine, actor: Actor, foto_id: int, alasan: str) -> None:
    """Soft delete (audited): hidden everywhere, bytes kept until an admin purges."""
    alasan = " ".join((alasan or "").split())
    if not alasan:
        raise FotoRejected("Tulis alasan penghapusan foto.")
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        _can_change(conn, actor, row)
        if row.dihapus_pada is not None:
            raise FotoRejected("Foto ini sudah dihapus.")
        now = utcnow()
        conn.execute(
            update(Foto)
            .where(Foto.id == foto_id)
            .values(dihapus_pada=now, dihapus_oleh=actor.username, diubah_pada=now)
        )
        write_audit(conn, "foto_hapus", actor.username, foto=foto_id, alasan=alasan[:500])


def purge_foto(engine: Engine, actor: Actor, foto_id: int, root: Path | None = None) -> None:
    """Admin: remove a soft-deleted photo for good (row, then files no other photo uses)."""
    actor.require("admin")
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        if row.dihapus_pada is None:
            raise FotoRejected("Hanya foto yang sudah dihapus yang dapat dimusnahkan.")
        shas = (row.sha256, row.sha256_thumb)
        conn.execute(delete(Foto).where(Foto.id == foto_id))
        write_audit(conn, "foto_musnah", actor.username, foto=foto_id)
    with engine.begin() as conn:
        _delete_if_unused(conn, shas, root)


def blur_foto(
    engine: Engine,
    actor: Actor,
    foto_id: int,
    kotak: tuple[float, float, float, float],
    *,
    radius: int = 24,
    root: Path | None = None,
) -> None:
    """Replace a photo by a version with ``kotak`` blurred (FixMyStreet-style redaction); the unblurred
    files are removed from the store when no other photo uses them."""
    with engine.connect() as conn:
        row = _foto_row(conn, foto_id)
    display = read_file(row.sha256, root)
    if display is None:
        raise FotoRejected("Berkas foto tidak ada di penyimpanan; jalankan `python -m db check-foto`.")
    img = blur_image(display, kotak, radius)
    baru = _from_image(img, row.nama_berkas or "foto", row.ukuran, None)
    with engine.begin() as conn:
        row = _foto_row(conn, foto_id)
        _can_change(conn, actor, row)
        write_file(baru.display, root)
        write_file(baru.thumb, root)
        conn.execute(
            update(Foto)
            .where(Foto.id == foto_id)
            .values(
                sha256=baru.sha256,
                sha256_thumb=baru.sha256_thumb,
                ukuran=len(baru.display),
                ukuran_thumb=len(baru.thumb),
                lebar=baru.lebar,
                tinggi=baru.tinggi,
                disamarkan=True,
                diubah_pada=utcnow(),
            )
        )
        write_audit(conn, "foto_samarkan", actor.username, foto=foto_id, kotak=[round(v, 3) for v in kotak])
        old = (row.sha256, row.sha256_thumb)
    with engine.begin() as conn:
        _delete_if_unused(conn, old, root)


# --- the evidence rule -------------------------------------------------------------------------------


def check_completion_evidence(conn: Connection, aspirasi_id: int, ke: str) -> None:
    """Raise BuktiFotoKurang when ``ke`` is 'selesai', the category requires a 'sesudah' photo and the
    aspiration has none (active). Called by db.aspirasi.services.update_status inside its transaction."""
    if ke != "selesai":
        return
    row = conn.execute(
        select(Kategori.nama, Kategori.bukti_sesudah_wajib)
        .join(Aspirasi, Aspirasi.kategori_id == Kategori.id)
        .where(Aspirasi.id == aspirasi_id)
    ).first()
    if row is None or not row.bukti_sesudah_wajib:
        return
    n = conn.scalar(select(func.count()).where(Foto.aspirasi_id == aspirasi_id, Foto.jenis == "sesudah", _active()))
    if not n:
        raise FotoEvidenceMissing(
            f"Kategori '{row.nama}' mewajibkan bukti foto sesudah: unggah minimal satu foto berjenis "
            "'Sesudah' (bagian Foto pada detail aspirasi) sebelum menandai aspirasi ini Selesai."
        )


def evidence_required(engine: Engine, aspirasi_id: int) -> bool:
    """Whether the category of this aspiration requires a 'sesudah' photo to close."""
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                select(Kategori.bukti_sesudah_wajib)
                .join(Aspirasi, Aspirasi.kategori_id == Kategori.id)
                .where(Aspirasi.id == aspirasi_id)
            )
        )


def evidence_kategori(engine: Engine) -> dict[str, tuple[str, bool]]:
    """kode -> (nama, bukti sesudah wajib) of every category."""
    with engine.connect() as conn:
        rows = conn.execute(select(Kategori.kode, Kategori.nama, Kategori.bukti_sesudah_wajib).order_by(Kategori.nama))
        return {k: (n, bool(w)) for k, n, w in rows}


def set_evidence_required(engine: Engine, actor: Actor, kode_wajib: Iterable[str]) -> None:
    """Admin: the categories whose aspirations need a 'sesudah' photo to be closed as Selesai."""
    actor.require("admin")
    kode_wajib = sorted(set(kode_wajib))
    with engine.begin() as conn:
        known = set(conn.scalars(select(Kategori.kode)))
        if unknown := set(kode_wajib) - known:
            raise FotoRejected(f"Kategori tidak dikenal: {', '.join(sorted(unknown))}.")
        conn.execute(update(Kategori).values(bukti_sesudah_wajib=Kategori.kode.in_(kode_wajib)))
        write_audit(conn, "kategori_bukti_foto", actor.username, wajib=kode_wajib)


def upload(
    engine: Engine,
    actor: Actor,
    pemilik: Owner,
    jenis: str,
    berkas: Sequence[tuple[str, bytes]],
    *,
    privat: bool = False,
    root: Path | None = None,
) -> list[int]:
    """Check every (name, bytes) first — one refused file refuses all, nothing written — then store them."""
    actor.require("tulis")
    return save_foto(engine, actor, pemilik, jenis, [process(d, n) for n, d in berkas], privat=privat, root=root)
