"""Cold data cost of Beranda and Peta with and without the rollups, and the audit log's first page.

    python -m bench.rollup --aspirasi 10000 100000
    python -m bench.rollup --aspirasi 100000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each size a fresh database is seeded with the demo generator (PostgreSQL: a private database, then
ANALYZE). No Streamlit cache is involved (what a first view after a change pays; the process and its
compiled SQL are warmed once, as in a running app); each run times, interleaved, the scan
(``rollups.disabled()``) and the rollups:

- Beranda: ``queries.kpi`` + ``queries.counts_per_kelurahan`` (the latter includes the median open age);
- Peta: ``peta.kelurahan_metrics`` for the default view;
- Audit: the old view (UNION ALL of every log and status-change row, ORDER BY waktu, LIMIT 500, then the
  table) against ``admin.list_audit`` (first page of 50).

Medians of ``--runs`` runs, with the machine's load average beside each size (the VM is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from contextlib import ExitStack, nullcontext
from pathlib import Path

from sqlalchemy import func, literal, select, text, union_all

from db import admin
from db.aspirasi import map_data as aspirasi_map_data
from db.aspirasi import queries, rollups
from db.aspirasi.filters import AspirasiFilter
from db.auth.roles import Actor
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from db.schema import Aspirasi, AspirasiRiwayat, LogAudit

TODAY = dt.date(2026, 11, 20)
ADMIN = Actor("bench", "admin")
COLUMNS = ("beranda scan", "beranda rekap", "peta scan", "peta rekap", "audit sebelum", "audit halaman 1")


def _audit_before(engine):
    """The audit view as it was before paging: merge every log and status-change row, sort, keep 500 (then the
    same frame building as today's page)."""
    log_q = select(LogAudit.waktu, LogAudit.oleh, LogAudit.aksi, LogAudit.rincian)
    status_q = select(
        AspirasiRiwayat.waktu,
        AspirasiRiwayat.oleh,
        literal("status_aspirasi"),
        Aspirasi.nomor
        + literal(": ")
        + func.coalesce(AspirasiRiwayat.dari_status, "–")
        + " → "
        + AspirasiRiwayat.ke_status,
    ).join(Aspirasi, Aspirasi.id == AspirasiRiwayat.aspirasi_id)
    u = union_all(log_q, status_q).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(u).order_by(u.c[0].desc()).limit(500)).tuples().all()
    return admin._audit_frame(rows)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(url: str, runs: int) -> dict[str, list[float]]:
    cases = {
        "beranda": lambda e: (queries.kpi(e, TODAY), queries.counts_per_kelurahan(e, TODAY)),
        "peta": lambda e: aspirasi_map_data.kelurahan_metrics(e, AspirasiFilter(), TODAY),
    }
    engine = make_engine(url)
    timed = {
        **{f"{name} scan": (fn, True) for name, fn in cases.items()},
        **{f"{name} rekap": (fn, False) for name, fn in cases.items()},
        "audit sebelum": (_audit_before, False),
        "audit halaman 1": (lambda e: admin.list_audit(e, ADMIN), False),
    }
    out: dict[str, list[float]] = {}
    for run in range(runs + 1):  # run 0 warms the process (imports, compiled SQL), as a running app is
        for key, (fn, scan) in timed.items():
            with rollups.disabled() if scan else nullcontext():
                ms = _timed(lambda fn=fn: fn(engine))
            if run:
                out.setdefault(key, []).append(ms)
    engine.dispose()
    return out


def seed(url: str, n: int) -> tuple[float, int]:
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    start = time.perf_counter()
    generate_demo(engine, n_aspirasi=n, seed=42, today=TODAY)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        riwayat = conn.scalar(select(func.count()).select_from(AspirasiRiwayat))
    problems = rollups.check(engine)
    engine.dispose()
    if problems:
        raise SystemExit(f"Rekap tidak cocok setelah seed: {problems[:5]}")
    return time.perf_counter() - start, int(riwayat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup", description=__doc__.splitlines()[0])
    parser.add_argument("--aspirasi", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="PostgreSQL server URL (a private database per size)")
    args = parser.parse_args(argv)
    header = "| size | load avg (1/5/15 min) | riwayat rows | " + " | ".join(f"{k} ms" for k in COLUMNS)
    rows = []
    for n in args.aspirasi:
        with ExitStack() as stack:
            if args.database_url:
                from db.testing import pg_database

                url = stack.enter_context(pg_database(args.database_url, prefix="kulakan_bench_rekap_"))
            else:
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                url = f"sqlite:///{tmp / 'bench.db'}"
            seconds, riwayat = seed(url, n)
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            result = measure(url, args.runs)
            med = {k: statistics.median(v) for k, v in result.items()}
            cells = [med[k] for k in COLUMNS]
            rows.append(f"| {n:,} | {load} | {riwayat:,} | " + " | ".join(f"{c:,.0f}" for c in cells) + " |")
            print(f"{n:,}: seeded in {seconds:.1f} s; {rows[-1]}", flush=True)
    print()
    print(header + " |")
    print("|" + "---:|" * (header.count("|")))
    print("\n".join(r.replace(",", ".") for r in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
