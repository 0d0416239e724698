"""Mode Rembuk through AppTest: today's host, live counts, and no personal data anywhere on the page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.demo.generate import generate_demo
from db.format import format_date
from db.rembuk import mode as rembuk_mode
from db.rembuk import records as rembuk_records
from db.schema import Aspirasi, BimtekPeserta, Kelurahan
from tests.app.conftest import run_page
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users

pytestmark = pytest.mark.usefixtures("backend")
PAGE = "views/mode_rembuk.py"


@pytest.fixture
def writable_url(empty_db_url, ready_engine):
    generate_demo(ready_engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
    create_test_users(ready_engine)
    return empty_db_url


def html_text(at) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def metric(at, label: str) -> str:
    """The big number under ``label`` on the slide (HTML blocks; tags inside the value dropped)."""
    m = re.search(rf"data-kpi='{re.escape(label)}'><div class='l'>[^<]*</div><div class='v'>(.*?)</div>", html_text(at))
    assert m, f"no number labelled {label!r} on the slide"
    return re.sub(r"<[^>]+>", "", m.group(1))


def all_text(at) -> str:
    """Every element's full message: markdown, metric values, dataframe bytes, chart specs, map args."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
            if hasattr(proto, "json_args") and proto.json_args:
                parts.append(json.dumps(json.loads(proto.json_args), ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def test_todays_host_is_the_planned_one(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    (kode, *_) = rembuk_records.todays_host(seeded_engine, DEMO_TODAY)
    with seeded_engine.connect() as conn:
        nama = conn.scalar(select(Kelurahan.nama).where(Kelurahan.kode == kode))
    assert at.selectbox(key="kel").value == kode
    assert at.title[0].value == f"Kelurahan {nama}"
    m = rembuk_mode.mode_rembuk_data(seeded_engine, kode, DEMO_TODAY)
    assert metric(at, "Aspirasi terbuka") == str(m.terbuka)
    assert metric(at, "Masuk hari ini") == str(m.hari_ini)
    assert metric(at, "Bimtek RW") == f"{m.bimtek.rw_terlatih}/{m.bimtek.rw_total}"
    # The map of that kelurahan: its outline and one point per RW.
    (component,) = at.get("component_instance")
    args = json.loads(component.proto.json_args)
    assert f'"kode": "{kode}"' in args["feature_group"] or f'"kode":"{kode}"' in args["feature_group"]
    assert len(re.findall(r'"rw": ?"RW \d\d"', args["feature_group"])) == len(m.titik_rw) > 0
    # Open aspirations per category, largest first, with their counts.
    top = m.terbuka_per_kategori.iloc[0]
    assert f"<div class='k'>{top['kategori']}</div>" in html_text(at)
    # It says which Friday's rembuk this is (a Friday: today's).
    assert f"Rembuk Jumat, {DEMO_TODAY.day} November {DEMO_TODAY.year}" in html_text(at)


def test_on_a_wednesday_it_names_the_coming_friday(seeded_engine, seeded_url, app_env, monkeypatch):
    app_env(seeded_url)
    rabu = DEMO_TODAY - dt.timedelta(days=2)
    assert rabu.weekday() == 2
    monkeypatch.setenv("KULAKAN_TODAY", rabu.isoformat())
    jumat, hosts = rembuk_records.next_rembuk_hosts(seeded_engine, rabu)
    assert jumat.weekday() == 4 and jumat > rabu and hosts
    at = run_page(PAGE, peran="pimpinan")
    assert at.selectbox(key="kel").value == hosts[0]
    text = html_text(at)
    assert f"Rembuk {format_date(jumat)}" in text and format_date(jumat).startswith("Jumat, ")
    assert "tuan rumah hari ini" not in text


def test_choosing_another_kelurahan(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    at.selectbox(key="kel").set_value("35.73.05.1012").run()
    assert at.title[0].value == "Kelurahan Tasik Madu"
    m = rembuk_mode.mode_rembuk_data(seeded_engine, "35.73.05.1012", DEMO_TODAY)
    assert metric(at, "Total aspirasi") == str(m.total)


def test_captured_aspiration_raises_the_count(writable_url, ready_engine, app_env, monkeypatch):
    """Staff capture at their own desk; the projector shows it once the fresh window has passed
    (KULAKAN_SEGAR_DETIK; tests/app/test_data_key.py), on its next auto-refresh."""
    from db.auth.roles import Actor
    from ui import data

    app_env(writable_url)
    clock = [1000.0]
    monkeypatch.setattr(data, "_clock", lambda: clock[0])
    monkeypatch.setattr(data, "_SHARED", {})
    at = run_page(PAGE, peran="pimpinan")
    kode = rembuk_records.todays_host(ready_engine, DEMO_TODAY)[0]
    m = rembuk_mode.mode_rembuk_data(ready_engine, kode, DEMO_TODAY)
    assert m.rembuk_hari_ini is not None
    before = int(metric(at, "Masuk hari ini"))
    open_before = int(metric(at, "Aspirasi terbuka"))
    assert before == m.hari_ini
    create_aspirasi(
        ready_engine,
        Actor("staf.uji", "staf"),
        NewAspirasi(
            judul="Lampu PJU padam di gang 3",
            kategori="pju",
            kelurahan=kode,
            sumber="RT",
            kanal="rembuk",
            rw=1,
            rt=1,
            tanggal_diterima=DEMO_TODAY,
            rembuk_id=m.rembuk_hari_ini,
        ),
        DEMO_TODAY,
    )
    clock[0] += data.fresh_seconds()
    at.run()
    assert not at.exception
    assert int(metric(at, "Masuk hari ini")) == before + 1
    assert int(metric(at, "Aspirasi terbuka")) == open_before + 1


def test_no_personal_data_on_the_page(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    kode = at.selectbox(key="kel").value
    with seeded_engine.connect() as conn:
        reporters = conn.execute(
            select(Aspirasi.pelapor_nama, Aspirasi.pelapor_telepon).where(Aspirasi.kelurahan_kode == kode)
        ).all()
        peserta = conn.scalars(select(BimtekPeserta.nama).where(BimtekPeserta.kelurahan_kode == kode)).all()
    personal = {v for row in reporters for v in row if v} | set(peserta)
    assert len(personal) > 5, "the demo must hold personal data for this kelurahan, or the test proves nothing"
    text = all_text(at)
    # The collector really sees the content (else the check below would pass vacuously).
    m = rembuk_mode.mode_rembuk_data(seeded_engine, kode, DEMO_TODAY)
    assert m.nama in text and m.kecamatan in text
    if len(m.janji_terakhir):
        assert m.janji_terakhir.iloc[0]["teks"] in text  # dataframe cells are included
    if len(m.terbuka_per_kategori):
        assert m.terbuka_per_kategori.iloc[0]["kategori"] in text  # the chart spec is included
    leaked = sorted(v for v in personal if v in text)
    assert leaked == []


def test_detail_slide_lists_the_opd_that_should_attend(seeded_engine, seeded_url, app_env):
    """Kinerja OPD's "OPD yang perlu hadir" for the host kelurahan, on the Rincian slide, equal to the query."""
    from db.kinerja.scorecard import opd_needed_at_rembuk

    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    at.selectbox(key="kel").set_value("35.73.05.1012").run()
    at.segmented_control(key="slide").set_value("Rincian").run()
    expected = opd_needed_at_rembuk(seeded_engine, "35.73.05.1012", DEMO_TODAY)
    assert not expected.empty  # the demo kelurahan has open items: the block must list someone
    block = re.search(r"data-blok='perlu-hadir'>(.*?)</table>", html_text(at), re.S)
    assert block, "no 'OPD yang perlu hadir' block on the detail slide"
    shown = re.findall(r"<tr><td>([^<]*)</td>", block.group(1))
    assert shown == list(expected["opd"])
