"""Every screen that shows a stored time shows it in WIB: a save at 23:30 UTC is on the next WIB date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from db.auth.roles import SYSTEM
from db.auth.users import create_user
from db.demo.generate import generate_demo
from db.schema import Aspirasi, AspirasiRiwayat, LogAudit, Pengguna
from tests.app.conftest import run_page
from tests.conftest import DEMO_TODAY
from ui.aspirasi import SELECTED

pytestmark = pytest.mark.usefixtures("backend")

LATE = dt.datetime(2026, 12, 1, 23, 30, 15, tzinfo=dt.UTC)


@pytest.fixture
def db(ready_engine, app_env):
    generate_demo(ready_engine, n_aspirasi=100, seed=3, today=DEMO_TODAY)
    app_env(ready_engine.url.render_as_string(hide_password=False))
    return ready_engine


def test_status_history_shows_wib(db):
    with db.begin() as conn:
        aid = conn.scalar(select(Aspirasi.id).where(Aspirasi.status == "diterima").limit(1))
        conn.execute(
            insert(AspirasiRiwayat).values(
                aspirasi_id=aid, waktu=LATE, oleh="larut.malam", dari_status="diterima", ke_status="diterima"
            )
        )
    at = run_page("views/aspirasi.py")
    at.session_state[SELECTED] = aid
    at.run()
    assert not at.exception
    riwayat = next(df.value for df in at.dataframe if "Oleh" in df.value.columns and "Ke" in df.value.columns)
    row = riwayat[riwayat["Oleh"] == "larut.malam"]
    assert row["Waktu"].tolist() == ["Rabu, 2 Desember 2026 06.30 WIB"]
    assert not riwayat["Waktu"].astype(str).str.contains(r"\d{4}-\d{2}-\d{2}").any()  # no raw UTC stamp left


def test_admin_audit_log_and_users_show_wib(db):
    create_user(db, SYSTEM, "larut.malam", "staf", "sandi-uji-12345")
    with db.begin() as conn:
        conn.execute(update(Pengguna).where(Pengguna.username == "larut.malam").values(dibuat_pada=LATE))
        conn.execute(insert(LogAudit).values(waktu=LATE, oleh="larut.malam", aksi="ekspor", rincian="{}"))
    at = run_page("views/admin.py", peran="admin")
    users = at.dataframe[0].value.set_index("Nama pengguna")
    assert users.loc["larut.malam", "Dibuat"] == "Rabu, 2 Desember 2026 06.30 WIB"
    at.session_state["admin_tab"] = "Log audit"  # only the open tab runs
    at.run()
    log = next(df.value for df in at.dataframe if list(df.value.columns) == ["Waktu", "Oleh", "Aksi", "Rincian"])
    assert log[log["Oleh"] == "larut.malam"]["Waktu"].tolist() == ["Rabu, 2 Desember 2026 06.30.15 WIB"]
    # The date filter is in WIB days: 2 December finds it, 1 December does not.
    dari, sampai = (d for d in at.date_input if d.label in ("Dari", "Sampai"))
    dari.set_value(dt.date(2026, 12, 2))
    sampai.set_value(dt.date(2026, 12, 2)).run()
    log = next(df.value for df in at.dataframe if list(df.value.columns) == ["Waktu", "Oleh", "Aksi", "Rincian"])
    assert "larut.malam" in log["Oleh"].tolist()
    dari, sampai = (d for d in at.date_input if d.label in ("Dari", "Sampai"))
    dari.set_value(dt.date(2026, 12, 1))
    sampai.set_value(dt.date(2026, 12, 1)).run()
    log = next(df.value for df in at.dataframe if list(df.value.columns) == ["Waktu", "Oleh", "Aksi", "Rincian"])
    assert "larut.malam" not in log["Oleh"].tolist()
