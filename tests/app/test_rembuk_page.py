"""Rembuk Jumat through AppTest: version conflicts keep the input, janji history, quick capture, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.auth.roles import SYSTEM
from db.demo.generate import generate_demo
from db.rembuk import brief as rembuk_brief
from db.rembuk import janji as rembuk_janji
from db.rembuk import records as rembuk_records
from db.schema import Aspirasi
from tests.app.conftest import run_page
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users

pytestmark = pytest.mark.usefixtures("backend")
PAGE = "views/rembuk.py"


@pytest.fixture
def writable_url(empty_db_url, ready_engine):
    """A fresh database with demo data (the test may write): never the shared seeded one."""
    generate_demo(ready_engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
    create_test_users(ready_engine)
    return empty_db_url


def todays_rembuk(engine) -> rembuk_records.RembukData:
    df = rembuk_records.list_rembuk(engine, DEMO_TODAY, DEMO_TODAY)
    return rembuk_records.get_rembuk(engine, int(df.iloc[0]["id"]))


def test_the_record_of_todays_rembuk_is_shown(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    r = todays_rembuk(seeded_engine)
    assert at.selectbox(key="rembuk_id").value == r.id
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Hadir RT"] == str(r.hadir_rt) and metrics["Hadir warga"] == str(r.hadir_warga)
    assert any(", ".join(r.opd_hadir) in m.value for m in at.markdown)
    listed = next(d.value for d in at.dataframe if "Tuan rumah" in d.value.columns)
    assert len(listed) == len(rembuk_records.list_rembuk(seeded_engine, *_period()))
    # Read-only for the pimpinan: no form at all, no capture.
    assert at.get("form") == []
    at.session_state["rembuk_tab"] = "Aspirasi"  # only the open tab runs
    at.run()
    assert any("hanya untuk staf" in c.value for c in at.caption)
    # The host brief: the host's last rembuk before today.
    at.session_state["rembuk_tab"] = "Brief tuan rumah"
    at.run()
    brief = rembuk_brief.host_brief(seeded_engine, r.tuan_rumah[0], DEMO_TODAY)
    assert any(f"#### {brief.nama}" in m.value for m in at.markdown)


def _period():
    import datetime as dt

    return DEMO_TODAY - dt.timedelta(days=365), DEMO_TODAY + dt.timedelta(days=120)


def test_version_conflict_keeps_the_users_input(writable_url, ready_engine, app_env):
    app_env(writable_url)
    at = run_page(PAGE, peran="staf")
    r = todays_rembuk(ready_engine)
    field = f"ed_{r.id}_catatan"
    mine = "Catatan saya: warga RW 03 minta lampu jalan"
    at.text_area(key=field).input(mine)
    at.number_input(key=f"ed_{r.id}_warga").set_value(77)
    # Meanwhile a colleague saves the same record.
    rembuk_records.record_rembuk(
        ready_engine, SYSTEM, r.tanggal, r.tuan_rumah, r.status, hadir_warga=60,
        catatan="Diubah rekan", rembuk_id=r.id, expected_version=r.version, today=DEMO_TODAY,
    )  # fmt: skip
    at.button(key="ed_simpan").click().run()
    assert not at.exception
    assert any("telah diubah oleh pengguna lain" in e.value for e in at.error)
    assert at.text_area(key=field).value == mine  # nothing typed is lost
    assert at.number_input(key=f"ed_{r.id}_warga").value == 77
    stored = rembuk_records.get_rembuk(ready_engine, r.id)
    assert (stored.catatan, stored.hadir_warga) == ("Diubah rekan", 60)  # nothing overwritten

    # Reloading takes the colleague's version; saving on top of it then works.
    at.button(key="ed_muat").click().run()
    assert at.text_area(key=field).value == "Diubah rekan"
    at.text_area(key=field).input(mine)
    at.button(key="ed_simpan").click().run()
    assert not at.exception and not at.error
    stored = rembuk_records.get_rembuk(ready_engine, r.id)
    assert stored.catatan == mine and stored.version == r.version + 2
    assert any("disimpan" in s.value for s in at.success)


def test_janji_update_writes_history(writable_url, ready_engine, app_env):
    app_env(writable_url)
    at = run_page(PAGE, peran="staf", state={"rembuk_tab": "Janji"})
    r = todays_rembuk(ready_engine)
    before_janji = len(rembuk_janji.janji_of_rembuk(ready_engine, r.id, DEMO_TODAY))
    # Add one through the form first.
    at.text_area(key="jb_teks").input("Normalisasi saluran RW 02 oleh DPUPRPKP")
    at.selectbox(key="jb_opd").set_value("DPUPRPKP")
    at.button(key="jb_simpan").click().run()
    assert not at.exception and not at.error
    janji = rembuk_janji.janji_of_rembuk(ready_engine, r.id, DEMO_TODAY)
    assert len(janji) == before_janji + 1
    new = janji.iloc[-1]
    assert (new["teks"], new["opd"], new["kelurahan_kode"], new["status"]) == (
        "Normalisasi saluran RW 02 oleh DPUPRPKP", "DPUPRPKP", r.tuan_rumah[0], "belum"
    )  # fmt: skip
    assert at.text_area(key="jb_teks").value == ""
    jid = int(new["id"])
    at.selectbox(key="janji_pilih").set_value(jid).run()
    before = len(rembuk_janji.janji_history(ready_engine, jid))
    at.slider(key=f"jn_{jid}_progres").set_value(45)
    at.selectbox(key=f"jn_{jid}_status").set_value("proses")
    at.text_input(key=f"jn_{jid}_catatan").input("Survei lokasi oleh DPUPRPKP")
    at.button(key="jn_simpan").click().run()
    assert not at.exception and not at.error
    hist = rembuk_janji.janji_history(ready_engine, jid)
    assert len(hist) == before + 1
    last = hist.iloc[-1]
    assert (last["progres"], last["status"], last["oleh"], last["catatan"]) == (
        45, "proses", "staf.uji", "Survei lokasi oleh DPUPRPKP"
    )  # fmt: skip
    shown = next(d.value for d in at.dataframe if "Oleh" in d.value.columns)
    assert list(shown["Catatan"])[-1] == "Survei lokasi oleh DPUPRPKP"
    table = next(d.value for d in at.dataframe if "Janji" in d.value.columns and "Progres" in d.value.columns)
    assert 45 in set(table["Progres"])

    # A stale version (someone else updated meanwhile) is refused with the message.
    jid2 = jid
    version = int(rembuk_janji.janji_of_rembuk(ready_engine, r.id, DEMO_TODAY).set_index("id").at[jid2, "version"])
    at.slider(key=f"jn_{jid2}_progres").set_value(60)
    rembuk_janji.update_janji(ready_engine, SYSTEM, jid2, version, 70, "proses", "rekan")
    at.button(key="jn_simpan").click().run()
    assert any("telah diubah oleh pengguna lain" in e.value for e in at.error)
    assert at.slider(key=f"jn_{jid2}_progres").value == 60
    assert rembuk_janji.janji_history(ready_engine, jid2).iloc[-1]["progres"] == 70  # the colleague's stays


def test_quick_capture_creates_an_aspirasi_of_this_rembuk(writable_url, ready_engine, app_env):
    app_env(writable_url)
    at = run_page(PAGE, peran="staf", state={"rembuk_tab": "Aspirasi"})
    r = todays_rembuk(ready_engine)
    assert at.selectbox(key="cap_kelurahan").value == r.tuan_rumah[0]

    # Without a title: the message beside the field, nothing saved.
    at.selectbox(key="cap_kategori").set_value("jalan_rusak")
    at.button(key="cap_simpan").click().run()
    assert any(e.value == "Judul wajib diisi." for e in at.error)

    at.text_input(key="cap_judul").input("Jalan berlubang depan balai RW")
    at.number_input(key="cap_rw").set_value(2)
    at.selectbox(key="cap_sumber").set_value("RW")
    at.button(key="cap_simpan").click().run()
    assert not at.exception
    with ready_engine.connect() as conn:
        row = conn.execute(
            select(Aspirasi.nomor, Aspirasi.kelurahan_kode, Aspirasi.kanal, Aspirasi.rw, Aspirasi.sumber).where(
                Aspirasi.rembuk_id == r.id, Aspirasi.judul == "Jalan berlubang depan balai RW"
            )
        ).one()
    assert row.kelurahan_kode == r.tuan_rumah[0] and row.kanal == "rembuk" and row.rw == 2 and row.sumber == "RW"
    assert any(s.value == f"{row.nomor} tersimpan." for s in at.success)
    assert at.text_input(key="cap_judul").value == ""  # ready for the next one
    assert at.selectbox(key="cap_kategori").value == "jalan_rusak"  # the rest stays
    assert not at.error
