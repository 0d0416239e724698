"""Kinerja OPD: the scorecard, trend and rapor data of each agency, and the OPDs a rembuk needs.

Pure data layer (no Streamlit). Every count is SQL over ``Aspirasi`` with the shared filter's
conditions plus a measure of db/aspirasi/measures.py, so each number equals the list its link opens.
Fair by design: medians, not means; no rank below a minimum number of Selesai in the period
("sampel kecil"); "bukan kewenangan kota" counted separately, never against the OPD.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.sql import ColumnElement

from db.aspirasi import rollups
from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.measures import condition, day_start_utc, reopened_ids
from db.aspirasi.status import (
    STATUS_JANJI,
    aspirasi_open_on,
    aspirasi_overdue,
    aspirasi_overdue_on,
    is_janji_overdue,
    janji_overdue,
    status_label,
)
from db.kinerja.periods import DEFAULT_MIN_SAMPLE, Period, last_months, month_label
from db.schema import Aspirasi, CutiBersama, Janji, JanjiRiwayat, Kategori, Kelurahan, Opd, Rembuk
from db.sql import count_if, rows_frame
from db.workdays import WorkCalendar

# --- scorecard ------------------------------------------------------------------------------------

# Column -> (label, definition): the help text beside every number, on screen and in the downloads.
COLUMNS: dict[str, tuple[str, str]] = {
    "diterima": ("Diterima", "Aspirasi yang diterima (tanggal diterima) dalam periode."),
    "terbuka": ("Terbuka", "Aspirasi yang belum ditutup hari ini (semua periode)."),
    "lewat_tenggat": (
        "Lewat tenggat",
        "Terbuka hari ini dan tenggatnya (target layanan kategori dalam hari kerja sejak diterima) sudah lewat.",
    ),
    "selesai": ("Selesai", "Ditutup sebagai Selesai pada tanggal dalam periode: sampel untuk tepat waktu dan median."),
    "tepat_waktu_pct": (
        "Tepat waktu %",
        "Bagian dari yang Selesai dalam periode yang selesai dalam target kategori (hari kerja; akhir pekan, "
        "libur nasional dan cuti bersama tidak dihitung).",
    ),
    "median_hk": (
        "Median hari kerja",
        "Median hari kerja dari diterima sampai Selesai, atas yang Selesai dalam periode (median, bukan rata-rata: "
        "satu kasus ekstrem tidak menggeser angka).",
    ),
    "tertua_hk": ("Terbuka tertua (hari kerja)", "Umur aspirasi terbuka tertua hari ini, dalam hari kerja."),
    "janji_dibuat": ("Janji dibuat", "Janji kepada OPD ini pada rembuk yang diadakan dalam periode."),
    "janji_ditepati": (
        "Janji ditepati tepat waktu",
        "Dari janji yang dibuat dalam periode: berstatus selesai, dan ditandai selesai paling lambat pada tenggatnya.",
    ),
    "janji_lewat": (
        "Janji lewat tenggat",
        "Janji OPD ini yang belum selesai dan tenggatnya sudah lewat (semua periode).",
    ),
    "dibuka_kembali": (
        "Dibuka kembali",
        "Aspirasi yang pernah Selesai lalu dibuka kembali (riwayat status), dibuka kembali dalam periode.",
    ),
    "bukan_kewenangan": (
        "Bukan kewenangan kota",
        "Ditutup sebagai bukan kewenangan kota dalam periode: dihitung terpisah, tidak pernah merugikan OPD.",
    ),
    "dikonfirmasi_belum_beres": (
        "Ditutup tapi belum beres",
        "Selesai dalam periode, tetapi RT/RW menjawab 'Belum beres' lewat tautan lacak sejak penutupan.",
    ),
    "peringkat": (
        "Peringkat",
        "Menurut tepat waktu % (tinggi dulu), lalu median hari kerja (rendah dulu). Tanpa peringkat bila "
        "Selesai dalam periode kurang dari sampel minimum (sampel kecil).",
    ),
}
PERIOD_COLUMNS = ("diterima", "selesai", "tepat_waktu", "bukan_kewenangan", "dibuka_kembali", "janji_dibuat")


def _opd_rows(conn, base: AspirasiFilter) -> list[tuple[int, str, str]]:
    stmt = select(Opd.id, Opd.kode, Opd.nama).order_by(Opd.kode)
    if base.opd:
        stmt = stmt.where(Opd.kode.in_(base.opd))
    return list(conn.execute(stmt).tuples())


def city_calendar(conn) -> WorkCalendar:
    return WorkCalendar(conn.scalars(select(CutiBersama.tanggal)).all())


class Workdays:
    """``Kalender.hari_kerja_antara`` for many dates at once: the working days of the window are found
    once with ``Kalender.is_hari_kerja`` (the one rule), then each count is a binary search."""

    def __init__(self, kal: WorkCalendar, dates: Iterable, today: dt.date):
        valid = [d for d in dates if isinstance(d, dt.date)]
        start = min(valid, default=today)
        self._ords = [
            (start + dt.timedelta(days=i)).toordinal()
            for i in range((today - start).days + 1)
            if kal.is_hari_kerja(start + dt.timedelta(days=i))
        ]

    def antara(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        if end <= start:
            return 0
        return bisect.bisect_right(self._ords, end.toordinal()) - bisect.bisect_right(self._ords, start.toordinal())


def _received_in(p: Period):
    """Received in the period (the filter's own received range, if any, applies as well)."""
    return and_(Aspirasi.tanggal_diterima >= p.dari, Aspirasi.tanggal_diterima <= p.sampai)


def _per_opd(conn, base: AspirasiFilter, rows: ColumnElement[bool], cols: list) -> pd.DataFrame:
    stmt = base.apply(
        select(Aspirasi.opd_id.label("opd_id"), *cols)
        .where(Aspirasi.opd_id.is_not(None), rows)
        .group_by(Aspirasi.opd_id)
    )
    df = pd.DataFrame(conn.execute(stmt).mappings().all())
    return df.set_index("opd_id") if not df.empty else pd.DataFrame()


def _aggregates(
    conn, base: AspirasiFilter, cur: Period, prev: Period, today: dt.date, rolled: rollups.OpdCounts | None
) -> pd.DataFrame:
    """The counted measures per OPD. ``rolled``: the OPD rollups' counts (the unfiltered view); else each
    group of measures runs over only the rows it can count (open now; received since the previous
    period began; closed since then), each found through its own index: the cost follows the open
    items and the period. Reopenings (in the two periods) always come from the status history. The
    measures themselves are the shared conditions (db/aspirasi/measures.py)."""
    periods = (("", cur), ("_lalu", prev))
    reopened = _per_opd(
        conn,
        base,
        Aspirasi.id.in_(reopened_ids(prev.dari, cur.sampai)),
        [
            count_if(condition("dibuka_kembali", p.dari, p.sampai, today)).label(f"dibuka_kembali{s}")
            for s, p in periods
        ],
    )
    if rolled is not None:
        parts = [rolled.counts, reopened]
        parts = [df for df in parts if not df.empty]
        return pd.concat(parts, axis=1) if parts else pd.DataFrame()
    parts = [
        _per_opd(
            conn,
            base,
            Aspirasi.terbuka,
            [
                count_if(Aspirasi.terbuka).label("terbuka"),
                count_if(aspirasi_overdue(today)).label("lewat_tenggat"),
                func.min(case((Aspirasi.terbuka, Aspirasi.tanggal_diterima))).label("tertua"),
            ],
        ),
        _per_opd(
            conn,
            base,
            Aspirasi.tanggal_diterima >= prev.dari,
            [count_if(_received_in(p)).label(f"diterima{s}") for s, p in periods],
        ),
        _per_opd(
            conn,
            base,
            Aspirasi.tanggal_selesai >= prev.dari,
            [
                count_if(condition(kode, p.dari, p.sampai, today)).label(f"{kode}{s}")
                for s, p in periods
                for kode in ("selesai", "tepat_waktu", "bukan_kewenangan")
            ],
        ),
        reopened,
    ]
    parts = [df for df in parts if not df.empty]
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


def _medians(conn, base: AspirasiFilter, periods: Sequence[Period], today: dt.date) -> list[pd.Series]:
    """Median hari_kerja_selesai per OPD of the Selesai in each of ``periods`` (which do not overlap), in
    one SQL query (window functions per period and OPD): only the one or two middle rows of each leave
    the database."""
    hk = Aspirasi.hari_kerja_selesai
    which = case(
        *((condition("selesai", p.dari, p.sampai, today), i) for i, p in enumerate(periods)), else_=None
    ).label("periode")
    inner = base.apply(
        select(Aspirasi.opd_id.label("opd_id"), hk.label("hk"), Aspirasi.id.label("id"), which).where(
            # One range over both periods (an index range scan), each row then placed by ``which``.
            condition("selesai", min(p.dari for p in periods), max(p.sampai for p in periods), today),
            hk.is_not(None),
            Aspirasi.opd_id.is_not(None),
        )
    ).subquery()
    group = (inner.c.periode, inner.c.opd_id)
    ranked = select(
        *group,
        inner.c.hk,
        func.row_number().over(partition_by=group, order_by=(inner.c.hk, inner.c.id)).label("rn"),
        func.count().over(partition_by=group).label("n"),
    ).subquery()
    stmt = select(ranked.c.periode, ranked.c.opd_id, ranked.c.hk).where(
        ranked.c.periode.is_not(None), ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    )
    df = rows_frame(conn.execute(stmt).all(), columns=["periode", "opd_id", "hk"])
    return [
        df[df["periode"] == i].groupby("opd_id")["hk"].mean().astype(float) if not df.empty else pd.Series(dtype=float)
        for i in range(len(periods))
    ]


def _janji_where(base: AspirasiFilter):
    """Janji belong to a kelurahan: the filter's kecamatan/kelurahan (and a scoped account) apply."""
    conds = []
    if base.kecamatan:
        conds.append(
            Janji.kelurahan_kode.in_(select(Kelurahan.kode).where(Kelurahan.kecamatan_kode.in_(base.kecamatan)))
        )
    if base.kelurahan:
        conds.append(Janji.kelurahan_kode.in_(base.kelurahan))
    return conds


def _resolved_at():
    """WIB date a janji was first marked selesai (from its history), as a UTC timestamp."""
    return (
        select(func.min(JanjiRiwayat.waktu))
        .where(JanjiRiwayat.janji_id == Janji.id, JanjiRiwayat.status == "selesai")
        .scalar_subquery()
    )


def janji_frame(conn, base: AspirasiFilter) -> pd.DataFrame:
    """Every janji with an OPD in the filter's area: opd_id, rembuk date, status, tenggat, first-selesai time."""
    stmt = (
        select(
            Janji.id,
            Janji.opd_id,
            Rembuk.tanggal.label("rembuk_tanggal"),
            Janji.status,
            Janji.tenggat,
            _resolved_at().label("selesai_pada"),
        )
        .join(Rembuk, Rembuk.id == Janji.rembuk_id)
        .where(Janji.opd_id.is_not(None), *_janji_where(base))
    )
    return rows_frame(
        conn.execute(stmt).all(), columns=["id", "opd_id", "rembuk_tanggal", "status", "tenggat", "selesai_pada"]
    )


def janji_kept(row) -> bool:
    """Selesai, and marked selesai (WIB date) on or before its deadline (no deadline: on time)."""
    if row.status != "selesai":
        return False
    if row.tenggat is None or pd.isna(row.tenggat):
        return True
    if row.selesai_pada is None or pd.isna(row.selesai_pada):
        return False
    done = pd.Timestamp(row.selesai_pada)
    done = done.tz_localize("UTC") if done.tzinfo is None else done
    return done < pd.Timestamp(day_start_utc(row.tenggat + dt.timedelta(days=1)))


def _janji_counts(janji: pd.DataFrame, cur: Period, prev: Period, today: dt.date) -> pd.DataFrame:
    if janji.empty:
        return pd.DataFrame()
    kept = pd.Series([janji_kept(r) for r in janji.itertuples()], index=janji.index, dtype=bool)
    flags = {}
    for suffix, p in (("", cur), ("_lalu", prev)):
        made = (janji["rembuk_tanggal"] >= p.dari) & (janji["rembuk_tanggal"] <= p.sampai)
        flags[f"janji_dibuat{suffix}"] = made
        flags[f"janji_ditepati{suffix}"] = made & kept
    flags["janji_lewat"] = [
        is_janji_overdue(st, t, today) for st, t in zip(janji["status"], janji["tenggat"], strict=True)
    ]
    return pd.DataFrame(flags, index=janji.index).groupby(janji["opd_id"]).sum()  # one pass for all five counts


def confirmed_unresolved(engine: Engine, base: AspirasiFilter, p: Period) -> pd.Series:
    """Per OPD id: closed as Selesai in the period, and the RT/RW answered "Belum beres" on the tracking page
    (issue 17) — the same condition as the linked list (db/aspirasi/measures.py ``belum_beres``)."""
    stmt = (
        select(Aspirasi.opd_id, func.count(Aspirasi.id))
        .where(*base.conditions(), condition("belum_beres", p.dari, p.sampai, None))
        .group_by(Aspirasi.opd_id)
    )
    with engine.connect() as conn:
        return pd.Series(dict(conn.execute(stmt).all()), dtype="int64")


def ranking(df: pd.DataFrame) -> pd.Series:
    """Rank (1 = best) of the OPDs that are not 'sampel kecil': tepat waktu % desc, then median asc.
    Equal values share a rank (1, 1, 3); small samples get no rank (NA)."""
    ok = ~df["sampel_kecil"]
    pairs = list(zip(-df["tepat_waktu_pct"][ok], df["median_hk"][ok], strict=True))
    better = iter([1 + sum(other < pair for other in pairs) for pair in pairs])  # 1 + the OPDs strictly better
    return pd.Series([next(better) if o else pd.NA for o in ok], index=df.index, dtype="Int64")


def scorecard(
    engine: Engine, base: AspirasiFilter, p: Period, today: dt.date, min_sampel: int = DEFAULT_MIN_SAMPLE
) -> pd.DataFrame:
    """One row per OPD (every OPD, zeros included), in rank order, small samples last.

    Columns: opd, nama, the KOLOM measures, their ``_lalu`` values for the previous period of the
    same length, tepat_waktu (count), sampel_kecil, peringkat.
    """
    prev = p.sebelumnya()
    with engine.connect() as conn:
        opds = _opd_rows(conn, base)
        rolled = rollups.opd_counts(conn, base, [("", p.dari, p.sampai), ("_lalu", prev.dari, prev.sampai)], today)
        agg = _aggregates(conn, base, p, prev, today, rolled)
        med, med_prev = (
            (rolled.median[""], rolled.median["_lalu"])
            if rolled is not None
            else _medians(conn, base, (p, prev), today)
        )
        janji = _janji_counts(janji_frame(conn, base), p, prev, today)
        kal = city_calendar(conn)
    index = pd.Index([i for i, _, _ in opds], name="opd_id")
    counts = [
        "terbuka",
        "lewat_tenggat",
        *(f"{c}{s}" for c in PERIOD_COLUMNS if c != "janji_dibuat" for s in ("", "_lalu")),
        "janji_dibuat", "janji_dibuat_lalu", "janji_ditepati", "janji_ditepati_lalu", "janji_lewat",
    ]  # fmt: skip
    # Every OPD a row, absent counts 0: the columns are aligned once and made in one frame, not set one by one.
    found = pd.concat([agg, janji], axis=1).reindex(index) if not (agg.empty and janji.empty) else None
    present = [c for c in counts if found is not None and c in found]
    filled = found[present].fillna(0).astype(int) if present else None
    columns = {"opd": [k for _, k, _ in opds], "nama": [n for _, _, n in opds]}
    columns |= {c: filled[c] if c in present else 0 for c in counts}
    columns["median_hk"] = med.reindex(index).astype(float)
    columns["median_hk_lalu"] = med_prev.reindex(index).astype(float)
    df = pd.DataFrame(columns, index=index)
    for s in ("", "_lalu"):
        n = df[f"selesai{s}"]
        df[f"tepat_waktu_pct{s}"] = (df[f"tepat_waktu{s}"] / n.where(n > 0)).astype(float)
    df["tertua"] = found["tertua"] if found is not None and "tertua" in found else pd.Series(None, index=index)
    hk = Workdays(kal, df["tertua"], today)  # one pass over the calendar for every OPD
    df["tertua_hk"] = [hk.antara(d, today) if isinstance(d, dt.date) else pd.NA for d in df["tertua"]]
    df["tertua_hk"] = df["tertua_hk"].astype("Int64")
    df["sampel_kecil"] = df["selesai"] < int(min_sampel)
    df["peringkat"] = ranking(df)
    df["dikonfirmasi_belum_beres"] = confirmed_unresolved(engine, base, p).reindex(df.index).fillna(0).astype(int)
    df = df.reset_index()
    order = df.assign(_r=df["peringkat"].fillna(10**6)).sort_values(["_r", "lewat_tenggat", "opd"],
                                                                     ascending=[True, False, True])  # fmt: skip
    return order.drop(columns="_r").reset_index(drop=True)


def filter_link(base: AspirasiFilter, opd: str, kolom: str, p: Period, today: dt.date) -> AspirasiFilter | None:
    """The filter of exactly the aspirations a scorecard number counts (None: it counts no aspirations)."""
    f = replace(base, opd=(opd,))
    if kolom == "diterima":
        dari = max(p.dari, base.dari) if base.dari else p.dari
        sampai = min(p.sampai, base.sampai) if base.sampai else p.sampai
        return replace(f, dari=dari, sampai=sampai)
    if kolom in ("terbuka", "tertua_hk"):
        return replace(f, keadaan="terbuka") if base.keadaan != "tertutup" else None
    if kolom == "lewat_tenggat":
        return replace(f, ukuran="lewat_tenggat", hari_ini=today)
    measure = {
        "selesai": "selesai",
        "median_hk": "selesai",
        "tepat_waktu_pct": "selesai",
        "tepat_waktu": "tepat_waktu",
        "terlambat": "terlambat",
        "dibuka_kembali": "dibuka_kembali",
        "bukan_kewenangan": "bukan_kewenangan",
        "dikonfirmasi_belum_beres": "belum_beres",
    }.get(kolom)
    if measure is None:
        return None
    return replace(f, ukuran=measure, ukuran_dari=p.dari, ukuran_sampai=p.sampai, hari_ini=today)


# --- trend ----------------------------------------------------------------------------------------


def _month_expr(col, dialect: str):
    if dialect == "postgresql":
        return func.to_char(col, "YYYY-MM")
    return func.strftime("%Y-%m", col)


def overdue_in_month(today: dt.date, dari: dt.date, sampai: dt.date):
    """Due in the month (and already past), not closed by its due date, and not handed on as
    'bukan kewenangan kota': the aspirations that went overdue that month."""
    return and_(
        Aspirasi.tenggat >= dari,
        Aspirasi.tenggat <= sampai,
        Aspirasi.tenggat < today,
        Aspirasi.status != "bukan_kewenangan",
        or_(Aspirasi.terbuka, Aspirasi.tanggal_selesai > Aspirasi.tenggat),
    )


def trend(engine: Engine, base: AspirasiFilter, today: dt.date, bulan: int = 12) -> pd.DataFrame:
    """Per OPD and month of the last ``bulan`` months: diterima, selesai, tepat_waktu, lewat_tenggat.

    Long format, every (OPD, month) present, plus opd '' for aspirations without an OPD (used for
    the city-wide figures). Columns: opd, bulan (first day), label ('Jan 2026'), the four counts.
    """
    months = last_months(today, bulan)
    start = months[0]
    dialect = engine.dialect.name
    with engine.connect() as conn:
        opds = dict(conn.execute(select(Opd.id, Opd.kode)).tuples().all())

        def grouped(col, cond, *values):
            m = _month_expr(col, dialect).label("m")
            stmt = base.apply(select(Aspirasi.opd_id, m, *values).where(cond).group_by(Aspirasi.opd_id, m))
            return conn.execute(stmt).all()

        rows: dict[tuple, dict] = {}

        def put(opd_id, m, **counts):
            key = (opds.get(opd_id, ""), m)
            rows.setdefault(key, {}).update(counts)

        for opd_id, m, n in grouped(
            Aspirasi.tanggal_diterima,
            and_(Aspirasi.tanggal_diterima >= start, Aspirasi.tanggal_diterima <= today),
            func.count(Aspirasi.id),
        ):
            put(opd_id, m, diterima=n)
        for opd_id, m, n, tepat in grouped(
            Aspirasi.tanggal_selesai,
            condition("selesai", start, today, today),
            func.count(Aspirasi.id),
            count_if(condition("tepat_waktu", start, today, today)),
        ):
            put(opd_id, m, selesai=n, tepat_waktu=tepat)
        for opd_id, m, n in grouped(Aspirasi.tenggat, overdue_in_month(today, start, today), func.count(Aspirasi.id)):
            put(opd_id, m, lewat_tenggat=n)
    keys = [*sorted(opds.values()), ""]
    out = []
    for kode in keys:
        for first in months:
            got = rows.get((kode, f"{first.year:04d}-{first.month:02d}"), {})
            out.append(
                {
                    "opd": kode,
                    "bulan": first,
                    "label": month_label(first),
                    "diterima": int(got.get("diterima", 0)),
                    "selesai": int(got.get("selesai", 0)),
                    "tepat_waktu": int(got.get("tepat_waktu", 0)),
                    "lewat_tenggat": int(got.get("lewat_tenggat", 0)),
                }
            )
    return pd.DataFrame(out)


def city_on_time(tren_df: pd.DataFrame) -> pd.DataFrame:
    """City-wide tepat waktu % per month (all OPDs and aspirations without an OPD): bulan, label,
    selesai, tepat_waktu, persen (None when nothing was Selesai that month)."""
    g = tren_df.groupby(["bulan", "label"], sort=True)[["selesai", "tepat_waktu"]].sum().reset_index()
    g["persen"] = [t / s * 100 if s else None for t, s in zip(g["tepat_waktu"], g["selesai"], strict=True)]
    return g


# --- rapor (per OPD detail) -----------------------------------------------------------------------


def oldest_open(engine: Engine, base: AspirasiFilter, opd: str, today: dt.date, n: int = 10) -> pd.DataFrame:
    """The ``n`` oldest open aspirations of an OPD (no personal data): nomor, judul, kelurahan,
    kategori, diterima, tenggat, umur_hk (working days), lewat_tenggat, status."""
    stmt = base.apply(
        select(
            Aspirasi.nomor,
            Aspirasi.judul,
            Kelurahan.nama.label("kelurahan"),
            Kategori.nama.label("kategori"),
            Aspirasi.tanggal_diterima.label("diterima"),
            Aspirasi.tenggat,
            aspirasi_overdue(today).label("lewat_tenggat"),
            Aspirasi.status,
        )
        .join(Kelurahan, Kelurahan.kode == Aspirasi.kelurahan_kode)
        .join(Kategori, Kategori.id == Aspirasi.kategori_id)
        .join(Opd, Opd.id == Aspirasi.opd_id)
        .where(Opd.kode == opd, Aspirasi.terbuka)
        .order_by(Aspirasi.tanggal_diterima, Aspirasi.id)
        .limit(n)
    )
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
        kal = city_calendar(conn)
    cols = ["nomor", "judul", "kelurahan", "kategori", "diterima", "tenggat", "umur_hk", "lewat_tenggat", "status"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    hk = Workdays(kal, df["diterima"], today)
    df["umur_hk"] = [hk.antara(d, today) for d in df["diterima"]]
    df["lewat_tenggat"] = df["lewat_tenggat"].fillna(False).astype(bool)
    df["status"] = df["status"].map(status_label)
    return df[cols]


def opd_overdue_janji(engine: Engine, base: AspirasiFilter, opd: str, today: dt.date) -> pd.DataFrame:
    """Overdue janji of an OPD, oldest deadline first: teks, kelurahan, rembuk, tenggat, progres, status."""
    stmt = (
        select(
            Janji.teks,
            Kelurahan.nama.label("kelurahan"),
            Rembuk.tanggal.label("rembuk"),
            Janji.tenggat,
            Janji.progres,
            Janji.status,
        )
        .join(Kelurahan, Kelurahan.kode == Janji.kelurahan_kode)
        .join(Rembuk, Rembuk.id == Janji.rembuk_id)
        .join(Opd, Opd.id == Janji.opd_id)
        .where(Opd.kode == opd, janji_overdue(today), *_janji_where(base))
        .order_by(Janji.tenggat, Janji.id)
    )
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=["teks", "kelurahan", "rembuk", "tenggat", "progres", "status"])
    df["status"] = df["status"].map(STATUS_JANJI)
    return df


# --- rembuk: the OPDs that should attend -----------------------------------------------------------


def opd_needed_at_rembuk(engine: Engine, kelurahan: str | Sequence[str], day: dt.date) -> pd.DataFrame:
    """OPDs with open or overdue items in the host kelurahan(s) on ``day`` ("OPD yang perlu hadir").

    Open on ``day``: received on or before it and not closed by then (still open, or closed later);
    overdue: open then and past its due date; janji: not fulfilled and past its deadline. On today
    this is exactly "terbuka" and "lewat tenggat" now. Columns: opd, nama, terbuka, lewat_tenggat,
    janji_lewat_tenggat; most overdue first.
    """
    kodes = [kelurahan] if isinstance(kelurahan, str) else list(kelurahan)
    open_then = and_(Aspirasi.kelurahan_kode.in_(kodes), aspirasi_open_on(day))
    with engine.connect() as conn:
        asp = conn.execute(
            select(Opd.kode, Opd.nama, func.count(Aspirasi.id), count_if(aspirasi_overdue_on(day)))
            .join(Opd, Opd.id == Aspirasi.opd_id)
            .where(open_then)
            .group_by(Opd.kode, Opd.nama)
        ).all()
        jn = conn.execute(
            select(Opd.kode, Opd.nama, func.count(Janji.id))
            .join(Opd, Opd.id == Janji.opd_id)
            .where(Janji.kelurahan_kode.in_(kodes), janji_overdue(day))
            .group_by(Opd.kode, Opd.nama)
        ).all()
    rows: dict[str, dict] = {}
    for kode, nama, n, lewat in asp:
        rows[kode] = {"opd": kode, "nama": nama, "terbuka": int(n), "lewat_tenggat": int(lewat)}
    for kode, nama, n in jn:
        rows.setdefault(kode, {"opd": kode, "nama": nama, "terbuka": 0, "lewat_tenggat": 0})
        rows[kode]["janji_lewat_tenggat"] = int(n)
    for r in rows.values():
        r.setdefault("janji_lewat_tenggat", 0)
    df = pd.DataFrame(list(rows.values()), columns=["opd", "nama", "terbuka", "lewat_tenggat", "janji_lewat_tenggat"])
    if df.empty:
        return df
    df = df.assign(_n=df["lewat_tenggat"] + df["janji_lewat_tenggat"])
    return (
        df.sort_values(["_n", "terbuka", "opd"], ascending=[False, False, True])
        .drop(columns="_n")
        .reset_index(drop=True)
    )


@dataclass(frozen=True)
class OpdAttendance:
    hadir: list[str]  # needed and attended
    tidak_hadir: list[str]  # needed, not attended
    lainnya: list[str]  # attended without open items there


def compare_attendance(perlu: Iterable[str], hadir: Iterable[str]) -> OpdAttendance:
    need, came = list(dict.fromkeys(perlu)), list(dict.fromkeys(hadir))
    return OpdAttendance(
        [o for o in need if o in came], [o for o in need if o not in came], sorted(o for o in came if o not in need)
    )
