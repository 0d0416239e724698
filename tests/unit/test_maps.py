"""geo.maps: choropleth, legend, points, escaping, clicks, and no external host."""

from __future__ import annotations

import itertools
import json
import re

import branca
import folium
import folium.elements
import folium.plugins
import numpy as np
import pandas as pd
import pytest

from geo import maps
from geo.assets import VENDOR_URL
from geo.boundaries import load_boundaries

KEL = load_boundaries().kelurahan
CODES = list(KEL.index)
OSM_HOSTS = {"tile.openstreetmap.org", "www.openstreetmap.org"}
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "`",
    "\\`",
    "</script><script>alert(1)</script>",
]


def ranked_values() -> pd.Series:
    """Value i for the i-th kelurahan code: strictly increasing along CODES."""
    return pd.Series(np.arange(len(CODES), dtype=float), index=CODES)


def features(layer: folium.GeoJson) -> list[dict]:
    return layer.data["features"]


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def geojson_data_in_html(html: str) -> list[dict]:
    """The FeatureCollections folium embedded in the page (the `..._add({...});` calls)."""
    return [json.loads(m) for m in re.findall(r"_add\((\{.*?\})\);\n", html)]


def points_df(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "lon": rng.uniform(112.58, 112.68, n),
            "lat": rng.uniform(-8.04, -7.92, n),
            "status": rng.choice(["diterima", "selesai", "xx"], n),
        }
    )


def streamlit_folium_links(root) -> tuple[list[str], list[str]]:
    """Mirror of `walk` in streamlit_folium/__init__.py: the links its iframe would load."""

    def walk(fig):
        if isinstance(fig, branca.colormap.ColorMap):
            yield fig
        if isinstance(fig, folium.plugins.DualMap):
            yield from walk(fig.m1)
            yield from walk(fig.m2)
        if isinstance(fig, folium.elements.JSCSSMixin):
            yield fig
        if hasattr(fig, "_children"):
            for child in fig._children.values():
                yield from walk(child)

    js, css = [], []
    for elem in walk(root):
        if isinstance(elem, branca.colormap.ColorMap):
            js.append("https://d3js.org/d3.v4.min.js")  # what streamlit-folium would add
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return js, css


def full_map(basemap: bool = False) -> folium.Map:
    m = maps.base_map(basemap=basemap)
    maps.choropleth_layer(ranked_values(), label="Aspirasi").add_to(m)
    maps.points_layer(points_df(200)).layer.add_to(m)
    maps.points_layer(points_df(200), mode="heat").layer.add_to(m)
    return m


# --------------------------------------------------------------------------- choropleth


def test_choropleth_has_the_57_kelurahan():
    feats = features(maps.choropleth_layer(ranked_values(), label="Aspirasi"))
    assert len(feats) == 57
    assert sorted(f["properties"]["kode"] for f in feats) == sorted(CODES)
    assert all(f["id"] == f["properties"]["kode"] for f in feats)
    balearjosari = next(f for f in feats if f["id"] == "35.73.01.1001")
    assert balearjosari["properties"]["nama"] == "Balearjosari"
    assert balearjosari["properties"]["kecamatan"] == "Blimbing"
    assert balearjosari["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_higher_value_gets_darker_or_equal_colour():
    layer = maps.choropleth_layer(ranked_values(), label="Aspirasi")
    fill = {f["id"]: layer.style_function(f)["fillColor"] for f in features(layer)}
    lum = [luminance(fill[c]) for c in CODES]  # CODES are in increasing value order
    assert all(a >= b for a, b in itertools.pairwise(lum))
    assert fill[CODES[0]] == maps.PALETTE[0]
    assert fill[CODES[-1]] == maps.PALETTE[-1]


def test_palette_is_sequential_light_to_dark():
    lum = [luminance(c) for c in maps.PALETTE]
    assert lum == sorted(lum, reverse=True)


def test_missing_kelurahan_count_as_zero():
    values = pd.Series({CODES[0]: 40.0, CODES[1]: 10.0})
    layer = maps.choropleth_layer(values, label="Aspirasi")
    props = {f["id"]: f["properties"] for f in features(layer)}
    assert props[CODES[0]]["nilai"] == "40"
    assert props[CODES[5]]["nilai"] == "0"
    fill = {f["id"]: layer.style_function(f)["fillColor"] for f in features(layer)}
    assert fill[CODES[5]] == maps.PALETTE[0]
    assert fill[CODES[0]] == maps.PALETTE[-1]
    assert maps.kelurahan_values(values).loc[CODES[5]] == 0


def test_values_are_formatted_indonesian_style():
    values = pd.Series({CODES[0]: 12345.0, CODES[1]: 2.5})
    props = {f["id"]: f["properties"] for f in features(maps.choropleth_layer(values, label="Aspirasi"))}
    assert props[CODES[0]]["nilai"] == "12.345"
    assert props[CODES[1]]["nilai"] == "2,5"
    assert maps.format_legend_number(1234567) == "1.234.567"


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(np.arange(57, dtype=float) * 3.7, index=CODES),
        pd.Series({CODES[0]: 3}),
        pd.Series({CODES[0]: 1234, CODES[3]: 17}),
        pd.Series(np.linspace(-5, 1.7, 57), index=CODES),
        pd.Series(dtype=float),
    ],
)
def test_legend_bins_cover_min_to_max(values):
    bins = maps.legend_bins(values)
    full = maps.kelurahan_values(values)
    assert 1 <= len(bins) <= len(maps.PALETTE)
    assert bins[0][0] <= full.min()
    assert bins[-1][1] >= full.max()
    for (_, hi, _), (lo, _, _) in itertools.pairwise(bins):
        assert hi == lo  # contiguous
    assert bins[-1][2] == (maps.PALETTE[-1] if len(bins) > 1 else maps.PALETTE[0])


def test_legend_nice_steps_and_labels():
    values = pd.Series(np.arange(51, dtype=float), index=CODES[:51])
    assert [(lo, hi) for lo, hi, _ in maps.legend_bins(values)] == [
        (0, 10),
        (10, 20),
        (20, 30),
        (30, 40),
        (40, 50),
    ]
    labels = [label for label, _ in maps.legend_entries(values)]
    assert labels == ["0–9", "10–19", "20–29", "30–39", "40–50"]


def test_tooltip_fields_and_indonesian_aliases():
    extra = {"Selesai": ranked_values() * 2, "Terlambat": ranked_values()}
    layer = maps.choropleth_layer(ranked_values(), label="Aspirasi", extra=extra)
    tooltips = [c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip)]
    assert len(tooltips) == 1
    tip = tooltips[0]
    assert tip.fields == ["nama", "kecamatan", "nilai", "extra_0", "extra_1"]
    assert tip.aliases == ["Kelurahan", "Kecamatan", "Aspirasi", "Selesai", "Terlambat"]
    props = {f["id"]: f["properties"] for f in features(layer)}
    assert props[CODES[3]]["extra_0"] == "6"
    html = maps.map_html(layer.add_to(maps.base_map(labels=False)))
    assert "bindTooltip" in html


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_escaped_in_properties_and_html(hostile):
    note = pd.Series({CODES[0]: hostile})
    m = maps.base_map(labels=False)
    maps.choropleth_layer(ranked_values(), label="Aspirasi", extra={"Catatan": note}).add_to(m)
    html = maps.map_html(m)
    assert "<img src=x onerror" not in html
    assert "</script><script>" not in html
    # The page's embedded GeoJSON carries exactly the html-escaped text.
    collections = [c for c in geojson_data_in_html(html) if len(c["features"]) == 57]
    assert collections, "choropleth data not found in the page"
    cell = {f["id"]: f["properties"]["extra_0"] for f in collections[0]["features"]}
    assert cell[CODES[0]] == maps.html.escape(hostile)


def test_escaped_img_tag_appears_in_html():
    note = pd.Series({CODES[0]: HOSTILE[0]})
    m = maps.base_map(labels=False)
    maps.choropleth_layer(ranked_values(), label="Aspirasi", extra={"Catatan": note}).add_to(m)
    html = maps.map_html(m)
    # html.escape, then JSON-in-<script> escaping of "&" by folium's template.
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_hostile_label_alias_is_escaped():
    layer = maps.choropleth_layer(ranked_values(), label="<b>x</b>")
    tip = next(c for c in layer._children.values() if isinstance(c, folium.GeoJsonTooltip))
    assert tip.aliases[2] == "&lt;b&gt;x&lt;/b&gt;"


def test_safe_props_escapes_nested_strings_only():
    out = maps.safe_props({"a": "<b>&", "n": 3, "x": None, "l": ["<i>"], "d": {"k": "'"}})
    assert out == {"a": "&lt;b&gt;&amp;", "n": 3, "x": None, "l": ["&lt;i&gt;"], "d": {"k": "&#x27;"}}


def test_labels_carry_escaped_names_and_are_not_interactive():
    layer = maps.label_layer()
    names = sorted(f["properties"]["nama"] for f in features(layer))
    assert len(names) == 57
    assert "Balearjosari" in names
    assert "interactive: false" in layer.options["point_to_layer"].js_code
    kec = maps.label_layer("kecamatan")
    assert sorted(f["properties"]["nama"] for f in features(kec)) == [
        "Blimbing",
        "Kedungkandang",
        "Klojen",
        "Lowokwaru",
        "Sukun",
    ]


def test_kecamatan_outline_is_non_interactive_and_thick():
    layer = maps.kecamatan_outline_layer(pane="p")
    assert len(features(layer)) == 5
    assert layer.options["interactive"] is False
    assert layer.options["pane"] == "p"
    style = layer.style_function(features(layer)[0])
    assert style["fill"] is False and style["weight"] > 2


def test_base_map_draws_outline_and_labels_by_default():
    html = maps.map_html(maps.base_map())
    assert "createPane" in html and maps.OUTLINE_PANE in html
    assert "kulakan-label" in html
    assert "fitBounds" in html
    bare = maps.map_html(maps.base_map(labels=False, outlines=False))
    assert "createPane" not in bare
    assert "Balearjosari" not in bare


# --------------------------------------------------------------------------- points


def test_points_cluster_rows_have_no_text_and_valid_colours():
    result = maps.points_layer(points_df(300))
    assert isinstance(result.layer, folium.plugins.FastMarkerCluster)
    assert (result.total, result.shown, result.capped) == (300, 300, False)
    colours = {result.palette[row[2]] for row in result.layer.data}
    assert colours <= set(maps.STATUS_COLORS.values()) | {maps.DEFAULT_POINT_COLOR}
    assert set(result.palette) == colours  # the palette carries each colour once, only the used ones
    # coordinates travel rounded to about a metre: the payload grows ~25 bytes per point, not ~55
    assert all(len(repr(row[0]).split(".")[1]) <= maps.POINT_DECIMALS for row in result.layer.data)
    assert maps.STATUS_COLORS["selesai"] in colours
    assert all(isinstance(row[3], int) for row in result.layer.data)
    assert "L.circleMarker" in result.layer.callback


def test_points_hostile_colour_and_id_do_not_pass():
    df = pd.DataFrame(
        {
            "id": ["<img src=x onerror=alert(1)>"],
            "lon": [112.6],
            "lat": [-7.97],
            "status": ["diterima"],
            "warna": ['red"});alert(1);//'],
        }
    )
    result = maps.points_layer(df)
    row = result.layer.data[0]
    assert result.palette[row[2]] == maps.STATUS_COLORS["diterima"]
    assert 'red"' not in result.layer.callback
    assert row[3] == "&lt;img src=x onerror=alert(1)&gt;"


def test_points_are_capped_and_report_it():
    df = points_df(500)
    df.loc[0, "lat"] = np.nan
    result = maps.points_layer(df, max_points=100)
    assert (result.total, result.shown, result.capped) == (499, 100, True)
    assert len(result.layer.data) == 100
    again = maps.points_layer(df, max_points=100)
    assert again.layer.data == result.layer.data  # same sample on every rerun
    heat = maps.points_layer(df, mode="heat", max_points=100)
    assert isinstance(heat.layer, folium.plugins.HeatMap)
    assert len(heat.layer.data) == 100 and heat.capped


def test_points_unknown_mode():
    with pytest.raises(ValueError):
        maps.points_layer(points_df(3), mode="marker")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- clicks


def test_kelurahan_from_click():
    feature = {"type": "Feature", "properties": {"kode": CODES[7], "nama": "x"}, "geometry": {}}
    assert maps.kelurahan_from_click(feature) == CODES[7]
    assert maps.kelurahan_from_click({"last_active_drawing": feature}) == CODES[7]
    unknown = {"type": "Feature", "properties": {"kode": "35.73.09.9999"}}
    assert maps.kelurahan_from_click(unknown) is None
    assert maps.kelurahan_from_click(None) is None
    assert maps.kelurahan_from_click({"last_active_drawing": None}) is None
    assert maps.kelurahan_from_click({"type": "Feature"}) is None
    assert maps.kelurahan_from_click({"type": "Feature", "properties": None}) is None
    assert maps.kelurahan_from_click({"properties": {"kode": 35}}) is None
    assert maps.kelurahan_from_click({"properties": {"id": 12}}) is None  # a clicked point
    assert maps.kelurahan_from_click("35.73.01.1001") is None
    assert maps.kelurahan_from_click([feature]) is None


def test_clicked_choropleth_feature_round_trips():
    layer = maps.choropleth_layer(ranked_values(), label="Aspirasi")
    feature = features(layer)[10]
    assert maps.kelurahan_from_click({"last_active_drawing": feature}) == CODES[10]


# --------------------------------------------------------------------------- no external host


def test_external_hosts_parser():
    text = (
        '<script src="https://cdn.jsdelivr.net/x.js"></script>'
        '<link href="//code.jquery.com/a.css"> url("http://User@Example.org:8080/p")'
        ' "/app/static/vendor/leaflet/leaflet.js"'
    )
    assert maps.external_hosts(text) == {"cdn.jsdelivr.net", "code.jquery.com", "example.org"}
    assert maps.external_hosts(maps.map_html(folium.Map())) >= {"cdn.jsdelivr.net"}


def test_offline_map_references_no_external_host():
    html = maps.map_html(full_map(basemap=False))
    assert maps.external_hosts(html) == set()
    assert "openstreetmap" not in html
    assert f'src="{VENDOR_URL}/leaflet/leaflet.js"' in html
    for dropped in ("jquery", "bootstrap", "awesome", "fontawesome"):
        assert dropped not in html.lower()


def test_basemap_only_adds_openstreetmap():
    html = maps.map_html(full_map(basemap=True))
    hosts = maps.external_hosts(html)
    assert "tile.openstreetmap.org" in hosts
    assert hosts <= OSM_HOSTS  # tiles + the attribution link required by the OSM licence
    assert "OpenStreetMap" in html


def test_streamlit_folium_walk_loads_only_local_assets():
    m = full_map()
    # Layers passed as feature_group_to_add are added to the map before the walk too.
    maps.layer_group(maps.points_layer(points_df(5)).layer).add_to(m)
    js, css = streamlit_folium_links(m)
    assert js and css
    assert all(url.startswith(f"{VENDOR_URL}/") for url in js + css), js + css
    assert js[0] == f"{VENDOR_URL}/leaflet/leaflet.js"  # Leaflet before its plugins
    assert f"{VENDOR_URL}/leaflet.heat/leaflet-heat.js" in js
    assert f"{VENDOR_URL}/leaflet.markercluster/MarkerCluster.Default.css" in css


def _html_with_ids(template_factory, monkeypatch) -> str:
    """The full map's HTML with branca's Element template factory set to ``template_factory`` and
    element ids numbered in order (folium draws random ones)."""
    counter = itertools.count()
    monkeypatch.setattr(branca.element.Element, "_generate_id", classmethod(lambda cls: f"{next(counter):032x}"))
    monkeypatch.setattr(branca.element, "Template", template_factory)
    return maps.map_html(full_map())


def test_rendered_text_is_not_recompiled_and_the_map_is_unchanged(monkeypatch):
    """geo.maps keeps branca from compiling rendered scripts (GeoJSON included) as Jinja templates; the
    page is byte for byte what stock branca renders."""
    import jinja2

    assert branca.element.Template is maps._element_template
    fast = _html_with_ids(maps._element_template, monkeypatch)
    stock = _html_with_ids(jinja2.Template, monkeypatch)
    assert fast == stock and "L.geoJson" in fast and "FeatureCollection" in fast
    # Text that is a template is still one, and Jinja's trailing-newline rule holds for the rest.
    assert maps._element_template("{{ 1 + 1 }}").render() == "2"
    for text in ("a\n", "a\n\n", "a", "x {y} z", "\n"):
        assert maps._element_template(text).render() == jinja2.Template(text).render(), repr(text)
