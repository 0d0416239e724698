"""Backup and restore of the Kulakan database (SQLite file or PostgreSQL).

SQLite: sqlite3's online backup API copies a consistent snapshot page by page while the app keeps
running (readers and writers are not stopped; WAL content that is committed is included). Restore
goes through the same API *into* the live file, so connected processes see either the old or the
new database, never a half-copied file; a safety copy of the current database is made first.

PostgreSQL: ``pg_dump -Fc`` (custom format, compressed, restorable table by table) and
``pg_restore --clean --if-exists --no-owner --no-privileges``. The SQLAlchemy URL is converted to
a libpq connection string; the password goes through the ``PGPASSWORD`` environment variable,
never on the command line (where ``ps`` would show it). ``pg_dump``/``pg_restore`` must be at
least the server's major version (Debian: package ``postgresql-client``).

Command line (wired in db/__main__.py): ``python -m db backup FILE`` and ``python -m db restore FILE``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from db.settings import database_url


class BackupError(RuntimeError):
    """A backup or restore that was refused or failed; the message is for the user (Indonesian)."""


# --------------------------------------------------------------------------- helpers


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL (``sqlite:///path``); in-memory databases cannot be backed up."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(f"Bukan URL SQLite: {parsed.render_as_string(hide_password=True)}")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("Basis data SQLite di memori tidak dapat dicadangkan/dipulihkan.")
    name = parsed.database
    if name.startswith("file:"):  # URI form: sqlite:///file:path?mode=ro&uri=true
        name = name[len("file:") :].split("?", 1)[0]
    return Path(name)


def _connect_ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"Berkas tidak ditemukan: {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _alembic_revision_sqlite(path: Path) -> str:
    """The Alembic revision stored in a SQLite file; BackupError if it is not a Kulakan database."""
    try:
        conn = _connect_ro(path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} bukan basis data SQLite: {exc}") from exc
    try:
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
        if not has:
            raise BackupError(f"{path} bukan basis data Kulakan (tidak ada tabel alembic_version).")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        has_asp = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='aspirasi'").fetchone()
    except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
        raise BackupError(f"{path} bukan basis data SQLite: {exc}") from exc
    finally:
        conn.close()
    if not row or not has_asp:
        raise BackupError(f"{path} bukan basis data Kulakan (skema belum dibuat).")
    return row[0]


def known_revisions() -> set[str]:
    """Every Alembic revision this version of the code knows (a backup from a newer version is refused)."""
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def _check_revision(revision: str, source: str) -> None:
    if revision not in known_revisions():
        raise BackupError(
            f"Cadangan {source} berasal dari versi Kulakan yang lebih baru (revisi skema {revision}); "
            "perbarui aplikasi dulu, lalu pulihkan."
        )


def _sqlite_copy(src: sqlite3.Connection, dest_path: Path) -> None:
    """Online backup of ``src`` into a new file ``dest_path`` (written beside it, then renamed)."""
    dest_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest_path.with_name(dest_path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    dst = sqlite3.connect(tmp)
    try:
        # pages=-1: one step, so the copy is one consistent snapshot even while others write.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file (no -wal beside it)
    finally:
        dst.close()
    os.replace(tmp, dest_path)


# --------------------------------------------------------------------------- SQLite


def backup_sqlite(url: str, dest_path: str | os.PathLike) -> Path:
    """Copy the SQLite database of ``url`` to ``dest_path`` while the app may keep running."""
    path = sqlite_path(url)
    dest = Path(dest_path)
    if dest.resolve() == path.resolve():
        raise BackupError("Berkas cadangan tidak boleh sama dengan berkas basis data.")
    _alembic_revision_sqlite(path)
    src = _connect_ro(path)
    try:
        _sqlite_copy(src, dest)
    finally:
        src.close()
    return dest


def restore_sqlite(src_path: str | os.PathLike, url: str) -> Path | None:
    """Replace the database of ``url`` with the backup ``src_path``.

    Refuses a file that is not a Kulakan database (no ``alembic_version``/``aspirasi`` table) or
    comes from a newer schema. The current database is first copied to
    ``<name>.sebelum-pulih-YYYYmmdd-HHMMSS.db`` beside it; that path is returned (None when there
    was no database yet). Run ``python -m db init`` afterwards when the backup is from an older
    version: it migrates the schema.
    """
    src = Path(src_path)
    path = sqlite_path(url)
    if path.exists() and src.resolve() == path.resolve():
        raise BackupError("Berkas cadangan sama dengan basis data yang akan dipulihkan.")
    revision = _alembic_revision_sqlite(src)
    _check_revision(revision, str(src))
    check = _connect_ro(src)
    try:
        ok = check.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        check.close()
    if ok != "ok":
        raise BackupError(f"Berkas cadangan {src} rusak: {ok}")

    safety = None
    if path.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        safety = path.with_name(f"{path.stem}.sebelum-pulih-{stamp}{path.suffix or '.db'}")
        current = _connect_ro(path)
        try:
            _sqlite_copy(current, safety)
        finally:
            current.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    source = _connect_ro(src)
    target = sqlite3.connect(path, timeout=10)
    try:
        target.execute("PRAGMA busy_timeout=10000")
        # Written through SQLite's locking into the live file: other processes wait, then see the
        # restored database on their next transaction.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()
    return safety


# --------------------------------------------------------------------------- PostgreSQL


def libpq_args(url: str | URL) -> tuple[str, dict[str, str]]:
    """(libpq keyword connection string, extra environment) for a SQLAlchemy PostgreSQL URL.

    ``postgresql+psycopg://kulakan:s3cret@db:5432/kulakan?sslmode=require`` becomes
    ``host='db' port='5432' dbname='kulakan' user='kulakan' sslmode='require'`` and
    ``{"PGPASSWORD": "s3cret"}``.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "postgresql":
        raise BackupError(f"Bukan URL PostgreSQL: {parsed.render_as_string(hide_password=True)}")

    def quote(value) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database, "user": parsed.username}
    for key, value in parsed.query.items():
        parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v not in (None, ""))
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return conninfo, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"Program {name} tidak ditemukan; pasang paket postgresql-client (Debian).")
    return found


def _run(cmd: list[str], env_extra: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env={**os.environ, **env_extra}, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} gagal (kode {result.returncode}): {detail}")


def backup_postgresql(url: str, dest_path: str | os.PathLike) -> Path:
    """``pg_dump -Fc`` of the database of ``url`` into ``dest_path`` (consistent snapshot, app may run)."""
    conninfo, env = libpq_args(url)
    dest = Path(dest_path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    _run([_pg_tool("pg_dump"), "-Fc", "--no-password", f"--file={tmp}", f"--dbname={conninfo}"], env, "pg_dump")
    os.replace(tmp, dest)
    return dest


def _pg_dump_revision(src: Path) -> str:
    """The Alembic revision inside a ``pg_dump -Fc`` file (read with ``pg_restore -a -t alembic_version``)."""
    if not src.is_file():
        raise BackupError(f"Berkas tidak ditemukan: {src}")
    with src.open("rb") as f:
        if f.read(5) != b"PGDMP":
            raise BackupError(f"{src} bukan cadangan pg_dump format custom (-Fc).")
    result = subprocess.run(
        [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(src)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{src} tidak dapat dibaca pg_restore: {result.stderr.strip()}")
    lines = result.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and i + 1 < len(lines):
            value = lines[i + 1].strip()
            if value and value != "\\.":
                return value
    raise BackupError(f"{src} bukan cadangan Kulakan (tidak ada tabel alembic_version).")


def restore_postgresql(src_path: str | os.PathLike, url: str) -> None:
    """Restore a ``pg_dump -Fc`` file into the database of ``url`` (``--clean --if-exists``).

    Tables of the backup are dropped and recreated; stop the app processes first (their open
    transactions would otherwise block the DROPs). One transaction: on error nothing changes.
    """
    src = Path(src_path)
    _check_revision(_pg_dump_revision(src), str(src))
    conninfo, env = libpq_args(url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={conninfo}",
            str(src),
        ],
        env,
        "pg_restore",
    )


# --------------------------------------------------------------------------- either backend


def backup(url: str, dest_path: str | os.PathLike) -> Path:
    if backend_of(url) == "sqlite":
        out = backup_sqlite(url, dest_path)
    elif backend_of(url) == "postgresql":
        out = backup_postgresql(url, dest_path)
    else:
        raise BackupError(f"Basis data {backend_of(url)} tidak didukung untuk cadangan.")
    _backup_foto(out)
    return out


def restore(src_path: str | os.PathLike, url: str) -> Path | None:
    if backend_of(url) == "sqlite":
        safety = restore_sqlite(src_path, url)
    elif backend_of(url) == "postgresql":
        restore_postgresql(src_path, url)
        safety = None
    else:
        raise BackupError(f"Basis data {backend_of(url)} tidak didukung untuk pemulihan.")
    _restore_foto(src_path)
    _rebuild_rollups(url)
    return safety


def _rebuild_rollups(url: str) -> None:
    """Recount the rollups of the restored database (db/aspirasi/rollups.py). A backup is one snapshot, so they
    should already match; one pass over the archive makes sure a file produced some other way cannot leave
    the pages counting something else. A backup from before migration 0010 has no rollup tables yet:
    `python -m db init` creates and fills them."""
    from sqlalchemy import inspect

    from db.aspirasi import rollups
    from db.engine import make_engine

    engine = make_engine(url)
    try:
        if inspect(engine).has_table("rekap_aspirasi"):
            rollups.rebuild(engine)
    finally:
        engine.dispose()


def _backup_foto(dest: Path) -> int:
    """Photos (issue 15) into ``FILE.foto.tar`` beside the database backup, taken *after* the database
    snapshot: every row in the snapshot had its file written before it committed, so it is in the tar."""
    from db.foto.storage import archive_path, backup_foto

    return backup_foto(archive_path(dest))


def _restore_foto(src: str | os.PathLike) -> int:
    """Put back the photos of ``FILE.foto.tar`` when it exists (files are content-addressed: adding never
    overwrites another photo)."""
    from db.foto.storage import archive_path, restore_foto

    tar = archive_path(src)
    return restore_foto(tar) if tar.exists() else 0


def _archive(db_file: Path) -> str:
    from db.foto.storage import archive_path

    tar = archive_path(db_file)
    return f"{tar} ({tar.stat().st_size / 1e6:.1f} MB)" if tar.exists() else "tidak ada arsip foto"


def cli_backup(args) -> int:
    """`python -m db backup FILE`: refuses to overwrite an existing FILE."""
    url = database_url()
    dest = Path(args.file)
    if dest.exists():
        print(f"Gagal: {dest} sudah ada; pilih nama berkas lain.")
        return 1
    try:
        backup(url, dest)
    except BackupError as exc:
        print(f"Gagal: {exc}")
        return 1
    size = dest.stat().st_size / 1e6
    print(f"Cadangan {make_url(url).render_as_string(hide_password=True)} -> {dest} ({size:.1f} MB).")
    print(f"Foto: {_archive(dest)}")
    return 0


def cli_restore(args) -> int:
    """`python -m db restore FILE`: replaces the configured database with FILE."""
    url = database_url()
    try:
        safety = restore(args.file, url)
    except BackupError as exc:
        print(f"Gagal: {exc}")
        return 1
    print(f"Dipulihkan dari {args.file} ke {make_url(url).render_as_string(hide_password=True)}.")
    print(f"Foto: {_archive(Path(args.file))}")
    if safety:
        print(f"Salinan basis data sebelum pemulihan: {safety}")
    print("Jalankan `python -m db init` bila cadangan berasal dari versi lama (migrasi skema).")
    return 0
