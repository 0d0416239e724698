"""Rotasi Rembuk through AppTest: progress and next host equal the plan and SQL, roles, staff writes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from db.demo.generate import generate_demo
from db.rotasi import data as rotasi_data
from db.schema import Rembuk, RembukKelurahan, RotasiPerubahan
from tests.app.conftest import run_page
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users
from ui.format import format_date
from ui.rotasi import STAFF_TAB

pytestmark = pytest.mark.usefixtures("backend")
PAGE = "views/rotasi.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


TABLES = {  # a column that tells each table apart (AppTest does not expose st.dataframe keys)
    "jadwal": "Lama sejak kunjungan terakhir",  # the first one; the tentative rest follows in an expander
    "dilewati": "Alasan",
    "status": "Hari sejak",
    "riwayat": "Oleh",
}


def table(at, name: str):
    return next(d.value for d in at.dataframe if TABLES[name] in d.value.columns)


def visited_sql(engine, since, until) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT COUNT(DISTINCT rk.kelurahan_kode) FROM rembuk r "
                "JOIN rembuk_kelurahan rk ON rk.rembuk_id = r.id "
                "WHERE r.status = 'terlaksana' AND r.tanggal >= :a AND r.tanggal <= :b"
            ),
            {"a": since, "b": until},
        ).scalar()


@pytest.fixture
def writable_url(empty_db_url, ready_engine):
    """A fresh database with demo data (the test may write): never the shared seeded one."""
    generate_demo(ready_engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
    create_test_users(ready_engine)
    return empty_db_url


def test_progress_and_next_host_equal_the_plan(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    plan = rotasi_data.current_plan(seeded_engine, DEMO_TODAY)
    visited = visited_sql(seeded_engine, plan.cycle_start, DEMO_TODAY)
    assert visited == plan.dikunjungi > 0
    assert metric(at, "Sudah dikunjungi (siklus ini)") == f"{visited} / 57"
    assert metric(at, "Perkiraan siklus selesai") == format_date(plan.expected_end, with_weekday=False)
    assert at.get("progress")[0].proto.value == int(100 * visited / 57)

    jadwal = table(at, "jadwal")
    first = plan.slots[0]
    names = _names(seeded_engine)
    assert jadwal.iloc[0]["Tanggal"] == format_date(first.tanggal, with_weekday=False)
    assert jadwal.iloc[0]["Kelurahan"] == names[first.kelurahan[0]]
    skor = plan.skor[first.kelurahan[0]]
    assert jadwal.iloc[0]["Skor"] == pytest.approx(skor.total)
    assert jadwal.iloc[0]["Lama sejak kunjungan terakhir"] == pytest.approx(skor.parts["hari"])

    status = table(at, "status")
    assert len(status) == 57
    assert (status["Status"] == "Sudah dikunjungi").sum() == visited
    assert (status["Status"] == "Berikutnya").sum() == len(first.kelurahan)

    skipped = table(at, "dilewati")
    assert list(skipped["Alasan"]) == [x.alasan for x in plan.dilewati]
    assert "Hari Raya Natal" in set(skipped["Alasan"])

    # The map: one GeoJson of the 57 kelurahan, coloured by state.
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert args["feature_group"].count('"kode":') == 57


def _names(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT kode, nama FROM kelurahan")).tuples().all())


def test_pimpinan_sees_no_staff_actions(seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    assert at.get("form") == []
    assert not [b for b in at.button if b.label == "Konfirmasi tuan rumah"]
    assert "Kelola jadwal" not in [s.value for s in at.subheader]
    staf = run_page(PAGE, peran="staf")
    assert "Kelola jadwal" in [s.value for s in staf.subheader]
    # Only the open tab of "Kelola jadwal" runs: one form at a time, each tab its own.
    assert [f.proto.form.form_id for f in staf.get("form")] == ["rotasi_konfirmasi"]
    for tab, form in (("Tetapkan", "rotasi_pin"), ("Tukar", "rotasi_tukar"), ("Batalkan", "rotasi_batal"),
                      ("Tunda", "rotasi_tunda")):  # fmt: skip
        staf.session_state[STAFF_TAB] = tab
        staf.run()
        assert [f.proto.form.form_id for f in staf.get("form")] == [form], tab
    assert not [e for e in staf.expander if "Pengaturan rotasi" in e.label]  # settings: admin only
    admin = run_page(PAGE, peran="admin")
    assert [e for e in admin.expander if "Pengaturan rotasi" in e.label]


def test_staf_confirm_pin_and_errors_write_rows(writable_url, ready_engine, app_env):
    app_env(writable_url)
    plan = rotasi_data.current_plan(ready_engine, DEMO_TODAY)
    names = _names(ready_engine)
    at = run_page(PAGE, peran="staf")

    # Confirm the first planned Friday not confirmed yet: a 'dijadwalkan' rembuk with the planned hosts.
    slot = next(s for s in plan.slots if not s.pinned and s.kelurahan)
    at.selectbox(key="konf_tanggal").set_value(slot.tanggal)
    at.button(key="konf_kirim").click().run()
    assert not at.exception
    with ready_engine.connect() as conn:
        rows = conn.execute(
            select(Rembuk.status, RembukKelurahan.kelurahan_kode)
            .join(RembukKelurahan, RembukKelurahan.rembuk_id == Rembuk.id)
            .where(Rembuk.tanggal == slot.tanggal)
        ).all()
    assert sorted(k for _, k in rows) == sorted(slot.kelurahan)
    assert {s for s, _ in rows} == {"dijadwalkan"}
    assert any("dikonfirmasi" in s.value for s in at.success)

    # Pin a kelurahan not visited yet to the last Friday of the horizon.
    _, df = rotasi_data.current_status(ready_engine, DEMO_TODAY)
    kode = df[df["status"] == "belum"]["kode"].iloc[-1]
    day = plan.slots[-1].tanggal
    at.session_state[STAFF_TAB] = "Tetapkan"
    at.run()
    at.selectbox(key="pin_tanggal").set_value(day)
    at.selectbox(key="pin_kelurahan").set_value(kode)
    at.text_input(key="pin_catatan").input("Permintaan camat")
    at.button(key="pin_kirim").click().run()
    assert not at.exception
    with ready_engine.connect() as conn:
        pins = conn.execute(select(RotasiPerubahan)).mappings().all()
    assert [(p["jenis"], p["tanggal"], p["kelurahan_kode"], p["oleh"], p["aktif"]) for p in pins] == [
        ("pin", day, kode, "staf.uji", True)
    ]
    assert pins[0]["catatan"] == "Permintaan camat"
    assert kode in rotasi_data.current_plan(ready_engine, DEMO_TODAY).hosts_on(day)
    jadwal = table(at, "jadwal")
    assert names[kode] in set(jadwal[jadwal["Tanggal"] == format_date(day, with_weekday=False)]["Kelurahan"])
    riwayat = table(at, "riwayat")
    assert list(riwayat["Oleh"]) == ["staf.uji"] and list(riwayat["Kelurahan"]) == [names[kode]]

    # A holiday Friday is refused with the service's message, shown as an error (no traceback).
    natal = next(x.tanggal for x in plan.dilewati if x.alasan == "Hari Raya Natal")
    at.selectbox(key="pin_tanggal").set_value(natal)
    at.selectbox(key="pin_kelurahan").set_value(kode)
    at.button(key="pin_kirim").click().run()
    assert not at.exception
    assert any("hari libur" in e.value and "Natal" in e.value for e in at.error)
    with ready_engine.connect() as conn:
        assert conn.scalar(select(text("COUNT(*)")).select_from(RotasiPerubahan)) == 1

    # Withdraw the pin: still recorded, no longer active.
    at.session_state[STAFF_TAB] = "Tarik perubahan"
    at.run()
    at.selectbox(key="tarik_id").set_value(pins[0]["id"])
    at.button(key="tarik_kirim").click().run()
    assert not at.exception
    with ready_engine.connect() as conn:
        assert conn.scalar(select(RotasiPerubahan.aktif).where(RotasiPerubahan.id == pins[0]["id"])) is False


def test_admin_saves_settings(writable_url, ready_engine, app_env):
    app_env(writable_url)
    at = run_page(PAGE, peran="admin")
    at.number_input(key="set_per_jumat").set_value(2)
    at.number_input(key="set_horizon").set_value(8)
    at.button(key="set_kirim").click().run()
    assert not at.exception
    saved = rotasi_data.load_settings(ready_engine)
    assert (saved.per_jumat, saved.horizon_minggu) == (2, 8)
    plan = rotasi_data.current_plan(ready_engine, DEMO_TODAY)
    jadwal = table(at, "jadwal")
    assert len(jadwal) == sum(len(s.kelurahan) or 1 for s in plan.slots)
