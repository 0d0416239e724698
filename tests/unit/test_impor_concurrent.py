"""Issue 12 §5: a big import does not stop anyone else from saving. While a 20,000-row import runs, another
PROCESS saves an aspiration: the save succeeds, and the import still writes all its rows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.impor import TODAY, example_csv
from db.aspirasi.importer import import_aspirasi
from db.auth.roles import Actor
from db.schema import Aspirasi, AspirasiRiwayat

pytestmark = pytest.mark.usefixtures("backend")
ROOT = Path(__file__).resolve().parents[2]

SAVE = """
import datetime as dt
from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import Actor
from db.engine import make_engine
item = NewAspirasi(judul="Disimpan saat impor berjalan", kategori="pju", kelurahan="Sukun")
print(create_aspirasi(make_engine(), Actor("staf.lain", "staf"), item, dt.date(2026, 11, 20)).nomor)
"""


def test_a_save_from_another_process_succeeds_during_a_big_import(ready_engine):
    n = 20_000
    data = example_csv(ready_engine, n, seed=3)
    url = ready_engine.url.render_as_string(hide_password=False)
    halfway = threading.Event()
    saved = threading.Event()
    result: dict = {}

    def progress(done: int, total: int) -> None:
        if done >= total // 2 and not halfway.is_set():
            halfway.set()
            saved.wait(timeout=180)  # the import stays in the middle of its work until the other save is done

    def run() -> None:
        result["report"] = import_aspirasi(ready_engine, Actor("staf.impor", "staf"), data, "besar.csv", TODAY,
                                           progress=progress)  # fmt: skip

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert halfway.wait(timeout=300), "the import never got halfway"
        env = {**os.environ, "KULAKAN_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        other = subprocess.run(
            [sys.executable, "-c", SAVE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        import_still_running = worker.is_alive()
    finally:
        saved.set()
        worker.join(timeout=600)
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip().startswith("ASP-2026-")
    assert import_still_running
    report = result["report"]
    assert report.ok and report.ditambahkan == n
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Aspirasi)) == n + 1
        assert conn.scalar(select(func.count()).select_from(AspirasiRiwayat)) == n + 1
        # Ticket numbers stay unique and gap-free per year, the other save's included.
        nomor = conn.scalars(select(Aspirasi.nomor)).all()
    assert len(set(nomor)) == len(nomor)
    assert other.stdout.strip() in nomor


def test_progress_reports_rows_checked_and_the_lock_is_short(ready_engine):
    calls: list[tuple[int, int]] = []
    data = example_csv(ready_engine, 1_200, seed=5)
    report = import_aspirasi(ready_engine, Actor("staf.impor", "staf"), data, "b.csv", TODAY,
                             progress=lambda d, t: calls.append((d, t)))  # fmt: skip
    assert report.ok and report.ditambahkan == 1_200
    assert calls == [(500, 1_200), (1_000, 1_200), (1_200, 1_200)]
    assert 0 < report.detik_kunci < report.detik_total
