"""The Bimtek page through AppTest on the seeded database: chart data and numbers equal SQL; filters change them."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.app.conftest import login_state, run_page
from ui.format import format_number, format_percent

pytestmark = pytest.mark.usefixtures("backend")

PAGE = "views/bimtek.py"
KLOJEN = "35.73.02"
GADING_KASRI = "35.73.02.1010"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def chart(at, title: str) -> pd.DataFrame:
    """The data an Altair chart on the page draws (decoded from what is sent to the browser)."""
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        if spec.get("title") == title:
            (dataset,) = element.proto.datasets
            return convert_arrow_bytes_to_pandas_df(dataset.data.data)
    raise AssertionError(f"no chart titled {title!r}")


def sql(engine, query: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(text(query), params).mappings().all())


def scalar(engine, query: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(query), params).scalar()


WHERE_KEC = "p.kelurahan_kode IN (SELECT kode FROM kelurahan WHERE kecamatan_kode = :kec)"


def per_kecamatan_sql(engine, where: str = "1=1", **params) -> pd.DataFrame:
    return sql(
        engine,
        f"""SELECT c.nama AS kecamatan,
                   SUM(CASE WHEN p.diundang THEN 1 ELSE 0 END) AS diundang,
                   SUM(CASE WHEN p.hadir THEN 1 ELSE 0 END) AS hadir
            FROM bimtek_peserta p JOIN kelurahan k ON k.kode = p.kelurahan_kode
                 JOIN kecamatan c ON c.kode = k.kecamatan_kode
            WHERE {where} GROUP BY c.nama ORDER BY c.nama""",
        **params,
    )


def rw_share_sql(engine, where: str = "1=1", **params) -> float:
    reached = scalar(
        engine,
        f"""SELECT COUNT(*) FROM (SELECT DISTINCT p.kelurahan_kode, p.rw FROM bimtek_peserta p
            WHERE p.hadir AND p.peran IN ('ketua_rw', 'pengurus_rw') AND {where}) u""",
        **params,
    )
    return reached / scalar(engine, "SELECT SUM(jumlah_rw) FROM kelurahan")


def test_default_view_equals_sql(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE)
    hadir = scalar(seeded_engine, "SELECT COUNT(*) FROM bimtek_peserta WHERE hadir")
    assert hadir > 0
    assert metric(at, "Peserta hadir") == format_number(hadir)
    assert metric(at, "Bimtek") == format_number(scalar(seeded_engine, "SELECT COUNT(*) FROM bimtek"))
    reached = scalar(seeded_engine, "SELECT COUNT(DISTINCT kelurahan_kode) FROM bimtek_peserta WHERE hadir")
    assert metric(at, "Kelurahan terjangkau") == f"{reached}/57"
    lpmk = scalar(
        seeded_engine,
        "SELECT COUNT(DISTINCT kelurahan_kode) FROM bimtek_peserta "
        "WHERE hadir AND peran IN ('ketua_lpmk', 'pengurus_lpmk')",
    )
    assert metric(at, "LPMK terjangkau") == f"{lpmk}/57"
    assert metric(at, "RW terjangkau") == format_percent(rw_share_sql(seeded_engine))

    # Chart data = SQL, and equals the table beside it.
    got = chart(at, "Per kecamatan")[["kecamatan", "diundang", "hadir"]]
    expected = per_kecamatan_sql(seeded_engine)
    assert got.astype({"diundang": int, "hadir": int}).to_dict("records") == expected.astype(
        {"diundang": int, "hadir": int}
    ).to_dict("records")
    table = next(d.value for d in at.dataframe if list(d.value.columns) == ["Kecamatan", "Diundang", "Hadir"])
    assert table["Hadir"].tolist() == expected["hadir"].astype(int).tolist()

    per_event = chart(at, "Diundang dan hadir per bimtek")
    expected_events = sql(
        seeded_engine,
        """SELECT b.id AS bimtek_id, SUM(CASE WHEN p.hadir THEN 1 ELSE 0 END) AS hadir
           FROM bimtek b JOIN bimtek_peserta p ON p.bimtek_id = b.id GROUP BY b.id ORDER BY b.tanggal, b.id""",
    )
    assert per_event["bimtek_id"].tolist() == expected_events["bimtek_id"].tolist()
    assert per_event["hadir"].astype(int).tolist() == expected_events["hadir"].astype(int).tolist()

    roles = chart(at, "Per peran (lembaga)").set_index("jenis")
    rt = scalar(
        seeded_engine, "SELECT COUNT(*) FROM bimtek_peserta WHERE hadir AND peran IN ('ketua_rt', 'pengurus_rt')"
    )
    assert int(roles.loc["RT", "hadir"]) == rt

    at.session_state["bt_tab"] = "Cakupan"  # only the open tab runs
    at.run()
    assert not at.exception
    trend = chart(at, "Cakupan kumulatif setelah tiap bimtek")
    assert trend["rw_kum"].is_monotonic_increasing
    assert trend["cakupan_rw_kum"].iloc[-1] == pytest.approx(rw_share_sql(seeded_engine))

    (component,) = at.get("component_instance")  # the coverage choropleth
    assert json.loads(component.proto.json_args)["feature_group"].count('"kode":') >= 57


def test_kecamatan_filter_changes_the_numbers(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, state={"bt_per_kel_buka": True})  # the per-kelurahan expander runs only while open
    before = metric(at, "Peserta hadir")
    at.multiselect(key="bt_kec").set_value([KLOJEN]).run()
    assert not at.exception
    hadir = scalar(seeded_engine, f"SELECT COUNT(*) FROM bimtek_peserta p WHERE p.hadir AND {WHERE_KEC}", kec=KLOJEN)
    assert metric(at, "Peserta hadir") == format_number(hadir) != before
    assert metric(at, "Kelurahan terjangkau").endswith("/11")
    got = chart(at, "Per kecamatan")
    assert got["kecamatan"].tolist() == ["Klojen"]
    assert int(got["hadir"].iloc[0]) == hadir
    per_kel = chart(at, "Per kelurahan")
    assert len(per_kel) == 11 and int(per_kel["hadir"].sum()) == hadir


def test_event_and_role_filters(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE)
    first = int(scalar(seeded_engine, "SELECT id FROM bimtek ORDER BY tanggal LIMIT 1"))
    at.multiselect(key="bt_acara").set_value([first]).run()
    assert not at.exception
    hadir = scalar(seeded_engine, "SELECT COUNT(*) FROM bimtek_peserta WHERE hadir AND bimtek_id = :b", b=first)
    assert metric(at, "Peserta hadir") == format_number(hadir)
    assert metric(at, "Bimtek") == "1"
    assert metric(at, "RW terjangkau") == format_percent(rw_share_sql(seeded_engine, "p.bimtek_id = :b", b=first))
    assert chart(at, "Diundang dan hadir per bimtek")["bimtek_id"].tolist() == [first]

    at.pills(key="bt_jenis").set_value(["RW"]).run()
    assert not at.exception
    roles = chart(at, "Per peran (lembaga)")
    assert roles["jenis"].tolist() == ["RW"]
    rw = scalar(
        seeded_engine,
        "SELECT COUNT(*) FROM bimtek_peserta WHERE hadir AND bimtek_id = :b AND peran IN ('ketua_rw', 'pengurus_rw')",
        b=first,
    )
    assert int(roles["hadir"].iloc[0]) == rw
    assert int(chart(at, "Per kecamatan")["hadir"].sum()) == rw


def test_belum_pernah_ikut_for_one_kelurahan(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    at = run_page(PAGE, state={"bt_tab": "Belum pernah ikut"})
    at.selectbox(key="bt_belum_kel").set_value(GADING_KASRI).run()
    assert not at.exception
    n_rw = scalar(
        seeded_engine,
        """SELECT COUNT(*) FROM lembaga l WHERE l.kelurahan_kode = :k AND l.jenis = 'RW' AND NOT EXISTS (
             SELECT 1 FROM bimtek_peserta p WHERE p.kelurahan_kode = l.kelurahan_kode AND p.rw = l.rw
             AND p.hadir AND p.peran IN ('ketua_rw', 'pengurus_rw'))""",
        k=GADING_KASRI,
    )
    n_rt = scalar(
        seeded_engine,
        """SELECT COUNT(*) FROM lembaga l WHERE l.kelurahan_kode = :k AND l.jenis = 'RT' AND NOT EXISTS (
             SELECT 1 FROM bimtek_peserta p WHERE p.kelurahan_kode = l.kelurahan_kode AND p.rw = l.rw
             AND p.rt = l.rt AND p.hadir AND p.peran IN ('ketua_rt', 'pengurus_rt'))""",
        k=GADING_KASRI,
    )
    assert metric(at, "RW belum pernah ikut") == format_number(n_rw)
    assert metric(at, "RT belum pernah ikut") == format_number(n_rt)
    table = next(d.value for d in at.dataframe if "Lembaga" in d.value.columns)
    assert len(table) == n_rw + n_rt + (metric(at, "LPMK belum pernah ikut") == "1")
    assert set(table["Kelurahan"]) == {"Gading Kasri"}
    assert any(b.proto.label == "Unduh daftar undangan (CSV)" for b in at.get("download_button"))


def test_names_only_in_management_tab_for_staff(seeded_engine, seeded_url, app_env):
    app_env(seeded_url)
    newest = int(scalar(seeded_engine, "SELECT id FROM bimtek ORDER BY tanggal DESC, id DESC LIMIT 1"))
    names = set(sql(seeded_engine, "SELECT nama FROM bimtek_peserta WHERE bimtek_id = :b", b=newest)["nama"])

    at = run_page(PAGE, peran="pimpinan", state={"bt_tab": "Acara & peserta"})  # read-only, no names anywhere
    assert any("Masuk sebagai staf" in i.value for i in at.info)
    shown = {str(v) for d in at.dataframe for col in d.value.columns for v in d.value[col]}
    assert not (names & shown)

    at.session_state["auth"] = login_state("staf")
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Nama" in d.value.columns)
    assert set(table["Nama"]) == names
    assert len(table) == scalar(seeded_engine, "SELECT COUNT(*) FROM bimtek_peserta WHERE bimtek_id = :b", b=newest)


def test_staff_creates_an_event_and_adds_a_participant(ready_engine, empty_db_url, app_env):
    import datetime as dt

    app_env(empty_db_url)
    at = run_page(PAGE, peran="pimpinan", state={"bt_tab": "Acara & peserta"})  # empty database: no events yet
    assert metric(at, "Bimtek") == "0"
    assert any("Tidak ada bimtek dalam filter" in i.value for i in at.info)
    at.session_state["auth"] = login_state("staf")
    at.run()
    at.text_input(key="bt_judul_baru").input("Bimtek <b>Uji</b>")
    at.date_input(key="bt_tanggal_baru").set_value(dt.date(2026, 11, 26))
    at.button(key="bt_simpan_baru").click().run()
    assert not at.exception
    assert any("ditambahkan" in s.value for s in at.success)
    assert scalar(ready_engine, "SELECT judul FROM bimtek") == "Bimtek <b>Uji</b>"  # stored as typed
    assert metric(at, "Bimtek") == "1"

    at.text_input(key="bt_p_nama_baru").input("Budi Santoso")
    at.selectbox(key="bt_p_peran_baru").set_value("ketua_rw")
    at.selectbox(key="bt_p_kel_baru").set_value(GADING_KASRI)
    at.number_input(key="bt_p_rw_baru").set_value(7)  # Gading Kasri has 6 RW
    at.button(key="bt_p_simpan_baru").click().run()
    assert not at.exception
    assert any("RW 7 tidak ada" in e.value for e in at.error)
    assert scalar(ready_engine, "SELECT COUNT(*) FROM bimtek_peserta") == 0

    at.number_input(key="bt_p_rw_baru").set_value(2)
    at.button(key="bt_p_simpan_baru").click().run()
    assert not at.exception
    assert scalar(ready_engine, "SELECT COUNT(*) FROM bimtek_peserta WHERE rw = 2") == 1
    assert metric(at, "Peserta hadir") == "1"
    assert metric(at, "Kelurahan terjangkau") == "1/57"
    table = next(d.value for d in at.dataframe if "Nama" in d.value.columns)
    assert table["Nama"].tolist() == ["Budi Santoso"]
