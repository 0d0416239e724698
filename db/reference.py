"""Reference data: kecamatan, kelurahan, lembaga (RT/RW/LPMK), OPD, kategori and cuti bersama.

Loading is idempotent: missing rows are added, rows an admin may have edited (RT/RW counts, SLA
targets, cuti bersama) are left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from db.schema import CutiBersama, Kategori, Kecamatan, Kelurahan, Lembaga, Opd
from geo.boundaries import load_boundaries

# (kode, nama)
OPD: list[tuple[str, str]] = [
    ("DPUPRPKP", "Dinas Pekerjaan Umum, Penataan Ruang, Perumahan dan Kawasan Permukiman"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DISHUB", "Dinas Perhubungan"),
    ("DINKES", "Dinas Kesehatan"),
    ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan"),
    ("DINSOS", "Dinas Sosial, P3AP2KB"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja"),
    ("DISPENDUK", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DISKOPINDAG", "Dinas Koperasi, Perindustrian dan Perdagangan"),
    ("TUGUTIRTA", "Perumda Air Minum Tugu Tirta"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("BAGPEM", "Bagian Pemerintahan Setda"),
]

# (kode, nama, default OPD, service-level target in working days)
KATEGORI: list[tuple[str, str, str, int]] = [
    ("jalan_rusak", "Jalan rusak", "DPUPRPKP", 15),
    ("drainase", "Drainase/banjir", "DPUPRPKP", 15),
    ("sampah", "Sampah", "DLH", 5),
    ("pju", "Penerangan jalan (PJU)", "DISHUB", 7),
    ("air_bersih", "Air bersih", "TUGUTIRTA", 7),
    ("kesehatan", "Kesehatan", "DINKES", 10),
    ("pendidikan", "Pendidikan", "DISDIKBUD", 15),
    ("sosial", "Bansos/sosial", "DINSOS", 10),
    ("ketertiban", "Keamanan/ketertiban", "SATPOLPP", 5),
    ("adminduk", "Administrasi kependudukan", "DISPENDUK", 5),
    ("umkm", "UMKM/ekonomi", "DISKOPINDAG", 20),
    ("rth", "RTH/lingkungan", "DLH", 20),
    ("lalu_lintas", "Lalu lintas/parkir", "DISHUB", 10),
    ("bencana", "Bencana/darurat", "BPBD", 2),
    ("lainnya", "Lainnya", "BAGPEM", 15),
]

CUTI_BERSAMA_YEARS = range(2022, 2028)


@dataclass
class ReferenceResult:
    kecamatan: int = 0
    kelurahan: int = 0
    lembaga: int = 0
    opd: int = 0
    kategori: int = 0
    cuti_bersama: int = 0

    def total(self) -> int:
        return sum(vars(self).values())


def rt_per_rw(rw_count: int, rt_count: int) -> list[int]:
    """Spread a kelurahan's RT count over its RWs (only the total per kelurahan is known).

    The first RWs get the remainder, so the sum equals ``rt_count`` and no RW is empty.
    """
    base, extra = divmod(rt_count, rw_count)
    return [base + (1 if i < extra else 0) for i in range(rw_count)]


def lembaga_rows(kode: str, rw_count: int, rt_count: int) -> list[dict]:
    rows = [{"kelurahan_kode": kode, "jenis": "LPMK", "rw": None, "rt": None}]
    for rw, n_rt in enumerate(rt_per_rw(rw_count, rt_count), start=1):
        rows.append({"kelurahan_kode": kode, "jenis": "RW", "rw": rw, "rt": None})
        rows.extend({"kelurahan_kode": kode, "jenis": "RT", "rw": rw, "rt": rt} for rt in range(1, n_rt + 1))
    return rows


def cuti_bersama_defaults(years=CUTI_BERSAMA_YEARS) -> dict[dt.date, str]:
    """Cuti bersama as published in the `holidays` package (category 'government')."""
    days = holidays.country_holidays("ID", years=list(years), categories=("government",), language="id")
    return dict(days.items())


def load_reference(engine: Engine) -> ReferenceResult:
    """Insert the reference data that is missing. Safe to run any number of times."""
    b = load_boundaries()
    added = ReferenceResult()
    with Session(engine) as s, s.begin():
        have_kec = set(s.scalars(select(Kecamatan.kode)))
        new_kec = [{"kode": kode, "nama": row["nama"]} for kode, row in b.kecamatan.iterrows() if kode not in have_kec]
        if new_kec:
            s.execute(insert(Kecamatan), new_kec)
        added.kecamatan = len(new_kec)

        have_kel = set(s.scalars(select(Kelurahan.kode)))
        new_kel = []
        for kode, row in b.kelurahan.iterrows():
            if kode in have_kel:
                continue
            w = b.wilayah.loc[kode]
            new_kel.append(
                {
                    "kode": kode,
                    "nama": row["nama"],
                    "kecamatan_kode": row["kecamatan_kode"],
                    "jumlah_rw": int(w["rw_count"]),
                    "jumlah_rt": int(w["rt_count"]),
                    "kode_pos": w["postal_code"] or None,
                    "luas_km2": float(row["area_km2"]),
                }
            )
        if new_kel:
            s.execute(insert(Kelurahan), new_kel)
        added.kelurahan = len(new_kel)

        with_lembaga = set(s.scalars(select(Lembaga.kelurahan_kode).group_by(Lembaga.kelurahan_kode)))
        new_lembaga = []
        for kel in s.scalars(select(Kelurahan)):
            if kel.kode not in with_lembaga:
                new_lembaga.extend(lembaga_rows(kel.kode, kel.jumlah_rw, kel.jumlah_rt))
        if new_lembaga:
            s.execute(insert(Lembaga), new_lembaga)
        added.lembaga = len(new_lembaga)

        have_opd = set(s.scalars(select(Opd.kode)))
        new_opd = [{"kode": k, "nama": n} for k, n in OPD if k not in have_opd]
        if new_opd:
            s.execute(insert(Opd), new_opd)
        added.opd = len(new_opd)

        opd_id = dict(s.execute(select(Opd.kode, Opd.id)).tuples().all())
        have_kat = set(s.scalars(select(Kategori.kode)))
        new_kat = [
            {"kode": k, "nama": n, "opd_id": opd_id[o], "sla_hari_kerja": sla}
            for k, n, o, sla in KATEGORI
            if k not in have_kat
        ]
        if new_kat:
            s.execute(insert(Kategori), new_kat)
        added.kategori = len(new_kat)

        # Seed the editable list once; afterwards an admin owns it.
        if not s.scalar(select(func.count()).select_from(CutiBersama)):
            rows = [{"tanggal": d, "keterangan": n} for d, n in sorted(cuti_bersama_defaults().items())]
            s.execute(insert(CutiBersama), rows)
            added.cuti_bersama = len(rows)
    return added
