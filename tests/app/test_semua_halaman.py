"""Every page, every role: empty database, hostile text, and (SQLite) 100,000 aspirations."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from db.auth.roles import Actor
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.migrate import upgrade
from db.reference import load_reference
from tests.app.conftest import run_page
from tests.conftest import DEMO_TODAY, create_test_users
from tests.hostile import RAW_MARKERS
from ui.pages import PAGES

pytestmark = pytest.mark.usefixtures("backend")
PATHS = [p.path for p in PAGES]


def _texts(at) -> list[str]:
    """What could carry raw HTML to the browser: st.html bodies and component arguments."""
    out = [e.proto.body for e in at.get("html")]
    out += [e.proto.json_args for e in at.get("component_instance")]
    return out


@pytest.mark.parametrize("path", PATHS)
def test_every_page_on_an_empty_database(ready_engine, app_env, path):
    app_env(ready_engine.url.render_as_string(hide_password=False))
    at = run_page(path, peran="admin")
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("peran", ["pimpinan", "staf", "admin"])
def test_every_page_for_every_role_refuses_or_renders(seeded_url, app_env, path, peran):
    app_env(seeded_url)
    at = run_page(path, peran=peran)
    assert not at.exception, [e.value for e in at.exception]
    spec = next(p for p in PAGES if p.path == path)
    refused = any("tidak tersedia untuk peran" in e.value for e in at.error)
    assert refused == (not Actor("x", peran).can(spec.izin))


@pytest.mark.parametrize("path", PATHS)
def test_hostile_text_is_inert_on_every_page(hostile_url, app_env, path):
    app_env(hostile_url)
    at = run_page(path, peran="admin")
    assert not at.exception, [e.value for e in at.exception]
    for text in _texts(at):
        for marker in RAW_MARKERS:
            assert marker not in text, (path, marker)


# Seeded once per test run, not per xdist worker (40-50 s each): the workers share one file, the first one to
# take the lock seeds it. Independent of the ``backend`` parameter, which would tear it down on every switch.
@pytest.fixture(scope="session")
def big_url(tmp_path_factory):
    import fcntl
    import os

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # this run's directory, shared by its workers
    path = root / "besar.db"
    with open(root / "besar.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            part = root / "besar.part.db"
            engine = make_engine(f"sqlite:///{part}")
            upgrade(engine)
            load_reference(engine)
            generate_demo(engine, n_aspirasi=100_000, seed=11, today=DEMO_TODAY)
            create_test_users(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            part.rename(path)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("path", PATHS)
def test_every_page_with_100000_aspirations(backend, request, app_env, path):
    if backend != "sqlite":
        pytest.skip("100.000 aspirasi diuji pada SQLite (PostgreSQL 1.000.000: lihat bench/ dan docs/PERFORMANCE.md)")
    app_env(request.getfixturevalue("big_url"))
    started = dt.datetime.now()
    at = run_page(path, peran="admin", timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    if "Aspirasi total" in metrics:
        assert metrics["Aspirasi total"] == "100.000"
    if "Cocok dengan filter" in metrics:
        assert metrics["Cocok dengan filter"] == "100.000"
    # Not a timing assertion (those live in bench/); recorded so a regression is visible in the log.
    print(path, (dt.datetime.now() - started).total_seconds(), json.dumps(list(metrics)))
