"""AppTest helpers: run a page of the real app against a seeded database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import DEMO_TODAY


@pytest.fixture
def app_env(monkeypatch):
    """Point the app at a database URL and pin 'today' to the day the demo data was made for."""

    def use(url: str) -> None:
        monkeypatch.setenv("KULAKAN_DATABASE_URL", url)
        monkeypatch.setenv("KULAKAN_TODAY", DEMO_TODAY.isoformat())

    return use


ROOT = Path(__file__).resolve().parents[2]


def login_state(peran: str = "staf", username: str | None = None, kecamatan_kode: str | None = None) -> dict:
    """Session state of a logged-in user (what ui.auth.sign_in stores)."""
    import time

    return {
        "username": username or f"{peran}.uji",
        "peran": peran,
        "kecamatan_kode": kecamatan_kode,
        "nama": None,
        "wajib_ganti": False,
        "terakhir": time.time(),
    }


def run_page(
    path: str = "app.py", timeout: float = 60, peran: str | None = "staf", state: dict | None = None
) -> AppTest:
    """Run a page (or the whole app) as a logged-in user of role ``peran`` (None: logged out); ``state`` is set in
    the session first (e.g. which tab is open: tabs run only their open content, ``ui.components.lazy_tabs``)."""
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    if peran:
        at.session_state["auth"] = login_state(peran)
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
