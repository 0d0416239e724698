"""What every bench shares: throw-away seeded databases, the machine and server it ran on, the markers in
docs/PERFORMANCE.md, and a logged-in AppTest of the whole app.

Benchmarks, not tests: nothing here imports tests/ (the throw-away database helper is db.testing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 20)  # the day the demo data is generated for (KULAKAN_TODAY of the app)
SEED = 42
PG_SETTINGS = ("server_version", "shared_buffers", "work_mem", "effective_cache_size", "autovacuum",
               "max_connections", "random_page_cost", "jit")  # fmt: skip


def quiet_streamlit() -> None:
    """ui/ imports Streamlit; outside `streamlit run` it logs "No runtime found" per cached function.
    Parse the config first (parsing resets the level), then silence those warnings."""
    import streamlit.config
    import streamlit.logger

    streamlit.config.get_option("logger.level")
    streamlit.logger.set_log_level("error")


def is_postgresql(url: str | None) -> bool:
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


@contextlib.contextmanager
def database(server_url: str | None, tmp: Path) -> Iterator[str]:
    """URL of a fresh empty database: a SQLite file in ``tmp``, or a private one on the PostgreSQL server."""
    from db.testing import pg_database

    if server_url is None:
        yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    with pg_database(server_url, prefix="kulakan_bench_") as url:
        yield url


def seed(url: str, n: int) -> float:
    """Migrate, load reference data and the deterministic demo data (bulk inserts in db.demo.generate); then ANALYZE
    (PostgreSQL: autovacuum may be off, and fresh tables have no statistics). Returns seconds."""
    from db.demo.generate import generate_demo
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.reference import load_reference

    t0 = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    load_reference(engine)
    generate_demo(engine, n_aspirasi=n, seed=SEED, today=TODAY)
    engine.dispose()
    analyze(url)
    return time.perf_counter() - t0


# Seeded SQLite files are kept here between runs (keyed by what decides their content) and copied per run, so
# `make bench` seeds 100,000 aspirations once, and every bench starts from the same untouched data.
SEED_CACHE = ROOT / ".build" / "bench"
_SEED_INPUTS = ("db/demo/generate.py", "db/reference.py", "db/schema.py", "db/migrations/versions")


def _seed_fingerprint(n: int) -> str:
    import hashlib

    h = hashlib.sha256(f"{n}:{SEED}:{TODAY}".encode())
    for rel in _SEED_INPUTS:
        p = ROOT / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


@contextlib.contextmanager
def seeded(server_url: str | None, n: int, tmp: Path, existing_url: str | None = None) -> Iterator[tuple[str, str]]:
    """(URL, how it was seeded) of a database holding the demo data with ``n`` aspirations.

    ``existing_url``: that database, used as it is. PostgreSQL: a private database, seeded now and dropped
    afterwards. SQLite: a copy of a cached seeded file (seeded on the first use)."""
    import shutil

    if existing_url:
        yield existing_url, f"existing database ({count_aspirasi(existing_url):,} aspirations)"
        return
    if server_url is not None:
        with database(server_url, tmp) as url:
            yield url, f"seeded in {seed(url, n):.1f} s"
        return
    cached = SEED_CACHE / f"demo-{n}-{_seed_fingerprint(n)}.db"
    how = f"copy of {cached.relative_to(ROOT)}"
    if not cached.exists():
        SEED_CACHE.mkdir(parents=True, exist_ok=True)
        for old in SEED_CACHE.glob(f"demo-{n}-*.db"):
            old.unlink()
        part = cached.with_suffix(".part")
        part.unlink(missing_ok=True)
        seconds = seed(f"sqlite:///{part}", n)
        _checkpoint(part)
        part.rename(cached)
        how = f"seeded in {seconds:.1f} s, cached as {cached.relative_to(ROOT)}"
    target = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(cached, target)
    yield f"sqlite:///{target}", how


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so one file copy is the whole database."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def analyze(url: str) -> None:
    """Fresh planner statistics (PostgreSQL ANALYZE; SQLite ANALYZE fills sqlite_stat1 the same way).

    PostgreSQL: VACUUM ANALYZE, the state autovacuum (on by default, off on the test server) keeps a
    database in: it also marks the pages all-visible, without which no index-only scan skips the table."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE" if is_postgresql(url) else "ANALYZE"))
    engine.dispose()


def count_aspirasi(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(text("SELECT count(*) FROM aspirasi"))
    engine.dispose()
    return int(n or 0)


def pg_settings(url: str) -> dict[str, str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {name: str(conn.scalar(text(f"SHOW {name}"))) for name in PG_SETTINGS}
    engine.dispose()
    return out


def load_average() -> str:
    """The machine's load average (1 / 5 / 15 min), printed beside every figure."""
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def load_1min() -> float:
    return os.getloadavg()[0]


def machine_info(url: str | None) -> list[str]:
    """Markdown lines: date, CPU, Python, database (with PostgreSQL's settings), load average now."""
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if is_postgresql(url):
        s = pg_settings(url)
        db_kind = (
            f"PostgreSQL {s['server_version']} on {make_url(url).host} (private database per size, VACUUM ANALYZE "
            f"after seeding); server settings: "
            + ", ".join(f"`{k}` {v}" for k, v in s.items() if k != "server_version")
            + " (the app's own connections run with `jit` off, db/engine.py)"
        )
    else:
        db_kind = f"SQLite {sqlite3.sqlite_version} (file in a temporary directory, ANALYZE after seeding)"
    return [
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M')} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- Database: {db_kind}",
        f"- Load average (1 / 5 / 15 min) at the start: {load_average()}",
    ]


def command_line(module: str, argv: list[str]) -> str:
    """The command that produced a table, with any password in a database URL hidden."""
    shown = []
    for a in argv:
        if "://" in a:
            with contextlib.suppress(Exception):
                a = make_url(a).render_as_string(hide_password=True)
        shown.append(a)
    return f"python -m {module} {' '.join(shown)}".rstrip()


def write_between_markers(path: Path, label: str, body: str) -> None:
    """Replace the block between ``<!-- bench:LABEL:start -->`` and ``...:end -->`` (appended when missing)."""
    start, end = f"<!-- bench:{label}:start -->", f"<!-- bench:{label}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    content = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(content):
        content = pattern.sub(lambda _m: block, content)
    else:
        content = content.rstrip("\n") + ("\n\n" if content else "") + block + "\n"
    path.write_text(content, encoding="utf-8")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def use_database(url: str) -> None:
    """Point the app (ui.data) at ``url``, with 'today' pinned to the demo data's day."""
    os.environ["KULAKAN_DATABASE_URL"] = url
    os.environ["KULAKAN_TODAY"] = TODAY.isoformat()


def change_data(engine, i: int) -> None:
    """A data change through the app's own write function (the data fingerprint moves): one new aspiration."""
    from db.aspirasi.services import NewAspirasi, create_aspirasi
    from db.auth.roles import Actor

    create_aspirasi(
        engine, Actor("admin.bench", "admin"),
        NewAspirasi(judul=f"[bench] perubahan data {i}", kategori="pju", kelurahan="Sukun"), today=TODAY,
    )  # fmt: skip


def login_state(peran: str = "admin") -> dict:
    """Session state of a logged-in user (what ui.auth.sign_in stores)."""
    return {"username": f"{peran}.bench", "peran": peran, "kecamatan_kode": None, "nama": None,
            "wajib_ganti": False, "terakhir": time.time()}  # fmt: skip


def share_script_cache() -> None:
    """Keep the compiled scripts between AppTest runs, as a server does.

    A Streamlit server holds one ScriptCache for its lifetime: app.py and the page are read, rewritten for
    "magic" and compiled once, then reused by every rerun. AppTest makes a new ScriptCache on every run(),
    so without this each measured rerun would also pay that compilation (~10-25 ms), which no user waits
    for."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    if getattr(app_test, "_bench_shared", False):
        return
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared
    app_test._bench_shared = True


def app_test(page_path: str, peran: str = "admin", timeout: float = 600, state: dict | None = None):
    """A logged-in AppTest of app.py already switched to ``page_path`` (views/...) and run once (the compiled
    scripts kept between runs, as on a server: ``share_script_cache``); ``state``: session state set before the
    page's first run (a lazy tab to open)."""
    from streamlit.testing.v1 import AppTest

    share_script_cache()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.session_state["auth"] = login_state(peran)
    at.run()
    at.switch_page(page_path)
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    check(at)
    return at


def script_test(script: str, timeout: float = 600):
    """An AppTest of a standalone script under bench/ (the naive page), not run yet."""
    from streamlit.testing.v1 import AppTest

    share_script_cache()
    return AppTest.from_file(str(ROOT / script), default_timeout=timeout)


def check(at) -> None:
    if at.exception:
        raise RuntimeError("; ".join(str(e.value) for e in at.exception)[:2000])


def keep_logged_in(at) -> None:
    """Idle timeout of the session: the benchmark's session is always active."""
    if "auth" in at.session_state:
        at.session_state["auth"]["terakhir"] = time.time()


def map_payload_bytes(at) -> int:
    """Bytes the streamlit-folium component sends to the browser: the JSON arguments of its instance(s)
    (map script, header, html, feature groups), as the websocket carries them."""
    return sum(len(e.proto.json_args.encode("utf-8")) for e in at.get("component_instance") if _is_folium(e))


def _is_folium(element) -> bool:
    name = getattr(element.proto, "component_name", "") or ""
    return "folium" in name or '"script"' in element.proto.json_args[:200_000]
