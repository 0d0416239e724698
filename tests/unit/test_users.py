"""Accounts: hashing, login, rate limit, first admin, the create-user command."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from db.auth.roles import SYSTEM, AccessDenied, Actor
from db.auth.users import FAILURE_LIMIT, UserError, change_password, create_first_admin, create_user, sign_in
from db.schema import LogAudit, Pengguna

pytestmark = pytest.mark.usefixtures("backend")
SANDI = "kata-sandi-yang-panjang"


def test_password_is_hashed_and_login_works(ready_engine):
    create_user(ready_engine, SYSTEM, "Siti.Staf", "staf", SANDI, nama="Siti")
    with ready_engine.connect() as conn:
        stored = conn.scalar(select(Pengguna.password_hash).where(Pengguna.username == "siti.staf"))
    assert stored.startswith("$argon2id$") and SANDI not in stored
    ok = sign_in(ready_engine, "SITI.staf ", SANDI)
    assert ok.actor == Actor("siti.staf", "staf", None) and ok.nama == "Siti"
    assert sign_in(ready_engine, "siti.staf", "salah-salah-salah").actor is None
    assert sign_in(ready_engine, "tidak.ada", SANDI).pesan == "Nama pengguna atau kata sandi salah."


def test_failed_logins_are_rate_limited_and_logged(ready_engine):
    create_user(ready_engine, SYSTEM, "budi", "staf", SANDI)
    now = dt.datetime.now(dt.UTC)
    for i in range(FAILURE_LIMIT):  # a minute apart: every growing delay has run out
        assert sign_in(ready_engine, "budi", "tebakan-salah-123", now=now + dt.timedelta(minutes=i)).actor is None
    now += dt.timedelta(minutes=FAILURE_LIMIT)
    blocked = sign_in(ready_engine, "budi", SANDI, now=now)
    assert blocked.actor is None and "Terlalu banyak" in blocked.pesan
    later = sign_in(ready_engine, "budi", SANDI, now=now + dt.timedelta(minutes=16))
    assert later.actor is not None
    with ready_engine.connect() as conn:
        actions = conn.scalars(select(LogAudit.aksi).where(LogAudit.oleh == "budi").order_by(LogAudit.id)).all()
    assert [a for a in actions if a != "login_dijeda"] == ["login_gagal"] * FAILURE_LIMIT + [
        "login_ditahan",
        "login_ok",
    ]


def test_only_admins_create_users_and_input_is_checked(ready_engine):
    with pytest.raises(AccessDenied):
        create_user(ready_engine, Actor("s", "staf"), "baru", "staf", SANDI)
    with pytest.raises(UserError, match="minimal 10"):
        create_user(ready_engine, SYSTEM, "baru", "staf", "pendek")
    with pytest.raises(UserError, match="Peran"):
        create_user(ready_engine, SYSTEM, "baru", "camat", SANDI)
    with pytest.raises(UserError, match="Nama pengguna"):
        create_user(ready_engine, SYSTEM, "<script>", "staf", SANDI)
    create_user(ready_engine, SYSTEM, "baru", "staf", SANDI, kecamatan_kode="35.73.02")
    with pytest.raises(UserError, match="sudah ada"):
        create_user(ready_engine, SYSTEM, "BARU", "staf", SANDI)
    assert sign_in(ready_engine, "baru", SANDI).actor.kecamatan_kode == "35.73.02"


def test_first_admin_gets_a_one_time_password(ready_engine):
    sandi = create_first_admin(ready_engine)
    assert sandi and len(sandi) >= 12
    assert create_first_admin(ready_engine) is None  # never a second time
    first = sign_in(ready_engine, "admin", sandi)
    assert first.actor.peran == "admin" and first.wajib_ganti_sandi
    with pytest.raises(UserError):
        change_password(ready_engine, first.actor, sandi, sandi)
    change_password(ready_engine, first.actor, sandi, SANDI)
    assert sign_in(ready_engine, "admin", sandi).actor is None
    assert sign_in(ready_engine, "admin", SANDI).wajib_ganti_sandi is False


def test_create_user_command_reads_the_password_from_stdin(empty_db_url):
    env = {**os.environ, "KULAKAN_DATABASE_URL": empty_db_url}
    run = lambda *a, stdin="": subprocess.run(  # noqa: E731
        [sys.executable, "-m", "db", *a], input=stdin, env=env, capture_output=True, text=True, timeout=120
    )
    assert run("init").returncode == 0
    made = run("create-user", "pak.wali", "--peran", "pimpinan", stdin=SANDI + "\n")
    assert made.returncode == 0 and "pak.wali" in made.stdout and SANDI not in made.stdout + made.stderr
    bad = run("create-user", "budi.staf", "--peran", "staf", stdin="pendek\n")
    assert bad.returncode == 1 and "minimal 10" in bad.stderr
    stats = run("stats")
    assert "pengguna" in stats.stdout


def test_sso_maps_only_registered_active_accounts(ready_engine):
    from db.admin import update_user
    from db.auth.users import sign_in_sso

    create_user(ready_engine, SYSTEM, "Siti@MalangKota.go.id", "staf", SANDI)
    ok = sign_in_sso(ready_engine, "siti@malangkota.go.id")
    assert ok.actor == Actor("siti@malangkota.go.id", "staf", None)
    refused = sign_in_sso(ready_engine, "orang.lain@malangkota.go.id")
    assert refused.actor is None and "belum terdaftar" in refused.pesan
    assert sign_in_sso(ready_engine, None).actor is None
    update_user(
        ready_engine, Actor("admin", "admin"), "siti@malangkota.go.id", peran="staf", aktif=False, kecamatan_kode=None
    )
    assert sign_in_sso(ready_engine, "siti@malangkota.go.id").actor is None
