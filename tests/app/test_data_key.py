"""The data fingerprint is read once per script run, whichever page and however many components ask."""

from __future__ import annotations

import pytest

from tests.app.conftest import run_page
from ui import data

pytestmark = pytest.mark.usefixtures("backend")


@pytest.mark.parametrize("page", ["views/admin.py", "views/bimtek.py", "views/rotasi.py", "views/mode_rembuk.py"])
def test_one_fingerprint_query_per_run(seeded_url, app_env, monkeypatch, page):
    app_env(seeded_url)
    calls = []
    real = data.get_fingerprint

    def counting(engine):
        calls.append(1)
        return real(engine)

    monkeypatch.setattr(data, "get_fingerprint", counting)
    at = run_page(peran="admin")
    at.switch_page(page)
    for _ in range(2):
        calls.clear()
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(calls) == 1, f"{page}: {len(calls)} fingerprint queries in one run"
