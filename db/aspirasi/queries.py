"""Beranda's aspirasi numbers (KPIs, counts per kelurahan, the working-day median) and the filter options.
Aggregation happens in SQL (or the rollups, db/aspirasi/rollups.py); results are small DataFrames or dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from db.aspirasi.status import aspirasi_overdue
from db.fingerprint import get_fingerprint
from db.schema import Aspirasi, Kecamatan, Kelurahan, Rembuk, RembukKelurahan
from db.sql import count_if


def data_version(engine: Engine) -> tuple:
    """The data fingerprint of the caches: the one definition is db.fingerprint.get_fingerprint."""
    return get_fingerprint(engine)


@dataclass(frozen=True)
class Kpi:
    total: int
    terbuka: int
    lewat_tenggat: int
    selesai_bulan_ini: int
    median_hari_kerja_selesai: float | None


def median_workdays_to_resolve(engine: Engine) -> float | None:
    """Median working days from receipt to 'selesai', computed in SQL (no rows pulled)."""
    from db.aspirasi import rollups

    answered, value = rollups.median_workdays_to_resolve(engine)
    if answered:
        return value
    col = Aspirasi.hari_kerja_selesai
    cond = and_(Aspirasi.status == "selesai", col.is_not(None))
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).where(cond))
        if not n:
            return None
        ordered = select(col).where(cond).order_by(col)
        lo = conn.scalar(ordered.offset((n - 1) // 2).limit(1))
        hi = conn.scalar(ordered.offset(n // 2).limit(1))
    return (lo + hi) / 2


def kpi(engine: Engine, today: dt.date) -> Kpi:
    from db.aspirasi import rollups

    if (fast := rollups.kpi_counts(engine, today)) is not None:
        median = median_workdays_to_resolve(engine)
        return Kpi(fast.total, fast.terbuka, fast.lewat_tenggat, fast.selesai_bulan_ini, median)
    month_start = today.replace(day=1)
    with engine.connect() as conn:
        total, terbuka, lewat, selesai = conn.execute(
            select(
                func.count(Aspirasi.id),
                count_if(Aspirasi.terbuka),
                count_if(aspirasi_overdue(today)),
                count_if(and_(Aspirasi.status == "selesai", Aspirasi.tanggal_selesai >= month_start)),
            )
        ).one()
    return Kpi(int(total), int(terbuka), int(lewat), int(selesai), median_workdays_to_resolve(engine))


def counts_per_kelurahan(engine: Engine, today: dt.date) -> pd.DataFrame:
    """One row per kelurahan (all 57, zeros included): total, terbuka, lewat_tenggat."""
    from db.aspirasi.filters import AspirasiFilter
    from db.aspirasi.map_data import kelurahan_metrics

    df = kelurahan_metrics(engine, AspirasiFilter(), today).rename(columns={"jumlah": "total"})
    return df[["nama", "kecamatan", "jumlah_rt", "total", "terbuka", "lewat_tenggat"]]


@dataclass(frozen=True)
class FilterOptions:
    """Choices offered by the filter component: code -> label, in display order."""

    kecamatan: dict[str, str]
    kelurahan: dict[str, str]
    kelurahan_kecamatan: dict[str, str]  # kelurahan code -> kecamatan code
    kategori: dict[str, str]
    opd: dict[str, str]
    rembuk: dict[int, str]  # rembuk id -> "2026-11-20 · Klojen", newest first


def filter_options(engine: Engine) -> FilterOptions:
    from db.schema import Kategori, Opd

    with engine.connect() as conn:
        kec = dict(conn.execute(select(Kecamatan.kode, Kecamatan.nama).order_by(Kecamatan.nama)).tuples().all())
        kel_rows = conn.execute(
            select(Kelurahan.kode, Kelurahan.nama, Kelurahan.kecamatan_kode).order_by(Kelurahan.nama)
        ).all()
        kat = dict(conn.execute(select(Kategori.kode, Kategori.nama).order_by(Kategori.nama)).tuples().all())
        opd = dict(conn.execute(select(Opd.kode, Opd.kode).order_by(Opd.kode)).tuples().all())
        hosts = conn.execute(
            select(Rembuk.id, Rembuk.tanggal, Kelurahan.nama)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .join(Kelurahan, Kelurahan.kode == RembukKelurahan.kelurahan_kode)
            .where(Rembuk.status == "terlaksana")
            .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc(), Kelurahan.nama)
        ).all()
    rembuk: dict[int, str] = {}
    for rid, day, nama in hosts:
        rembuk[rid] = f"{rembuk[rid]}, {nama}" if rid in rembuk else f"{day.isoformat()} · {nama}"
    return FilterOptions(
        kecamatan=kec,
        kelurahan={k: n for k, n, _ in kel_rows},
        kelurahan_kecamatan={k: kc for k, _, kc in kel_rows},
        kategori=kat,
        opd=opd,
        rembuk=rembuk,
    )
