"""Peta Aspirasi through AppTest: numbers equal SQL, filters change them, the URL restores them."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from tests.app.conftest import run_page
from tests.conftest import HOSTILE_KELURAHAN
from tests.hostile import HOSTILE, RAW_MARKERS
from ui.format import format_number
from ui.peta import SELECTED_KEY

pytestmark = pytest.mark.usefixtures("backend")


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def sql_count(engine, where: str = "1=1") -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode WHERE {where}")
        ).scalar()


def map_args(at) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def test_default_view_numbers_equal_sql(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page("views/peta.py")
    assert metric(at, "Cocok dengan filter") == format_number(sql_count(seeded_engine))
    assert metric(at, "Terbuka") == format_number(sql_count(seeded_engine, "a.terbuka"))
    args = map_args(at)
    assert args["feature_group"].count('"kode":') >= 57  # the choropleth of all kelurahan
    assert any("Klik sebuah kelurahan" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("widget", "value", "where"),
    [
        ("kec", ["35.73.02"], "k.kecamatan_kode = '35.73.02'"),
        ("kat", ["sampah"], "a.kategori_id = (SELECT id FROM kategori WHERE kode = 'sampah')"),
        ("status", ["dalam_proses"], "a.status = 'dalam_proses'"),
        ("opd", ["DLH"], "a.opd_id = (SELECT id FROM opd WHERE kode = 'DLH')"),
    ],
)
def test_each_filter_changes_the_numbers(seeded_engine, seeded_url, app_env, widget, value, where):
    app_env(seeded_url)
    at = run_page("views/peta.py")
    before = metric(at, "Cocok dengan filter")
    at.multiselect(key=widget).set_value(value).run()
    assert not at.exception
    expected = format_number(sql_count(seeded_engine, where))
    assert metric(at, "Cocok dengan filter") == expected != before


def test_text_search_and_open_filter(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page("views/peta.py")
    at.text_input(key="q").input("lampu").run()
    assert metric(at, "Cocok dengan filter") == format_number(sql_count(seeded_engine, "LOWER(a.judul) LIKE '%lampu%'"))
    at.segmented_control(key="keadaan").set_value("terbuka").run()
    assert metric(at, "Cocok dengan filter") == format_number(
        sql_count(seeded_engine, "LOWER(a.judul) LIKE '%lampu%' AND a.terbuka")
    )


def test_url_parameters_restore_the_filters(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT, login_state

    at = AppTest.from_file(str(ROOT / "views/peta.py"), default_timeout=60)
    at.session_state["auth"] = login_state("pimpinan")
    at.query_params["kec"] = "Lowokwaru"
    at.query_params["keadaan"] = "Terbuka"
    at.query_params["metrik"] = "Lewat tenggat"
    at.run()
    assert not at.exception
    assert at.multiselect(key="kec").value == ["35.73.05"]
    assert at.selectbox(key="metrik").value == "lewat_tenggat"
    assert metric(at, "Cocok dengan filter") == format_number(
        sql_count(seeded_engine, "k.kecamatan_kode = '35.73.05' AND a.terbuka")
    )
    assert "Lewat tenggat" in " ".join(h.proto.body for h in at.get("html"))  # legend of the chosen metric


def test_empty_result_is_stated(seeded_url, app_env):
    app_env(seeded_url)
    at = run_page("views/peta.py")
    at.text_input(key="q").input("tidak-ada-yang-cocok-xyz").run()
    assert metric(at, "Cocok dengan filter") == "0"
    assert any("Tidak ada aspirasi yang cocok" in w.value for w in at.warning)


def test_hostile_text_is_inert_on_the_map_and_exact_in_the_panel(hostile_url, app_env):
    app_env(hostile_url)
    at = run_page("views/peta.py")
    at.session_state[SELECTED_KEY] = HOSTILE_KELURAHAN
    at.run()
    assert not at.exception
    args = map_args(at)
    payload = args["feature_group"] + args["script"]
    for marker in RAW_MARKERS:
        assert marker not in payload
    # The title is there as a tooltip property: html-escaped, then JSON-escaped by folium (& -> \u0026).
    assert "\\u0026lt;img src=x onerror" in payload
    assert payload.count("img src=x onerror") == payload.count("lt;img src=x onerror")
    # Open aspirations of the clicked kelurahan, oldest first, in a wrapping st.table: its cells are Markdown, so
    # every punctuation mark is backslash-escaped and reads back exactly as written.
    table = at.table[0].value
    shown = [re.sub(r"\\(.)", r"\1", cell) for cell in table["Aspirasi"]]
    assert all(any(f" · {h}" in cell for cell in shown) for h in HOSTILE)
    assert not any(re.search(r"(?<!\\)[<\[!`$]", cell) for cell in table["Aspirasi"])  # no live Markdown/HTML
    assert any(s.proto.body == "Gading Kasri" for s in at.subheader)


def test_a_write_elsewhere_keeps_a_filtered_map_and_one_inside_redraws_it(
    empty_db_url, ready_engine, app_env, monkeypatch
):
    """The map is rebuilt when what it draws changed, not whenever the data version moved: a new aspiration in
    Lowokwaru leaves a map filtered to Klojen as it was (same frame, no rebuild), one in Klojen redraws it
    with the new count."""
    from db.aspirasi.services import NewAspirasi, create_aspirasi
    from db.auth.roles import Actor
    from db.demo.generate import generate_demo
    from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users
    from ui import components

    generate_demo(ready_engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
    create_test_users(ready_engine)
    app_env(empty_db_url)
    monkeypatch.setenv("KULAKAN_SEGAR_DETIK", "0")  # every run reads the fingerprint: each write moves the key
    monkeypatch.setattr(components, "PAYLOADS", components._PayloadCache())
    builds = []
    real = components.build_payload
    monkeypatch.setattr(components, "build_payload", lambda *a: builds.append(1) or real(*a))

    def write(kelurahan: str) -> None:
        staf = Actor("staf.uji", "staf")
        create_aspirasi(ready_engine, staf, NewAspirasi("Lampu PJU padam", "pju", kelurahan), DEMO_TODAY)

    at = run_page("views/peta.py")
    at.multiselect(key="kec").set_value(["35.73.02"]).run()  # Klojen
    before, drawn = metric(at, "Cocok dengan filter"), map_args(at)
    built = len(builds)
    assert built >= 1

    write("35.73.05.1012")  # Tasik Madu, Lowokwaru
    at.run()
    assert not at.exception
    assert metric(at, "Cocok dengan filter") == before
    assert len(builds) == built and map_args(at) == drawn

    write("35.73.02.1010")  # Gading Kasri, Klojen
    at.run()
    assert not at.exception
    assert metric(at, "Cocok dengan filter") == format_number(int(before.replace(".", "")) + 1)
    assert len(builds) == built + 1 and map_args(at)["feature_group"] != drawn["feature_group"]
    assert metric(at, "Cocok dengan filter") == format_number(sql_count(ready_engine, "k.kecamatan_kode = '35.73.02'"))
