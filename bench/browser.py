"""From "Masuk" to the map drawn, in a real browser, and the Peta map's payload (issue 14, target 5).

    python -m bench.browser --aspirasi 100000 [--repeat 5] [--database-url POSTGRES_SERVER] [--out docs/PERFORMANCE.md]

A database with the demo data (seed 42; SQLite: a copy of the cached seeded file, or a private PostgreSQL
database) and a staff account; one Streamlit server (serve.py, as `make run` starts it) on a free loopback
port; Playwright driving Debian's Chromium (/usr/bin/chromium, no browser download). Per page (Beranda at
``/``, Peta at ``/peta``), one untimed visit first (the server process's first run of the page), then
--repeat times: a fresh browser context opens the page, fills the login form, and the clock runs from the
click on "Masuk" until the page's map frame has drawn all 57 kelurahan polygons; median. A new browser fetches,
after the click, the ~30 script chunks of the page's widgets and the map component (the login form needs few);
so the same is measured again in a returning browser: one context that logged in once before, its cookies
cleared before each run (logged out), its HTTP cache kept, as on a staff member's computer the next morning.
The payload is the JSON arguments of the streamlit-folium component as they arrive over the WebSocket
(parsed ForwardMsgs).

Targets: login -> map drawn <= 1.2 s on Beranda and Peta at 100,000; Peta map payload <= 300 KB at any size.
A benchmark, not a test: exit code 0 whatever the outcome.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import common

_log = logging.getLogger("bench.browser")
CHROMIUM = os.environ.get("KULAKAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FRAME = "iframe[title='streamlit_folium.st_folium']"
# Kelurahan polygons drawn in a map frame (circle markers of the points are drawn with arcs: left out).
POLYGONS_JS = """() => [...document.querySelectorAll('path.leaflet-interactive')]
  .filter((p) => !/a/i.test(p.getAttribute('d') || '')).length"""
POLYGONS = 57
PAGES = [("Beranda", "/"), ("Peta", "/peta")]
TARGET_MS = 1200.0
TARGET_SIZE = 100_000
TARGET_PAYLOAD = 300_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(db_url: str, log_dir: Path):
    """serve.py in its own process on a free port; stopped (by its pid) afterwards."""
    port = _free_port()
    env = {**os.environ, "KULAKAN_DATABASE_URL": db_url, "KULAKAN_TODAY": common.TODAY.isoformat()}
    log = open(log_dir / f"streamlit-{port}.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(common.ROOT / "serve.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=common.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Streamlit berhenti ({proc.returncode}); lihat {log.name}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("Streamlit tidak sehat dalam 90 dtk")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def create_staff(db_url: str) -> tuple[str, str]:
    from db.auth.roles import SYSTEM
    from db.auth.users import create_user
    from db.engine import make_engine

    username, sandi = f"bench.{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    engine = make_engine(db_url)
    create_user(engine, SYSTEM, username, "staf", sandi, nama="Bench peramban (sementara)")
    engine.dispose()
    return username, sandi


class PayloadProbe:
    """Bytes of the streamlit-folium component's arguments in the ForwardMsgs a page receives."""

    def __init__(self, page):
        self.sizes: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # a frame that is not a ForwardMsg
            return
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "component_instance" and "folium" in el.component_instance.component_name:
                self.sizes.append(len(el.component_instance.json_args.encode("utf-8")))


def new_context(browser):
    return browser.new_context(viewport={"width": 1500, "height": 1000}, locale="id-ID")


def login_to_map(browser, base_url: str, path: str, username: str, sandi: str, context=None) -> tuple[float, int]:
    """(ms from the click on "Masuk" to 57 polygons drawn, map payload bytes) in a fresh context (a browser
    that never opened the app), or in ``context`` with its cookies cleared (a returning browser: logged out,
    its HTTP cache holding the app's scripts from an earlier visit)."""
    own = context is None
    if own:
        context = new_context(browser)
    else:
        context.clear_cookies()
    try:
        page = context.new_page()
        probe = PayloadProbe(page)
        page.goto(base_url + path)
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(sandi)
        button = page.get_by_role("button", name="Masuk")
        button.wait_for()
        t0 = time.perf_counter()
        button.click()
        iframe = page.locator(FRAME).locator("visible=true").first
        iframe.wait_for(timeout=60_000)
        frame = iframe.element_handle().content_frame()
        frame.wait_for_function(f"() => ({POLYGONS_JS})() === {POLYGONS}", timeout=60_000, polling="raf")
        ms = (time.perf_counter() - t0) * 1000
        return ms, max(probe.sizes, default=0)
    finally:
        if own:
            context.close()
        else:
            page.close()


def measure(db_url: str, repeat: int, log_dir: Path) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    username, sandi = create_staff(db_url)
    out = {}
    with app_server(db_url, log_dir) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, path in PAGES:
                load = common.load_1min()
                first, _ = login_to_map(browser, url, path, username, sandi)  # the process's first run of the page
                runs = [login_to_map(browser, url, path, username, sandi) for _ in range(repeat)]
                returning = new_context(browser)
                try:
                    login_to_map(browser, url, path, username, sandi, returning)  # fills its HTTP cache
                    again = [login_to_map(browser, url, path, username, sandi, returning)[0] for _ in range(repeat)]
                finally:
                    returning.close()
                out[name] = {"first_ms": first, "median_ms": statistics.median(r[0] for r in runs),
                             "max_ms": max(r[0] for r in runs), "payload": runs[-1][1], "load": load,
                             "returning_ms": statistics.median(again)}  # fmt: skip
                _log.info("  %s: median %.0f ms (returning browser %.0f ms; first %.0f ms), payload %.0f KB, "
                          "load %.2f", name, out[name]["median_ms"], out[name]["returning_ms"], first,
                          out[name]["payload"] / 1000, load)  # fmt: skip
        finally:
            browser.close()
    return out


def report(results: dict[int, dict], seeding: dict[int, str], info, command: str, repeat: int) -> str:
    lines = [
        f"Command: `{command}` (median of {repeat} logins per page, after one untimed first visit)",
        "",
        *info,
        "",
        "| size | page | login -> 57 polygons drawn, median ms (new browser) | slowest ms "
        "| returning browser, median ms | first visit of the process ms | map payload KB | load 1 min |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for n, pages in results.items():
        for name, r in pages.items():
            lines.append(f"| {n:,} | {name} | {r['median_ms']:,.0f} | {r['max_ms']:,.0f} | {r['returning_ms']:,.0f} "
                         f"| {r['first_ms']:,.0f} | {r['payload'] / 1000:,.0f} | {r['load']:.2f} |")  # fmt: skip
    lines += ["", "Databases: " + "; ".join(f"{n:,}: {how}" for n, how in seeding.items()) + ".", "", "Targets:", ""]
    for n, pages in results.items():
        for name, r in pages.items():
            if n == TARGET_SIZE:
                lines.append(f"- {common.verdict(r['median_ms'] <= TARGET_MS)}: {name} at {n:,}: login -> map drawn "
                             f"{r['median_ms']:,.0f} ms in a new browser (target <= {TARGET_MS:,.0f} ms)")  # fmt: skip
                lines.append(f"- {common.verdict(r['returning_ms'] <= TARGET_MS)}: {name} at {n:,}: login -> map "
                             f"drawn {r['returning_ms']:,.0f} ms in a returning browser (target <= "
                             f"{TARGET_MS:,.0f} ms)")  # fmt: skip
            if name == "Peta":
                lines.append(f"- {common.verdict(0 < r['payload'] <= TARGET_PAYLOAD)}: Peta map payload at {n:,}: "
                             f"{r['payload'] / 1000:,.0f} KB (target <= {TARGET_PAYLOAD / 1000:,.0f} KB)")  # fmt: skip
    if TARGET_SIZE not in results:
        lines.append(f"- login -> map drawn is checked at {TARGET_SIZE:,} aspirations: not in this run")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.splitlines()[0])
    ap.add_argument("--aspirasi", type=int, nargs="+", default=[TARGET_SIZE], help="archive sizes")
    ap.add_argument("--repeat", type=int, default=5, help="logins per page (median)")
    ap.add_argument("--database-url", help="PostgreSQL server: a private database per size, dropped afterwards")
    ap.add_argument("--out", type=Path, help="rewrite the table between the bench:browser markers of this file")
    ap.add_argument("--label", help="marker label (default: browser, or browser-pg on PostgreSQL)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium tidak ada di {CHROMIUM} (scripts/install_chromium.sh)")
    info = common.machine_info(args.database_url)
    results, seeding = {}, {}
    with tempfile.TemporaryDirectory(prefix="kulakan-bench-") as tmp:
        for n in args.aspirasi:
            with common.seeded(args.database_url, n, Path(tmp)) as (url, how):
                _log.info("%s aspirasi: %s", f"{n:,}", how)
                seeding[n] = how
                results[n] = measure(url, args.repeat, Path(tmp))
    text = report(results, seeding, info, common.command_line("bench.browser", argv), args.repeat)
    print(text)
    if args.out:
        label = args.label or ("browser-pg" if args.database_url else "browser")
        common.write_between_markers(args.out, label, text)
        _log.info("Tabel ditulis ke %s (penanda bench:%s)", args.out, label)
    return 0


if __name__ == "__main__":
    sys.exit(main())
