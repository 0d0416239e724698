"""Map pieces for the projector (issue 11): plugin scripts in the frame, labels, km scale, panel text."""

from __future__ import annotations

import pandas as pd
from shapely.geometry import Point

from geo import maps
from geo.assets import HEAT, MARKERCLUSTER, asset_links
from geo.boundaries import load_boundaries


def test_base_map_ships_the_heat_and_cluster_plugins_before_any_layer():
    js, css = asset_links(maps.base_map())  # what streamlit-folium loads when the frame first renders
    assert HEAT.url("leaflet-heat.js") in js
    assert MARKERCLUSTER.url("leaflet.markercluster.js") in js
    assert all(u.startswith("/app/static/vendor/") for u in js + css)


def test_scale_bar_is_metric_only():
    html = maps.map_html(maps.base_map())
    assert "imperial: false" in html
    assert "L.control.scale()" not in html


def test_every_label_point_lies_inside_its_kelurahan():
    kel = load_boundaries().kelurahan
    for kode, row in kel.iterrows():
        lon, lat = maps.label_point(row.geometry)
        assert row.geometry.contains(Point(lon, lat)), kode


def test_label_layer_carries_name_abbreviation_and_pane():
    layer = maps.label_layer()
    feats = layer.data["features"]
    assert len(feats) == 57
    gk = next(f for f in feats if f["properties"]["kode"] == "35.73.02.1010")
    assert gk["properties"]["nama"] == "Gading Kasri" and gk["properties"]["singkat"] == "G. Kasri"
    html = maps.map_html(maps.base_map())
    assert maps.LABEL_PANE in html and "data-label-layout" in html
    assert "min13" not in html  # no label is hidden by zoom any more


def test_short_names():
    assert maps.short_name("Bandungrejosari") == "Bandungr."
    assert maps.short_name("Oro-oro Dowo") == "O. Dowo"
    assert maps.short_name("Klojen") == "Klojen"


def test_heat_uses_a_palette_apart_from_the_choropleth():
    pts = pd.DataFrame({"lat": [-7.97, -7.98], "lon": [112.63, 112.62], "id": [1, 2], "status": ["diterima"] * 2})
    layer = maps.points_layer(pts, mode="heat").layer
    assert set(layer.options["gradient"].values()).isdisjoint(maps.PALETTE)


def test_fit_on_resize_replaces_the_animated_fit():
    html = maps.map_html(maps.base_map())
    assert "ResizeObserver" in html and "reset: true" in html


def test_panel_text_is_plain_markdown_and_tooltip_has_no_duplicate():
    from ui.format import plain_markdown
    from ui.peta import tooltip_extra

    assert plain_markdown("[a](http://x) ![i](y) :red[z] $m$") == (
        r"\[a\]\(http\:\/\/x\) \!\[i\]\(y\) \:red\[z\] \$m\$"
    )
    df = pd.DataFrame({"jumlah": [1], "terbuka": [0]})
    assert list(tooltip_extra(df, "Jumlah aspirasi")) == ["Terbuka"]
    assert list(tooltip_extra(df, "Lewat tenggat")) == ["Jumlah aspirasi", "Terbuka"]


def test_clear_filters_knows_every_filter_key():
    from ui.filters import EMPTY, KEYS

    assert set(EMPTY) == set(KEYS)
