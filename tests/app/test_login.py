"""The login gate of the whole app (AppTest of app.py)."""

from __future__ import annotations

import pytest

from tests.app.conftest import run_page
from tests.conftest import TEST_SANDI

pytestmark = pytest.mark.usefixtures("backend")


def test_logged_out_sees_only_the_login_form(seeded_url, app_env):
    app_env(seeded_url)
    at = run_page("app.py", peran=None)
    assert at.title[0].value == "Kulakan · Kota Malang"
    assert [t.label for t in at.text_input] == ["Nama pengguna", "Kata sandi"]
    assert not at.metric  # no data before logging in


def test_wrong_password_then_right_password(seeded_url, app_env):
    app_env(seeded_url)
    at = run_page("app.py", peran=None)
    at.text_input[0].input("pimpinan.uji")
    at.text_input[1].input("salah-sama-sekali")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Nama pengguna atau kata sandi salah."]
    at.text_input[1].input(TEST_SANDI)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["auth"]["peran"] == "pimpinan"
    assert any(m.label == "Aspirasi total" for m in at.metric)  # Beranda
    assert any("Masuk sebagai" in c.value for c in at.caption)


def test_session_expires_after_inactivity(seeded_url, app_env, monkeypatch):
    app_env(seeded_url)
    monkeypatch.setenv("KULAKAN_SESSION_MENIT", "1")
    at = run_page("app.py", peran="staf")
    assert any(m.label == "Aspirasi total" for m in at.metric)
    at.session_state["auth"]["terakhir"] -= 120  # two minutes idle
    at.run()
    assert [i.value for i in at.info] == ["Sesi berakhir karena tidak ada aktivitas. Silakan masuk lagi."]
    assert not at.metric


def test_a_page_opened_without_login_refuses(seeded_url, app_env):
    app_env(seeded_url)
    at = run_page("views/peta.py", peran=None)
    assert [w.value for w in at.warning] == ["Silakan masuk terlebih dahulu."]
    assert not at.metric


def test_database_down_gives_a_clear_message_not_a_traceback(app_env, monkeypatch):
    app_env("postgresql+psycopg://postgres@127.0.0.1:1/tidak_ada?connect_timeout=2")
    at = run_page("app.py", peran="staf")
    assert not at.exception
    assert any("Basis data sedang tidak dapat dihubungi" in e.value for e in at.error)


def _logged_in_through_the_form(engine, app_env):
    """staf.uji logged in through the real form on a fresh database: a login with a session record."""
    from tests.conftest import create_test_users

    create_test_users(engine)
    app_env(engine.url.render_as_string(hide_password=False))
    at = run_page("app.py", peran=None)
    at.text_input[0].input("staf.uji")
    at.text_input[1].input(TEST_SANDI)
    at.button[0].click().run()
    return at


def test_a_login_gets_a_session_record_that_ends_the_tab_when_revoked(ready_engine, app_env):
    from db.auth import sessions

    at = _logged_in_through_the_form(ready_engine, app_env)
    sid = at.session_state["auth"]["sesi_id"]
    assert sid and sessions.check_id(ready_engine, sid).actor.username == "staf.uji"
    assert any(m.label == "Aspirasi total" for m in at.metric)
    at.run()
    assert any(m.label == "Aspirasi total" for m in at.metric)  # still logged in on the next rerun
    assert sessions.revoke_all(ready_engine, "staf.uji") == 1  # e.g. an admin, or a password change elsewhere
    at.run()
    assert [i.value for i in at.info] == ["Sesi Anda telah berakhir. Silakan masuk lagi."]
    assert not at.metric and [t.label for t in at.text_input] == ["Nama pengguna", "Kata sandi"]


def test_forced_password_change_ends_old_sessions_and_starts_a_new_one(ready_engine, app_env):
    from db.auth import sessions
    from db.auth.roles import SYSTEM
    from db.auth.users import create_user

    create_user(ready_engine, SYSTEM, "baru.staf", "staf", "sekali-pakai-123", sekali_pakai=True)
    other = sessions.create_session(ready_engine, "baru.staf", None)  # e.g. a second browser
    app_env(ready_engine.url.render_as_string(hide_password=False))
    at = run_page("app.py", peran=None)
    at.text_input[0].input("baru.staf")
    at.text_input[1].input("sekali-pakai-123")
    at.button[0].click().run()
    assert at.title[0].value == "Ganti kata sandi"
    first = at.session_state["auth"]["sesi_id"]
    baru = "sandi-baru-yang-panjang"
    for field, value in zip(at.text_input, ["sekali-pakai-123", baru, baru], strict=True):
        field.input(value)
    at.button[0].click().run()
    assert not at.exception and any(m.label == "Aspirasi total" for m in at.metric)
    new = at.session_state["auth"]["sesi_id"]
    assert new not in (first, other.id) and sessions.check_id(ready_engine, new) is not None
    assert sessions.check_id(ready_engine, first) is None and sessions.check_id(ready_engine, other.id) is None


def test_the_session_record_is_read_once_per_run_and_a_revocation_applies_on_the_next(
    ready_engine, app_env, monkeypatch
):
    """app.py and the page's gate both ask who is logged in: one read of the session record per run (each
    read is a query on every click of every user), and a revocation still ends the tab on the next click."""
    from db.auth import sessions

    at = _logged_in_through_the_form(ready_engine, app_env)
    reads = []
    real = sessions.check_id
    monkeypatch.setattr(sessions, "check_id", lambda *a, **k: reads.append(1) or real(*a, **k))
    for _ in range(2):
        reads.clear()
        at.run()
        assert any(m.label == "Aspirasi total" for m in at.metric)
        assert len(reads) == 1, f"{len(reads)} reads of the session record in one run"
    sessions.revoke_all(ready_engine, "staf.uji")
    at.run()
    assert [i.value for i in at.info] == ["Sesi Anda telah berakhir. Silakan masuk lagi."]
    assert not at.metric
