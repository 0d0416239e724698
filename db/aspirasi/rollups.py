"""Rollups of aspirasi: the counts Beranda and Peta need for their default views, kept up to date in the
same transaction as every write, so a first view after a change reads a few thousand small rows instead
of the archive (DESIGN.md section 6, issue 14).

The tables (db/schema.py):

- ``rekap_aspirasi``: aspirations per kelurahan × kategori × status × open flag (totals, open counts);
- ``rekap_terbuka``: open aspirations per kelurahan and day, received that day (median open age) and due
  that day (overdue = due before today, whatever 'today' is);
- ``rekap_terbuka_bulan``: the same receipts per month, so the median reads one month's days, not all;
- ``rekap_selesai``: 'selesai' aspirations per month of closing × working days taken (median working
  days, closed this month);
- ``rekap_rembuk``: aspirations captured at each rembuk (the Rembuk list);
- ``rekap_berlokasi``: aspirations with a location per kelurahan and open flag (the Peta's points total);
- ``rekap_opd_hari``, ``rekap_opd_terbuka``, ``rekap_opd_selesai``: Kinerja OPD's scorecard per OPD;
- ``rekap_rw``: located aspirations per kelurahan × RW × open flag with the sums of their coordinates
  (Mode Rembuk's dot per RW).

Every write path that changes a counted column calls ``apply_change`` (one row, old and new values),
``staged_delta`` (the ``delta_of`` many rows, worked out and staged before the write lock: imports) or ``add_selection``
(set-wise, a WHERE over aspirasi: demo generation and deletion) in its own transaction; ``rebuild``
recounts everything (restore, migrations 0010, 0012 and 0013) and ``check`` lists the differences between the tables
and a recount (``python -m db check-rollups``). A write that bypasses the services (raw SQL, a test
inserting rows directly) must call ``rebuild`` afterwards.

The readers (``kelurahan_metrics``, ``median_open_age``, ``kpi_counts``, ``median_workdays_to_resolve``, ``count``,
``open_per_kelurahan``, ``per_rembuk``, ``located_count``; Mode Rembuk's ``kelurahan_totals``, ``open_per_kategori``
and ``per_rw``; Kinerja OPD's ``opd_counts``)
answer the unfiltered view and filters on kecamatan, kelurahan and keadaan; for any other filter they
return None and the caller scans the archive as before (db/aspirasi/map_data.py, db/aspirasi/queries.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    true,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement, Subquery

from db.schema import (
    Aspirasi,
    Kategori,
    Kecamatan,
    Kelurahan,
    RekapAspirasi,
    RekapBerlokasi,
    RekapOpdHari,
    RekapOpdSelesai,
    RekapOpdTerbuka,
    RekapRembuk,
    RekapRw,
    RekapSelesai,
    RekapTerbuka,
    RekapTerbukaBulan,
)

NO_MONTH = dt.date(1, 1, 1)  # 'selesai' without tanggal_selesai: before every month, never "this month"
NO_WORKDAYS = -1  # 'selesai' without hari_kerja_selesai: left out of the median

# The columns of an aspirasi row that the rollups count.
ROW_COLUMNS = (
    "kelurahan_kode",
    "kategori_id",
    "status",
    "terbuka",
    "tanggal_diterima",
    "tenggat",
    "tanggal_selesai",
    "hari_kerja_selesai",
    "rembuk_id",
    "lat",
    "lon",
    "opd_id",
    "rw",
)


def _month_start(col, dialect: str):
    if dialect == "postgresql":
        return cast(func.date_trunc("month", col), Date)
    return func.date(col, "start of month")  # 'YYYY-MM-DD', the format SQLAlchemy stores dates in


@dataclass(frozen=True)
class _Part:
    """One thing counted: which table and counter, the key of a row (Python), the same key in SQL, and
    which rows count (Python predicate and SQL condition)."""

    table: object
    keys: tuple[str, ...]
    counter: str
    row_key: Callable[[Mapping], tuple]
    counts: Callable[[Mapping], bool]
    sql_keys: Callable[[str], list]
    sql_cond: Callable[[], ColumnElement[bool]]
    # What one row adds to the counter (Python, SQL by dialect); None: 1, the rows are counted.
    weight: Callable[[Mapping], int] | None = None
    sql_weight: Callable[[str], ColumnElement] | None = None

    @property
    def counters(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.__table__.columns if c.name not in self.keys)


A = Aspirasi


def _has_opd(r: Mapping) -> bool:
    return r.get("opd_id") is not None


def _located_rw(r: Mapping) -> bool:
    return r.get("lat") is not None and r.get("lon") is not None and r.get("rw") is not None


def _e6(value) -> int:
    """A coordinate in millionths of a degree, truncated toward zero: the integer SQL's ``_sql_e6`` gives
    for the same stored double (one IEEE product, then truncation in all three), so sums stay exact."""
    return int(float(value) * 1_000_000)


def _sql_e6(col, dialect: str):
    scaled = col * literal(1_000_000.0, Float)
    if dialect == "postgresql":  # a cast to an integer rounds there; trunc() first, like int() and SQLite
        return cast(func.trunc(scaled), BigInteger)
    return cast(scaled, BigInteger)  # SQLite: CAST(REAL AS INTEGER) truncates toward zero


PARTS: tuple[_Part, ...] = (
    _Part(
        RekapAspirasi,
        ("kelurahan_kode", "kategori_id", "status", "terbuka"),
        "jumlah",
        lambda r: (r["kelurahan_kode"], r["kategori_id"], r["status"], bool(r["terbuka"])),
        lambda r: True,
        lambda d: [A.kelurahan_kode, A.kategori_id, A.status, A.terbuka],
        lambda: true(),
    ),
    _Part(
        RekapTerbuka,
        ("kelurahan_kode", "tanggal"),
        "diterima",
        lambda r: (r["kelurahan_kode"], r["tanggal_diterima"]),
        lambda r: bool(r["terbuka"]),
        lambda d: [A.kelurahan_kode, A.tanggal_diterima],
        lambda: A.terbuka.is_(True),
    ),
    _Part(
        RekapTerbuka,
        ("kelurahan_kode", "tanggal"),
        "jatuh_tempo",
        lambda r: (r["kelurahan_kode"], r["tenggat"]),
        lambda r: bool(r["terbuka"]) and r.get("tenggat") is not None,
        lambda d: [A.kelurahan_kode, A.tenggat],
        lambda: and_(A.terbuka.is_(True), A.tenggat.is_not(None)),
    ),
    _Part(
        RekapTerbukaBulan,
        ("kelurahan_kode", "bulan"),
        "diterima",
        lambda r: (r["kelurahan_kode"], r["tanggal_diterima"].replace(day=1)),
        lambda r: bool(r["terbuka"]),
        lambda d: [A.kelurahan_kode, _month_start(A.tanggal_diterima, d)],
        lambda: A.terbuka.is_(True),
    ),
    _Part(
        RekapSelesai,
        ("bulan", "hari_kerja"),
        "jumlah",
        lambda r: (
            r["tanggal_selesai"].replace(day=1) if r.get("tanggal_selesai") is not None else NO_MONTH,
            r["hari_kerja_selesai"] if r.get("hari_kerja_selesai") is not None else NO_WORKDAYS,
        ),
        lambda r: r["status"] == "selesai",
        lambda d: [
            func.coalesce(_month_start(A.tanggal_selesai, d), literal(NO_MONTH, Date)),
            func.coalesce(A.hari_kerja_selesai, NO_WORKDAYS),
        ],
        lambda: A.status == "selesai",
    ),
    _Part(
        RekapRembuk,
        ("rembuk_id",),
        "jumlah",
        lambda r: (r["rembuk_id"],),
        lambda r: r.get("rembuk_id") is not None,
        lambda d: [A.rembuk_id],
        lambda: A.rembuk_id.is_not(None),
    ),
    _Part(
        RekapBerlokasi,
        ("kelurahan_kode", "terbuka"),
        "jumlah",
        lambda r: (r["kelurahan_kode"], bool(r["terbuka"])),
        lambda r: r.get("lat") is not None and r.get("lon") is not None,
        lambda d: [A.kelurahan_kode, A.terbuka],
        lambda: and_(A.lat.is_not(None), A.lon.is_not(None)),
    ),
    # Kinerja OPD's scorecard (db/kinerja/scorecard.py) for every OPD at once.
    _Part(
        RekapOpdHari,
        ("tanggal", "opd_id"),
        "diterima",
        lambda r: (r["tanggal_diterima"], r["opd_id"]),
        _has_opd,
        lambda d: [A.tanggal_diterima, A.opd_id],
        lambda: A.opd_id.is_not(None),
    ),
    _Part(
        RekapOpdHari,
        ("tanggal", "opd_id"),
        "bukan_kewenangan",
        lambda r: (r["tanggal_selesai"], r["opd_id"]),
        lambda r: _has_opd(r) and r["status"] == "bukan_kewenangan" and r.get("tanggal_selesai") is not None,
        lambda d: [A.tanggal_selesai, A.opd_id],
        lambda: and_(A.opd_id.is_not(None), A.status == "bukan_kewenangan", A.tanggal_selesai.is_not(None)),
    ),
    _Part(
        RekapOpdTerbuka,
        ("opd_id", "tanggal"),
        "diterima",
        lambda r: (r["opd_id"], r["tanggal_diterima"]),
        lambda r: _has_opd(r) and bool(r["terbuka"]),
        lambda d: [A.opd_id, A.tanggal_diterima],
        lambda: and_(A.opd_id.is_not(None), A.terbuka.is_(True)),
    ),
    _Part(
        RekapOpdTerbuka,
        ("opd_id", "tanggal"),
        "jatuh_tempo",
        lambda r: (r["opd_id"], r["tenggat"]),
        lambda r: _has_opd(r) and bool(r["terbuka"]) and r.get("tenggat") is not None,
        lambda d: [A.opd_id, A.tenggat],
        lambda: and_(A.opd_id.is_not(None), A.terbuka.is_(True), A.tenggat.is_not(None)),
    ),
    _Part(
        RekapOpdSelesai,
        ("tanggal", "opd_id", "kategori_id", "hari_kerja"),
        "jumlah",
        lambda r: (
            r["tanggal_selesai"],
            r["opd_id"],
            r["kategori_id"],
            r["hari_kerja_selesai"] if r.get("hari_kerja_selesai") is not None else NO_WORKDAYS,
        ),
        lambda r: _has_opd(r) and r["status"] == "selesai" and r.get("tanggal_selesai") is not None,
        lambda d: [A.tanggal_selesai, A.opd_id, A.kategori_id, func.coalesce(A.hari_kerja_selesai, NO_WORKDAYS)],
        lambda: and_(A.opd_id.is_not(None), A.status == "selesai", A.tanggal_selesai.is_not(None)),
    ),
    # Mode Rembuk's dot per RW: how many, and where on average (sums of the coordinates).
    *(
        _Part(
            RekapRw,
            ("kelurahan_kode", "rw", "terbuka"),
            counter,
            lambda r: (r["kelurahan_kode"], r["rw"], bool(r["terbuka"])),
            _located_rw,
            lambda d: [A.kelurahan_kode, A.rw, A.terbuka],
            lambda: and_(A.lat.is_not(None), A.lon.is_not(None), A.rw.is_not(None)),
            weight,
            sql_weight,
        )
        for counter, weight, sql_weight in (
            ("jumlah", None, None),
            ("lat_e6", lambda r: _e6(r["lat"]), lambda d: _sql_e6(A.lat, d)),
            ("lon_e6", lambda r: _e6(r["lon"]), lambda d: _sql_e6(A.lon, d)),
        )
    ),
)
# Counters that sum a weight (a coordinate), not count rows: their sign says nothing about a row emptying.
_WEIGHTED = {(p.table, p.counter) for p in PARTS if p.weight is not None}
TABLES = (
    RekapAspirasi,
    RekapTerbuka,
    RekapTerbukaBulan,
    RekapSelesai,
    RekapRembuk,
    RekapBerlokasi,
    RekapOpdHari,
    RekapOpdTerbuka,
    RekapOpdSelesai,
    RekapRw,
)


# --- maintenance (in the caller's transaction) --------------------------------------------------------


def get_row(conn: Connection, aspirasi_id: int) -> dict | None:
    """The counted columns of one aspirasi as they are now (read before changing it)."""
    row = conn.execute(select(*(A.__table__.c[c] for c in ROW_COLUMNS)).where(A.id == aspirasi_id)).first()
    return dict(row._mapping) if row is not None else None


def _upsert(conn: Connection, table, counters: tuple[str, ...]):
    """INSERT ... ON CONFLICT (key) DO UPDATE adding each of ``counters`` to the stored row."""
    t = table.__table__
    stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t)
    keys = [c.name for c in t.columns if c.primary_key]
    return stmt, keys, {c: t.c[c] + stmt.excluded[c] for c in counters}


Delta = dict[object, dict[tuple, Counter]]  # table -> key -> counter -> change


def delta_of(changes: Iterable[tuple[Mapping | None, Mapping | None]]) -> Delta:
    """The count changes of many (old, new) aspirasi rows (None = not there: a create or a delete), in
    Python, so an import works them out before it takes the write lock (``staged_delta``, ``write_delta``)."""
    delta: Delta = {}
    for old, new in changes:
        for part in PARTS:
            for row, sign in ((old, -1), (new, 1)):
                if row is not None and part.counts(row):
                    w = part.weight(row) if part.weight is not None else 1
                    delta.setdefault(part.table, {}).setdefault(part.row_key(row), Counter())[part.counter] += sign * w
    return delta


def _decrements(table, d: Counter) -> bool:
    return any(v < 0 for c, v in d.items() if (table, c) not in _WEIGHTED)


def _changes(delta: Delta, table) -> list[tuple[tuple, Counter]]:
    # Sorted by key: concurrent writers (PostgreSQL) lock the rows they touch in one order, never a cycle.
    return sorted((key, d) for key, d in delta.get(table, {}).items() if any(d.values()))


def _params(table, changes: list[tuple[tuple, Counter]]) -> list[dict]:
    keys, counters = [c.name for c in table.__table__.columns if c.primary_key], _counters(table)
    return [{**dict(zip(keys, key, strict=True)), **{c: d[c] for c in counters}} for key, d in changes]


def write_delta(conn: Connection, delta: Delta) -> None:
    """Add ``delta`` to the stored counts: one upsert per table, in the caller's transaction."""
    for table in TABLES:
        changes = _changes(delta, table)
        if not changes:
            continue
        counters = _counters(table)
        stmt, keys, set_ = _upsert(conn, table, counters)
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=set_), _params(table, changes))
        t = table.__table__
        for key, d in changes:
            if _decrements(table, d):  # only a decrement can empty a row
                conn.execute(
                    delete(t).where(
                        *(t.c[k] == v for k, v in zip(keys, key, strict=True)), *(t.c[c] == 0 for c in counters)
                    )
                )


@contextlib.contextmanager
def staged_delta(conn: Connection, delta: Delta) -> Iterator[Callable[[Connection], None]]:
    """Stage ``delta`` now in private temporary tables shaped like the rollup tables (filling them takes
    no write lock); yields ``add(conn)``, which adds them to the rollups with one INSERT ... SELECT per
    table: what a big import runs under its write lock instead of tens of thousands of upserts. The
    temporary tables are dropped on exit."""
    staged = []
    try:
        with conn.begin():
            for table in TABLES:
                changes = _changes(delta, table)
                if changes:
                    cols = [Column(c.name, c.type, primary_key=c.primary_key) for c in table.__table__.columns]
                    temp = Table(f"rekap_{uuid.uuid4().hex[:12]}", MetaData(), *cols, prefixes=["TEMPORARY"])
                    temp.create(conn)
                    staged.append((table, temp))
                    conn.execute(insert(temp), _params(table, changes))

        def add(locked: Connection) -> None:
            for table, temp in staged:
                stmt, keys, set_ = _upsert(locked, table, _counters(table))
                names = [c.name for c in temp.columns]
                rows = (
                    select(*temp.columns).where(true()).order_by(*(temp.c[k] for k in keys))
                )  # WHERE: see add_selection
                locked.execute(stmt.from_select(names, rows).on_conflict_do_update(index_elements=keys, set_=set_))
            if any(_decrements(t, c) for t, d in delta.items() for c in d.values()):
                for table, _temp in staged:
                    t = table.__table__
                    locked.execute(delete(t).where(*(t.c[c] == 0 for c in _counters(table))))

        yield add
    finally:
        with conn.begin():
            for _table, temp in staged:
                temp.drop(conn, checkfirst=True)


def apply_change(conn: Connection, old: Mapping | None, new: Mapping | None) -> None:
    """Move one aspirasi's counts from ``old`` to ``new`` (None = not there: a create or a delete).

    Rows are mappings of ROW_COLUMNS (missing dates/durations read as empty); call it in the transaction
    that writes the change."""
    write_delta(conn, delta_of([(old, new)]))


def _grouped(part: _Part, dialect: str, where: ColumnElement[bool]):
    """SELECT key..., count(*) AS n (or the sum of the part's weight) over the aspirasi rows matching
    ``where`` that this part counts."""
    weight = [part.sql_weight(dialect).label("w")] if part.sql_weight is not None else []
    inner = (
        select(*(e.label(k) for e, k in zip(part.sql_keys(dialect), part.keys, strict=True)), *weight)
        .where(where, part.sql_cond())
        .subquery()
    )
    cols = [inner.c[k] for k in part.keys]
    n = func.sum(inner.c.w) if weight else func.count()
    return select(*cols, n.label("n")).group_by(*cols)


def add_selection(conn: Connection, where: ColumnElement[bool], sign: int = 1, tables=TABLES) -> None:
    """Add (sign +1) or remove (sign -1) the counts of every aspirasi matching ``where``, set-wise: one
    INSERT ... SELECT ... GROUP BY per counter. Call it after inserting the rows / before deleting them.
    ``tables``: only these rollup tables (a migration fills the tables that exist at its revision)."""
    for part in (p for p in PARTS if p.table in tables):
        table = part.table.__table__
        grouped = _grouped(part, conn.dialect.name, where).subquery()
        others = [c for c in part.counters if c != part.counter]
        sel = select(
            *(grouped.c[k] for k in part.keys),
            (grouped.c.n * sign).label(part.counter),
            *(literal(0).label(c) for c in others),
        ).where(true())  # SQLite: a WHERE ends the SELECT, so ON CONFLICT is not read as a join's ON
        stmt, keys, set_ = _upsert(conn, part.table, (part.counter,))
        stmt = stmt.from_select([*part.keys, part.counter, *others], sel)
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=set_))
    if sign < 0:
        for table in tables:
            t = table.__table__
            conn.execute(delete(t).where(*(t.c[c] == 0 for c in _counters(table))))


def _counters(table) -> tuple[str, ...]:
    return tuple(c.name for c in table.__table__.columns if not c.primary_key)


def rebuild(bind: Engine | Connection, tables=TABLES) -> None:
    """Recount the rollups (``tables``, default all) from the aspirasi table (in ``bind``'s transaction, or
    one of its own)."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            rebuild(conn, tables)
        return
    for table in tables:
        bind.execute(delete(table.__table__))
    add_selection(bind, true(), 1, tables)


def _recount(conn: Connection) -> dict[tuple, int]:
    """(table, key..., counter) -> count, recomputed from aspirasi."""
    out: dict[tuple, int] = {}
    for part in PARTS:
        sub = _grouped(part, conn.dialect.name, true()).subquery()
        # Typed like the table's columns, so SQLite's 'YYYY-MM-DD' text of a computed month compares as a date.
        stmt = select(*(type_coerce(sub.c[k], part.table.__table__.c[k].type) for k in part.keys), sub.c.n)
        for *key, n in conn.execute(stmt):
            out[(part.table.__tablename__, *key, part.counter)] = int(n)
    return out


def _stored(conn: Connection) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for table in TABLES:
        t = table.__table__
        keys = [c.name for c in t.columns if c.primary_key]
        for row in conn.execute(select(t)).mappings():
            for c in _counters(table):
                if row[c]:
                    out[(t.name, *(row[k] for k in keys), c)] = int(row[c])
    return out


def check(engine: Engine) -> list[str]:
    """Differences between the rollup tables and a recount from aspirasi, in Indonesian ([] = all equal)."""
    with engine.connect() as conn:
        expected, stored = _recount(conn), _stored(conn)
    problems = []
    for key in sorted(expected.keys() | stored.keys(), key=repr):
        want, have = expected.get(key, 0), stored.get(key, 0)
        if want != have:
            table, *values, counter = key
            shown = ", ".join(v.isoformat() if isinstance(v, dt.date) else str(v) for v in values)
            problems.append(f"{table} ({shown}) {counter}: tercatat {have}, hitung ulang {want}")
    return problems


# --- readers -------------------------------------------------------------------------------------------

_disabled = contextvars.ContextVar("rollups_disabled", default=False)


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within this block the readers return None, so callers scan the archive (tests, benchmarks)."""
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)


_SIMPLE_FIELDS = {"kecamatan", "kelurahan", "keadaan"}


def supports(f) -> bool:
    """Whether the rollups answer filter ``f`` (an AspirasiFilter) exactly."""
    if _disabled.get():
        return False
    return f.keadaan in (None, "terbuka", "tertutup") and all(
        getattr(f, x.name) == x.default for x in dataclasses.fields(f) if x.name not in _SIMPLE_FIELDS
    )


def _kelurahan_conds(col, f) -> list[ColumnElement[bool]]:
    conds = []
    if f.kecamatan:
        conds.append(col.in_(select(Kelurahan.kode).where(Kelurahan.kecamatan_kode.in_(f.kecamatan))))
    if f.kelurahan:
        conds.append(col.in_(f.kelurahan))
    return conds


def _filter_conds(table, f) -> list[ColumnElement[bool]]:
    """``f`` (a filter the rollups answer) on a rollup table keyed by kelurahan and open flag."""
    conds = _kelurahan_conds(table.kelurahan_kode, f)
    if f.keadaan:
        conds.append(table.terbuka.is_(f.keadaan == "terbuka"))
    return conds


def kelurahan_metrics(engine: Engine, f, today: dt.date) -> pd.DataFrame | None:
    """db.aspirasi.map_data.kelurahan_metrics from the rollups (same frame), or None when ``f`` needs the archive."""
    if not supports(f):
        return None
    ra, rt = RekapAspirasi, RekapTerbuka
    conds = _filter_conds(ra, f)
    agg = (
        select(
            ra.kelurahan_kode.label("kode"),
            func.sum(ra.jumlah).label("jumlah"),
            func.sum(case((ra.terbuka, ra.jumlah), else_=0)).label("terbuka"),
        )
        .where(*conds)
        .group_by(ra.kelurahan_kode)
        .subquery()
    )
    # db/aspirasi/status.py's rule (open and tenggat before today), summed over the open ones due each day.
    late_conds = [rt.tanggal < today, *_kelurahan_conds(rt.kelurahan_kode, f)]
    if f.keadaan == "tertutup":
        late_conds.append(literal(False))
    late = (
        select(rt.kelurahan_kode.label("kode"), func.sum(rt.jatuh_tempo).label("lewat_tenggat"))
        .where(*late_conds)
        .group_by(rt.kelurahan_kode)
        .subquery()
    )
    stmt = (
        select(
            Kelurahan.kode,
            Kelurahan.nama,
            Kelurahan.kecamatan_kode,
            Kecamatan.nama.label("kecamatan"),
            Kelurahan.jumlah_rt,
            func.coalesce(agg.c.jumlah, 0).label("jumlah"),
            func.coalesce(agg.c.terbuka, 0).label("terbuka"),
            func.coalesce(late.c.lewat_tenggat, 0).label("lewat_tenggat"),
        )
        .join(Kecamatan, Kecamatan.kode == Kelurahan.kecamatan_kode)
        .outerjoin(agg, agg.c.kode == Kelurahan.kode)
        .outerjoin(late, late.c.kode == Kelurahan.kode)
        .order_by(Kelurahan.kode)
    )
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all()).set_index("kode")
    for col in ("jumlah", "terbuka", "lewat_tenggat"):
        df[col] = df[col].astype(int)
    df["per_100_rt"] = (df["jumlah"] * 100 / df["jumlah_rt"]).round(1)
    df["median_umur"] = median_open_age(engine, f, today).reindex(df.index).fillna(0.0)
    return df


def _total(engine: Engine, table, f) -> int | None:
    """Sum of ``table.jumlah`` (a table keyed by kelurahan and open flag) under ``f``, or None when ``f``
    needs the archive."""
    if not supports(f):
        return None
    with engine.connect() as conn:
        return int(conn.scalar(select(func.coalesce(func.sum(table.jumlah), 0)).where(*_filter_conds(table, f))))


def count(engine: Engine, f) -> int | None:
    """db.aspirasi.listing.count from the rollups, or None when ``f`` needs the archive."""
    return _total(engine, RekapAspirasi, f)


def located_count(engine: Engine, f) -> int | None:
    """The aspirations matching ``f`` that have a location (db.aspirasi.map_data.points' total) from the
    rollups, or None when ``f`` needs the archive."""
    return _total(engine, RekapBerlokasi, f)


def per_rembuk(rembuk_ids) -> Subquery | None:
    """(rembuk_id, n): aspirations captured at each of ``rembuk_ids`` (a selectable of ids) from the rollups,
    for db.rembuk.records.list_rembuk, or None when the rollups are off."""
    if _disabled.get():
        return None
    rr = RekapRembuk
    return select(rr.rembuk_id, rr.jumlah.label("n")).where(rr.rembuk_id.in_(rembuk_ids)).subquery()


def open_per_kelurahan(today: dt.date) -> tuple[Subquery, Subquery] | None:
    """Whole-city (kode, terbuka) and (kode, lewat) per kelurahan from the rollups, as subqueries for
    db.sql.select_all_kelurahan (the Rotasi planner's inputs), or None when the rollups are off."""
    if _disabled.get():
        return None
    ra, rt = RekapAspirasi, RekapTerbuka
    terbuka = (
        select(ra.kelurahan_kode.label("kode"), func.sum(ra.jumlah).label("terbuka"))
        .where(ra.terbuka)
        .group_by(ra.kelurahan_kode)
        .subquery()
    )
    lewat = (
        select(rt.kelurahan_kode.label("kode"), func.sum(rt.jatuh_tempo).label("lewat"))
        .where(rt.tanggal < today)
        .group_by(rt.kelurahan_kode)
        .subquery()
    )
    return terbuka, lewat


def median_open_age(engine: Engine, f, today: dt.date) -> pd.Series | None:
    """db.aspirasi.map_data.median_open_age from the rollups. Per kelurahan the month holding the middle open
    aspiration(s) is found in ``rekap_terbuka_bulan`` (57 × months rows), then only those months' days are
    read from ``rekap_terbuka``: the rows read do not grow with the number of open aspirations."""
    if not supports(f):
        return None
    if f.keadaan == "tertutup":
        return pd.Series(dtype=float)
    rb = RekapTerbukaBulan
    with engine.connect() as conn:
        months = conn.execute(
            select(rb.kelurahan_kode, rb.bulan, rb.diterima)
            .where(rb.diterima > 0, *_kelurahan_conds(rb.kelurahan_kode, f))
            .order_by(rb.kelurahan_kode, rb.bulan)
        ).all()
        wanted = _middle(months)  # (kelurahan, month) -> ranks wanted inside that month
        if not wanted:
            return pd.Series(dtype=float)
        days = conn.execute(_days_of(list(wanted))).all()
    by_month: dict[tuple, list[tuple[dt.date, int]]] = {}
    for kode, tanggal, k in days:
        by_month.setdefault((kode, tanggal.replace(day=1)), []).append((tanggal, int(k)))
    ages: dict[str, list[int]] = {}
    for (kode, bulan), ranks in wanted.items():
        for rank in ranks:
            seen = 0
            for tanggal, k in by_month[(kode, bulan)]:
                if seen < rank <= seen + k:
                    ages.setdefault(kode, []).append((today - tanggal).days)
                    break
                seen += k
    ages_mean = {k: sum(v) / len(v) for k, v in sorted(ages.items())}
    return pd.Series(ages_mean, dtype=float).rename_axis("kode").rename("umur")


def _middle(months) -> dict[tuple, list[int]]:
    """From (kelurahan, month, count) rows in order: the 1-based ranks (n+1)//2 and (n+2)//2 of each
    kelurahan, as (kelurahan, month) -> ranks counted inside that month."""
    totals: dict[str, int] = {}
    for kode, _bulan, k in months:
        totals[kode] = totals.get(kode, 0) + int(k)
    wanted: dict[tuple, list[int]] = {}
    seen: dict[str, int] = {}
    for kode, bulan, k in months:
        n, before = totals[kode], seen.get(kode, 0)
        for rank in ((n + 1) // 2, (n + 2) // 2):
            if before < rank <= before + int(k):
                wanted.setdefault((kode, bulan), []).append(rank - before)
        seen[kode] = before + int(k)
    return wanted


def _days_of(pairs: list[tuple[str, dt.date]]):
    """The rekap_terbuka receipt days of the given (kelurahan, month) pairs, at most 114 × 31 rows. Plain
    text with bound parameters: the same OR of up to 114 terms as an expression tree costs more to build
    and to cache-key than the query costs to run."""
    terms, params = [], []
    for i, (kode, bulan) in enumerate(pairs):
        terms.append(f"(kelurahan_kode = :k{i} AND tanggal >= :a{i} AND tanggal < :b{i})")
        params += [
            bindparam(f"k{i}", kode, type_=String),
            bindparam(f"a{i}", bulan, type_=Date),
            bindparam(f"b{i}", _next_month(bulan), type_=Date),
        ]
    sql = text(
        "SELECT kelurahan_kode, tanggal, diterima FROM rekap_terbuka WHERE diterima > 0 AND ("
        + " OR ".join(terms)
        + ") ORDER BY kelurahan_kode, tanggal"
    )
    return sql.bindparams(*params).columns(kelurahan_kode=String, tanggal=Date, diterima=Integer)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class KpiCounts:
    total: int
    terbuka: int
    lewat_tenggat: int
    selesai_bulan_ini: int


def kpi_counts(engine: Engine, today: dt.date) -> KpiCounts | None:
    """The counts of db.aspirasi.queries.kpi (whole city) from the rollups."""
    if _disabled.get():
        return None
    month_start = today.replace(day=1)
    ra, rt, rs = RekapAspirasi, RekapTerbuka, RekapSelesai
    with engine.connect() as conn:
        total, terbuka = conn.execute(
            select(
                func.coalesce(func.sum(ra.jumlah), 0),
                func.coalesce(func.sum(case((ra.terbuka, ra.jumlah), else_=0)), 0),
            )
        ).one()
        lewat = conn.scalar(select(func.coalesce(func.sum(rt.jatuh_tempo), 0)).where(rt.tanggal < today))
        selesai = conn.scalar(select(func.coalesce(func.sum(rs.jumlah), 0)).where(rs.bulan >= month_start))
    return KpiCounts(int(total), int(terbuka), int(lewat), int(selesai))


def kelurahan_totals(conn: Connection, kode: str, today: dt.date) -> tuple[int, int, int] | None:
    """(all, open, overdue) aspirations of one kelurahan from the rollups (Mode Rembuk), or None when off."""
    if _disabled.get():
        return None
    ra, rt = RekapAspirasi, RekapTerbuka
    total, terbuka = conn.execute(
        select(
            func.coalesce(func.sum(ra.jumlah), 0), func.coalesce(func.sum(case((ra.terbuka, ra.jumlah), else_=0)), 0)
        ).where(ra.kelurahan_kode == kode)
    ).one()
    lewat = conn.scalar(
        select(func.coalesce(func.sum(rt.jatuh_tempo), 0)).where(rt.kelurahan_kode == kode, rt.tanggal < today)
    )
    return int(total), int(terbuka), int(lewat)


def open_per_kategori(conn: Connection, kode: str) -> list[tuple[str, int]] | None:
    """(kategori name, open aspirations) of one kelurahan, kategori with none left out, from the rollups;
    None when off."""
    if _disabled.get():
        return None
    ra = RekapAspirasi
    return [
        (nama, int(n))
        for nama, n in conn.execute(
            select(Kategori.nama, func.sum(ra.jumlah))
            .join(Kategori, Kategori.id == ra.kategori_id)
            .where(ra.kelurahan_kode == kode, ra.terbuka)
            .group_by(Kategori.nama)
        )
    ]


def per_rw(conn: Connection, kode: str) -> list[tuple[int, float, float, int, int]] | None:
    """(rw, average lat, average lon, located aspirations, open ones) per RW of one kelurahan, in RW order,
    from ``rekap_rw`` (the average within a millionth of a degree of the archive's); None when off."""
    if _disabled.get():
        return None
    r = RekapRw
    rows = conn.execute(
        select(
            r.rw,
            func.sum(r.lat_e6),
            func.sum(r.lon_e6),
            func.sum(r.jumlah),
            func.sum(case((r.terbuka, r.jumlah), else_=0)),
        )
        .where(r.kelurahan_kode == kode)
        .group_by(r.rw)
        .order_by(r.rw)
    ).all()
    return [(rw, int(la) / n / 1e6, int(lo) / n / 1e6, int(n), int(tb)) for rw, la, lo, n, tb in rows if n]


def median_workdays_to_resolve(engine: Engine) -> tuple[bool, float | None]:
    """(answered, value) for db.aspirasi.queries.median_workdays_to_resolve from the histogram in rekap_selesai."""
    if _disabled.get():
        return False, None
    rs = RekapSelesai
    with engine.connect() as conn:
        rows = conn.execute(
            select(rs.hari_kerja, func.sum(rs.jumlah))
            .where(rs.hari_kerja != NO_WORKDAYS)
            .group_by(rs.hari_kerja)
            .order_by(rs.hari_kerja)
        ).all()
    return True, _histogram_median(rows)


def _histogram_median(rows: Iterable[tuple[int, int]]) -> float | None:
    """Median of the values of a histogram ((value, count) in ascending value): the mean of the one or two
    middle values, as the scans compute it (None when empty)."""
    rows = [(v, int(c)) for v, c in rows]
    n = sum(c for _, c in rows)
    if not n:
        return None
    picks, seen = {}, 0
    for value, c in rows:  # 0-based offsets (n-1)//2 and n//2, as the scan's OFFSET
        for offset in ((n - 1) // 2, n // 2):
            if seen <= offset < seen + c:
                picks[offset] = value
        seen += c
    return (picks[(n - 1) // 2] + picks[n // 2]) / 2


def supports_opd(f) -> bool:
    """Whether the OPD rollups answer filter ``f`` exactly: no condition but the OPD (they count every OPD;
    the scorecard keeps the filter's)."""
    if _disabled.get():
        return False
    return all(getattr(f, x.name) == x.default for x in dataclasses.fields(f) if x.name != "opd")


@dataclass(frozen=True)
class OpdCounts:
    """The Kinerja OPD scorecard's counted measures per OPD id (db/kinerja/scorecard.py ``_aggregates``):
    ``counts`` has terbuka, lewat_tenggat, tertua and, per period suffix, diterima, selesai, tepat_waktu,
    bukan_kewenangan; ``median`` maps each suffix to the median working days of its Selesai."""

    counts: pd.DataFrame
    median: dict[str, pd.Series]


def opd_counts(
    conn: Connection, f, periods: Sequence[tuple[str, dt.date, dt.date]], today: dt.date
) -> OpdCounts | None:
    """The scorecard's counts from the OPD rollups for ``periods`` ((suffix, dari, sampai), not overlapping),
    or None when ``f`` needs the archive. Reads the open days and the periods' days, never the archive."""
    if not supports_opd(f):
        return None
    ro, rh, rs = RekapOpdTerbuka, RekapOpdHari, RekapOpdSelesai
    first, last = min(p[1] for p in periods), max(p[2] for p in periods)
    frames = []
    # db/aspirasi/status.py's overdue rule (open and tenggat before today), summed over the open ones due each day.
    open_now = select(
        ro.opd_id,
        func.sum(ro.diterima).label("terbuka"),
        func.sum(case((ro.tanggal < today, ro.jatuh_tempo), else_=0)).label("lewat_tenggat"),
        func.min(case((ro.diterima > 0, ro.tanggal))).label("tertua"),
    ).group_by(ro.opd_id)
    frames.append(pd.DataFrame(conn.execute(open_now).mappings().all()))

    def in_period(col, dari, sampai, value):
        return func.sum(case((and_(col >= dari, col <= sampai), value), else_=0))

    days = (
        select(
            rh.opd_id,
            *(in_period(rh.tanggal, d, s, rh.diterima).label(f"diterima{x}") for x, d, s in periods),
            *(in_period(rh.tanggal, d, s, rh.bukan_kewenangan).label(f"bukan_kewenangan{x}") for x, d, s in periods),
        )
        .where(rh.tanggal >= first, rh.tanggal <= last)
        .group_by(rh.opd_id)
    )
    frames.append(pd.DataFrame(conn.execute(days).mappings().all()))
    # Tepat waktu: measures.within_sla's rule (working days taken <= the kategori's target), on the histogram.
    on_time = and_(rs.hari_kerja != NO_WORKDAYS, rs.hari_kerja <= Kategori.sla_hari_kerja)
    closed = (
        select(
            rs.opd_id,
            *(in_period(rs.tanggal, d, s, rs.jumlah).label(f"selesai{x}") for x, d, s in periods),
            *(
                in_period(rs.tanggal, d, s, case((on_time, rs.jumlah), else_=0)).label(f"tepat_waktu{x}")
                for x, d, s in periods
            ),
        )
        .join(Kategori, Kategori.id == rs.kategori_id)
        .where(rs.tanggal >= first, rs.tanggal <= last)
        .group_by(rs.opd_id)
    )
    frames.append(pd.DataFrame(conn.execute(closed).mappings().all()))
    frames = [df.set_index("opd_id") for df in frames if not df.empty]
    counts = pd.concat(frames, axis=1) if frames else pd.DataFrame()
    median = {}
    for x, d, s in periods:
        hist = conn.execute(
            select(rs.opd_id, rs.hari_kerja, func.sum(rs.jumlah))
            .where(rs.tanggal >= d, rs.tanggal <= s, rs.hari_kerja != NO_WORKDAYS)
            .group_by(rs.opd_id, rs.hari_kerja)
            .order_by(rs.opd_id, rs.hari_kerja)
        ).all()
        per_opd: dict[int, list] = {}
        for opd_id, hk, c in hist:
            per_opd.setdefault(opd_id, []).append((hk, c))
        median[x] = pd.Series({o: _histogram_median(h) for o, h in per_opd.items()}, dtype=float)
    return OpdCounts(counts, median)
