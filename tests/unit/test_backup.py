"""Backup and restore: a copy taken while the app runs brings back exactly the rows it held."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import delete, text

from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.backup import BackupError, backup, libpq_args, restore, restore_sqlite
from db.demo.generate import generate_demo, table_counts
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from db.schema import Aspirasi, AspirasiRiwayat, Janji, JanjiRiwayat

TODAY = dt.date(2026, 11, 20)
STAF = Actor("siti.staf", "staf")


def seed_small(url: str) -> dict[str, int]:
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=200, seed=3, today=TODAY)
    counts = table_counts(engine)
    engine.dispose()
    return counts


def delete_rows(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in (JanjiRiwayat, Janji, AspirasiRiwayat, Aspirasi):
            conn.execute(delete(table))
    counts = table_counts(engine)
    engine.dispose()
    assert counts["aspirasi"] == 0 and counts["janji"] == 0


def test_round_trip_restores_the_counts_of_the_backup(empty_db_url, tmp_path, backend):
    original = seed_small(empty_db_url)
    assert original["aspirasi"] == 200
    dest = tmp_path / ("kulakan.db" if backend == "sqlite" else "kulakan.dump")
    if backend == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump tidak terpasang (paket postgresql-client)")
    backup(empty_db_url, dest)
    assert dest.stat().st_size > 10_000

    delete_rows(empty_db_url)
    # A row added after the backup disappears again on restore.
    engine = make_engine(empty_db_url)
    create_aspirasi(engine, STAF, NewAspirasi(judul="Setelah cadangan", kategori="pju", kelurahan="Sukun"), TODAY)
    engine.dispose()

    restore(dest, empty_db_url)
    engine = make_engine(empty_db_url)
    assert table_counts(engine) == original
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM aspirasi WHERE judul = 'Setelah cadangan'")) == 0
    # The restored database still takes new aspirations (sequences/autoincrement restored too).
    hasil = create_aspirasi(engine, STAF, NewAspirasi(judul="Sesudah pulih", kategori="pju", kelurahan="Sukun"), TODAY)
    assert hasil.nomor.startswith("ASP-2026-")
    engine.dispose()


def test_sqlite_restore_keeps_a_safety_copy_of_the_replaced_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    original = seed_small(url)
    backup(url, tmp_path / "cadangan.db")
    delete_rows(url)
    safety = restore_sqlite(tmp_path / "cadangan.db", url)
    assert safety is not None and safety.exists() and safety.parent == tmp_path
    assert "sebelum-pulih" in safety.name
    with sqlite3.connect(safety) as conn:  # the safety copy holds the state just before the restore
        assert conn.execute("SELECT count(*) FROM aspirasi").fetchone()[0] == 0
    engine = make_engine(url)
    assert table_counts(engine) == original
    engine.dispose()


def test_sqlite_restore_refuses_files_that_are_not_kulakan_databases(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    original = seed_small(url)
    other = tmp_path / "lain.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE x (a)")
    conn.close()
    text_file = tmp_path / "catatan.db"
    text_file.write_text("bukan basis data " * 100)
    with pytest.raises(BackupError, match="alembic_version"):
        restore_sqlite(other, url)
    with pytest.raises(BackupError, match="bukan basis data SQLite"):
        restore_sqlite(text_file, url)
    with pytest.raises(BackupError, match="tidak ditemukan"):
        restore_sqlite(tmp_path / "tidak-ada.db", url)
    # Nothing was touched, and no safety copy was made for a refused restore.
    assert not list(tmp_path.glob("*sebelum-pulih*"))
    engine = make_engine(url)
    assert table_counts(engine) == original
    engine.dispose()


def test_sqlite_restore_refuses_a_backup_from_a_newer_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    seed_small(url)
    newer = tmp_path / "baru.db"
    backup(url, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.close()
    with pytest.raises(BackupError, match="lebih baru"):
        restore_sqlite(newer, url)


def test_sqlite_backup_while_someone_writes_is_a_consistent_copy(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    seed_small(url)
    engine = make_engine(url)
    stop = threading.Event()
    errors: list[Exception] = []

    def writer():
        i = 0
        while not stop.is_set() and i < 200:
            try:
                create_aspirasi(engine, STAF, NewAspirasi(judul=f"Tulis {i}", kategori="pju", kelurahan="Sukun"), TODAY)
            except Exception as exc:  # any failure here is a finding: the test reports it below
                errors.append(exc)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = [backup(url, tmp_path / f"salinan-{k}.db") for k in range(3)]
    finally:
        stop.set()
        thread.join(60)
    engine.dispose()
    assert errors == []
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # Every aspirasi in the copy has its history row: a copy never holds half a transaction.
            n_asp, n_first = conn.execute(
                "SELECT (SELECT count(*) FROM aspirasi),"
                " (SELECT count(DISTINCT aspirasi_id) FROM aspirasi_riwayat WHERE dari_status IS NULL)"
            ).fetchone()
        conn.close()
        assert n_asp == n_first >= 200


def test_libpq_args_keeps_the_password_off_the_command_line():
    conninfo, env = libpq_args("postgresql+psycopg://kulakan:s3'cr%40t@db.example:6432/kulakan?sslmode=require")
    assert conninfo == "host='db.example' port='6432' dbname='kulakan' user='kulakan' sslmode='require'"
    assert env == {"PGPASSWORD": "s3'cr@t"}
    assert "s3" not in conninfo
    with pytest.raises(BackupError):
        libpq_args("sqlite:///x.db")


def test_cli_backup_and_restore(tmp_path, monkeypatch, capsys):
    from argparse import Namespace

    from db.backup import cli_backup, cli_restore

    url = f"sqlite:///{tmp_path / 'live.db'}"
    original = seed_small(url)
    monkeypatch.setenv("KULAKAN_DATABASE_URL", url)
    dest = tmp_path / "cadangan.db"
    assert cli_backup(Namespace(file=str(dest))) == 0
    assert cli_backup(Namespace(file=str(dest))) == 1  # never overwrites a backup
    assert "sudah ada" in capsys.readouterr().out
    delete_rows(url)
    assert cli_restore(Namespace(file=str(dest))) == 0
    assert "sebelum-pulih" in capsys.readouterr().out
    engine = make_engine(url)
    assert table_counts(engine) == original
    engine.dispose()
    assert cli_restore(Namespace(file=str(tmp_path / "tidak-ada.db"))) == 1
    assert "Gagal: Berkas tidak ditemukan" in capsys.readouterr().out
