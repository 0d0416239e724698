"""Two more faults: the PostgreSQL server restarted during use, and a full disk on SQLite.

The restart uses a private, throw-away PostgreSQL cluster on a loopback port (never the machine's
shared server); the full disk is SQLite's own limit on the number of pages (SQLITE_FULL).
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from db.schema import Aspirasi

STAF = Actor("siti.staf", "staf")
TODAY = dt.date(2026, 11, 20)
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def private_pg():
    if PG_BIN is None or shutil.which("runuser") is None:
        pytest.skip("Tidak ada biner PostgreSQL atau runuser untuk klaster pribadi")
    # Directly under /tmp: the postgres user must be able to reach it (pytest's tmp dirs are root-only).
    base = Path(tempfile.mkdtemp(prefix="kulakan-pg-"))
    data = base / "pgdata"
    data.mkdir()
    shutil.chown(base, "postgres")
    shutil.chown(data, "postgres")
    port = _free_port()
    init = _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    if init.returncode != 0:
        pytest.skip(f"initdb gagal: {init.stderr.strip()[:200]}")
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log")]
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
    assert _as_postgres(*ctl, "-o", opts, "start").returncode == 0
    try:
        yield {"url": f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", "ctl": ctl, "opts": opts}
    finally:
        _as_postgres(*ctl, "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def test_postgres_restart_during_use_loses_nothing_and_recovers(private_pg):
    engine = make_engine(private_pg["url"])
    upgrade(engine)
    load_reference(engine)
    before = create_aspirasi(
        engine, STAF, NewAspirasi(judul="Sebelum restart", kategori="pju", kelurahan="Sukun"), TODAY
    )
    # The server restarts (fast shutdown: open connections are cut) while the app holds pooled connections.
    assert _as_postgres(*private_pg["ctl"], "-m", "fast", "-o", private_pg["opts"], "restart").returncode == 0
    after = create_aspirasi(
        engine, STAF, NewAspirasi(judul="Sesudah restart", kategori="pju", kelurahan="Sukun"), TODAY
    )
    with engine.connect() as conn:
        titles = conn.scalars(select(Aspirasi.judul).order_by(Aspirasi.id)).all()
    assert titles == ["Sebelum restart", "Sesudah restart"] and after.id > before.id
    # While the server is down, the error is a clear OperationalError (shown as a message by the pages).
    assert _as_postgres(*private_pg["ctl"], "-m", "fast", "stop").returncode == 0
    with pytest.raises(OperationalError):
        create_aspirasi(engine, STAF, NewAspirasi(judul="Saat mati", kategori="pju", kelurahan="Sukun"), TODAY)
    assert _as_postgres(*private_pg["ctl"], "-o", private_pg["opts"], "start").returncode == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count(Aspirasi.id))) == 2  # nothing lost, nothing half-written
    engine.dispose()


def test_full_disk_on_sqlite_is_a_clear_error_and_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'penuh.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    create_aspirasi(engine, STAF, NewAspirasi(judul="Muat", kategori="pju", kelurahan="Sukun"), TODAY)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(engine, "connect")
    def _limit(dbapi_conn, _record):  # SQLite's own "disk full": no page beyond the current file
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()
    long_text = "x" * 4_999  # needs overflow pages the limit no longer allows
    with pytest.raises(OperationalError, match="full"):
        create_aspirasi(
            engine, STAF, NewAspirasi(judul="Penuh", deskripsi=long_text, kategori="pju", kelurahan="Sukun"), TODAY
        )
    with engine.connect() as conn:
        assert conn.scalar(select(func.count(Aspirasi.id))) == 1
    engine.dispose()
