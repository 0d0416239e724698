"""Login state of a browser session and the page-level permission gate (Streamlit side).

The role is checked again inside every write function in db/ (Actor.require); this gate only
decides what a page shows.

A login lives in two places: ``st.session_state`` (this browser tab's connection) and a session record in the
database (db/auth/sessions.py) that a signed HttpOnly cookie refers to, so a reload (F5) or a reconnect after a network
drop finds the login again. Every run reads the record once (revoked by an admin, expired, account
deactivated: logged out on the next click). AppTest sessions, which have no cookies, keep a login without a record.
"""

from __future__ import annotations

import json
import time

import streamlit as st

from db.auth import sessions, users
from db.auth.roles import Actor
from db.settings import session_minutes, sso_requested, trusted_proxies
from ui import data

STATE_KEY = "auth"
_NONCE_KEY = "auth_nonce"  # a fresh login's one-time nonce, traded for the cookie by the page (serve.py)
_DELETE_KEY = "auth_hapus_cookie"  # after logout: ask the browser to drop the cookie
_COOKIE_DICOBA = "auth_cookie_dicoba"  # the cookie value of this connection already looked at


def client_address() -> str | None:
    """The client's address (behind trusted proxies, ``KULAKAN_PROXY_TEPERCAYA``, from X-Forwarded-For)."""
    try:
        forwarded = st.context.headers.get_all("X-Forwarded-For") if trusted_proxies() else []
        remote = st.context.ip_address or "127.0.0.1"  # Streamlit reports a loopback connection as None
    except Exception:  # no browser connection (AppTest, bare mode)
        return None
    return sessions.client_address(remote, list(forwarded), trusted_proxies())


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:  # AppTest has no cookies
        return None


def _from_cookie() -> Actor | None:
    """A login made earlier in this browser (before a reload): the cookie's live session record."""
    nilai = _cookie()
    if not nilai or st.session_state.get(_COOKIE_DICOBA) == nilai:
        return None
    st.session_state[_COOKIE_DICOBA] = nilai
    info = sessions.check_cookie(data.engine(), nilai)
    if info is None:
        return None
    sign_in(info.actor, info.nama, info.wajib_ganti_sandi, sesi_id=info.id)
    return info.actor


def current_actor() -> Actor | None:
    """The logged-in user, or None (also after the session expired through inactivity)."""
    if sso_enabled():
        _sso_sign_in()
    auth = st.session_state.get(STATE_KEY)
    if not auth:
        return _from_cookie()
    now = time.time()
    if now - auth.get("terakhir", now) > session_minutes() * 60:
        st.session_state.pop(STATE_KEY, None)
        if auth.get("sesi_id"):
            sessions.revoke(data.engine(), auth["sesi_id"])
        st.session_state["auth_pesan"] = "Sesi berakhir karena tidak ada aktivitas. Silakan masuk lagi."
        users.log(data.engine(), "sesi_berakhir", auth.get("username"))
        return None
    if auth.get("sesi_id") and not _checked_in_this_run(auth):
        info = sessions.check_id(data.engine(), auth["sesi_id"])
        if info is None:  # revoked (logout elsewhere, password changed, admin), expired, or account deactivated
            st.session_state.pop(STATE_KEY, None)
            st.session_state["auth_pesan"] = "Sesi Anda telah berakhir. Silakan masuk lagi."
            return None
        auth.update(peran=info.actor.peran, kecamatan_kode=info.actor.kecamatan_kode)  # a role change applies now
        _mark_checked(auth)
    auth["terakhir"] = now
    return Actor(auth["username"], auth["peran"], auth.get("kecamatan_kode"))


def _checked_in_this_run(auth: dict) -> bool:
    """The session record of this login was already checked during this script run (app.py asks, then the
    page's gate): once per run is enough, a revocation applies from the next click. A new login (a new
    ``auth`` dict) is checked anew."""
    memo = data.this_run("_kulakan_sesi_diperiksa")
    return memo is not None and memo.get("auth") is auth


def _mark_checked(auth: dict) -> None:
    memo = data.this_run("_kulakan_sesi_diperiksa")
    if memo is not None:
        memo["auth"] = auth


def sign_in(actor: Actor, nama: str | None, wajib_ganti: bool, sesi_id: int | None = None) -> None:
    st.session_state[STATE_KEY] = {
        "username": actor.username,
        "peran": actor.peran,
        "kecamatan_kode": actor.kecamatan_kode,
        "nama": nama,
        "wajib_ganti": wajib_ganti,
        "terakhir": time.time(),
        "sesi_id": sesi_id,
    }


def start_session(actor: Actor, nama: str | None, wajib_ganti: bool) -> None:
    """After a password check: a session record, and the nonce the page trades for its cookie on the next run."""
    baru = sessions.create_session(data.engine(), actor.username, client_address())
    sign_in(actor, nama, wajib_ganti, sesi_id=baru.id)
    st.session_state[_NONCE_KEY] = baru.nonce


def cookie_script() -> None:
    """Right after a login (or logout), let the page fetch (or drop) its HttpOnly cookie from serve.py's routes.

    Only a one-time nonce made by the server goes into this script (no user text); the cookie itself is set
    by the HTTP response and is never visible to JavaScript.
    """
    # Always the same slot, filled or not: an element that exists only on the first run after login would shift
    # every later element, and Streamlit would remount them on the next rerun (a map frame drawn anew).
    slot = st.empty()
    if nonce := st.session_state.pop(_NONCE_KEY, None):
        body = json.dumps("nonce=" + nonce)
        slot.html(
            "<script>fetch('/auth/sesi',{method:'POST',credentials:'same-origin',headers:"
            f"{{'Content-Type':'application/x-www-form-urlencoded'}},body:{body}}});</script>",
            unsafe_allow_javascript=True,
            width="content",
        )
    elif st.session_state.pop(_DELETE_KEY, False):
        slot.html(
            "<script>fetch('/auth/keluar',{method:'POST',credentials:'same-origin'});</script>",
            unsafe_allow_javascript=True,
            width="content",
        )


def sign_out() -> None:
    auth = st.session_state.pop(STATE_KEY, None)
    if auth:
        if auth.get("sesi_id"):
            sessions.revoke(data.engine(), auth["sesi_id"])
            st.session_state[_DELETE_KEY] = True
        users.log(data.engine(), "logout", auth.get("username"))
    if sso_enabled() and st.user.is_logged_in:
        st.logout()


def require(izin: str = "lihat") -> Actor:
    """Stop the page with a clear message unless the user is logged in with permission ``izin``."""
    actor = current_actor()
    if actor is None:
        st.warning("Silakan masuk terlebih dahulu.", icon=":material/lock:")
        st.stop()
    if not actor.can(izin):
        st.error(
            f"Halaman ini tidak tersedia untuk peran **{actor.peran}**. Hubungi admin bila Anda memerlukannya.",
            icon=":material/block:",
        )
        st.stop()
    return actor


def sso_enabled() -> bool:
    """OIDC login through the city's identity provider: ``KULAKAN_AUTH=sso`` plus an [auth] section in
    .streamlit/secrets.toml (see docs/DEPLOY.md). Roles still come from Kulakan's users table."""
    if not sso_requested():
        return False
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _sso_sign_in() -> None:
    """After the identity provider's redirect: map st.user to a Kulakan account (once per session)."""
    if STATE_KEY in st.session_state or not st.user.is_logged_in:
        return
    hasil = users.sign_in_sso(data.engine(), st.user.get("email"))
    if hasil.actor is None:
        st.session_state["auth_pesan"] = hasil.pesan
        st.logout()
    else:
        start_session(hasil.actor, hasil.nama, False)


def login_page() -> None:
    """The login form (and the forced password change after a one-time password)."""
    st.title("Kulakan · Kota Malang")
    if msg := st.session_state.pop("auth_pesan", None):
        st.info(msg)
    if sso_enabled():
        st.button("Masuk dengan akun Pemkot (SSO)", on_click=st.login, type="primary", icon=":material/key:")
        st.caption("Atau masuk dengan akun Kulakan:")
    with st.form("masuk", border=True, width=420):
        username = st.text_input("Nama pengguna", max_chars=64, autocomplete="username")
        sandi = st.text_input("Kata sandi", type="password", max_chars=256, autocomplete="current-password")
        if st.form_submit_button("Masuk", type="primary", width="stretch"):
            hasil = users.sign_in(data.engine(), username, sandi, alamat=client_address())
            if hasil.actor is None:
                st.error(hasil.pesan)
            else:
                start_session(hasil.actor, hasil.nama, hasil.wajib_ganti_sandi)
                st.rerun()  # the same address, now with the page itself (query parameters kept)


def change_password_page(actor: Actor) -> None:
    st.title("Ganti kata sandi")
    st.info("Kata sandi Anda sekali pakai. Buat kata sandi baru (minimal 10 karakter) sebelum melanjutkan.")
    with st.form("ganti_sandi", width=420):
        lama = st.text_input("Kata sandi sekarang", type="password")
        baru = st.text_input("Kata sandi baru", type="password")
        ulang = st.text_input("Ulangi kata sandi baru", type="password")
        if st.form_submit_button("Simpan", type="primary"):
            if baru != ulang:
                st.error("Kata sandi baru tidak sama.")
            else:
                try:
                    users.change_password(data.engine(), actor, lama, baru, alamat=client_address())
                except users.UserError as exc:
                    st.error(str(exc))
                else:  # every session of the account has ended: this browser gets a new one
                    nama = st.session_state.get(STATE_KEY, {}).get("nama")
                    start_session(actor, nama, False)
                    st.rerun()


def login_pages(specs) -> list:
    """The login form under the default address and under every page's address (the default page's too:
    /beranda), so a shared link opens its own page after logging in."""
    pages = [st.Page(login_page, title="Masuk", icon=":material/login:", default=True)]
    pages += [st.Page(login_page, title=s.title, url_path=s.url_path) for s in specs]
    return pages


def password_pages(actor: Actor, specs) -> list:
    """The forced password change, likewise under every address."""
    page = lambda: change_password_page(actor)  # noqa: E731
    pages = [st.Page(page, title="Ganti kata sandi", default=True)]
    pages += [st.Page(page, title=s.title, url_path=s.url_path) for s in specs]
    return pages


def refusal_page(spec) -> st.Page:
    """A page at ``spec``'s address that only explains why it is not available."""

    def refuse() -> None:
        actor = current_actor()
        st.title(spec.title)
        st.error(
            f"Halaman ini tidak tersedia untuk peran **{actor.peran if actor else '-'}**. "
            "Hubungi admin bila Anda memerlukannya.",
            icon=":material/block:",
        )

    return st.Page(refuse, title=spec.title, url_path=spec.url_path)


def menu(actor: Actor, pages: list) -> None:
    """The sidebar menu (only the pages of the user's role) and who is logged in."""
    with st.sidebar:
        for page in pages:
            st.page_link(page)
        st.divider()
    user_box(actor)


def user_box(actor: Actor) -> None:
    """Who is logged in, and the logout button (sidebar)."""
    auth = st.session_state.get(STATE_KEY, {})
    with st.sidebar:
        st.caption(f"Masuk sebagai **{auth.get('nama') or actor.username}** · {actor.peran}")
        st.button("Keluar", on_click=sign_out, icon=":material/logout:")


def must_change_password() -> bool:
    return bool(st.session_state.get(STATE_KEY, {}).get("wajib_ganti"))
