"""The data fingerprint: read once per script run whichever page and however many components ask, and shared
by the sessions of a process for KULAKAN_SEGAR_DETIK seconds unless a session wrote or just opened the app."""

from __future__ import annotations

import pytest

from tests.app.conftest import run_page
from ui import data

pytestmark = pytest.mark.usefixtures("backend")


@pytest.mark.parametrize("page", ["views/admin.py", "views/bimtek.py", "views/rotasi.py", "views/mode_rembuk.py"])
def test_one_fingerprint_query_per_run(seeded_url, app_env, monkeypatch, page):
    app_env(seeded_url)
    monkeypatch.setenv("KULAKAN_SEGAR_DETIK", "0")  # every run reads it; the window is tested below
    calls = []
    real = data.get_fingerprint

    def counting(engine):
        calls.append(1)
        return real(engine)

    monkeypatch.setattr(data, "get_fingerprint", counting)
    at = run_page(peran="admin")
    at.switch_page(page)
    for _ in range(2):
        calls.clear()
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(calls) == 1, f"{page}: {len(calls)} fingerprint queries in one run"


# ----------------------------------------------------------------- the shared fingerprint (KULAKAN_SEGAR_DETIK)


@pytest.fixture
def frozen(monkeypatch):
    """A 5-second window, an empty process memo and a clock the test moves (list of one float)."""
    monkeypatch.setenv("KULAKAN_SEGAR_DETIK", "5")
    monkeypatch.setattr(data, "_SHARED", {})
    clock = [1000.0]
    monkeypatch.setattr(data, "_clock", lambda: clock[0])
    return clock


def _reached(at) -> str:
    return next(m.value for m in at.metric if m.label == "Kelurahan terjangkau bimtek")


def test_a_change_written_elsewhere_shows_within_the_window(ready_engine, app_env, frozen):
    """Another process's (or session's) write shows on an open page once the window has passed; a
    session that opens the app (a new tab, a reload) reads the fingerprint at once."""
    import datetime as dt

    from db.auth.roles import Actor
    from db.bimtek import services as bimtek_services
    from db.bimtek.importer import import_peserta

    staf = Actor("siti.staf", "staf")
    app_env(ready_engine.url.render_as_string(hide_password=False))
    bid = bimtek_services.create_bimtek(
        ready_engine, staf, bimtek_services.BimtekData("Bimtek Uji", dt.date(2026, 11, 12))
    )
    header = "Nama;Jabatan;Kelurahan;RW;RT;Hadir\n"

    def attend(kelurahan: str) -> None:  # through its own engine, outside any page: another process
        assert import_peserta(
            ready_engine, staf, bid, f"{header}Budi;Ketua RT;{kelurahan};3;2;ya\n".encode(), "a.csv"
        ).ok

    attend("Gadingasri")
    at = run_page()
    assert _reached(at) == "1/57"
    attend("Tunjungsekar")
    frozen[0] += 4.9
    at.run()
    assert _reached(at) == "1/57"  # read 4.9 s ago: not yet
    frozen[0] += 0.2
    at.run()
    assert _reached(at) == "2/57"

    attend("Sukun")
    assert _reached(at.run()) == "2/57"
    assert _reached(run_page()) == "3/57"  # a new session reads at once (and shares what it read)
    assert _reached(at.run()) == "3/57"


def test_a_session_sees_its_own_write_on_the_next_run(ready_engine, app_env, frozen):
    """Within the window (the clock never moves here), a write this session made through the app
    (any INSERT/UPDATE/DELETE on the app's engine from its script run) shows on its next page."""
    app_env(ready_engine.url.render_as_string(hide_password=False))
    at = run_page()
    assert _metric(at, "Aspirasi total") == "0"
    at.switch_page("views/aspirasi.py").run()
    at.segmented_control(key="bagian").set_value("Catat baru").run()
    at.selectbox(key="f_kategori").set_value("pju").run()
    at.text_input(key="f_judul").input("Lampu jalan mati di gang 3").run()
    at.selectbox(key="f_kelurahan").set_value("35.73.02.1010").run()
    next(b for b in at.button if b.label == "Simpan aspirasi").click().run()
    assert not at.exception
    assert any("tersimpan" in s.value for s in at.success)
    at.switch_page("views/beranda.py").run()
    assert _metric(at, "Aspirasi total") == "1"


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)
