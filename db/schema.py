"""The one schema module of Kulakan (SQLAlchemy 2.0 typed ORM).

Change it only together with an Alembic migration in ``db/migrations/versions``.
Codes (kecamatan, kelurahan) are Kemendagri codes; names are never keys.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names, so migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- reference data -------------------------------------------------------------------------


class Kecamatan(Base):
    __tablename__ = "kecamatan"

    kode: Mapped[str] = mapped_column(String(8), primary_key=True)  # 35.73.01
    nama: Mapped[str] = mapped_column(String(64), unique=True)

    kelurahan: Mapped[list[Kelurahan]] = relationship(back_populates="kecamatan")


class Kelurahan(Base):
    __tablename__ = "kelurahan"

    kode: Mapped[str] = mapped_column(String(13), primary_key=True)  # 35.73.01.1001
    nama: Mapped[str] = mapped_column(String(64))
    kecamatan_kode: Mapped[str] = mapped_column(ForeignKey("kecamatan.kode"), index=True)
    # Indicative counts (geo/data/rt_rw.csv); an admin may replace them with official figures.
    jumlah_rw: Mapped[int] = mapped_column(Integer)
    jumlah_rt: Mapped[int] = mapped_column(Integer)
    kode_pos: Mapped[str | None] = mapped_column(String(5))
    luas_km2: Mapped[float | None] = mapped_column(Float)

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")


class Lembaga(Base):
    """A community institution: an RT, an RW or the LPMK of a kelurahan."""

    __tablename__ = "lembaga"
    __table_args__ = (
        UniqueConstraint("kelurahan_kode", "jenis", "rw", "rt", name="uq_lembaga_unit"),
        CheckConstraint("jenis IN ('RT', 'RW', 'LPMK')", name="jenis"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_kode: Mapped[str] = mapped_column(ForeignKey("kelurahan.kode"), index=True)
    jenis: Mapped[str] = mapped_column(String(4))
    rw: Mapped[int | None] = mapped_column(Integer)  # null for the LPMK
    rt: Mapped[int | None] = mapped_column(Integer)  # null for an RW and the LPMK


class Opd(Base):
    """A city agency (Organisasi Perangkat Daerah)."""

    __tablename__ = "opd"

    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str] = mapped_column(String(16), unique=True)
    nama: Mapped[str] = mapped_column(String(160))


class Kategori(Base):
    __tablename__ = "kategori"

    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str] = mapped_column(String(32), unique=True)
    nama: Mapped[str] = mapped_column(String(80), unique=True)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    # Service-level target: working days from receipt to resolution.
    sla_hari_kerja: Mapped[int] = mapped_column(Integer)
    # Admin setting (issue 15): such an aspirasi can only become 'selesai' with a 'sesudah' photo.
    bukti_sesudah_wajib: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    opd: Mapped[Opd | None] = relationship()


class CutiBersama(Base):
    """Collective leave days, not in the `holidays` package; editable by an admin."""

    __tablename__ = "cuti_bersama"

    tanggal: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    keterangan: Mapped[str] = mapped_column(String(160))


class AppMeta(Base):
    """Small key/value facts about the database (e.g. whether demo data is loaded)."""

    __tablename__ = "app_meta"

    kunci: Mapped[str] = mapped_column(String(64), primary_key=True)
    nilai: Mapped[str] = mapped_column(Text)


# --- rembuk and commitments ---------------------------------------------------------------------


class Rembuk(Base):
    """One Friday-morning meeting of the mayor with the institutions of one or more kelurahan."""

    __tablename__ = "rembuk"
    __table_args__ = (
        CheckConstraint("status IN ('dijadwalkan', 'terlaksana', 'dibatalkan', 'ditunda')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tanggal: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    hadir_rt: Mapped[int | None] = mapped_column(Integer)
    hadir_rw: Mapped[int | None] = mapped_column(Integer)
    hadir_lpmk: Mapped[int | None] = mapped_column(Integer)
    hadir_warga: Mapped[int | None] = mapped_column(Integer)
    opd_hadir: Mapped[str | None] = mapped_column(Text)  # comma-separated OPD codes
    catatan: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    dibuat_oleh: Mapped[str | None] = mapped_column(String(64))
    dibuat_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    tuan_rumah: Mapped[list[RembukKelurahan]] = relationship(back_populates="rembuk", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class RembukKelurahan(Base):
    """Host kelurahan of a rembuk (usually one, sometimes two or three)."""

    __tablename__ = "rembuk_kelurahan"

    rembuk_id: Mapped[int] = mapped_column(ForeignKey("rembuk.id", ondelete="CASCADE"), primary_key=True)
    kelurahan_kode: Mapped[str] = mapped_column(ForeignKey("kelurahan.kode"), primary_key=True, index=True)

    rembuk: Mapped[Rembuk] = relationship(back_populates="tuan_rumah")


class Janji(Base):
    """A commitment made at a rembuk, tracked to completion."""

    __tablename__ = "janji"
    __table_args__ = (
        CheckConstraint("progres BETWEEN 0 AND 100", name="progres"),
        CheckConstraint("status IN ('belum', 'proses', 'selesai', 'batal')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rembuk_id: Mapped[int] = mapped_column(ForeignKey("rembuk.id"), index=True)
    kelurahan_kode: Mapped[str] = mapped_column(ForeignKey("kelurahan.kode"), index=True)
    aspirasi_id: Mapped[int | None] = mapped_column(ForeignKey("aspirasi.id"), index=True)
    teks: Mapped[str] = mapped_column(Text)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    tenggat: Mapped[dt.date | None] = mapped_column(Date)
    progres: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="belum", index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    dibuat_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    diubah_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class JanjiRiwayat(Base):
    """History of updates to a commitment."""

    __tablename__ = "janji_riwayat"

    id: Mapped[int] = mapped_column(primary_key=True)
    janji_id: Mapped[int] = mapped_column(ForeignKey("janji.id", ondelete="CASCADE"), index=True)
    waktu: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    oleh: Mapped[str] = mapped_column(String(64))
    progres: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    catatan: Mapped[str | None] = mapped_column(Text)


# --- aspirations -------------------------------------------------------------------------------


# The Peta's point sample: an aspiration's bucket is ``id % 4096 * 2531 % 4096`` (db/aspirasi/map_data.py
# ``sample_bucket``, index ix_aspirasi_sampel below).
SAMPLE_BUCKETS = 4096
SAMPLE_STEP = 2531


class Aspirasi(Base):
    __tablename__ = "aspirasi"
    __table_args__ = (
        CheckConstraint("rw IS NULL OR rw >= 1", name="rw"),
        CheckConstraint("rt IS NULL OR rt >= 1", name="rt"),
        CheckConstraint("sumber IN ('RT', 'RW', 'LPMK', 'warga', 'lainnya')", name="sumber"),
        # The filters of the map and the table (open x due date, kelurahan x date, category, status). Each
        # index costs every inserted row, under a big import's write lock: few, and partial where the rows
        # an import adds need no entry (migration 0011).
        Index("ix_aspirasi_terbuka_tenggat", "terbuka", "tenggat"),
        Index("ix_aspirasi_kelurahan_diterima", "kelurahan_kode", "tanggal_diterima"),
        # Open aspirations per kelurahan in receipt order: the median open age and the open counts
        # read this small partial index instead of the whole archive; with the OPD and due date it
        # also answers Kinerja OPD's "open now" measures by itself (an index-only scan; migration 0011).
        Index(
            "ix_aspirasi_terbuka_kelurahan_diterima",
            "kelurahan_kode",
            "tanggal_diterima",
            "id",
            "opd_id",
            "tenggat",
            "terbuka",
            postgresql_where=text("terbuka"),
            # SQLite uses a partial index only for a query term written the same way, and SQLAlchemy writes
            # a true boolean column as ``terbuka = 1`` there.
            sqlite_where=text("terbuka = 1"),
        ),
        # Kinerja OPD: due in a period (the trend reads a period, not the archive).
        # Received / closed in a period, with what Kinerja OPD counts of them, so its period measures and
        # medians read only the index (migration 0011). Closed ones only: an import adds no entry.
        # With id second it is also the Aspirasi list's order (newest first; migration 0016).
        Index("ix_aspirasi_tanggal_diterima", "tanggal_diterima", "id", "opd_id", "kelurahan_kode"),
        Index(
            "ix_aspirasi_tanggal_selesai",
            "tanggal_selesai",
            "opd_id",
            "kelurahan_kode",
            "status",
            "hari_kerja_selesai",
            "kategori_id",
            "id",
            postgresql_where=text("tanggal_selesai IS NOT NULL"),
            sqlite_where=text("tanggal_selesai IS NOT NULL"),
        ),
        Index(
            "ix_aspirasi_rembuk_id",
            "rembuk_id",
            postgresql_where=text("rembuk_id IS NOT NULL"),
            sqlite_where=text("rembuk_id IS NOT NULL"),
        ),
        Index("ix_aspirasi_tenggat", "tenggat"),
        # The Peta's point sample (db/aspirasi/map_data.py): per kelurahan the first buckets of
        # id % 4096 * 2531 % 4096 with what the map draws, read from the index alone (migration 0017).
        Index(
            "ix_aspirasi_sampel",
            "kelurahan_kode",
            text(f"(id % {SAMPLE_BUCKETS} * {SAMPLE_STEP} % {SAMPLE_BUCKETS})"),
            "lat",
            "lon",
            "status",
            "terbuka",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomor: Mapped[str] = mapped_column(String(20), unique=True)  # ticket number ASP-2025-000123
    judul: Mapped[str] = mapped_column(String(200))
    deskripsi: Mapped[str] = mapped_column(Text, default="")
    kategori_id: Mapped[int] = mapped_column(ForeignKey("kategori.id"), index=True)
    kelurahan_kode: Mapped[str] = mapped_column(ForeignKey("kelurahan.kode"))
    rw: Mapped[int | None] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    sumber: Mapped[str] = mapped_column(String(8))
    lembaga_id: Mapped[int | None] = mapped_column(ForeignKey("lembaga.id"))
    # Personal data: shown only to roles allowed to see it (issue 7), never on the map.
    pelapor_nama: Mapped[str | None] = mapped_column(String(120))
    pelapor_telepon: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    kanal: Mapped[str] = mapped_column(String(16))
    tanggal_diterima: Mapped[dt.date] = mapped_column(Date)
    rembuk_id: Mapped[int | None] = mapped_column(ForeignKey("rembuk.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    terbuka: Mapped[bool] = mapped_column(Boolean)
    # Not indexed (migration 0011): the per-OPD readers go through the open / received / closed indexes,
    # which hold opd_id; on its own it led SQLite to walk the whole table in OPD order.
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    prioritas: Mapped[str] = mapped_column(String(8), default="sedang")
    tenggat: Mapped[dt.date | None] = mapped_column(Date)
    tanggal_selesai: Mapped[dt.date | None] = mapped_column(Date)
    # Time to resolve in working days, written when the aspirasi is closed.
    hari_kerja_selesai: Mapped[int | None] = mapped_column(Integer)
    duplikat_dari_id: Mapped[int | None] = mapped_column(ForeignKey("aspirasi.id"))
    # Reference of an imported row (file's own id): re-importing the same file does not duplicate.
    ref_eksternal: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    dibuat_oleh: Mapped[str | None] = mapped_column(String(64))
    dibuat_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Indexed: the newest change is the cheap data fingerprint of the caches (db.aspirasi.queries.data_version).
    diubah_pada: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    kategori: Mapped[Kategori] = relationship()
    kelurahan: Mapped[Kelurahan] = relationship()
    riwayat: Mapped[list[AspirasiRiwayat]] = relationship(back_populates="aspirasi", order_by="AspirasiRiwayat.waktu")

    __mapper_args__ = {"version_id_col": version}


class AspirasiRiwayat(Base):
    """Audit trail of an aspirasi: who changed what, when, from which status to which, and why."""

    __tablename__ = "aspirasi_riwayat"
    __table_args__ = (
        # Kinerja OPD: reopenings after Selesai in a period.
        # Partial: a first entry (no previous status, e.g. each imported row) needs none.
        Index(
            "ix_aspirasi_riwayat_dibuka_kembali",
            "dari_status",
            "waktu",
            postgresql_where=text("dari_status IS NOT NULL"),
            sqlite_where=text("dari_status IS NOT NULL"),
        ),
        # The admin audit view pages newest first (keyset on waktu, id).
        Index("ix_aspirasi_riwayat_waktu_id", "waktu", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aspirasi_id: Mapped[int] = mapped_column(ForeignKey("aspirasi.id", ondelete="CASCADE"), index=True)
    waktu: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    oleh: Mapped[str] = mapped_column(String(64))
    dari_status: Mapped[str | None] = mapped_column(String(20))
    ke_status: Mapped[str] = mapped_column(String(20))
    catatan: Mapped[str | None] = mapped_column(Text)

    aspirasi: Mapped[Aspirasi] = relationship(back_populates="riwayat")


# --- rollups of aspirasi (db/aspirasi/rollups.py keeps them current in every write transaction) -------------
# Derived data: what the default views of Beranda and Peta count, so a first view reads a few thousand
# small rows instead of the archive. `python -m db check-rollups` recounts them from scratch.


class RekapAspirasi(Base):
    """Aspirations per kelurahan × kategori × status (and the stored open flag)."""

    __tablename__ = "rekap_aspirasi"

    kelurahan_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    kategori_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    terbuka: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    jumlah: Mapped[int] = mapped_column(Integer)


class RekapTerbuka(Base):
    """Open aspirations per kelurahan and day: received that day (``diterima``, for the median open age)
    and due that day (``jatuh_tempo``, for 'lewat tenggat' on any later day)."""

    __tablename__ = "rekap_terbuka"

    kelurahan_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    tanggal: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    diterima: Mapped[int] = mapped_column(Integer)
    jatuh_tempo: Mapped[int] = mapped_column(Integer)


class RekapTerbukaBulan(Base):
    """Open aspirations per kelurahan and month of receipt: the median open age finds the month of the
    middle one(s) here, then reads only that month's days from rekap_terbuka (bounded by 57 × months)."""

    __tablename__ = "rekap_terbuka_bulan"

    kelurahan_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    bulan: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # first day of the month
    diterima: Mapped[int] = mapped_column(Integer)


class RekapSelesai(Base):
    """Aspirations with status 'selesai' per month of closing × working days taken. A missing date or
    duration is stored as NO_MONTH / NO_WORKDAYS (db/aspirasi/rollups.py) so the key stays unique."""

    __tablename__ = "rekap_selesai"

    bulan: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # first day of the month
    hari_kerja: Mapped[int] = mapped_column(Integer, primary_key=True)
    jumlah: Mapped[int] = mapped_column(Integer)


class RekapBerlokasi(Base):
    """Aspirations with a location (lat and lon) per kelurahan and open flag: the Peta's "N titik" total."""

    __tablename__ = "rekap_berlokasi"

    kelurahan_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    terbuka: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    jumlah: Mapped[int] = mapped_column(Integer)


class RekapOpdHari(Base):
    """Aspirations with an OPD per day and OPD: received that day (``diterima``, any status) and closed
    as 'bukan kewenangan kota' that day (``bukan_kewenangan``): the Kinerja OPD scorecard's period counts."""

    __tablename__ = "rekap_opd_hari"

    tanggal: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # first: the scorecard reads a date range
    opd_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diterima: Mapped[int] = mapped_column(Integer)
    bukan_kewenangan: Mapped[int] = mapped_column(Integer)


class RekapOpdTerbuka(Base):
    """Open aspirations per OPD and day: received that day (``diterima``: open now, the oldest open) and
    due that day (``jatuh_tempo``: 'lewat tenggat' on any later day)."""

    __tablename__ = "rekap_opd_terbuka"

    opd_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tanggal: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    diterima: Mapped[int] = mapped_column(Integer)
    jatuh_tempo: Mapped[int] = mapped_column(Integer)


class RekapOpdSelesai(Base):
    """Aspirations with an OPD closed as 'selesai' per day of closing × OPD × kategori × working days
    taken (NO_WORKDAYS when unknown): the scorecard's Selesai, tepat waktu (the kategori's target
    is read when counting, so a changed target needs no recount) and median working days."""

    __tablename__ = "rekap_opd_selesai"

    tanggal: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    opd_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kategori_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hari_kerja: Mapped[int] = mapped_column(Integer, primary_key=True)
    jumlah: Mapped[int] = mapped_column(Integer)


class RekapRembuk(Base):
    """Aspirations captured at each rembuk (``aspirasi.rembuk_id``): the Rembuk list's "Aspirasi" column."""

    __tablename__ = "rekap_rembuk"

    rembuk_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jumlah: Mapped[int] = mapped_column(Integer)


class RekapRw(Base):
    """Aspirations with a location and an RW per kelurahan × RW × open flag, with the sums of their
    coordinates in millionths of a degree (truncated, so Python and SQL sum the same integers): Mode
    Rembuk's dot per RW sits at the average location without reading the kelurahan's archive."""

    __tablename__ = "rekap_rw"

    kelurahan_kode: Mapped[str] = mapped_column(String(13), primary_key=True)
    rw: Mapped[int] = mapped_column(Integer, primary_key=True)
    terbuka: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    jumlah: Mapped[int] = mapped_column(Integer)
    lat_e6: Mapped[int] = mapped_column(BigInteger)
    lon_e6: Mapped[int] = mapped_column(BigInteger)


# --- bimtek ------------------------------------------------------------------------------------


class Bimtek(Base):
    """A training event (bimbingan teknis) for RT, RW and LPMK representatives."""

    __tablename__ = "bimtek"

    id: Mapped[int] = mapped_column(primary_key=True)
    judul: Mapped[str] = mapped_column(String(200))
    tanggal: Mapped[dt.date] = mapped_column(Date, index=True)
    tempat: Mapped[str | None] = mapped_column(String(200))
    penyelenggara: Mapped[str | None] = mapped_column(String(200))
    topik: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class BimtekPeserta(Base):
    """A participant of a bimtek, representing a lembaga of a kelurahan."""

    __tablename__ = "bimtek_peserta"
    __table_args__ = (
        # Re-importing the same attendance sheet does not duplicate participants.
        UniqueConstraint("bimtek_id", "kelurahan_kode", "peran", "rw", "rt", "nama_kunci", name="uq_peserta"),
        Index("ix_peserta_kelurahan_peran", "kelurahan_kode", "peran"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bimtek_id: Mapped[int] = mapped_column(ForeignKey("bimtek.id", ondelete="CASCADE"), index=True)
    nama: Mapped[str] = mapped_column(String(120))  # personal data
    nama_kunci: Mapped[str] = mapped_column(String(120))  # normalised name, for de-duplication
    peran: Mapped[str] = mapped_column(String(16))
    kelurahan_kode: Mapped[str] = mapped_column(ForeignKey("kelurahan.kode"))
    rw: Mapped[int | None] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    diundang: Mapped[bool] = mapped_column(Boolean, default=True)
    hadir: Mapped[bool] = mapped_column(Boolean, default=True)


# --- users -------------------------------------------------------------------------------------


class Pengguna(Base):
    __tablename__ = "pengguna"
    __table_args__ = (CheckConstraint("peran IN ('pimpinan', 'staf', 'admin')", name="peran"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    nama: Mapped[str | None] = mapped_column(String(120))
    peran: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Optional scope: a staff account that sees and edits one kecamatan only.
    kecamatan_kode: Mapped[str | None] = mapped_column(ForeignKey("kecamatan.kode"))
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)
    # A one-time password (first admin, reset by an admin) must be replaced at the next login.
    wajib_ganti_sandi: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dibuat_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- settings, rotation changes, audit -------------------------------------------------------------


class Pengaturan(Base):
    """An admin-editable setting (JSON value), e.g. rotation weights or kelurahan per Friday."""

    __tablename__ = "pengaturan"

    kunci: Mapped[str] = mapped_column(String(64), primary_key=True)
    nilai: Mapped[str] = mapped_column(Text)  # JSON
    diubah_oleh: Mapped[str | None] = mapped_column(String(64))
    diubah_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class RotasiPerubahan(Base):
    """A manual change to the rotation plan: pin a kelurahan to a Friday, swap, cancel or postpone."""

    __tablename__ = "rotasi_perubahan"
    __table_args__ = (CheckConstraint("jenis IN ('pin', 'tukar', 'batal', 'tunda')", name="jenis"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jenis: Mapped[str] = mapped_column(String(8))
    tanggal: Mapped[dt.date] = mapped_column(Date, index=True)  # the Friday concerned
    tanggal_lain: Mapped[dt.date | None] = mapped_column(Date)  # swap partner / postponed-to date
    kelurahan_kode: Mapped[str | None] = mapped_column(ForeignKey("kelurahan.kode"))
    catatan: Mapped[str | None] = mapped_column(Text)
    aktif: Mapped[bool] = mapped_column(Boolean, default=True)
    oleh: Mapped[str] = mapped_column(String(64))
    waktu: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LogAudit(Base):
    """Who did what and when: logins, exports, user changes, imports (status changes have their own trail)."""

    __tablename__ = "log_audit"
    # The admin audit view pages newest first (keyset on waktu, id).
    __table_args__ = (Index("ix_log_audit_waktu_id", "waktu", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    waktu: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    oleh: Mapped[str | None] = mapped_column(String(64), index=True)
    aksi: Mapped[str] = mapped_column(String(32), index=True)  # login_ok, login_gagal, ekspor, impor, ...
    rincian: Mapped[str | None] = mapped_column(Text)  # JSON


# --- tracking links for RT/RW (issue 17) -------------------------------------------------------------


class LacakToken(Base):
    """A tracking link of one aspiration: only the SHA-256 of the token is stored (the link is shown once).

    An aspiration may have several live links (one per digest that carried it); regenerating or
    revoking in the Aspirasi detail ends all of them.
    """

    __tablename__ = "lacak_token"
    __table_args__ = (CheckConstraint("sumber IN ('detail', 'kabar')", name="sumber"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    aspirasi_id: Mapped[int] = mapped_column(ForeignKey("aspirasi.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    sumber: Mapped[str] = mapped_column(String(8))  # where it was issued: Aspirasi detail or an RW digest
    dibuat_oleh: Mapped[str] = mapped_column(String(64))
    dibuat_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dicabut_pada: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dicabut_oleh: Mapped[str | None] = mapped_column(String(64))


class LacakKonfirmasi(Base):
    """An RT/RW answer on the tracking page: 'sudah beres' or 'belum beres' (one per link per day)."""

    __tablename__ = "lacak_konfirmasi"
    __table_args__ = (
        CheckConstraint("jawaban IN ('beres', 'belum')", name="jawaban"),
        UniqueConstraint("token_id", "tanggal", name="uq_lacak_konfirmasi_token_hari"),
        Index("ix_lacak_konfirmasi_aspirasi_waktu", "aspirasi_id", "waktu"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aspirasi_id: Mapped[int] = mapped_column(ForeignKey("aspirasi.id", ondelete="CASCADE"))
    token_id: Mapped[int] = mapped_column(ForeignKey("lacak_token.id", ondelete="CASCADE"))
    tanggal: Mapped[dt.date] = mapped_column(Date)  # the city's (WIB) date of the answer
    waktu: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    jawaban: Mapped[str] = mapped_column(String(8))
    catatan: Mapped[str | None] = mapped_column(String(280))  # untrusted text, stored exactly
    klien_hash: Mapped[str] = mapped_column(String(64))  # keyed hash of the client address, never the address


class LacakAkses(Base):
    """Recent requests to the page without login, per client address hash: the rate limit across processes."""

    __tablename__ = "lacak_akses"
    __table_args__ = (
        CheckConstraint("jenis IN ('lihat', 'jawab')", name="jenis"),
        Index("ix_lacak_akses_klien_jenis_waktu", "klien_hash", "jenis", "waktu"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    klien_hash: Mapped[str] = mapped_column(String(64))
    jenis: Mapped[str] = mapped_column(String(8))
    waktu: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --- login sessions and login throttles ------------------------------------------------------------


class SesiLogin(Base):
    """A browser's login, referenced by a signed HttpOnly cookie; only a hash of its token is stored."""

    __tablename__ = "sesi_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the cookie's token (hex); NULL until the browser has exchanged its one-time nonce.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of the one-time nonce that lets the browser fetch its cookie (single use, seconds).
    nonce_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    nonce_kedaluwarsa: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    pengguna_id: Mapped[int] = mapped_column(ForeignKey("pengguna.id", ondelete="CASCADE"), index=True)
    dibuat_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    terakhir_aktif: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kedaluwarsa: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    dicabut: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    dicabut_pada: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    alamat_hash: Mapped[str | None] = mapped_column(String(64))  # keyed hash of the client address


class ThrottleLogin(Base):
    """Login attempts per key (a username, a client address, or the pair) in the current window."""

    __tablename__ = "throttle_login"
    __table_args__ = (CheckConstraint("jenis IN ('nama', 'alamat', 'pasangan')", name="jenis"),)

    kunci: Mapped[str] = mapped_column(String(160), primary_key=True)
    jenis: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(120))  # what the admin sees: username and/or masked address
    percobaan: Mapped[int] = mapped_column(Integer, default=0)  # password checks counted in this window
    jendela_mulai: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    tahan_sampai: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    terakhir: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- photos ------------------------------------------------------------------------------------


class Foto(Base):
    """A photo (issue 15): metadata here, the bytes in the photo store (db/foto/, content-addressed).

    Owned by exactly one record: an aspirasi, a janji progress entry, a rembuk or a bimtek. The stored
    image is always Pillow's re-encoding (display copy and thumbnail), never the uploaded bytes, and
    carries no EXIF. A file is written before its row is committed; ``python -m db check-foto`` removes
    files without a row. Deleting is soft (``dihapus_pada``); an admin may purge.
    """

    __tablename__ = "foto"
    __table_args__ = (
        CheckConstraint("jenis IN ('sebelum', 'proses', 'sesudah', 'dokumentasi')", name="jenis"),
        CheckConstraint(
            "(CASE WHEN aspirasi_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN janji_riwayat_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN rembuk_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN bimtek_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="satu_pemilik",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    aspirasi_id: Mapped[int | None] = mapped_column(ForeignKey("aspirasi.id", ondelete="CASCADE"), index=True)
    janji_riwayat_id: Mapped[int | None] = mapped_column(ForeignKey("janji_riwayat.id", ondelete="CASCADE"), index=True)
    rembuk_id: Mapped[int | None] = mapped_column(ForeignKey("rembuk.id", ondelete="CASCADE"), index=True)
    bimtek_id: Mapped[int | None] = mapped_column(ForeignKey("bimtek.id", ondelete="CASCADE"), index=True)
    jenis: Mapped[str] = mapped_column(String(12))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # display copy (<= 1600 px, JPEG)
    sha256_thumb: Mapped[str] = mapped_column(String(64), index=True)  # thumbnail (<= 320 px, JPEG)
    ukuran: Mapped[int] = mapped_column(Integer)  # bytes of the display copy
    ukuran_thumb: Mapped[int] = mapped_column(Integer)
    lebar: Mapped[int] = mapped_column(Integer)
    tinggi: Mapped[int] = mapped_column(Integer)
    nama_berkas: Mapped[str | None] = mapped_column(String(120))  # sanitised, for display only
    # "jangan tampilkan di layar/proyektor": never on Mode Rembuk, the PDF brief or for pimpinan.
    privat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    disamarkan: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    diunggah_oleh: Mapped[str] = mapped_column(String(64))
    diunggah_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    dihapus_oleh: Mapped[str | None] = mapped_column(String(64))
    dihapus_pada: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Every change (upload, private flag, blur, delete) moves it: the cheap fingerprint of the photo caches.
    diubah_pada: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
