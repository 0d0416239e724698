"""Queries behind the aspiration map: per-kelurahan metrics, capped points, the kelurahan panel and
the export of exactly the filtered rows. Everything is aggregated in SQL; the cost grows with the
57 kelurahan and the rows displayed, not with the archive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, func, literal_column, select

from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.status import STATUS_ASPIRASI, aspirasi_overdue, status_label
from db.schema import (
    SAMPLE_BUCKETS,
    SAMPLE_STEP,
    Aspirasi,
    Kategori,
    Kecamatan,
    Kelurahan,
    Opd,
    Rembuk,
    RembukKelurahan,
)
from db.sql import count_if, rows_frame, select_all_kelurahan


@dataclass(frozen=True)
class Metric:
    kode: str
    label: str
    definisi: str
    desimal: int = 0


METRICS: dict[str, Metric] = {
    m.kode: m
    for m in [
        Metric("jumlah", "Jumlah aspirasi", "Banyaknya aspirasi yang cocok dengan filter, per kelurahan."),
        Metric("terbuka", "Terbuka", "Aspirasi yang cocok dengan filter dan belum ditutup."),
        Metric(
            "lewat_tenggat",
            "Lewat tenggat",
            "Aspirasi terbuka yang tenggatnya (target layanan kategori, dalam hari kerja) sudah lewat hari ini.",
        ),
        Metric(
            "per_100_rt",
            "Per 100 RT",
            "Jumlah aspirasi dibagi jumlah RT kelurahan × 100 (jumlah RT indikatif), "
            "agar kelurahan besar dan kecil dapat dibandingkan.",
            1,
        ),
        Metric(
            "median_umur",
            "Median umur terbuka (hari)",
            "Median umur aspirasi terbuka, dalam hari kalender sejak diterima sampai hari ini. "
            "Kelurahan tanpa aspirasi terbuka bernilai 0.",
            1,
        ),
    ]
}


def kelurahan_metrics(engine: Engine, f: AspirasiFilter, today: dt.date) -> pd.DataFrame:
    """One row per kelurahan (all 57), indexed by code, with every metric of METRIK."""
    from db.aspirasi import rollups

    if (fast := rollups.kelurahan_metrics(engine, f, today)) is not None:
        return fast  # the default view: read from the rollups, not the archive
    where = f.where()
    agg = (
        select(
            Aspirasi.kelurahan_kode.label("kode"),
            func.count(Aspirasi.id).label("jumlah"),
            count_if(Aspirasi.terbuka).label("terbuka"),
            count_if(aspirasi_overdue(today)).label("lewat_tenggat"),
        )
        .where(where)
        .group_by(Aspirasi.kelurahan_kode)
        .subquery()
    )
    stmt = (
        select_all_kelurahan(
            Kelurahan.kode,
            Kelurahan.nama,
            Kelurahan.kecamatan_kode,
            Kecamatan.nama.label("kecamatan"),
            Kelurahan.jumlah_rt,
            counts=[agg],
        )
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .order_by(Kelurahan.kode)
    )
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all()).set_index("kode")
    df["per_100_rt"] = (df["jumlah"] * 100 / df["jumlah_rt"]).round(1)
    df["median_umur"] = median_open_age(engine, f, today).reindex(df.index).fillna(0.0)
    return df


def median_open_age(engine: Engine, f: AspirasiFilter, today: dt.date) -> pd.Series:
    """Median age in days of the open aspirations per kelurahan, via window functions in SQL.

    Age grows as the receipt date falls, so the median age is the age of the median date: only
    the one or two middle rows of each kelurahan leave the database.
    """
    from db.aspirasi import rollups

    if (fast := rollups.median_open_age(engine, f, today)) is not None:
        return fast
    ranked = (
        select(
            Aspirasi.kelurahan_kode.label("kode"),
            Aspirasi.tanggal_diterima.label("tanggal"),
            func.row_number()
            .over(partition_by=Aspirasi.kelurahan_kode, order_by=(Aspirasi.tanggal_diterima, Aspirasi.id))
            .label("rn"),
            func.count().over(partition_by=Aspirasi.kelurahan_kode).label("n"),
        )
        .where(f.where(), Aspirasi.terbuka)  # plain column: matches the partial index predicate
        .subquery()
    )
    # Integer division picks the middle row (odd n) or the two middle rows (even n).
    stmt = select(ranked.c.kode, ranked.c.tanggal).where(
        ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if not rows:
        return pd.Series(dtype=float)
    df = pd.DataFrame(rows, columns=["kode", "tanggal"])
    df["umur"] = [(today - d).days for d in df["tanggal"]]
    return df.groupby("kode")["umur"].mean()


@dataclass(frozen=True)
class Points:
    data: pd.DataFrame  # id, lat, lon, status
    total: int  # filtered aspirations that have a location
    sampled: bool


# The Peta's point sample: an aspiration's bucket is ``id % 4096 * 2531 % 4096``; beyond the cap only the
# points of the first buckets are drawn. 2531/4096 is close to the golden ratio, so consecutive ids land
# evenly over the buckets (a Weyl sequence) and any stretch of ids, the newest thousand too, is sampled at the
# same rate; a plain ``id % 4096`` oversampled the ids of an unfinished block of 4096. Index
# ix_aspirasi_sampel holds (kelurahan, bucket) with what the map draws (the numbers: db/schema.py).


def sample_bucket():
    """``id % 4096 * 2531 % 4096`` written with literals: SQLite matches a query term to an index on an
    expression only when it is written the same way (with bound parameters it read the kelurahan's whole
    range of the index)."""
    n = literal_column(str(SAMPLE_BUCKETS))
    # id % 4096 first: the product stays far from PostgreSQL's 32-bit integer limit at any id.
    return Aspirasi.id % n * literal_column(str(SAMPLE_STEP)) % n


def points(engine: Engine, f: AspirasiFilter, cap: int = 5000) -> Points:
    """Locations of the filtered aspirations, at most about ``cap`` of them.

    Beyond the cap an even, deterministic sample is taken in SQL: the aspirations whose bucket
    (``sample_bucket``) is below 4096 × cap / total, read per kelurahan from the sample index alone, so
    the rows read, those leaving the database and the payload sent to the browser stay bounded at any
    archive size, filtered or not. A point stays in the sample while the archive grows, until the total
    passes the next step.
    """
    from db.aspirasi import rollups

    located = and_(f.where(), Aspirasi.lat.is_not(None), Aspirasi.lon.is_not(None))
    # The total from the rollups where they answer the filter: counting located rows reads the whole
    # archive (~250 ms at 1,000,000 on PostgreSQL).
    known = rollups.located_count(engine, f)
    with engine.connect() as conn:
        total = known if known is not None else conn.scalar(select(func.count(Aspirasi.id)).where(located)) or 0
        stmt = select(Aspirasi.id, Aspirasi.lat, Aspirasi.lon, Aspirasi.status).where(located)
        buckets = max(1, SAMPLE_BUCKETS * cap // total) if total > cap else SAMPLE_BUCKETS
        if buckets < SAMPLE_BUCKETS:
            # Every aspiration has a kelurahan: naming them all lets the index be read kelurahan by kelurahan.
            stmt = stmt.where(sample_bucket() < buckets, Aspirasi.kelurahan_kode.in_(select(Kelurahan.kode)))
        # Sorted here, not by ORDER BY id: SQLite then walked the whole table in id order rather than sort.
        rows = sorted(conn.execute(stmt).tuples(), key=lambda r: r[0])
    return Points(rows_frame(rows, columns=["id", "lat", "lon", "status"]), int(total), buckets < SAMPLE_BUCKETS)


def open_points_of(engine: Engine, f: AspirasiFilter, kode: str, today: dt.date, limit: int = 500) -> pd.DataFrame:
    """The open, located aspirations of one kelurahan (detail for the selected kelurahan only)."""
    stmt = (
        select(
            Aspirasi.id,
            Aspirasi.nomor,
            Aspirasi.lat,
            Aspirasi.lon,
            Aspirasi.status,
            Aspirasi.judul,
            Kategori.nama.label("kategori"),
            Aspirasi.tanggal_diterima,
        )
        .join(Kategori, Kategori.id == Aspirasi.kategori_id)
        .where(f.where(), Aspirasi.kelurahan_kode == kode, Aspirasi.terbuka.is_(True), Aspirasi.lat.is_not(None))
        .order_by(Aspirasi.tanggal_diterima, Aspirasi.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=["id", "nomor", "lat", "lon", "status", "judul", "kategori", "umur_hari"])
    df["umur_hari"] = [(today - d).days for d in df.pop("tanggal_diterima")]
    return df


@dataclass(frozen=True)
class KelurahanPanel:
    kode: str
    nama: str
    kecamatan: str
    per_kategori: pd.DataFrame  # kategori, jumlah, terbuka
    per_status: pd.DataFrame  # status, status_label, jumlah (workflow order)
    # Oldest open first: nomor, judul, kategori, opd, diterima, umur_hari, tenggat, status, status_label.
    terbuka: pd.DataFrame
    terbuka_total: int
    rembuk_terakhir: dt.date | None
    rembuk_berikutnya: dt.date | None


def kelurahan_panel(
    engine: Engine, f: AspirasiFilter, kode: str, today: dt.date, limit: int = 50
) -> KelurahanPanel | None:
    """What the panel beside the map shows for a clicked kelurahan (None for an unknown code)."""
    cond = and_(f.where(), Aspirasi.kelurahan_kode == kode)
    with engine.connect() as conn:
        kel = conn.execute(
            select(Kelurahan.nama, Kecamatan.nama)
            .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
            .where(Kelurahan.kode == kode)
        ).first()
        if kel is None:
            return None
        per_kategori = rows_frame(
            conn.execute(
                select(Kategori.nama, func.count(Aspirasi.id), count_if(Aspirasi.terbuka))
                .join(Kategori, Kategori.id == Aspirasi.kategori_id)
                .where(cond)
                .group_by(Kategori.nama)
                .order_by(func.count(Aspirasi.id).desc(), Kategori.nama)
            ).all(),
            columns=["kategori", "jumlah", "terbuka"],
        )
        per_status = rows_frame(
            conn.execute(select(Aspirasi.status, func.count(Aspirasi.id)).where(cond).group_by(Aspirasi.status)).all(),
            columns=["status", "jumlah"],
        )
        open_cond = and_(cond, Aspirasi.terbuka.is_(True))
        terbuka_total = conn.scalar(select(func.count(Aspirasi.id)).where(open_cond)) or 0
        terbuka = rows_frame(
            conn.execute(
                select(
                    Aspirasi.nomor,
                    Aspirasi.judul,
                    Kategori.nama,
                    Opd.kode,
                    Aspirasi.tanggal_diterima,
                    Aspirasi.tenggat,
                    Aspirasi.status,
                )
                .join(Kategori, Kategori.id == Aspirasi.kategori_id)
                .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
                .where(open_cond)
                .order_by(Aspirasi.tanggal_diterima, Aspirasi.id)
                .limit(limit)
            ).all(),
            columns=["nomor", "judul", "kategori", "opd", "diterima", "tenggat", "status"],
        )
        last = conn.scalar(
            select(func.max(Rembuk.tanggal))
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(RembukKelurahan.kelurahan_kode == kode, Rembuk.status == "terlaksana", Rembuk.tanggal <= today)
        )
        nxt = conn.scalar(
            select(func.min(Rembuk.tanggal))
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(RembukKelurahan.kelurahan_kode == kode, Rembuk.status == "dijadwalkan", Rembuk.tanggal >= today)
        )
    order = list(STATUS_ASPIRASI)
    per_status["urut"] = per_status["status"].map(order.index)
    per_status = per_status.sort_values("urut")
    per_status.insert(1, "status_label", per_status["status"].map(status_label))
    per_status = per_status[["status", "status_label", "jumlah"]].reset_index(drop=True)
    terbuka.insert(5, "umur_hari", [(today - d).days for d in terbuka["diterima"]])
    terbuka["status_label"] = terbuka["status"].map(status_label)
    return KelurahanPanel(kode, kel[0], kel[1], per_kategori, per_status, terbuka, int(terbuka_total), last, nxt)


def export_select(f: AspirasiFilter):
    """The rows of the filter, as exported (no personal data): one SELECT for CSV and tables."""
    return f.apply(
        select(
            Aspirasi.nomor.label("nomor"),
            Aspirasi.tanggal_diterima.label("diterima"),
            Aspirasi.judul.label("judul"),
            Aspirasi.deskripsi.label("deskripsi"),
            Kategori.nama.label("kategori"),
            Kecamatan.nama.label("kecamatan"),
            Kelurahan.nama.label("kelurahan"),
            Kelurahan.kode.label("kode_kelurahan"),
            Aspirasi.rw.label("rw"),
            Aspirasi.rt.label("rt"),
            Aspirasi.sumber.label("sumber"),
            Aspirasi.kanal.label("kanal"),
            Aspirasi.status.label("status"),
            Aspirasi.terbuka.label("terbuka"),
            Opd.kode.label("opd"),
            Aspirasi.prioritas.label("prioritas"),
            Aspirasi.tenggat.label("tenggat"),
            Aspirasi.tanggal_selesai.label("selesai"),
            Aspirasi.lat.label("lat"),
            Aspirasi.lon.label("lon"),
        )
        .join(Kategori, Kategori.id == Aspirasi.kategori_id)
        .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .outerjoin(Opd, Opd.id == Aspirasi.opd_id)
    ).order_by(Aspirasi.tanggal_diterima, Aspirasi.id)


def filtered_rows(engine: Engine, f: AspirasiFilter) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(export_select(f), conn)
