"""Two app processes behind nginx (deploy/nginx/kulakan.conf) on one database, in a real browser.

A user logs in through the proxy on each process; an aspiration is then written straight into
the database (as another process or the import would); fresh sessions on *both* processes show
the new total within 15 s: the per-process caches follow the data version, not a global clear.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from db.testing import pg_database, pg_unavailable_reason
from tests.conftest import DEMO_TODAY, create_test_users
from tests.e2e.conftest import ROOT, AppServer, _free_port, login, metric_value, watch_errors

pytestmark = pytest.mark.e2e

COOKIE = "kulakan_upstream"
COOKIE_SECRET = "uji-klaster-rahasia-bersama-0123456789"


def _nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def _render_module():
    spec = importlib.util.spec_from_file_location("kulakan_nginx_render", ROOT / "deploy" / "nginx" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed(url: str) -> None:
    from db.demo.generate import generate_demo
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.reference import load_reference

    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=300, seed=11, today=DEMO_TODAY)
    create_test_users(engine)
    engine.dispose()


def _get(url: str, cookie: str | None = None, timeout: float = 5):
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


class Proxy:
    """nginx in the foreground with its own prefix, config and free loopback port."""

    def __init__(self, nginx: str, prefix: Path, ports: list[int]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = _render_module().render_main(prefix, ports, f"127.0.0.1:{self.port}", debug_header=True)
        check = subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-c", conf.name], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.log = open(prefix / "logs" / "nginx.out", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", conf.name, "-g", "daemon off;"], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while True:
            assert self.proc.poll() is None, (prefix / "logs" / "error.log").read_text()
            try:
                if _get(f"{self.url}/_stcore/health")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "nginx did not answer in 20 s"
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def cluster_db(tmp_path_factory):
    """A fresh seeded database: PostgreSQL when the server answers (production), else a SQLite file."""
    if pg_unavailable_reason() is None:
        with pg_database() as url:
            _seed(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('klaster') / 'kulakan.db'}"
        _seed(url)
        yield url


@pytest.fixture(scope="module")
def cluster(cluster_db, tmp_path_factory):
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx tidak terpasang; `make test` memasangnya (scripts/install_nginx.sh)")
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    servers: list[AppServer] = []
    proxy = None
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("STREAMLIT_SERVER_COOKIE_SECRET", COOKIE_SECRET)  # one secret for every process
            mp.setenv("KULAKAN_PROXY_TEPERCAYA", "1")  # behind nginx, as deploy/systemd/kulakan.env.example says
            for _ in range(2):
                servers.append(AppServer(cluster_db))
        proxy = Proxy(nginx, tmp_path_factory.mktemp("nginx"), [s.port for s in servers])
        yield proxy, servers
    finally:
        if proxy is not None:
            proxy.stop()
        for s in servers:
            s.stop()


def _cookie_per_backend(proxy_url: str, ports: list[int]) -> dict[int, str]:
    """A sticky-cookie value that nginx routes to each backend (read from X-Kulakan-Upstream)."""
    found: dict[int, str] = {}
    for i in range(64):
        value = f"uji{i:02d}"
        _, headers, _ = _get(f"{proxy_url}/_stcore/health", value)
        port = int(headers["X-Kulakan-Upstream"].rsplit(":", 1)[1])
        found.setdefault(port, value)
        if len(found) == len(ports):
            return found
    raise AssertionError(f"nginx sent 64 cookies to {sorted(found)} only, not to all of {ports}")


def _session(browser, proxy_url: str, cookie: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    watch_errors(context)
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": proxy_url}])
    page = context.new_page()
    return context, page


def _backend_of(context, proxy_url: str) -> int:
    response = context.request.get(f"{proxy_url}/_stcore/health")
    return int(response.headers["x-kulakan-upstream"].rsplit(":", 1)[1])


def test_proxy_is_sticky_and_sets_its_cookie(cluster):
    proxy, servers = cluster
    status, headers, body = _get(f"{proxy.url}/")
    assert status == 200 and b"<html" in body.lower()
    assert headers["Set-Cookie"].startswith(f"{COOKIE}=") and "HttpOnly" in headers["Set-Cookie"]
    cookies = _cookie_per_backend(proxy.url, [s.port for s in servers])
    for port, value in cookies.items():  # the same cookie always reaches the same process
        seen = {_get(f"{proxy.url}/_stcore/health", value)[1]["X-Kulakan-Upstream"] for _ in range(5)}
        assert seen == {f"127.0.0.1:{port}"}
        assert "Set-Cookie" not in _get(f"{proxy.url}/", value)[1]  # a known browser keeps its id


def test_new_aspiration_is_seen_through_the_proxy_on_both_processes(cluster, cluster_db, browser):
    from db.aspirasi.queries import kpi
    from db.aspirasi.services import NewAspirasi, create_aspirasi
    from db.auth.roles import Actor
    from db.engine import make_engine
    from ui.format import format_number

    proxy, servers = cluster
    ports = [s.port for s in servers]
    cookies = _cookie_per_backend(proxy.url, ports)
    engine = make_engine(cluster_db)
    contexts = []
    try:
        total = kpi(engine, DEMO_TODAY).total
        assert total >= 300
        # A logged-in session on each process shows the total (and fills that process's caches).
        for port in ports:
            context, page = _session(browser, proxy.url, cookies[port])
            contexts.append(context)
            login(page, proxy.url, "pimpinan.uji", "/")
            assert _backend_of(context, proxy.url) == port
            expect(page.get_by_role("heading", name="Beranda")).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Aspirasi total", exact=True)).to_be_visible(timeout=30_000)
            assert metric_value(page, "Aspirasi total") == format_number(total)

        # Written straight into the database, outside both app processes.
        create_aspirasi(
            engine,
            Actor("uji.klaster", "staf"),
            NewAspirasi(judul="Lampu taman mati (uji klaster)", kategori="pju", kelurahan="Sukun"),
            DEMO_TODAY,
        )
        written = time.monotonic()
        assert kpi(engine, DEMO_TODAY).total == total + 1

        # New browser sessions, the other process first: each sees the new total within 15 s.
        for port in reversed(ports):
            context, page = _session(browser, proxy.url, cookies[port])
            contexts.append(context)
            login(page, proxy.url, "pimpinan.uji", "/")
            assert _backend_of(context, proxy.url) == port
            box = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text("Aspirasi total", exact=True))
            expect(box.locator("[data-testid='stMetricValue']")).to_have_text(format_number(total + 1), timeout=15_000)
            assert time.monotonic() - written < 15 * len(ports)
    finally:
        for context in contexts:
            context.close()
        engine.dispose()


def test_a_login_survives_moving_to_the_other_process(cluster, browser):
    """The session record is in the database and the cookie is signed with the shared secret: when the process
    that held the tab goes away (restart, upgrade) and nginx sends the browser to the other one, a reload is
    still logged in."""
    from tests.e2e.test_sesi_e2e import _logged_in_on, _session_cookie

    proxy, servers = cluster
    ports = [s.port for s in servers]
    cookies = _cookie_per_backend(proxy.url, ports)
    context, page = _session(browser, proxy.url, cookies[ports[0]])
    try:
        login(page, proxy.url, "staf.uji", "/rembuk")
        _logged_in_on(page, "Rembuk Jumat")
        # The page has finished drawing before its process "goes away": a photo still loading would be asked
        # of the other process, whose media store never had it (a 404 that is the move's, not the login's).
        page.wait_for_function(
            """() => !document.querySelector("[data-testid='stStatusWidget'] button")
                 && [...document.images].every(i => i.complete)""",
            timeout=30_000,
        )
        assert _session_cookie(context)["httpOnly"]
        context.add_cookies([{"name": COOKIE, "value": cookies[ports[1]], "url": proxy.url}])
        page.reload()
        assert _backend_of(context, proxy.url) == ports[1]
        _logged_in_on(page, "Rembuk Jumat")
    finally:
        context.close()
