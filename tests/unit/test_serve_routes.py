"""serve.py's login-cookie routes, called as the ASGI server would (no browser): the nonce works once, the cookie
is HttpOnly + SameSite=Strict (+ Secure over HTTPS), another site's page is refused, logout revokes."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

import pytest
from starlette.requests import Request

from db.auth import sessions
from tests.conftest import create_test_users

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def serve(ready_engine, monkeypatch):
    from streamlit import config

    # Importing serve.py builds its st.App, which pins Streamlit's process-wide script path: undo that afterwards.
    monkeypatch.setattr(config, "_main_script_path", config._main_script_path)
    import serve as module

    monkeypatch.setattr(module, "_engine", lambda: ready_engine)
    create_test_users(ready_engine)
    return module


def _call(handler, body: bytes = b"", headers: dict | None = None, scheme: str = "http"):
    headers = {"host": "kulakan.test", "content-type": "application/x-www-form-urlencoded", **(headers or {})}
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "path": "/auth/sesi",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "query_string": b"",
        "server": ("kulakan.test", 80),
    }

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    # In its own thread: a worker that ran browser tests before has Playwright's event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, handler(Request(scope, receive))).result()


def _set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


def test_the_nonce_buys_one_httponly_cookie_and_logout_revokes_it(serve, ready_engine):
    baru = sessions.create_session(ready_engine, "staf.uji", "203.0.113.1")
    same_site = {"origin": "http://kulakan.test", "sec-fetch-site": "same-origin"}
    r = _call(serve.masuk_sesi, f"nonce={baru.nonce}".encode(), same_site)
    assert r.status_code == 204
    morsel = _set_cookie(r)[sessions.COOKIE]
    assert morsel["httponly"] and morsel["samesite"].lower() == "strict" and morsel["path"] == "/"
    assert not morsel["secure"]  # plain http here; see the HTTPS test
    assert sessions.check_cookie(ready_engine, morsel.value).actor.username == "staf.uji"
    again = _call(serve.masuk_sesi, f"nonce={baru.nonce}".encode(), same_site)
    assert again.status_code == 403 and "set-cookie" not in again.headers

    out = _call(serve.keluar, headers={**same_site, "cookie": f"{sessions.COOKIE}={morsel.value}"})
    assert out.status_code == 204 and _set_cookie(out)[sessions.COOKIE].value == ""
    assert sessions.check_cookie(ready_engine, morsel.value) is None


def test_another_sites_page_is_refused(serve, ready_engine):
    baru = sessions.create_session(ready_engine, "staf.uji", None)
    body = f"nonce={baru.nonce}".encode()
    assert _call(serve.masuk_sesi, body, {"origin": "https://jahat.example"}).status_code == 403
    assert _call(serve.masuk_sesi, body, {"sec-fetch-site": "cross-site"}).status_code == 403
    assert _call(serve.masuk_sesi, body, {"origin": "http://kulakan.test"}).status_code == 204  # still unused


def test_over_https_behind_a_trusted_proxy_the_cookie_is_secure(serve, ready_engine, monkeypatch):
    monkeypatch.setenv("KULAKAN_PROXY_TEPERCAYA", "1")
    baru = sessions.create_session(ready_engine, "staf.uji", None)
    r = _call(serve.masuk_sesi, f"nonce={baru.nonce}".encode(), {"x-forwarded-proto": "https"})
    assert _set_cookie(r)[sessions.COOKIE]["secure"]
