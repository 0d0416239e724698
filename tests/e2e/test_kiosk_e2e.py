"""Mode Rembuk as a kiosk: it keeps refreshing by itself through a network blip (the connection to the server
drops and comes back), and says when it last refreshed; a new aspiration after the blip still shows up."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

import pytest
from playwright.sync_api import expect

from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.rembuk import mode as rembuk_mode
from db.rembuk import records as rembuk_records
from tests.conftest import DEMO_TODAY
from tests.e2e.conftest import login, map_frame, watch_errors
from tests.e2e.test_mode_rembuk_e2e import writable_server  # noqa: F401  (module fixture: own server, own data)

pytestmark = [pytest.mark.e2e, pytest.mark.tampilan, pytest.mark.usefixtures("backend")]


class Blip:
    """A TCP relay between the browser and the app whose connections can be cut (a network blip) for a while."""

    def __init__(self, upstream_port: int):
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self, seconds: float) -> None:
        """Drop every open connection and refuse new ones for ``seconds``."""
        self.down = True
        with self.lock:
            conns, self.open = self.open, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()
        time.sleep(seconds)
        self.down = False

    def close(self) -> None:
        self.closed = True
        self.listener.close()


def test_keeps_refreshing_through_a_network_blip(browser, writable_server):  # noqa: F811
    server, engine = writable_server
    kode = rembuk_records.todays_host(engine, DEMO_TODAY)[0]
    m = rembuk_mode.mode_rembuk_data(engine, kode, DEMO_TODAY)
    relay = Blip(server.port)
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="id-ID")
    errors = watch_errors(context)
    page = context.new_page()
    try:
        base = f"http://127.0.0.1:{relay.port}"
        login(page, base, "pimpinan.uji", "/")
        page.locator("[data-testid='stSidebar']").get_by_text("Mode Rembuk", exact=True).click()
        expect(page.get_by_role("heading", name=f"Kelurahan {m.nama}")).to_be_visible(timeout=30_000)
        map_frame(page)
        updated = page.locator("[data-blok='diperbarui']").first
        expect(updated).to_have_text(re.compile(r"Diperbarui \d\d\.\d\d\.\d\d WIB"), timeout=30_000)
        before = updated.inner_text()
        expect(updated).not_to_have_text(before, timeout=15_000)  # it refreshes by itself
        count = page.locator("[data-kpi='Masuk hari ini'] .v")
        start = int(count.inner_text())

        relay.cut(4)  # the projector's network drops for a few seconds
        # Back online: the same page goes on refreshing (no reload, no login form) and shows new data.
        create_aspirasi(
            engine,
            Actor("staf.uji", "staf"),
            NewAspirasi(
                judul="Lampu jalan padam di gang masjid",
                kategori="pju",
                kelurahan=kode,
                sumber="RT",
                kanal="rembuk",
                rw=1,
                tanggal_diterima=DEMO_TODAY,
                rembuk_id=m.rembuk_hari_ini,
            ),
            DEMO_TODAY,
        )
        expect(count).to_have_text(str(start + 1), timeout=60_000)
        expect(page.get_by_label("Kata sandi", exact=True)).to_have_count(0)
        after = updated.inner_text()
        expect(updated).not_to_have_text(after, timeout=15_000)
    finally:
        context.close()
        relay.close()
    # The drop itself shows up as failed requests/console noise of the reconnecting client: expected here.
    blip_noise = (
        "when disconnected from server",
        "Client Error in reaching server endpoint",
        "Streamlit server is not responding",
        "WebSocket",
        f":{relay.port}/_stcore/",  # health / host-config / stream requests while the relay was down
    )
    for noise in blip_noise:
        errors.allow(noise)
