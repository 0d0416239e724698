"""Benchmark of the Peta page against the naive approach (DESIGN.md section 6).

    python -m bench.peta --aspirasi 1000 10000 100000 [--out docs/PERFORMANCE.md]
    python -m bench.peta --aspirasi 100000 --naive-max 0 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --out docs/PERFORMANCE.md

For every size a fresh database is seeded with the deterministic demo data (SQLite file in a
temporary directory, or a private database created on the given PostgreSQL server and dropped
afterwards). Measured, median over --repeat runs, Streamlit caches bypassed (db functions called
directly):

- Kulakan default view: the exact code path of ui/peta.py ``map_and_panel`` (no filter, metric
  "jumlah", points "klaster"): SQL (metrics + capped points), then layers_for + base_map and the
  rendering steps of ``st_folium``; the payload is what st_folium hands to the browser.
- Kulakan panel of one clicked kelurahan: panel SQL, its open points and their detail layer.
- Naive baseline (bench/naive.py): all rows through pandas + one Marker per aspiration.

A benchmark, not a test: PASS/FAIL lines are informational and the exit code is 0.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import logging
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import streamlit.config
import streamlit.logger

# ui.peta imports Streamlit; outside `streamlit run` it logs "No runtime found" per cached function.
# Parse the config first (parsing resets the level), then silence those warnings.
streamlit.config.get_option("logger.level")
streamlit.logger.set_log_level("error")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from streamlit_folium import (  # noqa: E402
    _get_feature_group_string,
    _get_header,
    _get_html,
    _get_map_string,
    generate_js_hash,
)

from bench.naive import naive_page  # noqa: E402
from db import peta  # noqa: E402
from db.demo import generate_demo  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.filters import AspirasiFilter  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.reference import load_reference  # noqa: E402
from db.testing import pg_database  # noqa: E402
from geo import maps  # noqa: E402
from ui import peta as ui_peta  # noqa: E402

TODAY = dt.date(2026, 11, 20)
SEED = 42
PANEL_KELURAHAN = "35.73.02.1010"
METRIK = "jumlah"
TITIK = "klaster"

# Targets of the issue (SQLite, 100,000 aspirations; speed-up at 10,000).
TARGET_SIZE = 100_000
TARGET_TOTAL_MS = 1000.0
TARGET_PAYLOAD_BYTES = 3 * 1000 * 1000
TARGET_SPEEDUP_SIZE = 10_000
TARGET_SPEEDUP = 20.0

_log = logging.getLogger("bench.peta")


# --------------------------------------------------------------------------- measurements


@dataclass
class Result:
    size: int
    seed_s: float
    data_ms: float
    map_ms: float
    total_ms: float
    payload_bytes: int
    panel_ms: float
    naive_ms: float | None
    naive_bytes: int | None

    @property
    def speedup(self) -> float | None:
        return self.naive_ms / self.total_ms if self.naive_ms else None


def _median_ms(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()  # garbage of the previous run (folium trees are cyclic) is not this run's cost
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def kulakan_data(engine: Engine):
    """The SQL of the default view (what the cached ui.peta.metrics/points call on a cold cache)."""
    f = AspirasiFilter()
    df = peta.kelurahan_metrics(engine, f, TODAY)
    pts = peta.points(engine, f, cap=ui_peta.POINT_CAP)
    return df, pts


def kulakan_map(df, pts) -> int:
    """layers_for + base_map + the steps of st_folium up to the component call; returns payload bytes."""
    metrik = peta.METRIK[METRIK]
    extra = {"Jumlah aspirasi": df["jumlah"], "Terbuka": df["terbuka"]}
    layers = ui_peta.layers_for(df[metrik.kode], metrik.label, maps.format_angka, TITIK, pts, None, extra)
    m = maps.base_map(None, basemap=False)  # filter_bounds(AspirasiFilter()) is None
    # streamlit_folium.st_folium(m, feature_group_to_add=layers, ...), minus the component call:
    m.get_root().render()
    m.render()
    html = _get_html(m)
    header = _get_header(m)
    script = _get_map_string(m)
    groups = "".join(_get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(layers))
    generate_js_hash(script, "peta_utama", False)
    return sum(len(s.encode("utf-8")) for s in (script, groups, header, html))


def kulakan_page(engine: Engine) -> tuple[float, float, int]:
    """(data ms, map ms, payload bytes) of one cold view."""
    t0 = time.perf_counter()
    df, pts = kulakan_data(engine)
    t1 = time.perf_counter()
    size = kulakan_map(df, pts)
    t2 = time.perf_counter()
    return (t1 - t0) * 1000, (t2 - t1) * 1000, size


def kulakan_panel(engine: Engine):
    f = AspirasiFilter()
    p = peta.kelurahan_panel(engine, f, PANEL_KELURAHAN, TODAY)
    detail = peta.open_points_of(engine, f, PANEL_KELURAHAN, TODAY, ui_peta.DETAIL_CAP)
    return p, maps.detail_points_layer(detail)


def seed(url: str, n: int) -> float:
    t0 = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=n, seed=SEED, today=TODAY)
    engine.dispose()
    return time.perf_counter() - t0


def measure(url: str, n: int, repeat: int, naive_max: int) -> Result:
    seed_s = seed(url, n)
    _log.info("  diisi %s aspirasi dalam %.1f s", f"{n:,}", seed_s)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:  # open the pool once: connecting is not page work
            conn.execute(text("SELECT 1"))
        runs = []
        for _ in range(repeat):
            gc.collect()
            runs.append(kulakan_page(engine))
        data_ms = statistics.median(r[0] for r in runs)
        map_ms = statistics.median(r[1] for r in runs)
        total_ms = statistics.median(r[0] + r[1] for r in runs)
        payload = runs[-1][2]
        panel_ms, _ = _median_ms(lambda: kulakan_panel(engine), repeat)
        _log.info("  Kulakan: data %.0f ms, peta %.0f ms, payload %.0f KB", data_ms, map_ms, payload / 1000)
        naive_ms = naive_bytes = None
        if n <= naive_max:
            naive_ms, (_, html) = _median_ms(lambda: naive_page(engine), repeat)
            naive_bytes = len(html.encode("utf-8"))
            _log.info("  naif: %.0f ms, payload %.0f KB", naive_ms, naive_bytes / 1000)
    finally:
        engine.dispose()
    return Result(n, seed_s, data_ms, map_ms, total_ms, payload, panel_ms, naive_ms, naive_bytes)


# --------------------------------------------------------------------------- databases


@contextlib.contextmanager
def database(server_url: str | None, tmp: Path) -> Iterator[str]:
    """URL of a fresh empty database: a SQLite file in ``tmp``, or a private one on the server."""
    if server_url is None:
        yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    with pg_database(server_url, prefix="kulakan_bench_") as url:
        yield url


def machine_info(server_url: str | None) -> list[str]:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if server_url is None:
        db_kind = f"SQLite {sqlite3.sqlite_version} (file in a temporary directory)"
    else:
        engine = create_engine(server_url)
        with engine.connect() as conn:
            version = conn.scalar(text("SHOW server_version"))
        engine.dispose()
        db_kind = f"PostgreSQL {version} ({make_url(server_url).host}, private database per size)"
    return [
        f"- Date: {dt.date.today().isoformat()}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}; "
        f"SQLite library {sqlite3.sqlite_version}",
        f"- Database: {db_kind}",
    ]


# --------------------------------------------------------------------------- report


def _ms(v: float | None) -> str:
    return "tidak diukur" if v is None else f"{v:,.0f}"


def _kb(v: int | None) -> str:
    return "tidak diukur" if v is None else f"{v / 1000:,.0f}"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| size | Kulakan data ms | Kulakan map ms | Kulakan total ms | payload KB | panel ms "
        "| naive total ms | naive payload KB | speed-up (naive/kulakan) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        speed = "tidak diukur" if r.speedup is None else f"{r.speedup:,.0f}x"
        lines.append(
            f"| {r.size:,} | {r.data_ms:,.0f} | {r.map_ms:,.0f} | {r.total_ms:,.0f} | {_kb(r.payload_bytes)} "
            f"| {r.panel_ms:,.0f} | {_ms(r.naive_ms)} | {_kb(r.naive_bytes)} | {speed} |"
        )
    return lines


def targets(results: list[Result], kind: str) -> list[str]:
    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    out = []
    for r in results:
        if r.size >= TARGET_SIZE:
            out.append(
                f"- {verdict(r.total_ms < TARGET_TOTAL_MS)}: {r.size:,} aspirations on {kind}: "
                f"page data + map build {r.total_ms:,.0f} ms (target < {TARGET_TOTAL_MS:,.0f} ms)"
            )
            out.append(
                f"- {verdict(r.payload_bytes < TARGET_PAYLOAD_BYTES)}: {r.size:,} aspirations on {kind}: "
                f"payload {r.payload_bytes / 1e6:.2f} MB (target < {TARGET_PAYLOAD_BYTES / 1e6:.0f} MB)"
            )
        if r.size == TARGET_SPEEDUP_SIZE and r.speedup is not None:
            out.append(
                f"- {verdict(r.speedup >= TARGET_SPEEDUP)}: {r.size:,} aspirations on {kind}: "
                f"{r.speedup:,.0f}x faster than naive (target >= {TARGET_SPEEDUP:.0f}x)"
            )
    return out or ["- (no size of this run is a target size)"]


def report(results: list[Result], info: list[str], kind: str, argv: list[str], repeat: int) -> str:
    seeds = ", ".join(f"{r.size:,}: {r.seed_s:.1f} s" for r in results)
    lines = [
        f"Command: `python -m bench.peta {' '.join(argv)}` (median of {repeat} runs)",
        "",
        *info,
        "",
        *table(results),
        "",
        f"Seeding time (not part of the page): {seeds}.",
        "",
        "Targets:",
        "",
        *targets(results, kind),
    ]
    return "\n".join(lines)


def write_between_markers(path: Path, label: str, body: str) -> None:
    start, end = f"<!-- bench:{label}:start -->", f"<!-- bench:{label}:end -->"
    block = f"{start}\n{body}\n{end}"
    content = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(content):
        content = pattern.sub(lambda _m: block, content)
    else:
        content = content.rstrip("\n") + ("\n\n" if content else "") + block + "\n"
    path.write_text(content, encoding="utf-8")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench.peta", description=__doc__.splitlines()[0])
    ap.add_argument("--aspirasi", type=int, nargs="+", default=[1000, 10_000, 100_000], help="sizes to seed")
    ap.add_argument("--naive-max", type=int, default=100_000, help="skip the naive baseline above this size")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--out", type=Path, help="rewrite the table between the markers in this Markdown file")
    ap.add_argument(
        "--database-url",
        help="PostgreSQL server URL: a private database is created there per size and dropped afterwards",
    )
    ap.add_argument("--label", help="marker label in --out (default: peta, or peta-pg with --database-url)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        ap.error("--database-url: only a PostgreSQL server URL (the default is SQLite files)")
    kind = "PostgreSQL" if args.database_url else "SQLite"
    label = args.label or ("peta-pg" if args.database_url else "peta")
    info = machine_info(args.database_url)

    # The geometry caches (load_boundaries, _geometries) live for the whole server process; warm
    # them once so the first size is not charged the one-off start-up cost.
    t0 = time.perf_counter()
    maps.base_map(None).get_root().render()
    _log.info("Peta pertama di proses ini (muat batas wilayah, sekali per proses): %.0f ms", _elapsed(t0))

    results = []
    with tempfile.TemporaryDirectory(prefix="kulakan-bench-") as tmp:
        for n in args.aspirasi:
            _log.info("%s aspirasi (%s)", f"{n:,}", kind)
            with database(args.database_url, Path(tmp)) as url:
                results.append(measure(url, n, args.repeat, args.naive_max))

    shown_argv = [a if a != args.database_url else _safe_url(a) for a in argv]
    text_report = report(results, info, kind, shown_argv, args.repeat)
    print(text_report)
    if args.out:
        write_between_markers(args.out, label, text_report)
        _log.info("Tabel ditulis ke %s (penanda bench:%s)", args.out, label)
    return 0


def _elapsed(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
