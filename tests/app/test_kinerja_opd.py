"""Kinerja OPD through AppTest: the numbers on screen equal SQL, links open exactly those rows,
scoped staff see their kecamatan only, pimpinan see no personal data."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import text
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from db.kinerja import periods as kinerja_periods
from db.kinerja import scorecard as kinerja_scorecard
from tests.app.conftest import ROOT, login_state, run_page
from tests.conftest import DEMO_TODAY
from ui.format import format_number

pytestmark = pytest.mark.usefixtures("backend")
PAGE = "views/kinerja_opd.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def links(at) -> dict[str, str]:
    """'Lihat N aspirasi di X' -> its URL (in-app page links; plain links when the page runs alone)."""
    out = {}
    for pl in at.get("page_link"):
        if pl.proto.label.startswith("Lihat "):
            out.setdefault(pl.proto.label, f"{pl.proto.page}?{pl.proto.query_string}")
    for m in at.markdown:
        for label, href in re.findall(r"\[([^\]]+)\]\(([^)]+)\)", m.value):
            out.setdefault(label, href)
    return out


def run_kinerja(peran: str, kecamatan: str | None = None) -> AppTest:
    """The page through the whole app (app.py, navigation, then the page), as ``peran``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth"] = login_state(peran, kecamatan_kode=kecamatan)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sql_lewat_per_opd(engine, kec: str | None = None) -> dict[str, int]:
    where = "AND k.kecamatan_kode = :kec" if kec else ""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.kode, COUNT(*) FROM aspirasi a JOIN opd o ON o.id = a.opd_id "
                "JOIN kelurahan k ON k.kode = a.kelurahan_kode "
                f"WHERE a.terbuka AND a.tenggat < :today {where} GROUP BY o.kode"
            ),
            {"today": DEMO_TODAY, "kec": kec},
        ).all()
    return dict(rows)


def sql_diterima(engine, opd: str, dari, sampai) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT COUNT(*) FROM aspirasi a JOIN opd o ON o.id = a.opd_id WHERE o.kode = :opd "
                "AND a.tanggal_diterima BETWEEN :d AND :s"
            ),
            {"opd": opd, "d": dari, "s": sampai},
        ).scalar()


def test_scorecard_on_screen_equals_sql_and_links_go_to_peta_for_pimpinan(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_kinerja("pimpinan")
    assert any(pl.proto.label.startswith("Lihat ") for pl in at.get("page_link"))  # in-app links
    table = at.dataframe[0].value
    lewat = sql_lewat_per_opd(seeded_engine)
    assert dict(zip(table["OPD"], table["Lewat tenggat"], strict=True)) == {
        o: format_number(lewat.get(o, 0)) for o in table["OPD"]
    }
    assert "sampel kecil" in set(table["Peringkat"]) or table["Peringkat"].str.isdigit().all()
    opd = table["OPD"].iloc[0]  # the selected OPD defaults to the first of the ranking
    assert metric(at, "Lewat tenggat") == format_number(lewat.get(opd, 0))
    p = kinerja_periods.period("bulan_ini", DEMO_TODAY)
    assert metric(at, "Diterima") == format_number(sql_diterima(seeded_engine, opd, p.dari, p.sampai))
    href = links(at)[f"Lihat {format_number(lewat.get(opd, 0))} aspirasi di Peta Aspirasi"]
    assert href.startswith("peta?") and "ukur=Lewat+tenggat" in href and f"opd={opd}" in href
    # Definitions beside the numbers.
    helps = {m.label: m.proto.help for m in at.metric}
    assert "tenggat" in helps["Lewat tenggat"] and "hari kerja" in helps["Tepat waktu %"]
    # No personal data anywhere on the page for pimpinan.
    with seeded_engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT DISTINCT pelapor_nama FROM aspirasi LIMIT 300"))]
    shown = " ".join(str(e.value) for e in at.markdown) + " ".join(df.value.to_string() for df in at.dataframe)
    assert not any(n and n in shown for n in names)


def _follow(href: str, peran: str, kecamatan: str | None = None) -> AppTest:
    """Open the page a link points to, with its query string, as ``peran``."""
    parts = urlsplit(href)
    at = AppTest.from_file(str(ROOT / f"views/{parts.path}.py"), default_timeout=60)
    at.session_state["auth"] = login_state(peran, kecamatan_kode=kecamatan)
    for k, v in parse_qsl(parts.query):
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_staff_links_open_aspirasi_with_exactly_the_counted_rows(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_kinerja("staf")
    found = {label: href for label, href in links(at).items() if label.startswith("Lihat ")}
    assert found and all(h.startswith("aspirasi?") for h in found.values())
    for label, href in found.items():
        n = re.match(r"Lihat ([\d.]+) ", label).group(1)
        target = _follow(href, "staf")
        assert metric(target, "Hasil") == n, (label, href)


def test_lewat_tenggat_link_on_peta_shows_the_same_count(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")  # the page alone: plain links with the same address
    n = metric(at, "Lewat tenggat")
    href = links(at)[f"Lihat {n} aspirasi di Peta Aspirasi"]
    peta = _follow(href, "pimpinan")
    assert metric(peta, "Lewat tenggat") == n and metric(peta, "Cocok dengan filter") == n


def test_scoped_staff_see_their_kecamatan_only(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_kinerja("staf", kecamatan="35.73.02")
    table = at.dataframe[0].value
    lewat = sql_lewat_per_opd(seeded_engine, kec="35.73.02")
    assert dict(zip(table["OPD"], table["Lewat tenggat"], strict=True)) == {
        o: format_number(lewat.get(o, 0)) for o in table["OPD"]
    }
    href = next(h for label, h in links(at).items() if label.startswith("Lihat "))
    assert "kec=Klojen" in href


def test_period_choice_changes_the_numbers(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, peran="admin")
    opd = at.dataframe[0].value["OPD"].iloc[0]
    at.selectbox(key="kopd").set_value(opd)
    at.segmented_control(key="periode").set_value("tahun_ini").run()
    assert not at.exception
    p = kinerja_periods.period("tahun_ini", DEMO_TODAY)
    assert metric(at, "Diterima") == format_number(sql_diterima(seeded_engine, opd, p.dari, p.sampai))
    assert any("Pengaturan kinerja" in e.label for e in at.expander)


def test_trend_and_map_sections_render(seeded_url, app_env):
    import json

    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    at.segmented_control(key="bagian").set_value("Tren").run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == 2
    flat = json.dumps(specs)
    assert "replace(format(datum.value" in flat  # Indonesian numbers on the axes
    for spec in specs:  # Indonesian month labels, oldest first
        order = spec["encoding"]["x"]["sort"]
        assert order[-1] == "Nov 2026" and "Agu 2026" in order and len(order) == 12
    at.segmented_control(key="bagian").set_value("Peta").run()
    assert not at.exception
    (component,) = at.get("component_instance")
    assert json.loads(component.proto.json_args)["feature_group"].count('"kode":') >= 57


def test_rembuk_record_compares_opd_yang_perlu_hadir_with_who_came(seeded_engine, seeded_url, app_env):
    from db.rembuk import brief as rembuk_brief
    from db.rembuk import records as rembuk_records

    app_env(seeded_url)
    at = run_page("views/rembuk.py", peran="pimpinan")
    r = rembuk_records.get_rembuk(seeded_engine, at.selectbox(key="rembuk_id").value)
    perlu = kinerja_scorecard.opd_needed_at_rembuk(seeded_engine, r.tuan_rumah, min(r.tanggal, DEMO_TODAY))
    assert len(perlu)  # the demo host has open items
    text_md = "\n".join(m.value for m in at.markdown)
    assert "OPD yang perlu hadir" in text_md
    if r.status == "terlaksana":
        k = kinerja_scorecard.compare_attendance(perlu["opd"], r.opd_hadir)
        assert f"Tidak hadir: {', '.join(k.tidak_hadir) or '–'}" in text_md
    else:
        assert ", ".join(perlu["opd"]) in text_md
    # The host brief lists them with their counts (its tab runs once opened).
    at.session_state["rembuk_tab"] = "Brief tuan rumah"
    at.run()
    text_md = "\n".join(m.value for m in at.markdown)
    b = rembuk_brief.host_brief(seeded_engine, r.tuan_rumah[0], min(r.tanggal, DEMO_TODAY))
    first = b.opd_perlu_hadir.iloc[0]
    assert f"{first['opd']} ({format_number(first['terbuka'])} terbuka" in text_md


def test_no_change_is_grey_without_an_arrow(seeded_url, app_env):
    """'sama dengan periode lalu' is neither good nor bad: not a green arrow up, nor a red one on inverse cards."""
    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    deltas = [(m.label, m.proto.delta, m.proto.color, m.proto.direction) for m in at.metric if m.proto.delta]
    same = [d for d in deltas if d[1] == "sama dengan periode lalu"]
    changed = [d for d in deltas if d[1] != "sama dengan periode lalu"]
    assert same and changed, deltas  # the demo data has both on the first OPD
    for label, _delta, color, direction in same:
        assert (color, direction) == (MetricProto.MetricColor.GRAY, MetricProto.MetricDirection.NONE), label
    assert all(color != MetricProto.MetricColor.GRAY for _l, _d, color, _dir in changed), changed


def test_column_groups_show_every_measure_and_fit(seeded_url, app_env):
    """The scorecard shows one group of measures at a time (15 columns do not fit a projector); together the
    groups show every column of the table, and each keeps Peringkat and OPD in front."""
    from ui.kinerja import COLUMN_GROUPS

    app_env(seeded_url)
    at = run_page(PAGE, peran="pimpinan")
    every = list(at.dataframe[0].value.columns)
    shown = {}
    for group in COLUMN_GROUPS:
        at.segmented_control(key="kinerja_kolom").set_value(group).run()
        assert not at.exception
        order = list(at.dataframe[0].proto.column_order)
        assert order[:2] == ["Peringkat", "OPD"]
        assert len(order) <= 9, (group, order)
        shown[group] = order[2:]
    assert sorted(c for cols in shown.values() for c in cols) == sorted(every[2:])
    assert shown["Janji rembuk"] == ["Janji dibuat", "Janji ditepati tepat waktu", "Janji lewat tenggat"]
