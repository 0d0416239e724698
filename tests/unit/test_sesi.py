"""Sessions that survive a reload (hashed at rest, expiring, revocable) and the login throttle (atomic on both
databases, per pair / address / username, growing delays, bounded Argon2 memory)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from db.auth import sessions, throttle, users
from db.auth.roles import SYSTEM, Actor
from db.auth.users import change_password, create_user, sign_in
from db.schema import LogAudit, SesiLogin

pytestmark = pytest.mark.usefixtures("backend")
SANDI = "kata-sandi-yang-panjang"
T0 = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def _audit(engine, *aksi) -> list[tuple[str, str, dict]]:
    with engine.connect() as conn:
        rows = conn.execute(select(LogAudit.aksi, LogAudit.oleh, LogAudit.rincian).order_by(LogAudit.id)).all()
    return [(a, o, json.loads(r or "{}")) for a, o, r in rows if not aksi or a in aksi]


# --- sessions ------------------------------------------------------------------------------------


def test_session_token_is_hashed_at_rest_and_the_nonce_works_once(ready_engine):
    create_user(ready_engine, SYSTEM, "siti", "staf", SANDI, nama="Siti")
    baru = sessions.create_session(ready_engine, "siti", "203.0.113.7", now=T0)
    cookie = sessions.exchange_nonce(ready_engine, baru.nonce, now=T0 + dt.timedelta(seconds=2))
    assert cookie and sessions.exchange_nonce(ready_engine, baru.nonce, now=T0 + dt.timedelta(seconds=3)) is None
    token = cookie.split(".")[0]
    with ready_engine.connect() as conn:
        dumped = " ".join(str(v) for row in conn.execute(select(SesiLogin)).all() for v in row)
    assert token not in dumped and baru.nonce not in dumped and "203.0.113.7" not in dumped
    assert sessions.hash_token(token) in dumped and sessions.address_hash("203.0.113.7") in dumped

    info = sessions.check_cookie(ready_engine, cookie, now=T0 + dt.timedelta(minutes=1))
    assert info.actor == Actor("siti", "staf", None) and info.nama == "Siti" and info.id == baru.id
    # A forged or altered cookie never matches, not even with the right token and a wrong signature.
    assert sessions.check_cookie(ready_engine, token + ".AAAA", now=T0) is None
    assert sessions.check_cookie(ready_engine, token, now=T0) is None
    assert sessions.check_cookie(ready_engine, sessions.cookie_value("tebakan"), now=T0) is None


def test_a_nonce_expires_within_seconds(ready_engine):
    create_user(ready_engine, SYSTEM, "siti", "staf", SANDI)
    baru = sessions.create_session(ready_engine, "siti", None, now=T0)
    assert (
        sessions.exchange_nonce(ready_engine, baru.nonce, now=T0 + dt.timedelta(seconds=sessions.NONCE_SECONDS + 1))
        is None
    )
    assert sessions.exchange_nonce(ready_engine, "bukan-nonce", now=T0) is None


def test_sessions_expire_after_inactivity_and_after_the_maximum(ready_engine, monkeypatch):
    monkeypatch.setenv("KULAKAN_SESSION_MENIT", "60")
    monkeypatch.setenv("KULAKAN_SESSION_MAKS_JAM", "3")
    create_user(ready_engine, SYSTEM, "siti", "staf", SANDI)
    baru = sessions.create_session(ready_engine, "siti", None, now=T0)
    cookie = sessions.exchange_nonce(ready_engine, baru.nonce, now=T0)
    # Idle 59 minutes: still live, and the use moves the expiry on; idle 61 minutes after that: ended.
    t = T0 + dt.timedelta(minutes=59)
    assert sessions.check_cookie(ready_engine, cookie, now=t) is not None
    t += dt.timedelta(minutes=59)
    assert sessions.check_id(ready_engine, baru.id, now=t) is not None
    assert sessions.check_cookie(ready_engine, cookie, now=t + dt.timedelta(minutes=61)) is None

    baru = sessions.create_session(ready_engine, "siti", None, now=T0)
    cookie = sessions.exchange_nonce(ready_engine, baru.nonce, now=T0)
    t = T0
    for _ in range(4):  # active every 40 minutes (160 in all), yet it ends 3 hours after the login
        t += dt.timedelta(minutes=40)
        assert sessions.check_cookie(ready_engine, cookie, now=t) is not None
    assert sessions.check_cookie(ready_engine, cookie, now=T0 + dt.timedelta(hours=3, minutes=1)) is None


def test_sessions_end_on_logout_password_change_reset_and_deactivation(ready_engine):
    from db.admin import reset_password, update_user

    create_user(ready_engine, SYSTEM, "siti", "staf", SANDI)
    live = lambda c: sessions.check_cookie(ready_engine, c) is not None  # noqa: E731

    def login() -> tuple[int, str]:
        b = sessions.create_session(ready_engine, "siti", None)
        return b.id, sessions.exchange_nonce(ready_engine, b.nonce)

    (sid1, c1), (_, c2) = login(), login()
    assert live(c1) and live(c2)
    assert sessions.revoke(ready_engine, sid1)  # logout ends this browser only
    assert not live(c1) and live(c2)
    assert sessions.revoke_cookie(ready_engine, c2) and not live(c2)

    (_, c3), (_, c4) = login(), login()
    change_password(ready_engine, Actor("siti", "staf"), SANDI, SANDI + "-baru")
    assert not live(c3) and not live(c4)

    _, c5 = login()
    reset_password(ready_engine, Actor("admin", "admin"), "siti")
    assert not live(c5)

    _, c6 = login()
    update_user(ready_engine, Actor("admin", "admin"), "siti", peran="staf", aktif=False, kecamatan_kode=None)
    assert not live(c6)


def test_admin_lists_live_sessions_and_revokes_them(ready_engine):
    create_user(ready_engine, SYSTEM, "siti", "staf", SANDI)
    create_user(ready_engine, SYSTEM, "budi", "staf", SANDI)
    ids = [sessions.create_session(ready_engine, u, "198.51.100.4").id for u in ("siti", "siti", "budi")]
    sessions.revoke(ready_engine, ids[2])
    df = sessions.list_sessions(ready_engine, SYSTEM)
    assert df["username"].tolist() == ["siti", "siti"] and set(df["id"]) == set(ids[:2])
    assert "198.51.100" not in df.to_string()
    with pytest.raises(PermissionError):
        sessions.list_sessions(ready_engine, Actor("s", "staf"))


# --- the throttle --------------------------------------------------------------------------------


@pytest.fixture
def checks(monkeypatch):
    """Count the password verifications that really run."""
    seen = {"n": 0, "now": 0, "peak": 0}
    lock = threading.Lock()
    real = users._verify

    def counted(stored, sandi):
        with lock:
            seen["n"] += 1
            seen["now"] += 1
            seen["peak"] = max(seen["peak"], seen["now"])
        try:
            return real(stored, sandi)
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(users, "_verify", counted)
    return seen


def _burst(engine, passwords: list[str]) -> list:
    barrier = threading.Barrier(len(passwords))

    def attempt(sandi):
        barrier.wait()
        return sign_in(engine, "admin.kota", sandi, alamat="203.0.113.9")

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def test_a_burst_of_40_parallel_logins_gets_at_most_the_limit_of_password_checks(ready_engine, checks):
    create_user(ready_engine, SYSTEM, "admin.kota", "admin", SANDI)
    results = _burst(ready_engine, [f"tebakan-salah-{i:03d}" for i in range(40)])
    assert checks["n"] <= users.FAILURE_LIMIT, checks
    assert checks["peak"] <= 2  # never more Argon2 checks at once than KULAKAN_LOGIN_PARALEL
    refused = [r for r in results if r.pesan.startswith("Terlalu banyak")]
    assert len(refused) >= 40 - users.FAILURE_LIMIT
    assert len(_audit(ready_engine, "login_ditahan")) == len(refused)


def test_a_burst_with_the_right_password_among_39_wrong_ones(ready_engine, checks):
    """The right password's slot is given back only after its check succeeded: the wrong ones still get at most
    the limit of checks between them."""
    create_user(ready_engine, SYSTEM, "admin.kota", "admin", SANDI)
    results = _burst(ready_engine, [f"tebakan-salah-{i:03d}" for i in range(39)] + [SANDI])
    wrong = [r for r in results if r.pesan == "Nama pengguna atau kata sandi salah."]
    ok = [r for r in results if r.actor is not None]
    assert len(wrong) <= users.FAILURE_LIMIT and len(ok) <= 1
    assert checks["n"] == len(wrong) + len(ok) <= users.FAILURE_LIMIT + 1, checks
    assert sum(r.pesan is not None and r.pesan.startswith("Terlalu banyak") for r in results) == 40 - checks["n"]


def test_a_strangers_failures_do_not_lock_the_real_admin_out(ready_engine, checks):
    create_user(ready_engine, SYSTEM, "admin.kota", "admin", SANDI)
    t = T0
    for i in range(12):  # a stranger keeps trying, waiting out each delay
        r = sign_in(ready_engine, "admin.kota", f"salah-{i}-xxxxxx", now=t, alamat="198.51.100.66")
        t += dt.timedelta(seconds=1)
        assert r.actor is None
    last = sign_in(ready_engine, "admin.kota", SANDI, now=t, alamat="198.51.100.66")
    assert last.actor is None and "Terlalu banyak" in last.pesan  # his own address is held, even for the right one
    # The admin, from his own office address, logs in at once.
    ok = sign_in(ready_engine, "admin.kota", SANDI, now=t, alamat="10.20.30.40")
    assert ok.actor is not None and ok.actor.username == "admin.kota"


def test_failures_bring_growing_delays_then_the_window_limit(ready_engine):
    create_user(ready_engine, SYSTEM, "budi", "staf", SANDI)
    ip = "203.0.113.20"
    fail = lambda t: sign_in(ready_engine, "budi", "salah-salah-salah", now=t, alamat=ip)  # noqa: E731
    assert fail(T0).pesan == "Nama pengguna atau kata sandi salah."
    assert fail(T0).pesan == "Nama pengguna atau kata sandi salah."  # the 2nd failure starts a 1 s delay
    assert fail(T0).pesan == "Terlalu banyak percobaan gagal. Tunggu 1 detik, lalu coba lagi."
    t = T0 + dt.timedelta(seconds=1)
    assert fail(t).pesan == "Nama pengguna atau kata sandi salah."  # 3rd: 2 s
    assert "Tunggu 2 detik" in fail(t).pesan
    t += dt.timedelta(seconds=2)
    assert fail(t).pesan == "Nama pengguna atau kata sandi salah."  # 4th: 4 s
    t += dt.timedelta(seconds=4)
    assert fail(t).pesan == "Nama pengguna atau kata sandi salah."  # 5th: the limit of the window is used up
    t += dt.timedelta(minutes=1)
    held = sign_in(ready_engine, "budi", SANDI, now=t, alamat=ip)
    assert held.actor is None and held.pesan == "Terlalu banyak percobaan gagal. Coba lagi 14 menit lagi."
    assert sign_in(ready_engine, "budi", SANDI, now=T0 + dt.timedelta(minutes=16), alamat=ip).actor is not None
    aksi = [a for a, _, _ in _audit(ready_engine) if a.startswith("login")]
    assert aksi.count("login_gagal") == 5 and aksi.count("login_dijeda") == 4 and aksi.count("login_ditahan") == 3
    assert aksi[-1] == "login_ok"
    dijeda = _audit(ready_engine, "login_dijeda")
    assert dijeda[0][2] == {"alamat": "203.0.113.x", "detik": {"pasangan": 1}}


def test_one_address_trying_many_names_is_stopped(ready_engine):
    ip = "192.0.2.50"
    t = T0
    answers = []
    for i in range(30):
        answers.append(sign_in(ready_engine, f"nama{i:02d}", "salah-salah-salah", now=t, alamat=ip).pesan)
        t += dt.timedelta(minutes=0.3)  # 18 s apart: every address delay (max 2^k s) has run out, except late ones
    wrong = answers.count("Nama pengguna atau kata sandi salah.")
    assert wrong <= 4 * users.FAILURE_LIMIT and any(a.startswith("Terlalu banyak") for a in answers)
    # Another address is not affected.
    assert sign_in(ready_engine, "nama00", "salah-salah-salah", now=t, alamat="192.0.2.51").pesan.startswith("Nama")


def test_admin_sees_and_clears_throttles(ready_engine):
    create_user(ready_engine, SYSTEM, "budi", "staf", SANDI)
    for i in range(5):  # 10 s apart: each delay has run out, so all 5 are checked and the pair's limit is used up
        sign_in(ready_engine, "budi", "salah-salah-salah", alamat="203.0.113.5", now=T0 + dt.timedelta(seconds=10 * i))
    df = throttle.list_throttle(ready_engine, SYSTEM, now=T0 + dt.timedelta(minutes=2))
    assert set(df["jenis"]) == {"pasangan", "alamat", "nama"}
    assert "budi dari 203.0.113.x" in df["label"].tolist()
    assert sign_in(ready_engine, "budi", SANDI, alamat="203.0.113.5", now=T0 + dt.timedelta(minutes=2)).actor is None
    assert throttle.delete_throttle(ready_engine, SYSTEM, df["kunci"].tolist()) == 3
    assert sign_in(ready_engine, "budi", SANDI, alamat="203.0.113.5", now=T0 + dt.timedelta(minutes=2)).actor


def test_fifty_parallel_logins_keep_memory_flat(empty_db_url):
    """Each Argon2id check takes 64 MiB: 50 at once would be 3 GiB; with the bound (2 at once) the peak RSS of the
    process grows by less than 400 MiB."""
    script = r"""
import resource, sys, threading
from concurrent.futures import ThreadPoolExecutor
from db.engine import make_engine
from db.migrate import upgrade
from db.auth.roles import SYSTEM
from db.auth.users import create_user, sign_in
e = make_engine(sys.argv[1]); upgrade(e)
for i in range(50):
    create_user(e, SYSTEM, f"u{i:02d}", "staf", "kata-sandi-yang-panjang")
e.dispose()
e = make_engine(sys.argv[1], pool_size=50, max_overflow=10) if "postgresql" in sys.argv[1] else make_engine(sys.argv[1])
sign_in(e, "u00", "kata-sandi-yang-panjang", alamat="192.0.2.1")  # warm up (one check)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
bar = threading.Barrier(50)
def go(i):
    bar.wait()
    return sign_in(e, f"u{i:02d}", "kata-sandi-yang-panjang" if i % 2 else "salah-salah-salah", alamat=f"192.0.2.{i}")
with ThreadPoolExecutor(50) as p:
    res = list(p.map(go, range(50)))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
busy = sum((r.pesan or "").startswith("Server") for r in res)
print((peak - base) // 1024, sum(r.actor is not None for r in res), busy)
"""
    env = {**os.environ, "KULAKAN_LOGIN_PARALEL": "2"}
    out = subprocess.run(
        [sys.executable, "-c", script, empty_db_url], capture_output=True, text=True, env=env, timeout=300, check=True
    )
    grown_mib, ok, busy = map(int, out.stdout.split())
    assert grown_mib < 400, out.stdout
    assert ok + busy >= 25 and ok >= 1  # the right passwords got in (or were asked to try again shortly)


def test_throttle_counters_are_single_rows_per_key(ready_engine):
    sign_in(ready_engine, "siapa", "salah-salah-salah", alamat="192.0.2.7", now=T0)
    sign_in(ready_engine, "siapa", "salah-salah-salah", alamat="192.0.2.7", now=T0 + dt.timedelta(seconds=5))
    with ready_engine.connect() as conn:
        rows = conn.execute(text("SELECT jenis, percobaan FROM throttle_login ORDER BY jenis")).all()
    assert [tuple(r) for r in rows] == [("alamat", 2), ("nama", 2), ("pasangan", 2)]


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy():
    remote, xff = "127.0.0.1", ["6.6.6.6, 203.0.113.9"]  # the client claimed 6.6.6.6; nginx appended .9
    assert sessions.client_address(remote, xff, 0) == "127.0.0.1"
    assert sessions.client_address(remote, xff, 1) == "203.0.113.9"
    assert sessions.client_address(remote, ["6.6.6.6", "198.51.100.1, 203.0.113.9"], 2) == "198.51.100.1"
    assert sessions.client_address(remote, [], 1) == "127.0.0.1"  # no header: the connection itself
    assert sessions.client_address("bukan-alamat", [], 0) is None
    assert throttle.masked_address("203.0.113.9") == "203.0.113.x"
    assert throttle.masked_address("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert throttle.masked_address(None) == "tidak diketahui"
