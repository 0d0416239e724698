"""The host brief: what a host kelurahan needs to know before its rembuk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from db.aspirasi.status import aspirasi_overdue, status_label
from db.rembuk.janji import JANJI_COLUMNS, _janji_frame, _janji_select
from db.rembuk.records import RembukError
from db.schema import Aspirasi, Janji, Kategori, Kecamatan, Kelurahan, Opd, Rembuk, RembukKelurahan
from db.sql import count_if

# --- host brief -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastRembuk:
    id: int
    tanggal: dt.date
    tuan_rumah: list[str]  # names of all hosts of that rembuk
    hadir_rt: int | None
    hadir_rw: int | None
    hadir_lpmk: int | None
    hadir_warga: int | None
    opd_hadir: list[str]
    catatan: str | None


@dataclass(frozen=True)
class Brief:
    """What a kelurahan raised and was promised at its last rembuk, and what happened since."""

    kelurahan_kode: str
    nama: str
    kecamatan: str
    rembuk_terakhir: PastRembuk | None  # the last rembuk held there before today
    aspirasi_diangkat: pd.DataFrame  # raised at it: nomor, judul, kategori, opd, status, status_label, terbuka, ...
    janji: pd.DataFrame  # promised at it to this kelurahan (columns of janji_of_rembuk)
    janji_selesai: int
    janji_lewat_tenggat: int
    ditutup_sejak: int | None  # aspirations of the kelurahan closed after that rembuk
    baru_sejak: int | None  # aspirations received after that rembuk
    terbuka: int  # open now
    lewat_tenggat: int  # open and past the deadline now
    # OPDs with open or overdue items in the kelurahan (db.kinerja.scorecard.opd_needed_at_rembuk): who should attend.
    opd_perlu_hadir: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OPD_NEEDED_COLUMNS))


OPD_NEEDED_COLUMNS = ["opd", "nama", "terbuka", "lewat_tenggat", "janji_lewat_tenggat"]


def _opd_needed(engine: Engine, kelurahan_kode: str, today: dt.date) -> pd.DataFrame:
    from db.kinerja.scorecard import opd_needed_at_rembuk  # db.kinerja.scorecard builds on this module

    return opd_needed_at_rembuk(engine, kelurahan_kode, today)


def _kelurahan(conn, kode: str):
    row = conn.execute(
        select(Kelurahan.nama, Kecamatan.nama, Kelurahan.jumlah_rt, Kelurahan.jumlah_rw)
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .where(Kelurahan.kode == kode)
    ).first()
    if row is None:
        raise RembukError(f"Kode kelurahan tidak dikenal: {kode}.")
    return row


def _last_held(conn, kode: str, today: dt.date):
    return conn.execute(
        select(
            Rembuk.id,
            Rembuk.tanggal,
            Rembuk.hadir_rt,
            Rembuk.hadir_rw,
            Rembuk.hadir_lpmk,
            Rembuk.hadir_warga,
            Rembuk.opd_hadir,
            Rembuk.catatan,
        )
        .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
        .where(RembukKelurahan.kelurahan_kode == kode, Rembuk.status == "terlaksana", Rembuk.tanggal < today)
        .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc())
        .limit(1)
    ).first()


def host_brief(engine: Engine, kelurahan_kode: str, today: dt.date) -> Brief:
    """The brief of a host kelurahan (its last rembuk is the last one held *before* today)."""
    open_now = and_(Aspirasi.kelurahan_kode == kelurahan_kode, Aspirasi.terbuka.is_(True))
    with engine.connect() as conn:
        nama, kecamatan, _, _ = _kelurahan(conn, kelurahan_kode)
        terbuka, lewat = conn.execute(
            select(func.count(Aspirasi.id), count_if(aspirasi_overdue(today))).where(open_now)
        ).one()
        row = _last_held(conn, kelurahan_kode, today)
        if row is None:
            return Brief(
                kelurahan_kode,
                nama,
                kecamatan,
                None,
                pd.DataFrame(columns=ASPIRASI_BRIEF_COLUMNS),
                pd.DataFrame(columns=JANJI_COLUMNS),
                0,
                0,
                None,
                None,
                int(terbuka),
                int(lewat),
                _opd_needed(engine, kelurahan_kode, today),
            )
        r = row
        hosts = list(
            conn.scalars(
                select(Kelurahan.nama)
                .join(RembukKelurahan, RembukKelurahan.kelurahan_kode == Kelurahan.kode)
                .where(RembukKelurahan.rembuk_id == r.id)
                .order_by(Kelurahan.nama)
            )
        )
        raised = pd.DataFrame(
            conn.execute(
                select(
                    Aspirasi.id,
                    Aspirasi.nomor,
                    Aspirasi.judul,
                    Kategori.nama.label("kategori"),
                    Opd.kode.label("opd"),
                    Aspirasi.status,
                    Aspirasi.terbuka,
                    Aspirasi.tenggat,
                    aspirasi_overdue(today).label("lewat_tenggat"),
                    Aspirasi.tanggal_selesai,
                )
                .join(Kategori, Kategori.id == Aspirasi.kategori_id)
                .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
                .where(Aspirasi.rembuk_id == r.id, Aspirasi.kelurahan_kode == kelurahan_kode)
                .order_by(Aspirasi.id)
            )
            .mappings()
            .all()
        )
        janji = _janji_frame(
            conn.execute(
                _janji_select(today)
                .where(Janji.rembuk_id == r.id, Janji.kelurahan_kode == kelurahan_kode)
                .order_by(Janji.id)
            )
            .mappings()
            .all()
        )
        ditutup, baru = conn.execute(
            select(
                count_if(and_(Aspirasi.terbuka.is_(False), Aspirasi.tanggal_selesai > r.tanggal)),
                count_if(and_(Aspirasi.tanggal_diterima > r.tanggal, Aspirasi.tanggal_diterima <= today)),
            ).where(Aspirasi.kelurahan_kode == kelurahan_kode)
        ).one()
    if raised.empty:
        raised = pd.DataFrame(columns=ASPIRASI_BRIEF_COLUMNS)
    else:
        raised["terbuka"] = raised["terbuka"].astype(bool)
        raised["lewat_tenggat"] = raised["lewat_tenggat"].fillna(False).astype(bool)
        raised.insert(6, "status_label", raised["status"].map(status_label))
        raised = raised[ASPIRASI_BRIEF_COLUMNS]
    return Brief(
        kelurahan_kode,
        nama,
        kecamatan,
        PastRembuk(
            r.id,
            r.tanggal,
            hosts,
            r.hadir_rt,
            r.hadir_rw,
            r.hadir_lpmk,
            r.hadir_warga,
            r.opd_hadir.split(",") if r.opd_hadir else [],
            r.catatan,
        ),
        raised,
        janji,
        int((janji["status"] == "selesai").sum()),
        int(janji["lewat_tenggat"].sum()),
        int(ditutup),
        int(baru),
        int(terbuka),
        int(lewat),
        _opd_needed(engine, kelurahan_kode, today),
    )


ASPIRASI_BRIEF_COLUMNS = [
    "id",
    "nomor",
    "judul",
    "kategori",
    "opd",
    "status",
    "status_label",
    "terbuka",
    "tenggat",
    "lewat_tenggat",
    "tanggal_selesai",
]
