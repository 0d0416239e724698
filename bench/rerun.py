"""Rerun cost of every page through the whole app (AppTest of app.py): cold, warm, widget change.

    python -m bench.rerun --aspirasi 100000 [--repeat 3] [--pages beranda peta] [--keep bench.db]
    python -m bench.rerun --existing-url sqlite:////tmp/bench.db   # reuse a database seeded before

A SQLite file is seeded with the deterministic demo data (seed 42, today 2026-11-20), then, per page
(logged in as admin, so every page is reachable), median of ``--repeat`` runs of one ``AppTest.run()``:

- cold: the first run after a data change (one aspirasi touched, so the data fingerprint moves, and
  every ``st.cache_data`` cleared; the engine and the boundaries stay, as in a running server);
- warm: the same run again (what a click that changes nothing the page reads costs);
- widget: a rerun after a widget changed, toggling between two values (after the first pair both are
  cached: the cost of a click that changes a view already seen). "–" where the page has no such widget.

Server time only (AppTest runs the script in-process; the browser's work is not included). The load
average is printed beside the numbers: the machine is shared. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
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
from sqlalchemy import func, select, update  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.common import share_script_cache  # noqa: E402
from db.demo.generate import generate_demo  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.reference import load_reference  # noqa: E402
from db.schema import Aspirasi, utcnow  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 20)
TARGET_WARM_MS = 60.0

# page -> (file, widget kind, widget key, two values to toggle between) for the widget-change rerun.
PAGES: dict[str, tuple[str, str | None, str | None, tuple]] = {
    "beranda": ("views/beranda.py", None, None, ()),
    "peta": ("views/peta.py", "selectbox", "metrik", ("terbuka", "jumlah")),
    "aspirasi": ("views/aspirasi.py", "text_input", "q", ("lampu", "")),
    "rotasi": ("views/rotasi.py", None, None, ()),
    "rembuk": ("views/rembuk.py", None, None, ()),
    "mode_rembuk": ("views/mode_rembuk.py", "selectbox", "kel", ("35.73.02.1010", "35.73.05.1008")),
    "bimtek": ("views/bimtek.py", None, None, ()),
    "kinerja_opd": ("views/kinerja_opd.py", None, None, ()),
    # Kinerja and Admin: AppTest fails to set their selectboxes (a selectbox that starts empty); no widget run.
    "admin": ("views/admin.py", None, None, ()),
}


def seed(url: str, n: int) -> float:
    t0 = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=n, seed=42, today=TODAY)
    engine.dispose()
    return time.perf_counter() - t0


def _auth() -> dict:
    return {"username": "admin.bench", "peran": "admin", "kecamatan_kode": None, "nama": None,
            "wajib_ganti": False, "terakhir": time.time()}  # fmt: skip


def touch(engine) -> None:
    """A data change: the newest aspirasi is marked changed (moves every data fingerprint)."""
    with engine.begin() as conn:
        newest = conn.scalar(select(func.max(Aspirasi.id)))
        conn.execute(update(Aspirasi).where(Aspirasi.id == newest).values(diubah_pada=utcnow()))


def _run(at: AppTest) -> float:
    at.session_state["auth"]["terakhir"] = time.time()
    gc.collect()
    t0 = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t0) * 1000
    assert not at.exception, [e.value for e in at.exception]
    return ms


def _widget(at: AppTest, kind: str, key: str):
    return getattr(at, kind)(key=key)


def measure_page(engine, path: str, kind: str | None, key: str | None, values, repeat: int) -> dict:
    share_script_cache()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["auth"] = _auth()
    at.run()
    at.switch_page(path)
    _run(at)  # first run of this page in the process (imports, Altair/folium warm-up)

    def cold() -> float:
        touch(engine)
        st.cache_data.clear()
        return _run(at)

    out = {"cold": statistics.median(cold() for _ in range(repeat))}
    _run(at)
    out["warm"] = statistics.median(_run(at) for _ in range(repeat))
    out["widget"] = None
    if kind:
        pair = values
        times = []
        for i in range(2 + 2 * repeat):  # the first pair fills the caches of both values
            _widget(at, kind, key).set_value(pair[i % 2])
            ms = _run(at)
            if i >= 2:
                times.append(ms)
        out["widget"] = statistics.median(times)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aspirasi", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    ap.add_argument("--existing-url", default=None, help="an already seeded database (demo data, seed 42)")
    ap.add_argument("--keep", type=Path, default=None, help="seed into this SQLite file and keep it")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        if args.existing_url:
            url, seeded = args.existing_url, "database seeded beforehand"
        else:
            path = args.keep or Path(tmp) / "bench.db"
            url = f"sqlite:///{path}"
            seeded = f"seeded {args.aspirasi:,} aspirasi in {seed(url, args.aspirasi):.1f} s"
        os.environ["KULAKAN_DATABASE_URL"] = url
        os.environ["KULAKAN_TODAY"] = TODAY.isoformat()
        engine = make_engine(url)
        print(f"# bench.rerun: {' '.join(argv if argv is not None else sys.argv[1:])} ({seeded})")
        print("| page | cold ms | warm ms | widget ms | load (1/5/15 min) |")
        print("|---|---:|---:|---:|---|")
        for name in args.pages:
            r = measure_page(engine, *PAGES[name], args.repeat)
            load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
            widget = f"{r['widget']:,.0f}" if r["widget"] is not None else "–"
            flag = "" if r["warm"] <= TARGET_WARM_MS else " (warm > 60)"
            print(f"| {name} | {r['cold']:,.0f} | {r['warm']:,.0f}{flag} | {widget} | {load} |", flush=True)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
