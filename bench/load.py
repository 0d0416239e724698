"""Load test of a running Kulakan (one process or several behind nginx), loopback only.

N sessions log in and then keep switching between Beranda and Bimtek through the app's own
navigation (each switch is one rerun of the page script on the server), while a writer thread
saves one new aspiration per second straight into the database. Reports sessions held, page
switches per second, switch latency p50/p95 and errors.

Two clients:
- ``--client ws`` (default): speaks Streamlit's WebSocket protocol (/_stcore/stream, protobuf
  BackMsg/ForwardMsg) like the browser does: loads the page through the proxy (sticky cookie),
  fills and submits the login form by widget id, switches pages by page hash; latency = request
  sent until ``script_finished``. Light enough that 20+ sessions measure the server, not the client.
- ``--client browser``: Playwright contexts in Debian's Chromium (click until the content is on
  screen). Realistic but heavy: on a 2-core machine 20 Chromium sessions saturate the CPU themselves.

    .venv/bin/python -m bench.load http://127.0.0.1:8080 --database-url sqlite:///data/kulakan.db

The bench creates a temporary pimpinan account (deleted at the end) and writes aspirations titled
"[uji beban] ..." (deleted at the end unless --keep); use a demo or test database.
Bounded: --duration is capped at 120 s, --sessions at 50.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookies
import ipaddress
import json
import os
import secrets
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

CHROMIUM = os.environ.get("KULAKAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
]
JUDUL = "[uji beban]"
PAGES = [("Bimtek", "Bimtek RT, RW dan LPMK"), ("Beranda", "Beranda")]  # (sidebar link, heading shown)


def require_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"Alamat tidak dikenal: {host}") from exc
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"Uji beban hanya ke loopback (127.0.0.1/localhost), bukan {host} ({addresses}).")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    login_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    held: int = 0
    writes: int = 0
    write_errors: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def nav_link(page, name: str):
    """The app's own navigation link (st.navigation) to page ``name``."""
    return page.locator("a[data-testid='stPageLink-NavLink']", has_text=name)


async def session(browser, url: str, username: str, sandi: str, deadline: float, stats: Stats, delay: float):
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = await context.new_page()
    try:
        started = time.monotonic()
        await page.goto(url + "/", timeout=60_000)
        await page.get_by_label("Nama pengguna").fill(username)
        await page.get_by_label("Kata sandi").fill(sandi)
        await page.get_by_role("button", name="Masuk").click()
        await page.get_by_text("Aspirasi total", exact=True).wait_for(timeout=60_000)
        stats.login_s.append(time.monotonic() - started)
        i = 0
        while time.monotonic() < deadline:
            link, heading = PAGES[i % len(PAGES)]
            i += 1
            t0 = time.monotonic()
            step = "klik"
            try:
                await nav_link(page, link).click(timeout=30_000)
                step = f"judul {heading}"
                await page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=30_000)
                step = "selesai"
                await page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)
                if heading == "Beranda":
                    step = "metrik"
                    await page.get_by_text("Aspirasi total", exact=True).wait_for(timeout=30_000)
            except Exception as exc:  # a timeout or a lost connection: counted, the session goes on
                stats.errors.append(f"{step}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                continue
            stats.latencies.append(time.monotonic() - t0)
        # Held = the session still answers at the end (logged in, WebSocket alive).
        await nav_link(page, "Beranda").click(timeout=30_000)
        await page.get_by_text("Aspirasi total", exact=True).wait_for(timeout=30_000)
        stats.held += 1
    except Exception as exc:
        stats.errors.append(f"sesi: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    finally:
        await context.close()


async def _until_finished(ws, found: set[str]) -> tuple[float, object]:
    """Read ForwardMsgs until the script run ends (a run that ends early for st.rerun continues)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    nav = None
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), 30))
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            nav = msg.navigation
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            body = getattr(el, el.WhichOneof("type"))
            for attr in ("label", "body"):
                if isinstance(getattr(body, attr, None), str):
                    found.add(getattr(body, attr))
            if hasattr(body, "id") and isinstance(getattr(body, "label", None), str):
                found.add(f"id:{body.label}={body.id}")
        elif kind == "script_finished" and msg.script_finished != 2:  # 2 = FINISHED_EARLY_FOR_RERUN
            return msg.script_finished, nav


async def ws_session(url: str, username: str, sandi: str, deadline: float, stats: Stats, delay: float):
    import urllib.request

    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg

    await asyncio.sleep(delay)
    try:
        started = time.monotonic()
        # The page load: index.html through the proxy, which hands out the sticky cookie.
        response = await asyncio.to_thread(urllib.request.urlopen, url + "/", None, 30)
        cookie = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
        response.read()
        headers = {"Cookie": "; ".join(f"{k}={v.value}" for k, v in cookie.items())} if cookie else {}
        ws_url = "ws" + url[len("http") :] + "/_stcore/stream"
        async with websockets.connect(
            ws_url, subprotocols=["streamlit"], additional_headers=headers, max_size=None, open_timeout=30
        ) as ws:

            async def rerun(page_hash: str = "", widgets: dict | None = None) -> set[str]:
                msg = BackMsg()
                msg.rerun_script.page_script_hash = page_hash
                for wid, value in (widgets or {}).items():
                    w = msg.rerun_script.widget_states.widgets.add()
                    w.id = wid
                    if value is True:
                        w.trigger_value = True
                    else:
                        w.string_value = value
                await ws.send(msg.SerializeToString())
                found: set[str] = set()
                status, nav = await _until_finished(ws, found)
                if status != 0:
                    raise RuntimeError(f"script_finished={status}")
                if nav is not None:
                    pages.update({p.page_name: p.page_script_hash for p in nav.app_pages})
                return found

            pages: dict[str, str] = {}
            form = await rerun()
            ids = dict(item[3:].split("=", 1) for item in form if item.startswith("id:"))
            after = await rerun(widgets={ids["Nama pengguna"]: username, ids["Kata sandi"]: sandi, ids["Masuk"]: True})
            if "Aspirasi total" not in after:
                raise RuntimeError("login gagal: Beranda tidak tampil")
            stats.login_s.append(time.monotonic() - started)
            i = 0
            while time.monotonic() < deadline:
                link, heading = PAGES[i % len(PAGES)]
                i += 1
                t0 = time.monotonic()
                try:
                    found = await rerun(pages[link])
                    if heading not in found:
                        raise RuntimeError(f"halaman {link} tanpa judul {heading!r}")
                except (TimeoutError, RuntimeError) as exc:
                    stats.errors.append(f"{link}: {type(exc).__name__}: {exc}"[:160])
                    continue
                stats.latencies.append(time.monotonic() - t0)
            if "Aspirasi total" in await rerun(pages["Beranda"]):
                stats.held += 1
    except Exception as exc:
        stats.errors.append(f"sesi: {type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}")


def writer(database_url: str, stop: threading.Event, stats: Stats, interval: float) -> None:
    from db.aspirasi import AspirasiBaru, create_aspirasi
    from db.auth import Actor
    from db.engine import make_engine

    engine = make_engine(database_url)
    actor = Actor("uji.beban", "staf")
    i = 0
    while not stop.wait(interval):
        i += 1
        try:
            create_aspirasi(engine, actor, AspirasiBaru(judul=f"{JUDUL} {i}", kategori="pju", kelurahan="Sukun"))
            stats.writes += 1
        except Exception as exc:  # reported, not fatal
            stats.write_errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    engine.dispose()


def create_user(database_url: str) -> tuple[str, str]:
    from db.auth import SISTEM
    from db.engine import make_engine
    from db.users import buat_pengguna

    username, sandi = f"beban.{secrets.token_hex(3)}", secrets.token_urlsafe(16)
    engine = make_engine(database_url)
    buat_pengguna(engine, SISTEM, username, "pimpinan", sandi, nama="Uji beban (sementara)")
    engine.dispose()
    return username, sandi


def cleanup(database_url: str, username: str | None, keep: bool) -> None:
    from sqlalchemy import delete, select

    from db.engine import make_engine
    from db.schema import Aspirasi, AspirasiRiwayat, Pengguna

    engine = make_engine(database_url)
    with engine.begin() as conn:
        if username:
            conn.execute(delete(Pengguna).where(Pengguna.username == username))
        if not keep:
            ids = select(Aspirasi.id).where(Aspirasi.judul.like(f"{JUDUL}%"))
            conn.execute(delete(AspirasiRiwayat).where(AspirasiRiwayat.aspirasi_id.in_(ids)))
            conn.execute(delete(Aspirasi).where(Aspirasi.judul.like(f"{JUDUL}%")))
    engine.dispose()


async def run(args, username: str, sandi: str, stats: Stats) -> float:
    url = args.url.rstrip("/")
    ramp = min(10.0, args.duration / 4)  # logins (Argon2id) are spread over the first seconds
    started = time.monotonic()
    deadline = started + args.duration
    delays = [ramp * k / args.sessions for k in range(args.sessions)]
    if args.client == "ws":
        await asyncio.gather(*(ws_session(url, username, sandi, deadline, stats, d) for d in delays))
        return time.monotonic() - started

    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await asyncio.gather(*(session(browser, url, username, sandi, deadline, stats, d) for d in delays))
        elapsed = time.monotonic() - started
        await browser.close()
    return elapsed


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="alamat aplikasi atau proxy, mis. http://127.0.0.1:8080 (loopback saja)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--client", choices=["ws", "browser"], default="ws", help="protokol WebSocket atau Chromium")
    parser.add_argument("--duration", type=float, default=60, help="detik (maks. 120)")
    parser.add_argument("--database-url", default=os.environ.get("KULAKAN_DATABASE_URL"))
    parser.add_argument("--write-interval", type=float, default=1.0, help="detik antar aspirasi baru (0 = tanpa)")
    parser.add_argument("--user", help="pengguna yang ada (bawaan: akun pimpinan sementara)")
    parser.add_argument("--password", default=os.environ.get("KULAKAN_LOAD_SANDI"))
    parser.add_argument("--keep", action="store_true", help="simpan aspirasi uji beban")
    parser.add_argument("--label", default="", help="nama baris hasil")
    args = parser.parse_args(argv)
    require_loopback(args.url)
    args.duration = max(5.0, min(args.duration, 120.0))
    args.sessions = max(1, min(args.sessions, 50))
    if not args.database_url:
        raise SystemExit("Perlu --database-url (atau KULAKAN_DATABASE_URL) untuk akun uji dan penulis.")

    stats = Stats()
    created = None
    if args.user:
        username, sandi = args.user, args.password or ""
    else:
        username, sandi = create_user(args.database_url)
        created = username
    stop = threading.Event()
    thread = None
    if args.write_interval > 0:
        thread = threading.Thread(target=writer, args=(args.database_url, stop, stats, args.write_interval))
        thread.start()
    try:
        elapsed = asyncio.run(run(args, username, sandi, stats))
    finally:
        stop.set()
        if thread:
            thread.join(30)
        cleanup(args.database_url, created, args.keep)

    lat = stats.latencies
    result = {
        "label": args.label or args.url,
        "client": args.client,
        "sessions": args.sessions,
        "held": stats.held,
        "duration_s": round(elapsed, 1),
        "switches": len(lat),
        "switches_per_s": round(len(lat) / elapsed, 2),
        "p50_ms": round(1000 * percentile(lat, 0.5)) if lat else None,
        "p95_ms": round(1000 * percentile(lat, 0.95)) if lat else None,
        "login_p50_s": round(statistics.median(stats.login_s), 1) if stats.login_s else None,
        "errors": len(stats.errors),
        "writes": stats.writes,
        "write_errors": len(stats.write_errors),
    }
    print(json.dumps(result))
    for e in sorted(set(stats.errors + stats.write_errors))[:10]:
        print("  error:", e)
    return result


if __name__ == "__main__":
    main()
