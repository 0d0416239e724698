"""geo.rotasi_map: the categorical rotation layer and the Mode Rembuk layers (pure folium, no Streamlit)."""

from __future__ import annotations

import pandas as pd

from db.rotasi.planner import ROTASI_STATUSES
from geo import maps, rotasi_map
from geo.boundaries import load_boundaries
from tests.hostile import HOSTILE, RAW_MARKERS

KEL = load_boundaries().kelurahan
CODES = list(KEL.index)


def _states() -> pd.Series:
    cycle = ["sudah", "berikutnya", "dijadwalkan", "belum"]
    return pd.Series([cycle[i % 4] for i in range(len(CODES))], index=CODES)


def _fill(layer, feature) -> str:
    return layer.style_function(feature)["fillColor"]


def test_one_feature_per_kelurahan_coloured_by_state():
    states = _states()
    layer = rotasi_map.rotasi_layer(states, {CODES[0]: "Jumat, 6 Maret 2026"})
    features = layer.data["features"]
    assert len(features) == 57
    assert [f["id"] for f in features] == CODES
    for f in features:
        state = states[f["id"]]
        assert _fill(layer, f) == rotasi_map.ROTASI_COLORS[state]
        assert f["properties"]["status"] == ROTASI_STATUSES[state]
        assert f["properties"]["kode"] == f["id"]
    assert features[0]["properties"]["tanggal"] == "Jumat, 6 Maret 2026"
    assert features[1]["properties"]["tanggal"] == maps.MISSING
    # Four distinct colours, so the states are told apart on the map.
    assert len(set(rotasi_map.ROTASI_COLORS.values())) == 4


def test_missing_or_unknown_state_is_belum():
    layer = rotasi_map.rotasi_layer(pd.Series({CODES[0]: "sudah", CODES[1]: "<b>aneh</b>"}))
    by_id = {f["id"]: f for f in layer.data["features"]}
    assert _fill(layer, by_id[CODES[0]]) == rotasi_map.ROTASI_COLORS["sudah"]
    assert _fill(layer, by_id[CODES[1]]) == rotasi_map.ROTASI_COLORS["belum"]
    assert _fill(layer, by_id[CODES[2]]) == rotasi_map.ROTASI_COLORS["belum"]
    assert by_id[CODES[2]]["properties"]["status"] == "Belum"


def test_properties_are_escaped_and_the_page_holds_no_raw_markup():
    dates = {kode: HOSTILE[i % len(HOSTILE)] for i, kode in enumerate(CODES)}
    layer = rotasi_map.rotasi_layer(_states(), dates)
    props = layer.data["features"][0]["properties"]
    assert props["tanggal"] == "&lt;img src=x onerror=alert(&#x27;xss-img&#x27;)&gt;"
    m = maps.base_map()
    maps.layer_group(layer).add_to(m)
    page = maps.map_html(m)
    for marker in RAW_MARKERS:
        assert marker not in page
    assert maps.external_hosts(page) <= {"evil.example"}  # offline: no CDN (only the hostile text names a host)
    assert "Status rotasi" in page  # the tooltip alias


def test_legend_counts_each_state():
    states = _states()
    entries = dict(rotasi_map.rotasi_legend(states))
    counts = states.value_counts()
    for state, label in ROTASI_STATUSES.items():
        assert f"{label} ({counts[state]})" in entries
        assert entries[f"{label} ({counts[state]})"] == rotasi_map.ROTASI_COLORS[state]


def test_rw_points_carry_only_numbers_and_colours_by_status():
    titik = pd.DataFrame(
        {
            "rw": [1, 2, 3],
            "lat": [-7.96, -7.961, -7.962],
            "lon": [112.63, 112.631, 112.632],
            "jumlah": [4, 2, 1],
            "terbuka": [2, 0, 1],
            "status": ["lewat_tenggat", "selesai", "terbuka"],
        }
    )
    layer = rotasi_map.rw_points_layer(titik)
    features = layer.data["features"]
    assert [f["properties"]["rw"] for f in features] == ["RW 01", "RW 02", "RW 03"]
    assert [layer.style_function(f)["fillColor"] for f in features] == ["#bd0026", "#1a9850", "#fd8d3c"]
    assert set(features[0]["properties"]) == {"rw", "jumlah", "terbuka", "keadaan", "warna", "radius"}
    assert features[0]["geometry"]["coordinates"] == [112.63, -7.96]


def test_focus_bounds_contain_the_kelurahan():
    kode = "35.73.02.1003"
    min_lon, min_lat, max_lon, max_lat = rotasi_map.kelurahan_bounds(kode)
    g = KEL.loc[kode].geometry.bounds
    assert min_lon < g[0] and min_lat < g[1] and max_lon > g[2] and max_lat > g[3]
    assert max_lon - min_lon < 0.05  # one kelurahan, not the city
    assert rotasi_map.focus_layer(kode).data["features"][0]["id"] == kode
