"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (when a server answers)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import tempfile

import pytest

from db.demo.generate import generate_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from db.testing import database, pg_unavailable_reason

# A fixed 'today' so the seeded data (and what the pages show) is the same on every run.
DEMO_TODAY = dt.date(2026, 11, 20)
DEMO_SEED = 7
DEMO_ASPIRASI = 1500


def pytest_configure(config) -> None:
    # Photos written by the tests (demo photos, uploads) go to a temporary store, never into data/foto/;
    # the browser tests' app servers inherit it (issue 15).
    if not os.environ.get("KULAKAN_FOTO_DIR"):
        os.environ["KULAKAN_FOTO_DIR"] = tempfile.mkdtemp(prefix="kulakan-foto-uji-")


def pytest_collection_modifyitems(config, items) -> None:
    # Layout checks (viewports, clipped text, label overlap) read the same page whatever the database: their
    # PostgreSQL copies would double the slowest browser scenarios and test nothing more.
    # Browser scenarios that only read run on SQLite too: what they show is compared with SQL on both databases by
    # the AppTests; the PostgreSQL copies kept are the ones that write (locking, sessions, uploads, answers).
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_pg = params.get("backend") == "postgresql"
        read_only_browser = item.nodeid.startswith("tests/e2e/") and not item.get_closest_marker("tulis")
        (drop if on_pg and (item.get_closest_marker("tampilan") or read_only_browser) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]

# Accounts created in the seeded databases (test-only password, never used outside tests).
TEST_SANDI = "sandi-uji-12345"
TEST_USERS = {"staf.uji": "staf", "pimpinan.uji": "pimpinan", "admin.uji": "admin"}


def create_test_users(engine) -> None:
    from db.auth.roles import SYSTEM
    from db.auth.users import create_user

    for username, peran in TEST_USERS.items():
        create_user(engine, SYSTEM, username, peran, TEST_SANDI, nama=f"Uji {peran.title()}")


@functools.cache
def _pg_reason() -> str | None:
    return pg_unavailable_reason()


def _require(backend: str) -> None:
    if backend == "postgresql" and (reason := _pg_reason()):
        pytest.skip(reason)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    _require(request.param)
    return request.param


@pytest.fixture
def empty_db_url(backend, tmp_path):
    """URL of a brand-new empty database (function scope: the test may write anything)."""
    with database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def ready_engine(empty_db_url):
    """A migrated database with reference data and no aspirations (function scope)."""
    engine = make_engine(empty_db_url)
    upgrade(engine)
    load_reference(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_url(backend, tmp_path_factory):
    """A database with reference and demo data, shared read-only by the tests of a session."""
    with database(backend, tmp_path_factory.mktemp("seeded")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=DEMO_ASPIRASI, seed=DEMO_SEED, today=DEMO_TODAY)
        create_test_users(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def seeded_engine(seeded_url):
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


HOSTILE_KELURAHAN = "35.73.02.1010"  # Gading Kasri


def insert_hostile(engine) -> list[str]:
    """Open aspirations with hostile titles/descriptions in Gading Kasri, returned as stored."""
    from sqlalchemy import insert, select

    from db.aspirasi import rollups
    from db.schema import Aspirasi, Kategori
    from geo.boundaries import load_boundaries
    from tests.hostile import HOSTILE

    kel = load_boundaries().kelurahan.loc[HOSTILE_KELURAHAN]
    with engine.begin() as conn:
        kat = conn.scalar(select(Kategori.id).where(Kategori.kode == "jalan_rusak"))
        conn.execute(
            insert(Aspirasi),
            [
                {
                    "nomor": f"ASP-2026-99{i:04d}",
                    "judul": text,
                    "deskripsi": f"deskripsi {text}",
                    "kategori_id": kat,
                    "kelurahan_kode": HOSTILE_KELURAHAN,
                    "rw": 1,
                    "rt": 1,
                    "sumber": "warga",
                    "kanal": "langsung",
                    "tanggal_diterima": DEMO_TODAY - dt.timedelta(days=900 + i),  # the oldest open ones
                    "tenggat": DEMO_TODAY,
                    "status": "diterima",
                    "terbuka": True,
                    "lat": float(kel["label_lat"]),
                    "lon": float(kel["label_lon"]),
                }
                for i, text in enumerate(HOSTILE)
            ],
        )
        rollups.rebuild(conn)  # rows written past the services: recount what the pages read
    insert_hostile_records(engine)
    return list(HOSTILE)


HOSTILE_JUDUL_BIMTEK = "Bimtek <script>alert('xss-bimtek')</script> ${1+1}"


def insert_hostile_records(engine) -> dict:
    """Hostile text in every other free-text field, written through the real services."""
    from db.auth.roles import SYSTEM
    from db.bimtek.services import BimtekData, PesertaData, add_peserta, create_bimtek
    from db.rembuk.janji import add_janji
    from db.rembuk.records import record_rembuk
    from tests.hostile import HOSTILE

    rid = record_rembuk(
        engine, SYSTEM, DEMO_TODAY - dt.timedelta(days=3 * 7), [HOSTILE_KELURAHAN], "terlaksana",
        hadir_rt=3, hadir_rw=1, hadir_lpmk=1, hadir_warga=10, catatan="\n".join(HOSTILE), today=DEMO_TODAY,
    )  # fmt: skip
    jid = add_janji(engine, SYSTEM, rid, HOSTILE_KELURAHAN, HOSTILE[0] + " " + HOSTILE[4], "DLH", DEMO_TODAY)
    bid = create_bimtek(
        engine, SYSTEM, BimtekData(HOSTILE_JUDUL_BIMTEK, DEMO_TODAY - dt.timedelta(days=10), HOSTILE[1])
    )
    pid = add_peserta(engine, SYSTEM, bid, PesertaData(HOSTILE[2], "ketua_lpmk", HOSTILE_KELURAHAN))
    return {"rembuk": rid, "janji": jid, "bimtek": bid, "peserta": pid}


@pytest.fixture(scope="session")
def hostile_url(backend, tmp_path_factory):
    """Like seeded_url, plus hostile aspirations in Gading Kasri."""
    with database(backend, tmp_path_factory.mktemp("hostile")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
        insert_hostile(engine)
        create_test_users(engine)
        engine.dispose()
        yield url
