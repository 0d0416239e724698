"""Screenshots of every page x role at the projector sizes, for reviewers (`make screenshots`).

Starts its own Streamlit on a freshly seeded demo database (SQLite, in a temporary folder), logs in as each role
through the real login form, and saves build/screenshots/<role>-<page>-<w>x<h>.png (the whole page: the screens
of the scrolling main area, each shot as it is seen, one under the other). Uses Debian's Chromium (no browser
download), like the browser tests.

    .venv/bin/python scripts/screenshots.py [--today 2026-11-20] [--roles pimpinan staf] [--pages beranda rotasi]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db.auth.roles import PERMISSIONS, ROLES, SYSTEM  # noqa: E402
from db.auth.users import create_user  # noqa: E402
from db.demo.generate import generate_demo  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.reference import load_reference  # noqa: E402
from ui.pages import PAGES  # noqa: E402

SIZES = [(1280, 720), (1920, 1080)]
CHROMIUM = os.environ.get("KULAKAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# Waits until Streamlit has finished running the script, every map frame has drawn Leaflet, and charts have
# painted their canvas/svg; then fonts settle.
SETTLED_JS = """
() => {
  if (document.querySelector("[data-testid='stStatusWidget'] button, [data-testid='stSkeleton']")) return false;
  for (const f of document.querySelectorAll("iframe[title='streamlit_folium.st_folium']")) {
    const d = f.contentDocument;
    if (!d || !d.querySelector('.leaflet-container')) return false;
  }
  return document.querySelector("[data-testid='stMain']") !== null;
}
"""
# The app scrolls inside its main area (and the sidebar inside its own), not the document. A full-page capture
# (Chromium resizing the page for the shot) repaints canvases and map frames mid-resize: tables came out with
# shifted or widened columns and maps half grey. So the picture is stitched from viewport shots instead: the
# main area (and the sidebar, while it has more) is scrolled one screen at a time, each screen settles and is
# shot as a person would see it, and the screens are pasted one under the other.
SCROLL_JS = """
(y) => {
  const box = (q) => { const e = document.querySelector(q); if (!e) return null;
    const r = e.getBoundingClientRect(); return r.width > 0 && r.left >= 0 ? [e, r] : null; };  // closed: off screen
  const out = {};
  for (const [name, q] of [["main", "[data-testid='stMain']"], ["side", "[data-testid='stSidebarContent']"]]) {
    const found = box(q);
    if (!found) { out[name] = null; continue; }
    const [e, r] = found;
    e.scrollTop = y;
    out[name] = {top: e.scrollTop, height: e.scrollHeight, view: e.clientHeight,
                 left: Math.round(r.left), width: Math.round(r.width)};
  }
  return out;
}
"""
# Tiles after the first: Streamlit's fixed header (status, the button that opens a closed sidebar) would be
# pasted over the content each time.
NO_HEADER_CSS = "[data-testid='stHeader'] { visibility: hidden !important; }"
TILE_SETTLE_MS = 600  # a frame scrolled into view repaints (browsers throttle off-screen frames), canvases redraw


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, today: dt.date, sandi: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=1500, seed=7, today=today)
    for peran in ROLES:
        create_user(engine, SYSTEM, f"{peran}.layar", peran, sandi, nama=f"Layar {peran.title()}")
    engine.dispose()


def start_app(url: str, today: dt.date, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "KULAKAN_DATABASE_URL": url, "KULAKAN_TODAY": today.isoformat()}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Streamlit berhenti ({proc.returncode}); lihat {log}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise TimeoutError("Streamlit tidak siap dalam 90 detik")


def settle(page) -> None:
    page.wait_for_function(SETTLED_JS, timeout=60_000)
    page.wait_for_timeout(2500)  # charts (Vega) and map tiles/labels paint after the script finished
    page.wait_for_function(SETTLED_JS, timeout=60_000)


def login(page, base: str, path: str, username: str, sandi: str) -> None:
    page.goto(f"{base}/{path}")
    page.get_by_label("Nama pengguna").fill(username, timeout=90_000)  # a cold server answers slowly
    page.get_by_label("Kata sandi", exact=True).fill(sandi)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_label("Kata sandi", exact=True).wait_for(state="detached", timeout=60_000)


def stitched(page, w: int, h: int):
    """The whole page as one image: viewport shots of each screen of the main area (and sidebar), pasted."""
    import io

    from PIL import Image

    def shot(y: int) -> tuple[dict, Image.Image]:
        where = page.evaluate(SCROLL_JS, y)
        page.wait_for_timeout(TILE_SETTLE_MS)
        page.wait_for_function(SETTLED_JS, timeout=60_000)
        return where, Image.open(io.BytesIO(page.screenshot())).convert("RGB")

    where, first = shot(0)
    main, side = where["main"], where["side"]
    total = max(h, main["height"] if main else h, side["height"] if side else 0)
    out = Image.new("RGB", (w, total), first.getpixel((w - 2, h - 2)))
    out.paste(first, (0, 0))
    if side:  # below its content the sidebar keeps its own colour
        out.paste(Image.new("RGB", (side["width"], total - h), first.getpixel((2, h - 2))), (side["left"], h))
    page.add_style_tag(content=NO_HEADER_CSS)
    y = h
    while y < total:
        where, tile = shot(y)
        for part in (where["main"], where["side"]):
            if part and part["top"] + part["view"] > y:  # this part still had more to show
                crop = tile.crop((part["left"], 0, part["left"] + part["width"], h))
                out.paste(crop, (part["left"], part["top"]))
        y += h
    return out


def shoot(browser, base: str, peran: str, spec, sandi: str, out: Path) -> list[Path]:
    """One fresh browser session per size: log in on the page's own address, let it settle, stitch, save."""
    saved = []
    for w, h in SIZES:
        context = browser.new_context(viewport={"width": w, "height": h}, locale="id-ID")
        page = context.new_page()
        try:
            # The default page lives at "/" (its own address answers "page not found" before login).
            login(page, base, "" if spec.default else spec.url_path, f"{peran}.layar", sandi)
            settle(page)
            page.mouse.move(0, h - 1)  # no hover tooltip from the login click
            path = out / f"{peran}-{spec.url_path}-{w}x{h}.png"
            stitched(page, w, h).save(path)
            saved.append(path)
        finally:
            context.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20), help="tanggal 'hari ini'")
    ap.add_argument("--roles", nargs="*", default=list(ROLES), choices=ROLES)
    ap.add_argument("--pages", nargs="*", default=[p.url_path for p in PAGES])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    sandi = secrets.token_urlsafe(16)  # a throw-away password for the throw-away database
    with tempfile.TemporaryDirectory(prefix="kulakan-layar-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'layar.db'}"
        seed(url, args.today, sandi)
        proc, base = start_app(url, args.today, args.out / "streamlit.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for peran in args.roles:
                    for spec in PAGES:
                        if spec.url_path not in args.pages or spec.izin not in PERMISSIONS[peran]:
                            continue  # a page the role cannot open shows only a refusal
                        for path in shoot(browser, base, peran, spec, sandi, args.out):
                            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
