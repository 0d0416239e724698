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


def run_page(path: str = "app.py", timeout: float = 60) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
