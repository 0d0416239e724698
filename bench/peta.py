"""The Peta page against the naive page, like-for-like: full page vs full page, both through AppTest and the
same ``st_folium`` pipeline (issue 14, target 6).

    python -m bench.peta --aspirasi 1000 10000 100000 [--out docs/PERFORMANCE.md]

Per size, a database with the deterministic demo data (seed 42; SQLite: a copy of a cached seeded file, or a
private PostgreSQL database with --database-url). Measured, median of --repeat runs, the two pages interleaved
(real, naive, real, naive, ...) so a change in the machine's load hits both alike:

- Kulakan: views/peta.py through app.py as a logged-in admin, default view. Cold: one aspiration saved through
  ``create_aspirasi`` and every ``st.cache_data`` cleared, then a run; warm: the same run again.
- Naive: bench/naive_page.py (pandas over every row, a choropleth of pandas counts and one ``folium.Marker``
  per located aspiration, through ``ui.components.folium_map`` -> ``st_folium``; no cache). It runs alone, not
  behind app.py's login gate and navigation, so its time is slightly flattered.
- Payload: the JSON the streamlit-folium component sends to the browser (map script, header, html, layers).

Targets at 10,000 aspirations: Kulakan >= 50x faster cold and >= 15x smaller payload. A benchmark, not a
test: the exit code is 0 whatever the outcome.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import common

common.quiet_streamlit()

_log = logging.getLogger("bench.peta")
PETA = "views/peta.py"
NAIVE = "bench/naive_page.py"
TARGET_SIZE = 10_000
TARGET_COLD_RATIO = 50.0
TARGET_PAYLOAD_RATIO = 15.0


@dataclass
class Result:
    size: int
    cold_ms: float
    warm_ms: float
    payload: int
    naive_cold_ms: float | None
    naive_warm_ms: float | None
    naive_payload: int | None
    load: float

    def ratio(self, naive: float | None, ours: float) -> float | None:
        return naive / ours if naive and ours else None


def _timed(at, cold_engine=None, i: int = 0) -> float:
    import streamlit as st

    if cold_engine is not None:
        common.change_data(cold_engine, i)
        st.cache_data.clear()
    common.keep_logged_in(at)
    gc.collect()
    t0 = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t0) * 1000
    common.check(at)
    return ms


def measure(url: str, size: int, repeat: int, naive: bool) -> Result:
    from db.engine import make_engine

    common.use_database(url)
    engine = make_engine(url)
    load = common.load_1min()
    try:
        real = common.app_test(PETA)
        _timed(real)  # first run of the page in this process: imports, not measured
        base = common.script_test(NAIVE)
        if naive:
            _timed(base)
        cold, warm, ncold, nwarm = [], [], [], []
        for i in range(repeat):
            cold.append(_timed(real, engine, i))
            if naive:
                ncold.append(_timed(base, engine, 100 + i))  # the naive page after the same kind of change
        for _ in range(repeat):
            warm.append(_timed(real))
            if naive:
                nwarm.append(_timed(base))
        payload = common.map_payload_bytes(real)
        npayload = common.map_payload_bytes(base) if naive else None
    finally:
        engine.dispose()
    med = statistics.median
    return Result(size, med(cold), med(warm), payload, med(ncold) if naive else None, med(nwarm) if naive else None,
                  npayload, load)  # fmt: skip


def _x(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}x" if v >= 10 else f"{v:,.1f}x"


def _n(v: float | None, div: float = 1) -> str:
    return "—" if v is None else f"{v / div:,.0f}"


def report(results: list[Result], seeding: dict[int, str], info: list[str], command: str, repeat: int) -> str:
    lines = [
        f"Command: `{command}` (median of {repeat} interleaved runs per figure)",
        "",
        *info,
        "",
        "| size | Kulakan cold ms | naive cold ms | cold ratio | Kulakan warm ms | naive warm ms | warm ratio "
        "| Kulakan payload KB | naive payload KB | payload ratio | load 1 min |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.size:,} | {r.cold_ms:,.0f} | {_n(r.naive_cold_ms)} | {_x(r.ratio(r.naive_cold_ms, r.cold_ms))} "
            f"| {r.warm_ms:,.0f} | {_n(r.naive_warm_ms)} | {_x(r.ratio(r.naive_warm_ms, r.warm_ms))} "
            f"| {_n(r.payload, 1000)} | {_n(r.naive_payload, 1000)} | {_x(r.ratio(r.naive_payload, r.payload))} "
            f"| {r.load:.2f} |"
        )
    lines += ["", "Databases: " + "; ".join(f"{n:,}: {how}" for n, how in seeding.items()) + ".", "", "Targets:", ""]
    target = [r for r in results if r.size == TARGET_SIZE and r.naive_cold_ms]
    for r in target:
        cold, payload = r.ratio(r.naive_cold_ms, r.cold_ms), r.ratio(r.naive_payload, r.payload)
        lines.append(f"- {common.verdict(cold >= TARGET_COLD_RATIO)}: {r.size:,}: cold {_x(cold)} faster than naive "
                     f"(target >= {TARGET_COLD_RATIO:.0f}x)")  # fmt: skip
        lines.append(f"- {common.verdict(payload >= TARGET_PAYLOAD_RATIO)}: {r.size:,}: payload {_x(payload)} smaller "
                     f"than naive (target >= {TARGET_PAYLOAD_RATIO:.0f}x)")  # fmt: skip
    if not target:
        lines.append(f"- the targets are checked at {TARGET_SIZE:,} aspirations (with the naive page): not in this run")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench.peta", description=__doc__.splitlines()[0])
    ap.add_argument("--aspirasi", type=int, nargs="+", default=[1000, 10_000, 100_000], help="archive sizes")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    ap.add_argument("--naive-max", type=int, default=100_000, help="no naive page above this size")
    ap.add_argument("--database-url", help="PostgreSQL server: a private database per size, dropped afterwards")
    ap.add_argument("--out", type=Path, help="rewrite the table between the bench:peta-naive markers of this file")
    ap.add_argument("--label", help="marker label (default: peta-naive, or peta-naive-pg on PostgreSQL)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.database_url and not common.is_postgresql(args.database_url):
        ap.error("--database-url: a PostgreSQL server URL (the default is SQLite)")
    info = common.machine_info(args.database_url)
    results, seeding = [], {}
    with tempfile.TemporaryDirectory(prefix="kulakan-bench-") as tmp:
        for n in args.aspirasi:
            with common.seeded(args.database_url, n, Path(tmp)) as (url, how):
                seeding[n] = how
                r = measure(url, n, args.repeat, n <= args.naive_max)
                _log.info("%s: Kulakan cold %.0f / warm %.0f ms, %s KB; naive cold %s / warm %s ms, %s KB (load %.2f)",
                          f"{n:,}", r.cold_ms, r.warm_ms, _n(r.payload, 1000), _n(r.naive_cold_ms),
                          _n(r.naive_warm_ms), _n(r.naive_payload, 1000), r.load)  # fmt: skip
                results.append(r)
    text = report(results, seeding, info, common.command_line("bench.peta", argv), args.repeat)
    print(text)
    if args.out:
        label = args.label or ("peta-naive-pg" if args.database_url else "peta-naive")
        common.write_between_markers(args.out, label, text)
        _log.info("Tabel ditulis ke %s (penanda bench:%s)", args.out, label)
    return 0


if __name__ == "__main__":
    sys.exit(main())
