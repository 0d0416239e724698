"""Admin page, audit log: pages of 50 newest first, 'Berikutnya' continues where the page ended, 'Sebelumnya'
goes back, and a filter change starts again from the newest entries."""

from __future__ import annotations

import pytest

from db import admin
from db.auth.roles import Actor
from db.demo.generate import generate_demo
from tests.app.conftest import run_page
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.usefixtures("backend")
COLUMNS = ["Waktu", "Oleh", "Aksi", "Rincian"]


def _log(at):
    return next(df.value for df in at.dataframe if list(df.value.columns) == COLUMNS)


def _caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Halaman"))


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_audit_log_pages_forward_and_back(ready_engine, app_env):
    generate_demo(ready_engine, n_aspirasi=40, seed=3, today=DEMO_TODAY)  # a few hundred status changes
    app_env(ready_engine.url.render_as_string(hide_password=False))
    everything = admin.audit(ready_engine, Actor("admin.uji", "admin"), batas=150)
    at = run_page("views/admin.py", peran="admin")
    at.session_state["admin_tab"] = "Log audit"  # only the open tab runs
    at.run()
    first = _log(at)
    assert _caption(at).startswith("Halaman 1 · 50 entri")
    assert first.to_dict("records") == everything.iloc[:50].to_dict("records")
    assert _button(at, "Sebelumnya").disabled
    _button(at, "Berikutnya").click().run()
    assert not at.exception
    assert _caption(at).startswith("Halaman 2 · 50 entri")
    assert _log(at).to_dict("records") == everything.iloc[50:100].to_dict("records")  # no gap, no repeat
    _button(at, "Sebelumnya").click().run()
    assert _caption(at).startswith("Halaman 1")
    assert _log(at).to_dict("records") == first.to_dict("records")
    _button(at, "Berikutnya").click().run()
    next(s for s in at.selectbox if s.label == "Jenis").select("status").run()  # a new filter: newest again
    assert _caption(at).startswith("Halaman 1")
    assert set(_log(at)["Aksi"]) == {"status_aspirasi"}
