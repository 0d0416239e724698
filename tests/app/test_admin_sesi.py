"""Admin page: live login sessions (revoke) and login throttles (clear), both logged in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.auth import sessions as auth_sessions
from db.auth import throttle
from db.auth.roles import SYSTEM
from db.auth.users import sign_in
from db.schema import LogAudit, utcnow
from tests.app.conftest import ROOT, login_state
from tests.conftest import TEST_SANDI, create_test_users

pytestmark = pytest.mark.usefixtures("backend")


def _admin_page(app_env, engine):
    from streamlit.testing.v1 import AppTest

    app_env(engine.url.render_as_string(hide_password=False))
    at = AppTest.from_file(str(ROOT / "views/admin.py"), default_timeout=60)
    at.session_state["auth"] = login_state("admin")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables(at) -> list:
    return [df.value for df in at.dataframe]


def test_admin_revokes_a_session_and_clears_a_throttle(ready_engine, app_env):
    create_test_users(ready_engine)
    live = auth_sessions.create_session(ready_engine, "staf.uji", "203.0.113.8")
    cookie = auth_sessions.exchange_nonce(ready_engine, live.nonce)
    start = utcnow() - dt.timedelta(minutes=2)
    for i in range(5):  # 10 s apart (each delay has run out): the pair's limit for this window is used up
        t = start + dt.timedelta(seconds=10 * i)
        sign_in(ready_engine, "pimpinan.uji", "salah-salah-salah", now=t, alamat="198.51.100.23")

    at = _admin_page(app_env, ready_engine)
    sessions = next(t for t in _tables(at) if "Terakhir aktif" in t.columns)
    assert sessions["Nama pengguna"].tolist() == ["staf.uji"]
    assert sessions["Masuk"].iloc[0].endswith("WIB") and "None" not in sessions.to_string()
    throttles = next(t for t in _tables(at) if "Ditahan sampai" in t.columns)
    assert "pimpinan.uji dari 198.51.100.x" in throttles["Siapa"].tolist()
    assert "198.51.100.23" not in throttles.to_string()
    assert sign_in(ready_engine, "pimpinan.uji", TEST_SANDI, alamat="198.51.100.23").actor is None  # held

    at.multiselect(key="adm_sesi").select(live.id)
    at.run()
    at.button(key="adm_sesi_cabut").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 sesi dicabut; peramban itu akan melihat formulir masuk."]
    assert auth_sessions.check_cookie(ready_engine, cookie) is None
    assert not any("Terakhir aktif" in t.columns for t in _tables(at))  # no live session left

    throttles = next(t for t in _tables(at) if "Ditahan sampai" in t.columns)
    for key in throttle.list_throttle(ready_engine, SYSTEM)["kunci"]:
        at.multiselect(key="adm_thr").select(key)
    at.run()
    at.button(key="adm_thr_hapus").click().run()
    assert [s.value for s in at.success] == [f"{len(throttles)} pembatasan dihapus."]
    assert sign_in(ready_engine, "pimpinan.uji", TEST_SANDI, alamat="198.51.100.23").actor is not None
    with ready_engine.connect() as conn:
        aksi = conn.scalars(select(LogAudit.aksi).where(LogAudit.oleh == "admin.uji")).all()
    assert aksi == ["sesi_dicabut", "throttle_dihapus"]
