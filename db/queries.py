"""Read queries. Aggregation happens in SQL; results are small DataFrames or dataclasses."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from db.fingerprint import get_fingerprint
from db.overdue import aspirasi_overdue
from db.schema import (
    AppMeta,
    Aspirasi,
    Bimtek,
    BimtekPeserta,
    Kecamatan,
    Kelurahan,
    Rembuk,
    RembukKelurahan,
)
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


def median_hari_kerja_selesai(engine: Engine) -> float | None:
    """Median working days from receipt to 'selesai', computed in SQL (no rows pulled)."""
    from db import rollups

    answered, value = rollups.median_hari_kerja_selesai(engine)
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
    from db import rollups

    if (fast := rollups.kpi_counts(engine, today)) is not None:
        median = median_hari_kerja_selesai(engine)
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
    return Kpi(int(total), int(terbuka), int(lewat), int(selesai), median_hari_kerja_selesai(engine))


def counts_per_kelurahan(engine: Engine, today: dt.date) -> pd.DataFrame:
    """One row per kelurahan (all 57, zeros included): total, terbuka, lewat_tenggat."""
    from db.filters import AspirasiFilter
    from db.peta import kelurahan_metrics

    df = kelurahan_metrics(engine, AspirasiFilter(), today).rename(columns={"jumlah": "total"})
    return df[["nama", "kecamatan", "jumlah_rt", "total", "terbuka", "lewat_tenggat"]]


@dataclass(frozen=True)
class RembukInfo:
    tanggal: dt.date
    status: str
    kelurahan: list[str]  # official names of the host(s)


def _rembuk(engine: Engine, cond, order) -> RembukInfo | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(Rembuk.id, Rembuk.tanggal, Rembuk.status).where(cond).order_by(*order).limit(1)
        ).first()
        if row is None:
            return None
        names = conn.scalars(
            select(Kelurahan.nama)
            .join(RembukKelurahan, RembukKelurahan.kelurahan_kode == Kelurahan.kode)
            .where(RembukKelurahan.rembuk_id == row.id)
            .order_by(Kelurahan.nama)
        ).all()
    return RembukInfo(row.tanggal, row.status, list(names))


def next_rembuk(engine: Engine, today: dt.date) -> RembukInfo | None:
    """The next scheduled rembuk from today on."""
    return _rembuk(engine, and_(Rembuk.status == "dijadwalkan", Rembuk.tanggal >= today), (Rembuk.tanggal, Rembuk.id))


def last_rembuk(engine: Engine, today: dt.date) -> RembukInfo | None:
    """The most recent rembuk that took place, up to today."""
    return _rembuk(
        engine,
        and_(Rembuk.status == "terlaksana", Rembuk.tanggal <= today),
        (Rembuk.tanggal.desc(), Rembuk.id.desc()),
    )


@dataclass(frozen=True)
class BimtekHeadline:
    events: int
    peserta_hadir: int
    kelurahan_terjangkau: int
    kelurahan_total: int
    terakhir: dt.date | None


def bimtek_headline(engine: Engine) -> BimtekHeadline:
    with engine.connect() as conn:
        events, last = conn.execute(select(func.count(Bimtek.id), func.max(Bimtek.tanggal))).one()
        hadir, reached = conn.execute(
            select(func.count(BimtekPeserta.id), func.count(BimtekPeserta.kelurahan_kode.distinct())).where(
                BimtekPeserta.hadir
            )
        ).one()
        total = conn.scalar(select(func.count(Kelurahan.kode)))
    return BimtekHeadline(int(events), int(hadir), int(reached), int(total), last)


def demo_info(engine: Engine) -> dict | None:
    """What the demo generator recorded, or None when no demo data is loaded."""
    with engine.connect() as conn:
        raw = conn.scalar(select(AppMeta.nilai).where(AppMeta.kunci == "demo"))
    return json.loads(raw) if raw else None


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count per table (for `python -m db stats`)."""
    from db.schema import Base

    with engine.connect() as conn:
        return {
            name: int(conn.scalar(select(func.count()).select_from(table)))
            for name, table in sorted(Base.metadata.tables.items())
        }


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


def rembuk_untuk_dicatat(engine: Engine, today: dt.date, terakhir: int = 10) -> dict[int, str]:
    """Rembuk to attach a quick capture to: today's (even if still 'dijadwalkan') first, then recent held ones."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Rembuk.id, Rembuk.tanggal, Rembuk.status, Kelurahan.nama)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .join(Kelurahan, Kelurahan.kode == RembukKelurahan.kelurahan_kode)
            .where(
                Rembuk.tanggal <= today,
                Rembuk.status.in_(["terlaksana", "dijadwalkan"]),
                Rembuk.tanggal >= today - dt.timedelta(days=120),
            )
            .order_by(Rembuk.tanggal.desc(), Rembuk.id.desc(), Kelurahan.nama)
        ).all()
    out: dict[int, str] = {}
    for rid, day, status, nama in rows:
        if status == "dijadwalkan" and day != today:
            continue  # a past Friday never recorded as held is not a meeting to capture into
        label = f"{'Hari ini' if day == today else day.isoformat()} · "
        out[rid] = f"{out[rid]}, {nama}" if rid in out else f"{label}{nama}"
        if len(out) > terakhir:
            out.pop(rid)
            break
    return out
