"""Kulakan's server entry: the Streamlit app (app.py) plus two small HTTP routes for the login cookie.

Run it as ``streamlit run serve.py --server.port 8501`` (Makefile, scripts/run_cluster.sh, deploy/): Streamlit
sees the ``st.App`` below and serves app.py through it (Streamlit's ASGI/Starlette integration).

Why: a Streamlit script cannot set an HttpOnly cookie; an HTTP route can. After a login, the page POSTs its
one-time nonce (made in the database, valid 30 s, single use; not the session secret) to ``/auth/sesi``, which
answers with the signed ``HttpOnly; SameSite=Strict`` session cookie; a reload then finds the login again
(ui/auth.py reads the cookie through ``st.context.cookies``). ``/auth/keluar`` forgets it at logout. No secret
is ever in a URL, and JavaScript never sees the cookie. See docs/DEPLOY.md ("Sesi login").
"""

from __future__ import annotations

import functools
import logging
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit.starlette import App

from db import settings
from db.auth import sessions

_LOG = logging.getLogger("kulakan.sesi")


@functools.cache
def _engine():
    from db.engine import make_engine

    return make_engine()


def _same_origin(request: Request) -> bool:
    """Only the app's own page may call these routes (no login CSRF from another site)."""
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _secure(request: Request) -> bool:
    if settings.cookie_secure() or request.url.scheme == "https":
        return True
    return bool(settings.trusted_proxies()) and request.headers.get("x-forwarded-proto") == "https"


async def masuk_sesi(request: Request) -> Response:
    """POST nonce=...: trade a fresh login's one-time nonce for the HttpOnly session cookie."""
    if not _same_origin(request):
        return Response("asal permintaan ditolak", status_code=403)
    form = await request.form()
    nilai = await run_in_threadpool(sessions.exchange_nonce, _engine(), str(form.get("nonce") or ""))
    if nilai is None:
        return Response("nonce tidak berlaku", status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        sessions.COOKIE,
        nilai,
        max_age=settings.session_max_hours() * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


async def keluar(request: Request) -> Response:
    """POST: revoke the session of this browser's cookie (if still live) and delete the cookie."""
    if not _same_origin(request):
        return Response("asal permintaan ditolak", status_code=403)
    await run_in_threadpool(sessions.revoke_cookie, _engine(), request.cookies.get(sessions.COOKIE))
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


app = App(
    "app.py",
    routes=[
        Route("/auth/sesi", masuk_sesi, methods=["POST"]),
        Route("/auth/keluar", keluar, methods=["POST"]),
    ],
)
