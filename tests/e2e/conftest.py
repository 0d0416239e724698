"""Browser tests: the real app in a Streamlit server, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY, TEST_SANDI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KULAKAN_CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic is switched off, so every request seen is the app's.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, db_url: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "KULAKAN_DATABASE_URL": db_url,
            "KULAKAN_TODAY": DEMO_TODAY.isoformat(),
        }
        (ROOT / ".pytest_cache").mkdir(exist_ok=True)
        self.log = open(ROOT / ".pytest_cache" / f"streamlit-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "serve.py"),  # app.py plus the routes that set the HttpOnly session cookie
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Streamlit exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"Streamlit did not become healthy in {timeout}s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium tidak ada di {CHROMIUM}; `make test` memasangnya (scripts/install_chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def app_server(seeded_url):
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    server = AppServer(seeded_url)
    yield server
    server.stop()


class Requests:
    """Every URL the page (and its iframes) asked for."""

    def __init__(self):
        self.urls: list[str] = []

    def external(self, app_url: str) -> list[str]:
        local = (app_url, "data:", "blob:", "about:")
        return [u for u in self.urls if not u.startswith(local)]


# Runs in the page and in every frame (map iframes included) before their own scripts: an uncaught error or
# rejected promise anywhere is reported as a console error, which BrowserErrors collects.
_FRAME_ERROR_HOOK = """
(() => {
  const report = (what) => console.error('[kulakan-uji] ' + what + ' @ ' + location.href.slice(0, 120));
  window.addEventListener('error', (e) => report('error: ' + (e.message || e.type)), true);
  window.addEventListener('unhandledrejection',
    (e) => report('unhandledrejection: ' + ((e.reason && e.reason.message) || e.reason)));
})();
"""


# Streamlit's own frontend, opened on a page address such as /aspirasi, first probes /aspirasi/_stcore/health and
# /aspirasi/_stcore/host-config (404) before the root ones (streamlit/streamlit#7074, open): that pair, and nothing
# else, is not counted as the app failing.
_STREAMLIT_PROBE = re.compile(r"https?://[^/]+/[^_][^/]*/_stcore/(health|host-config)\b")


class BrowserErrors:
    """JavaScript errors, console errors and failed requests of a browser context, in all its pages and frames.

    Attached to every context the tests open; the autouse fixture ``browser_errors_fail_the_test`` fails any test
    whose pages logged one. A test that provokes an error on purpose removes it with ``allow``.
    """

    def __init__(self, context):
        self.errors: list[str] = []
        context.add_init_script(_FRAME_ERROR_HOOK)
        context.on("page", self._watch)
        for pg in context.pages:
            self._watch(pg)

    def _watch(self, pg) -> None:
        pg.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        pg.on("console", self._console)
        pg.on("requestfailed", self._failed)
        pg.on("response", self._response)

    def _console(self, msg) -> None:
        # Chromium reports a ResizeObserver that re-measured within one frame as an "error" event; the spec calls it
        # a notification that no content was lost (WICG/resize-observer#38), so it is not the app failing.
        if "ResizeObserver loop completed with undelivered notifications" in msg.text:
            return
        if msg.type == "error" and not _STREAMLIT_PROBE.search(msg.location.get("url", "")):
            self.errors.append(f"console.error: {msg.text} ({msg.location.get('url', '')})")

    def _failed(self, request) -> None:
        failure = request.failure or ""
        # Loads cancelled because the test navigated on (or closed the page) are not the app failing; a missing or
        # broken asset shows up as an HTTP status or another net:: error.
        if "ERR_ABORTED" in failure:
            return
        self.errors.append(f"requestfailed: {request.url} ({failure})")

    def _response(self, response) -> None:
        if response.status >= 400 and not _STREAMLIT_PROBE.match(response.url):
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def allow(self, fragment: str) -> None:
        """Forget the errors containing ``fragment`` (for tests that provoke them on purpose)."""
        self.errors = [e for e in self.errors if fragment not in e]


_OPEN_WATCHERS: list[BrowserErrors] = []


def watch_errors(context) -> BrowserErrors:
    watcher = BrowserErrors(context)
    _OPEN_WATCHERS.append(watcher)
    context.errors = watcher
    return watcher


@pytest.fixture(autouse=True)
def browser_errors_fail_the_test():
    """Any JavaScript error, console error or failed request in any page or map frame fails the test."""
    _OPEN_WATCHERS.clear()
    yield
    found = [e for w in _OPEN_WATCHERS for e in w.errors]
    _OPEN_WATCHERS.clear()
    assert not found, "Galat di peramban:\n" + "\n".join(found[:20])


def login(pg, base_url: str, username: str = "staf.uji", path: str = "/") -> None:
    """Open ``path`` and log in through the real form shown there."""
    from playwright.sync_api import expect

    # A person logging in anew: forget a session cookie this browser context may hold from an earlier login
    # (with it, a page address opens logged in, without the form).
    pg.context.clear_cookies(name="kulakan_sesi")
    pg.goto(base_url + path)
    pg.get_by_label("Nama pengguna").fill(username)
    pg.get_by_label("Kata sandi").fill(TEST_SANDI)
    pg.get_by_role("button", name="Masuk").click()
    # Logged in once the form is gone (the sidebar with "Masuk sebagai" is hidden on Mode Rembuk).
    expect(pg.get_by_label("Kata sandi")).to_have_count(0, timeout=30_000)
    expect(pg.get_by_role("main")).to_be_visible()
    # The page fetches its HttpOnly cookie right after login: wait for it, so that a later login in this context
    # does not clear the cookie while that fetch is still on its way (it would then open logged in, without form).
    for _ in range(50):
        if any(c["name"] == "kulakan_sesi" for c in pg.context.cookies()):
            break
        pg.wait_for_timeout(100)


def new_page(browser, base_url: str, username: str | None = "staf.uji", path: str = "/"):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="id-ID")
    errors = watch_errors(context)
    pg = context.new_page()
    pg.errors = errors
    pg.requests = Requests()
    pg.on("request", lambda r: pg.requests.urls.append(r.url))
    pg.app_url = base_url
    if username:
        login(pg, base_url, username, path)
    return context, pg


def pick(pg, label: str, option: str) -> None:
    """Choose ``option`` in the select box ``label`` as a person does: open it and click the option; if a rerun
    that was still running (e.g. the text field just left) closed the list again, open it once more."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        pg.get_by_label(label).click()
        try:
            pg.get_by_role("option", name=option).click(timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def goto(pg, path: str, username: str = "staf.uji") -> None:
    """Open ``path`` as a person does: a fresh browser session, so log in on the form shown there."""
    login(pg, pg.app_url, username, path)


@pytest.fixture
def page(browser, app_server):
    context, pg = new_page(browser, app_server.url, username=None)
    yield pg
    context.close()


def map_frame(page, timeout: float = 30_000):
    """The streamlit-folium iframe, once Leaflet has drawn into it."""
    page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=timeout)
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first
    frame.locator(".leaflet-container").wait_for(timeout=timeout)
    return frame


@pytest.fixture(scope="session")
def hostile_server(hostile_url):
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    server = AppServer(hostile_url)
    yield server
    server.stop()


def metric_value(page, label: str) -> str:
    """The value of the st.metric with this label, as the user reads it."""
    box = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text(label, exact=True)).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()
