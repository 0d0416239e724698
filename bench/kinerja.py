"""Benchmark of the Kinerja OPD page, cold and warm, through the whole app (AppTest of app.py).

    python -m bench.kinerja --aspirasi 100000 [--out docs/PERFORMANCE.md]
    python -m bench.kinerja --aspirasi 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --out docs/PERFORMANCE.md

A fresh database per size is seeded with the deterministic demo data (SQLite file in a temporary
directory, or a private database on the given PostgreSQL server, dropped afterwards). For each
part of the page (Skor = the default view, Tren, Peta), median over --repeat runs of one
``AppTest.run()`` of app.py showing /kinerja-opd as a logged-in pimpinan:

- cold: every ``st.cache_data`` cleared first (data fingerprint, filter options, scorecard, trend,
  map metrics all recomputed from the database; the engine and the boundaries stay, as in a
  running server);
- warm: the same run again (a rerun, e.g. after a click that changed nothing the page reads).

The load average of the machine is printed with the numbers. A benchmark, not a test: the exit
code is 0 whatever the outcome.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import streamlit.config
import streamlit.logger

streamlit.config.get_option("logger.level")
streamlit.logger.set_log_level("error")

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.common import database, machine_info, seed, share_script_cache  # noqa: E402
from db.engine import make_engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 20)
PAGE = "views/kinerja_opd.py"
TARGET_WARM_MS = 60.0
TARGET_COLD_MS = {"sqlite": 300.0, "postgresql": 500.0}


def _auth() -> dict:
    return {"username": "pimpinan.bench", "peran": "pimpinan", "kecamatan_kode": None, "nama": None,
            "wajib_ganti": False, "terakhir": time.time()}  # fmt: skip


def _app(bagian: str) -> AppTest:
    share_script_cache()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["auth"] = _auth()
    at.run()
    at.switch_page(PAGE)
    at.query_params["bagian"] = bagian
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _once(at: AppTest, cold: bool) -> float:
    at.session_state["auth"]["terakhir"] = time.time()
    if cold:
        st.cache_data.clear()
    gc.collect()
    t0 = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t0) * 1000
    assert not at.exception, [e.value for e in at.exception]
    return ms


def measure(url: str, repeat: int) -> dict[str, tuple[float, float]]:
    os.environ["KULAKAN_DATABASE_URL"] = url
    os.environ["KULAKAN_TODAY"] = TODAY.isoformat()
    out = {}
    for bagian in ("Skor", "Tren", "Peta"):
        at = _app(bagian)
        _once(at, cold=True)  # first run of this part in the process (imports, Altair/folium warm-up)
        cold = statistics.median(_once(at, cold=True) for _ in range(repeat))
        warm = statistics.median(_once(at, cold=False) for _ in range(repeat))
        out[bagian] = (cold, warm)
    return out


def report(n: int, kind: str, res: dict, seed_s: float, repeat: int, command: str) -> list[str]:
    lines = [
        f"Command: `{command}` (median of {repeat} runs)",
        "",
        *machine_info(os.environ["KULAKAN_DATABASE_URL"] if kind == "postgresql" else None),
        f"- Load average before the run: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}",
        "",
        "| size | part of the page | cold ms | warm ms |",
        "|---:|---|---:|---:|",
    ]
    for bagian, (cold, warm) in res.items():
        lines.append(f"| {n:,} | {bagian} | {cold:,.0f} | {warm:,.0f} |")
    seeded = f"{seed_s:.1f} s" if seed_s else "database seeded beforehand (--existing-url)"
    lines += ["", f"Seeding time (not part of the page): {seeded}.", "", "Targets (default view, Skor):", ""]
    cold, warm = res["Skor"]
    t_cold = TARGET_COLD_MS[kind]
    lines.append(f"- {'PASS' if warm <= TARGET_WARM_MS else 'FAIL'}: warm {warm:,.0f} ms (target <= 60 ms)")
    lines.append(f"- {'PASS' if cold <= t_cold else 'FAIL'}: cold {cold:,.0f} ms (target <= {t_cold:,.0f} ms)")
    return lines


def write_section(path: Path, label: str, lines: list[str]) -> None:
    text = path.read_text() if path.exists() else ""
    start, end = f"<!-- bench:{label}:start -->", f"<!-- bench:{label}:end -->"
    block = "\n".join([start, *lines, end])
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aspirasi", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--existing-url", default=None, help="measure an already seeded database (demo data, seed 42) instead"
    )
    args = ap.parse_args(argv)
    kind = "postgresql" if args.database_url else "sqlite"
    command = "python -m bench.kinerja " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.existing_url:
        seed_s, res = 0.0, measure(args.existing_url, args.repeat)
    else:
        with tempfile.TemporaryDirectory() as tmp, database(args.database_url, Path(tmp)) as url:
            seed_s = seed(url, args.aspirasi)
            res = measure(url, args.repeat)
            make_engine(url).dispose()
    lines = report(args.aspirasi, kind, res, seed_s, args.repeat, command)
    print("\n".join(lines))
    if args.out:
        write_section(args.out, "kinerja" if kind == "sqlite" else "kinerja-pg", lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
