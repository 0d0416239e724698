"""Alembic: from an empty database to the full schema and back, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from db.engine import make_engine
from db.migrate import downgrade, upgrade
from db.schema import Base


# Alembic cannot compare an index on an expression (ix_aspirasi_sampel, migration 0017) and says so; that the
# index exists and is used is checked in tests/unit/test_peta.py.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_upgrade_from_empty_matches_the_schema_module_and_downgrades(empty_db_url):
    engine = make_engine(empty_db_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"schema.py and the migrations disagree: {diff}"

    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)  # and up again
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_postgresql_connections_run_without_jit(empty_db_url):
    """The pages' short queries paid more for PostgreSQL's JIT compilation than for running (issue 16)."""
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            pytest.skip("PostgreSQL setting")
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
    engine.dispose()
