"""Benchmark of the photo components (issue 15): what 20 thumbnails on the Peta panel and 10 "Sebelum →
Sesudah" pairs on Mode Rembuk add to a warm rerun, in server time.

    python -m bench.foto [--aspirasi 3000] [--repeat 15] [--database-url URL] [--out docs/PERFORMANCE.md]

A fresh database (SQLite in a temporary directory, or a private PostgreSQL database) gets the demo data
plus, in one kelurahan, 20 open aspirations with a 'sebelum' photo and 10 resolved ones with a
'sebelum' and a 'sesudah' photo (real 1600-px re-encodes of 4000×3000 camera-sized images; photos in a
temporary store). Each component runs in a real Streamlit script through AppTest: the median warm run
of a script *with* the component minus the same script *without* it is what the component adds (its SQL,
the thumbnail bytes and ``st.image``'s media registration, what the browser is sent). A benchmark, not a
test: exit code 0.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
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

from streamlit.testing.v1 import AppTest  # noqa: E402

TODAY = dt.date(2026, 11, 20)
KEL = "35.73.02.1010"


def _panel_app(nomor: list[str], with_component: bool) -> None:
    import time

    import streamlit as st

    from ui import data

    key = data.key()  # every page computes it at its top (views/peta.py): part of the baseline
    st.markdown("**Panel**")
    cpu = time.thread_time()
    if with_component:
        from ui.foto import panel_thumbnails

        panel_thumbnails(nomor, key=key)
    st.session_state["cpu_ms"] = (time.thread_time() - cpu) * 1000


def _pairs_app(kode: str, today, with_component: bool) -> None:
    import time

    import streamlit as st

    from ui import data

    key = data.key()  # views/mode_rembuk.py computes it at its top: part of the baseline
    st.markdown("**Mode Rembuk**")
    cpu = time.thread_time()
    if with_component:
        from ui.foto import before_after

        before_after(kode, today, key=key)
    st.session_state["cpu_ms"] = (time.thread_time() - cpu) * 1000


def _camera_jpeg(i: int) -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (4000, 3000), (40 + i * 7 % 200, 90, 120))
    d = ImageDraw.Draw(img)
    for x in range(0, 4000, 97):
        d.line([(x, 0), (4000 - x, 3000)], fill=(200, 180 - i, 60), width=9)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def seed(url: str, n: int) -> tuple[list[str], int]:
    from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
    from db.auth.roles import Actor
    from db.demo.generate import generate_demo
    from db.engine import make_engine
    from db.foto import queries as foto_queries
    from db.foto import services as foto_services
    from db.foto.services import Owner
    from db.migrate import upgrade
    from db.reference import load_reference

    staf = Actor("bench", "staf")
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=n, seed=7, today=TODAY)
    nomor = []
    for i in range(20):
        h = create_aspirasi(engine, staf, NewAspirasi(f"Bench terbuka {i}", "jalan_rusak", KEL), TODAY)
        foto_services.upload(engine, staf, Owner("aspirasi", h.id), "sebelum", [(f"s{i}.jpg", _camera_jpeg(i))])
        nomor.append(h.nomor)
    for i in range(10):
        h = create_aspirasi(engine, staf, NewAspirasi(f"Bench selesai {i}", "jalan_rusak", KEL), TODAY)
        p = Owner("aspirasi", h.id)
        foto_services.upload(engine, staf, p, "sebelum", [(f"b{i}.jpg", _camera_jpeg(100 + i))])
        foto_services.upload(engine, staf, p, "sesudah", [(f"a{i}.jpg", _camera_jpeg(200 + i))])
        v = update_status(engine, staf, h.id, 1, "diverifikasi", today=TODAY)
        v = update_status(engine, staf, h.id, v, "dalam_proses", today=TODAY)
        update_status(engine, staf, h.id, v, "selesai", today=TODAY)
    pairs = len(foto_queries.before_after(engine, KEL, TODAY))
    engine.dispose()
    return nomor, pairs


def warm_ms(fn, args: tuple, repeat: int) -> tuple[float, float]:
    """Median wall time of a warm rerun, and median CPU time of the component's own thread in it."""
    at = AppTest.from_function(fn, args=args, default_timeout=120)
    at.run()  # cold: imports, engine, first file reads
    at.run()
    times, cpu = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append(at.session_state["cpu_ms"])
        assert not at.exception, at.exception
    return statistics.median(times), statistics.median(cpu)


def measure(url: str, n: int, repeat: int) -> dict:
    os.environ["KULAKAN_DATABASE_URL"] = url
    t = time.perf_counter()
    nomor, pairs = seed(url, n)
    seeded = time.perf_counter() - t
    (with_p, cpu_p), (base_p, _) = (
        warm_ms(_panel_app, (nomor, True), repeat),
        warm_ms(_panel_app, (nomor, False), repeat),
    )
    (with_r, cpu_r), (base_r, _) = (
        warm_ms(_pairs_app, (KEL, TODAY, True), repeat),
        warm_ms(_pairs_app, (KEL, TODAY, False), repeat),
    )
    from db.foto import images as foto_images

    store = Path(os.environ["KULAKAN_FOTO_DIR"])
    files = [p for p in store.rglob("*.jpg")]
    thumbs = sorted(p.stat().st_size for p in files if p.stat().st_size < 60_000)
    return {
        "n": n,
        "seed_s": seeded,
        "panel": (with_p - base_p, with_p, base_p, cpu_p),
        "pairs": (with_r - base_r, with_r, base_r, cpu_r, pairs),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "thumb_median": statistics.median(thumbs) if thumbs else 0,
        "display_px": foto_images.DISPLAY_PX,
    }


def table(r: dict, backend: str) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    d_p, w_p, b_p, c_p = r["panel"]
    d_r, w_r, b_r, c_r, pairs = r["pairs"]
    verdict = lambda ms: "PASS" if ms <= 100 else "FAIL"  # noqa: E731
    return "\n".join(
        [
            f"{backend}, {r['n']:,} demo aspirations + 30 bench aspirations with photos; "
            f"machine load {load:.2f}; store {r['files']} files, {r['bytes'] / 1e6:.1f} MB, "
            f"median thumbnail {r['thumb_median'] / 1024:.0f} KB.".replace(",", "."),
            "",
            "| warm rerun (median) | with | without | added (wall) | component CPU | target ≤ 100 ms |",
            "|---|---:|---:|---:|---:|---|",
            f"| Peta panel, 20 thumbnails | {w_p:.1f} ms | {b_p:.1f} ms | **{d_p:.1f} ms** | {c_p:.1f} ms | "
            f"{verdict(d_p)} |",
            f"| Mode Rembuk, {pairs} Sebelum → Sesudah pairs | {w_r:.1f} ms | {b_r:.1f} ms | **{d_r:.1f} ms** | "
            f"{c_r:.1f} ms | {verdict(d_r)} |",
        ]
    )


def write_out(path: Path, label: str, body: str) -> None:
    text = path.read_text()
    start, end = f"<!-- bench:{label}:start -->", f"<!-- bench:{label}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    else:
        text += f"\n{block}\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.foto", description=__doc__.splitlines()[0])
    ap.add_argument("--aspirasi", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--database-url", help="PostgreSQL server; a private database is created and dropped")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="kulakan-bench-foto-") as tmp:
        os.environ["KULAKAN_FOTO_DIR"] = str(Path(tmp) / "foto")
        if args.database_url:
            from db.testing import pg_database

            ctx = pg_database(args.database_url, prefix="kulakan_bench_foto_")
            backend = "PostgreSQL"
        else:
            ctx = contextlib.nullcontext(f"sqlite:///{Path(tmp) / 'bench.db'}")
            backend = "SQLite"
        with ctx as url:
            result = measure(url, args.aspirasi, args.repeat)
    out = table(result, backend)
    print(out)
    if args.out:
        write_out(args.out, "foto-pg" if args.database_url else "foto", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
