"""Map building for the dashboard: folium objects only, no Streamlit (DESIGN.md section 4).

- Offline by default: no tiles, every JS/CSS asset served from static/vendor/ (geo.assets).
- One GeoJson layer for the 57-kelurahan choropleth; the legend is data (`legend_bins`) that
  the UI draws in Streamlit, because branca colormaps pull d3 from a CDN.
- Points go through FastMarkerCluster (plain L.circleMarker) or HeatMap, capped.
- XSS: every string put into GeoJSON properties goes through html.escape (`safe_props`),
  because GeoJsonTooltip renders properties with innerHTML. Nothing here builds
  folium.Marker popups/tooltips from data (folium puts those inside JS template literals).
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import branca.element
import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.ops import polylabel

from db.format import format_compact
from geo.assets import PluginAssets, use_local_assets
from geo.boundaries import load_boundaries

_JINJA_MARKUP = re.compile(r"\{[{%#]")


class _LiteralTemplate:
    """What jinja2.Template(text).render() gives for a text without Jinja markup: the text, less one
    trailing newline (Jinja's default)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, *args, **kwargs) -> str:
        return self.text


def _element_template(source=None, *args, **kwargs):
    """branca.element.Element's template factory, without compiling text that is no template.

    branca (0.8) wraps every rendered script, header and html of a map in ``Element(text)``, which compiles
    that text, GeoJSON included, as a Jinja template: about a quarter of building a Peta map (~45 of 170 ms).
    Text with Jinja markup or carriage returns (which Jinja would normalise) is compiled as before;
    tests/unit/test_maps.py checks the map's HTML is unchanged."""
    if isinstance(source, str) and not args and not kwargs and "\r" not in source and not _JINJA_MARKUP.search(source):
        return _LiteralTemplate(source)
    return Template(source, *args, **kwargs)


branca.element.Template = _element_template

# ColorBrewer YlOrRd, 5 classes: sequential, light = low, dark = high; readable on a projector.
PALETTE: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
BACKGROUND = "#e9ecef"  # shown where there are no tiles; distinct from the lightest class
BORDER = "#ffffff"
OUTLINE = "#343a40"
OUTLINE_PANE = "batas_kecamatan"  # above polygons (overlayPane 400), below labels (600)
MISSING = "-"
# Point clusters and heat use blues/purples, distinct from the yellow-orange-red choropleth.
CLUSTER_RING = "rgba(106, 81, 163, 0.35)"
CLUSTER_FILL = "rgba(63, 0, 125, 0.85)"
HEAT_GRADIENT = {0.2: "#c6dbef", 0.45: "#6baed6", 0.7: "#2171b5", 0.85: "#54278f", 1.0: "#3f007d"}

# Colour of an aspirasi point by status code (db/aspirasi/status.py STATUS_ASPIRASI): open = warm.
STATUS_COLORS: dict[str, str] = {
    "diterima": "#d7301f",
    "diverifikasi": "#e34a33",
    "diteruskan": "#fc8d59",
    "dalam_proses": "#f0a000",
    "selesai": "#1a9850",
    "tidak_dapat": "#6c757d",
    "bukan_kewenangan": "#6c757d",
    "musrenbang": "#4575b4",
    "duplikat": "#adb5bd",
}
DEFAULT_POINT_COLOR = "#6c757d"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">Kontributor OpenStreetMap</a>'

# Styles for the map document: background without tiles, haloed labels, big tooltips, and a frame
# that fills its iframe (the page sizes the iframe from the viewport, see ui/components.folium_map).
LABEL_PANE = "kulakan_label"  # above markers/clusters (600), below tooltips (650)
_MAP_CSS = f"""<style>
  html, body {{ margin: 0; height: 100%; overflow: hidden; }}
  #map_div {{ height: 100vh !important; }}
  div.leaflet-container {{ background: {BACKGROUND}; }}  /* beats leaflet.css, loaded later */
  .kulakan-label {{ background: none; border: none; }}
  .kulakan-label .nama {{
    position: absolute; transform: translate(-50%, -50%); white-space: nowrap; text-align: center;
    font: 600 11px/1.15 system-ui, sans-serif; color: #212529; pointer-events: none;
    text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff;
  }}
  .kulakan-label .garis {{
    position: absolute; left: 0; top: 0; height: 1px; background: #343a40; transform-origin: 0 50%;
    pointer-events: none; display: none;
  }}
  .kulakan-label .titik {{
    position: absolute; left: -2px; top: -2px; width: 4px; height: 4px; border-radius: 2px;
    background: #343a40; pointer-events: none; display: none;
  }}
  .foliumtooltip {{ font-size: 14px; }}
  canvas.leaflet-heatmap-layer {{ z-index: 1; }}  /* over the choropleth's SVG in the overlay pane */
  /* Clusters in blue/purple: never mistaken for the yellow-red choropleth classes. */
  div.leaflet-container .marker-cluster-small, div.leaflet-container .marker-cluster-medium,
  div.leaflet-container .marker-cluster-large {{ background-color: {CLUSTER_RING}; }}
  div.leaflet-container .marker-cluster-small div, div.leaflet-container .marker-cluster-medium div,
  div.leaflet-container .marker-cluster-large div {{ background-color: {CLUSTER_FILL}; color: #fff; }}
</style>"""

# Label marker for a GeoJSON point: the text is the html-escaped property (see safe_props),
# inserted into fixed markup; never clickable, so clicks reach the polygon underneath. The
# layout script (LabelLayout) sizes and places each label without overlaps.
_LABEL_POINT_TO_LAYER = """function (feature, latlng) {
    return L.marker(latlng, {
        icon: L.divIcon({
            className: "kulakan-label " + feature.properties.tingkat,
            html: '<i class="garis"></i><i class="titik"></i><div class="nama" data-kode="' + feature.properties.kode +
                '">' + feature.properties.nama + "</div>",
            iconSize: null
        }),
        pane: "LABEL_PANE",
        interactive: false,
        keyboard: false
    });
}""".replace("LABEL_PANE", LABEL_PANE)

# FastMarkerCluster callback: row = [lat, lon, colour, id]; colour is a validated hex code
# and id a number, so no user text reaches the map. `feature` makes a click return the id.
# Rows are [lat, lon, palette index, id]: the colour travels once per layer, not once per point, and coordinates
# are rounded to 5 decimals (about 1 m, finer than any RT): 5,000 points cost ~25 bytes each instead of ~55.
POINT_DECIMALS = 5


def _circle_callback(palette: list[str]) -> str:
    """The marker function of a cluster layer; ``palette`` holds only validated hex colours (never free text)."""
    return (
        "function (row) {\n"
        f"    var palette = {json.dumps(palette)};\n"
        "    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {\n"
        '        radius: 6, color: "#ffffff", weight: 1, fillColor: palette[row[2]], fillOpacity: 0.9\n'
        "    });\n"
        '    marker.feature = {type: "Feature", properties: {id: row[3]}};\n'
        "    return marker;\n"
        "}"
    )


Formatter = Callable[[float], str] | str
Bin = tuple[float, float, str]


# --------------------------------------------------------------------------- helpers


def safe_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Copy of GeoJSON properties with every string (also nested) html-escaped."""
    return {key: _escape(value) for key, value in props.items()}


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, Mapping):
        return safe_props(value)
    if isinstance(value, list | tuple):
        return [_escape(v) for v in value]
    return value


def format_legend_number(value: float) -> str:
    """Indonesian number format: 1.234 for whole numbers, 1.234,5 otherwise (as on screen)."""
    return format_compact(value)


def _format(value: Any, fmt: Formatter) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return fmt.format(value) if isinstance(fmt, str) else fmt(value)
    return str(value)


def kelurahan_codes() -> frozenset[str]:
    return frozenset(load_boundaries().kelurahan.index)


def kelurahan_values(values: pd.Series) -> pd.Series:
    """Values reindexed on the 57 kelurahan codes (sorted); missing or NaN count as 0."""
    index = load_boundaries().kelurahan.index
    return pd.to_numeric(values, errors="coerce").reindex(index).fillna(0).astype(float)


# --------------------------------------------------------------------------- classes / legend


def _nice_bins(lo: float, hi: float, k: int, integer: bool) -> tuple[float, float, int]:
    """(start, step, n) of at most k equal 'nice' steps (1, 2, 2.5, 5 x 10^n) covering lo..hi."""
    raw = (hi - lo) / k
    magnitude = 10.0 ** math.floor(math.log10(raw))
    while True:
        for m in (1.0, 2.0, 2.5, 5.0):
            step = m * magnitude
            if step < raw * (1 - 1e-9) or (integer and not step.is_integer()):
                continue
            start = math.floor(lo / step) * step
            n = max(1, math.ceil((hi - start) / step - 1e-9))
            if n <= k:
                return start, step, n
        magnitude *= 10


def legend_bins(values: pd.Series, colors: tuple[str, ...] = PALETTE) -> list[Bin]:
    """Class breaks (lo, hi, colour) for per-kelurahan values, lightest first.

    Values are completed to the 57 kelurahan first (missing = 0), exactly as the choropleth
    does, so the legend always matches the map. Bins are [lo, hi) except the last, [lo, hi].
    """
    v = kelurahan_values(values).to_numpy()
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        return [(lo, hi, colors[0])]
    integer = bool(np.all(np.mod(v, 1) == 0))
    start, step, n = _nice_bins(lo, hi, len(colors), integer)
    # Spread the palette when there are fewer classes than colours (keeps the darkest).
    idx = np.linspace(0, len(colors) - 1, n).round().astype(int) if n > 1 else [0]
    return [(round(start + i * step, 10), round(start + (i + 1) * step, 10), colors[c]) for i, c in enumerate(idx)]


def color_for(value: float, bins: list[Bin]) -> str:
    """Colour of the bin holding `value` (values beyond the ends take the end colours)."""
    for _lo, hi, colour in bins[:-1]:
        if value < hi:
            return colour
    return bins[-1][2]


def legend_entries(values: pd.Series, fmt: Formatter = format_legend_number) -> list[tuple[str, str]]:
    """(label, colour) rows for drawing the legend in Streamlit, e.g. ("0-4", "#ffffb2")."""
    bins = legend_bins(values)
    v = kelurahan_values(values)
    integer = bool((v % 1 == 0).all())
    rows = []
    for i, (lo, hi, colour) in enumerate(bins):
        last = i == len(bins) - 1
        top = hi if (last or not integer) else hi - 1  # integer bins: [0, 5) reads "0-4"
        label = _format(lo, fmt) if top == lo else f"{_format(lo, fmt)}–{_format(top, fmt)}"
        rows.append((label, colour))
    return rows


# --------------------------------------------------------------------------- base map


def base_map(
    bounds: tuple[float, float, float, float] | None = None,
    *,
    basemap: bool = False,
    labels: bool = True,
    outlines: bool = True,
    height: int | str = "100%",
    width: int | str = "100%",
) -> folium.Map:
    """The city map with local assets only, fitted to `bounds` (default: Kota Malang).

    Without `basemap` there are no tiles at all (works offline); the kecamatan outlines and
    kelurahan labels keep it readable. With `basemap`, OpenStreetMap tiles are added.
    Keep this identical across reruns and pass changing layers to st_folium separately.
    """
    min_lon, min_lat, max_lon, max_lat = bounds or load_boundaries().bounds
    pad = 0.08  # degrees: room to pan a little, but not away from the city
    m = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        tiles=None,
        zoom_start=13,
        max_bounds=True,
        min_lat=min_lat - pad,
        max_lat=max_lat + pad,
        min_lon=min_lon - pad,
        max_lon=max_lon + pad,
        control_scale=False,  # Leaflet's default adds miles/feet: MetricScale draws km/m only
        height=height,
        width=width,
    )
    # Without tiles Leaflet has no zoom limits, and markercluster refuses a map with no maxZoom.
    # Fractional zoom lets fitBounds fill the frame (projector) instead of snapping a level out.
    m.options.update(min_zoom=11, max_zoom=18, zoom_snap=0.25, zoom_delta=0.5)
    use_local_assets(m)
    PluginAssets().add_to(m)  # heat/cluster scripts in the frame from the first draw
    m.get_root().header.add_child(folium.Element(_MAP_CSS), name="kulakan_css")
    MetricScale().add_to(m)
    if basemap:
        folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19, control=False).add_to(m)
    if outlines:
        folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
        kecamatan_outline_layer(pane=OUTLINE_PANE).add_to(m)
    fit = [[min_lat, min_lon], [max_lat, max_lon]]
    if labels:
        folium.map.CustomPane(LABEL_PANE, z_index=640, pointer_events=False).add_to(m)
        LabelLayout(label_layer().add_to(m)).add_to(m)
    FitOnResize(fit).add_to(m)  # fits now and on every resize (instead of folium's animated fit_bounds)
    return m


def layer_group(*layers: folium.map.Layer, name: str = "data") -> folium.FeatureGroup:
    """Wrap layers in a FeatureGroup, the form st_folium's feature_group_to_add expects."""
    group = folium.FeatureGroup(name=name, control=False)
    for layer in layers:
        layer.add_to(group)
    return group


# --------------------------------------------------------------------------- polygons


@functools.lru_cache(maxsize=2)
def _geometries(level: Literal["kelurahan", "kecamatan"]) -> dict[str, dict]:
    """GeoJSON geometry per code (cached; treated as read-only by the callers)."""
    b = load_boundaries()
    gdf = b.kelurahan if level == "kelurahan" else b.kecamatan
    return {kode: mapping(geom) for kode, geom in gdf.geometry.items()}


def choropleth_layer(
    values: pd.Series,
    *,
    label: str,
    fmt: Formatter = format_legend_number,
    extra: Mapping[str, pd.Series] | None = None,
    colors: tuple[str, ...] = PALETTE,
    name: str = "Kelurahan",
) -> folium.GeoJson:
    """ONE GeoJson of the 57 kelurahan coloured by `values` (Series indexed by kode).

    Missing kelurahan count as 0. The tooltip shows Kelurahan, Kecamatan, `label` and one
    row per `extra` entry (label -> Series by kode; missing shown as "-"). Feature id and
    property `kode` are the kelurahan code, which a click returns (kelurahan_from_click).
    """
    kel = load_boundaries().kelurahan
    vals = kelurahan_values(values)
    bins = legend_bins(values, colors)
    fill = {kode: color_for(v, bins) for kode, v in vals.items()}
    extra = dict(extra or {})
    extra_keys = [f"extra_{i}" for i in range(len(extra))]

    geometries = _geometries("kelurahan")
    # Plain dicts, not pandas lookups per kelurahan: the layer is rebuilt after every write that moves a count.
    nilai = vals.to_dict()
    extra_values = [series.to_dict() for series in extra.values()]
    features = []
    for kode, nama, kecamatan in zip(kel.index, kel["nama"], kel["kecamatan"], strict=True):
        props = {"kode": kode, "nama": nama, "kecamatan": kecamatan, "nilai": _format(nilai[kode], fmt)}
        for key, values_of in zip(extra_keys, extra_values, strict=True):
            props[key] = _format(values_of.get(kode), fmt)
        features.append({"type": "Feature", "id": kode, "properties": safe_props(props), "geometry": geometries[kode]})

    tooltip = folium.GeoJsonTooltip(
        fields=["nama", "kecamatan", "nilai", *extra_keys],
        aliases=[html.escape(a) for a in ("Kelurahan", "Kecamatan", label, *extra)],
        sticky=True,
    )
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: {
            "fillColor": fill[f["id"]],
            "fillOpacity": 0.85,
            "color": BORDER,
            "weight": 1.2,
        },
        highlight_function=lambda f: {"color": OUTLINE, "weight": 3, "fillOpacity": 0.95},
        tooltip=tooltip,
        control=False,
    )


def kecamatan_outline_layer(pane: str | None = None) -> folium.GeoJson:
    """Thick, non-interactive kecamatan borders drawn over the kelurahan polygons.

    `pane`: a pane created on the map (base_map uses one above the polygons, so borders stay
    visible whatever order the data layers are added in); None uses Leaflet's overlay pane.
    """
    kec = load_boundaries().kecamatan
    geometries = _geometries("kecamatan")
    features = [
        {
            "type": "Feature",
            "id": kode,
            "geometry": geometries[kode],
            "properties": safe_props({"kode": kode, "nama": nama}),
        }
        for kode, nama in kec["nama"].items()
    ]
    options: dict[str, Any] = {"interactive": False}
    if pane:
        options["pane"] = pane
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Batas kecamatan",
        style_function=lambda f: {"color": OUTLINE, "weight": 2.5, "fill": False, "opacity": 0.9},
        control=False,
        **options,
    )


def label_point(geometry: Polygon | MultiPolygon) -> tuple[float, float]:
    """(lon, lat) of the pole of inaccessibility of the largest part: the point deepest inside
    the polygon, where a label has the most room (a centroid can fall outside a crescent)."""
    part = max(geometry.geoms, key=lambda g: g.area) if isinstance(geometry, MultiPolygon) else geometry
    pt = polylabel(part, tolerance=1e-5)
    return float(pt.x), float(pt.y)


def short_name(nama: str) -> str:
    """Abbreviation used when the full name finds no free room: "Gading Kasri" -> "G. Kasri",
    "Bandungrejosari" -> "Bandungrj."; short names stay as they are."""
    words = nama.split()
    if len(words) > 1:
        return " ".join(w[0] + "." for w in words[:-1]) + " " + words[-1]
    return nama if len(nama) <= 9 else nama[:8] + "."


class MetricScale(MacroElement):
    """Leaflet scale bar in km/m only (Indonesia uses the metric system)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )


class FitOnResize(MacroElement):
    """Fit the map to its bounds now and whenever its frame changes size (a tab or expander
    shown, the viewport-sized iframe resized) until the user pans or zooms.

    Leaflet measures a hidden frame as 0 px and fits the city into that; a ResizeObserver on
    the container calls invalidateSize + fitBounds once there is room.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map, bounds) {
            var c = map.getContainer(), moved = false, hidden = false;
            map.on("dragstart", function () { moved = true; });
            ["wheel", "dblclick", "keydown", "touchstart"].forEach(function (ev) {
                c.addEventListener(ev, function () { moved = true; }, {passive: true});
            });
            c.addEventListener("click", function (e) {
                if (e.target.closest && e.target.closest(".leaflet-control-zoom")) { moved = true; }
            });
            function fit() {
                if (c.clientWidth < 10 || c.clientHeight < 10) { hidden = true; return; }
                map.invalidateSize(false);
                // Never animated: a zoom animation started while the frame is hidden or off screen
                // (animation frames throttled) ends late and puts back the zoom of the old size.
                if (!moved || hidden) { map.fitBounds(bounds, {animate: false, reset: true}); }
                hidden = false;
            }
            if (window.ResizeObserver) { new ResizeObserver(fit).observe(c); }
            window.addEventListener("resize", fit);
            fit();
        })({{ this._parent.get_name() }}, {{ this.bounds }});
        {% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitOnResize"
        self.bounds = json.dumps(bounds)


# Label placement in the frame, rerun on every zoom, pan and resize: font scaled to the zoom, each
# label at its polygon's pole of inaccessibility if free, else the nearest free spot (same or
# smaller font, then the abbreviation) with a leader line to its polygon. Smaller kelurahan are
# placed first (they have the least room). Only labels whose point is in view are shown.
_LABEL_LAYOUT_JS = """
(function (map, layer) {
    var ctx = document.createElement("canvas").getContext("2d"), scratch = document.createElement("div");
    var GAP = 2, MIN_FONT = 9;
    // Search order: full name near its point, the abbreviation near its point, then farther out.
    var NEAR = [0, 4, 8], FAR = [12, 18, 25, 33, 42, 52, 63, 75, 88, 102, 118, 135, 155];
    var PHASES = [[NEAR, "nama"], [NEAR, "singkat"], [FAR, "nama"], [FAR, "singkat"]];
    var DIRS = [];
    for (var k = 0; k < 16; k++) { DIRS.push([Math.cos(k * Math.PI / 8), Math.sin(k * Math.PI / 8)]); }
    DIRS.sort(function (a, b) { return Math.abs(a[1]) - Math.abs(b[1]); });  // sideways first: labels are wide
    function plain(s) { scratch.innerHTML = s; return scratch.textContent; }
    // A label's size depends only on its text and font size: measured once, not once per spot tried.
    var sizes = {};
    function measure(text, fs) {
        var key = fs + "|" + text;
        if (!sizes[key]) {
            ctx.font = "600 " + fs + "px system-ui, sans-serif";
            sizes[key] = {w: Math.ceil(ctx.measureText(plain(text)).width) + 4, h: Math.ceil(fs * 1.15) + 2};
        }
        return sizes[key];
    }
    function clash(b, placed) {
        for (var i = 0; i < placed.length; i++) {
            var q = placed[i];
            if (b.x < q.x + q.w + GAP && q.x < b.x + b.w + GAP && b.y < q.y + q.h + GAP && q.y < b.y + b.h + GAP) {
                return true;
            }
        }
        return false;
    }
    function layout() {
        var size = map.getSize();
        if (size.x < 10 || size.y < 10) { return; }
        var fs0 = Math.max(10, Math.min(16, Math.round(11 + (map.getZoom() - 12.5) * 1.5)));
        var styles = [];
        [fs0, fs0 - 1, fs0 - 2].forEach(function (fs) { if (fs >= MIN_FONT) { styles.push([fs, "nama"]); } });
        [fs0 - 1, fs0 - 2].forEach(function (fs) { if (fs >= MIN_FONT) { styles.push([fs, "singkat"]); } });
        var items = [];
        layer.eachLayer(function (mk) {
            var el = mk.getElement();
            if (!el) { return; }
            var p = map.latLngToContainerPoint(mk.getLatLng());
            var inView = p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y;
            el.style.display = inView ? "" : "none";
            if (inView) { items.push({el: el, p: p, pr: mk.feature.properties}); }
        });
        items.sort(function (a, b) { return a.pr.luas - b.pr.luas; });
        // The zoom buttons, the scale and the attribution sit over the map: a label under them cannot be read.
        var placed = [], box = map.getContainer().getBoundingClientRect();
        map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
            var r = c.getBoundingClientRect();
            if (r.width > 0 && r.height > 0) {
                placed.push({x: r.left - box.left, y: r.top - box.top, w: r.width, h: r.height});
            }
        });
        items.forEach(function (it) {
            var best = null;
            search:
            for (var ph = 0; ph < PHASES.length; ph++) {
                var radii = PHASES[ph][0], sts = styles.filter(function (st) { return st[1] === PHASES[ph][1]; });
                for (var r = 0; r < radii.length; r++) {
                    for (var s = 0; s < sts.length; s++) {
                        var fs = sts[s][0], text = it.pr[sts[s][1]], m = measure(text, fs);
                        var dirs = radii[r] === 0 ? [[0, 0]] : DIRS;
                        for (var d = 0; d < dirs.length; d++) {
                            var dx = Math.round(dirs[d][0] * (radii[r] + (radii[r] ? m.w / 2 : 0)));
                            var dy = Math.round(dirs[d][1] * (radii[r] + (radii[r] ? m.h / 2 : 0)));
                            var b = {x: it.p.x + dx - m.w / 2, y: it.p.y + dy - m.h / 2, w: m.w, h: m.h};
                            if (b.x < 1 || b.y < 1 || b.x + b.w > size.x - 1 || b.y + b.h > size.y - 1) { continue; }
                            if (!clash(b, placed)) {
                                best = {b: b, dx: dx, dy: dy, fs: fs, text: text, r: radii[r]};
                                break search;
                            }
                        }
                    }
                }
            }
            if (!best) {  // no free room at all: smallest abbreviation on its point
                var last = styles[styles.length - 1], mm = measure(it.pr[last[1]], last[0]);
                best = {b: {x: it.p.x - mm.w / 2, y: it.p.y - mm.h / 2, w: mm.w, h: mm.h}, dx: 0, dy: 0,
                        fs: last[0], text: it.pr[last[1]], r: 0};
            }
            placed.push(best.b);
            var div = it.el.querySelector(".nama"), line = it.el.querySelector(".garis");
            var dot = it.el.querySelector(".titik");
            if (div.getAttribute("data-teks") !== best.text) {
                div.innerHTML = best.text;  // an html-escaped property, as in the marker markup
                div.setAttribute("data-teks", best.text);
            }
            div.title = "";
            div.style.fontSize = best.fs + "px";
            div.style.width = best.b.w + "px";
            div.style.left = best.dx + "px";
            div.style.top = best.dy + "px";
            var far = best.r >= 8;
            line.style.display = dot.style.display = far ? "block" : "none";
            if (far) {
                var len = Math.sqrt(best.dx * best.dx + best.dy * best.dy);
                var shrink = Math.max(0, len - Math.min(best.b.w, best.b.h) / 2);
                line.style.width = shrink + "px";
                line.style.transform = "rotate(" + Math.atan2(best.dy, best.dx) + "rad)";
            }
        });
        var c = map.getContainer();
        c.setAttribute("data-label-layout", String(Number(c.getAttribute("data-label-layout") || 0) + 1));
    }
    var pending = false;
    function schedule() {
        if (pending) { return; }
        pending = true;
        requestAnimationFrame(function () { pending = false; layout(); });
    }
    map.on("zoomend moveend resize viewreset", schedule);
    schedule();
    // Leaflet's stylesheet may arrive after this first layout (the frame loads it beside the script): until
    // then the buttons are neither in their corners nor their size. Lay out again once it applies.
    var waits = 0;
    (function again() {
        var corner = map.getContainer().querySelector(".leaflet-top");
        if (corner && getComputedStyle(corner).position !== "absolute" && waits++ < 200) {
            setTimeout(again, 50);
        } else if (waits) {
            schedule();
        }
    })();
})
"""


class LabelLayout(MacroElement):
    """Collision-aware placement of the kelurahan labels of ``layer`` (see _LABEL_LAYOUT_JS)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        + _LABEL_LAYOUT_JS
        + "({{ this._parent.get_name() }}, {{ this.layer.get_name() }});{% endmacro %}"
    )

    def __init__(self, layer: folium.GeoJson):
        super().__init__()
        self._name = "LabelLayout"
        self.layer = layer


def label_layer(level: Literal["kelurahan", "kecamatan"] = "kelurahan") -> folium.GeoJson:
    """Text labels (official names) at each polygon's pole of inaccessibility, as a GeoJson of points.

    Each point becomes a non-interactive L.marker with an L.divIcon in the label pane (above
    point clusters); the name and its abbreviation are html-escaped in the properties and only
    ever put into fixed markup. LabelLayout sizes and places them without overlaps.
    """
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": list(_label_features(level))},
        name=f"Nama {level}",
        control=False,
        point_to_layer=JsCode(_LABEL_POINT_TO_LAYER),
    )


@functools.lru_cache(maxsize=2)
def _label_features(level: Literal["kelurahan", "kecamatan"]) -> tuple[dict, ...]:
    """The label points of ``level`` (cached: the poles of inaccessibility cost ~20 ms per map and never
    change; folium only reads them, a GeoJson without style function adds no id)."""
    b = load_boundaries()
    gdf = b.kelurahan if level == "kelurahan" else b.kecamatan
    features = []
    for kode, row in gdf.iterrows():
        lon, lat = label_point(row.geometry)
        props = {
            "kode": kode,
            "nama": row.nama,
            "singkat": short_name(row.nama),
            "tingkat": level,
            "luas": round(float(row.geometry.area) * 1e6, 1),
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": safe_props(props),
            }
        )
    return tuple(features)


# --------------------------------------------------------------------------- points


@dataclass(frozen=True)
class PointsLayer:
    layer: folium.plugins.FastMarkerCluster | folium.plugins.HeatMap
    total: int  # rows with valid coordinates
    shown: int  # rows sent to the browser
    palette: list[str] = field(default_factory=list)  # cluster rows carry an index into it (row[2])

    @property
    def capped(self) -> bool:
        return self.shown < self.total


def _point_colors(pts: pd.DataFrame, color_col: str, status_col: str) -> list[str]:
    """Per-row colour: a valid hex in `color_col`, else by status; never free text."""
    n = len(pts)
    status = pts[status_col] if status_col in pts else pd.Series([None] * n, index=pts.index)
    colors = status.map(lambda s: STATUS_COLORS.get(str(s), DEFAULT_POINT_COLOR))
    if color_col in pts:
        given = pts[color_col]
        valid = given.map(lambda c: isinstance(c, str) and bool(_HEX_COLOR.match(c)))
        colors = colors.where(~valid, given)
    return colors.tolist()


def _point_id(value: Any) -> int | str | None:
    """Ids are numbers in the database; anything else is escaped like any other text."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():  # int column holding NaN became float
        return int(value)
    return html.escape(str(value))


def points_layer(
    df: pd.DataFrame,
    *,
    mode: Literal["cluster", "heat"] = "cluster",
    max_points: int = 20_000,
    lon: str = "lon",
    lat: str = "lat",
    id_col: str = "id",
    status_col: str = "status",
    color_col: str = "warna",
    name: str = "Aspirasi",
) -> PointsLayer:
    """Aspirasi points as one clustered circle-marker layer or a heat map.

    Rows without coordinates are dropped. Beyond `max_points`, a fixed random sample
    (seed 0: the same on every rerun, density preserved) is sent; `capped` reports it.
    Colour: `color_col` when it holds a hex colour, else by `status_col` (STATUS_COLORS).
    """
    pts = df[df[lon].notna() & df[lat].notna()]
    total = len(pts)
    if total > max_points:
        pts = pts.sample(n=max_points, random_state=0).sort_index()
    if mode == "heat":
        layer = folium.plugins.HeatMap(
            pts[[lat, lon]].to_numpy(dtype=float).round(POINT_DECIMALS).tolist(),
            name=name,
            radius=18,
            blur=15,
            min_opacity=0.35,
            gradient=HEAT_GRADIENT,
            control=False,
        )
    elif mode == "cluster":
        ids = pts[id_col].tolist() if id_col in pts else [None] * len(pts)
        colours = _point_colors(pts, color_col, status_col)
        palette = sorted(set(colours))
        index = {c: n for n, c in enumerate(palette)}
        rows = [
            [round(float(y), POINT_DECIMALS), round(float(x), POINT_DECIMALS), index[colour], _point_id(i)]
            for y, x, colour, i in zip(pts[lat].tolist(), pts[lon].tolist(), colours, ids, strict=True)
        ]
        layer = folium.plugins.FastMarkerCluster(
            [],
            callback=_circle_callback(palette),
            name=name,
            control=False,
            chunked_loading=True,
            show_coverage_on_hover=False,
            disable_clustering_at_zoom=17,
        )
        # The rows are already plain floats without NaN (the filter above); folium's per-row
        # validate_location would cost ~20 ms per 3,000 points on every map built.
        layer.data = rows
    else:
        raise ValueError(f"mode tidak dikenal: {mode!r}")
    use_local_assets(layer)
    return PointsLayer(layer=layer, total=total, shown=len(pts), palette=palette if mode == "cluster" else [])


def detail_points_layer(df: pd.DataFrame, *, name: str = "Aspirasi terbuka") -> folium.GeoJson:
    """Points of ONE kelurahan with their titles in a tooltip (detail for the selected kelurahan).

    Citizen text (judul) travels only as html-escaped GeoJSON properties shown by GeoJsonTooltip,
    never through Marker popups/tooltips (DESIGN.md section 4). Expects columns id, nomor, lat,
    lon, status, judul, kategori, umur_hari.
    """
    colors = _point_colors(df, "warna", "status") if len(df) else []
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
            "properties": safe_props(
                {
                    "id": _point_id(r.id),
                    "nomor": str(r.nomor),
                    "judul": str(r.judul),
                    "kategori": str(r.kategori),
                    "umur": f"{int(r.umur_hari)} hari",
                    "warna": colour,
                }
            ),
        }
        for r, colour in zip(df.itertuples(index=False), colors, strict=True)
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        control=False,
        marker=folium.CircleMarker(radius=7, weight=1.5, color="#ffffff", fill=True, fill_opacity=0.95),
        style_function=lambda f: {"fillColor": f["properties"]["warna"]},
        tooltip=folium.GeoJsonTooltip(
            fields=["nomor", "judul", "kategori", "umur"], aliases=["Nomor", "Judul", "Kategori", "Umur"]
        ),
    )


# --------------------------------------------------------------------------- clicks / output


def kelurahan_from_click(returned: Any) -> str | None:
    """Kelurahan code of a clicked polygon, or None.

    Accepts the feature st_folium reports as `last_active_drawing`, or st_folium's whole
    return dict. Only one of the 57 known codes is ever returned.
    """
    if not isinstance(returned, dict):
        return None
    feature = returned.get("last_active_drawing", returned)
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties")
    if not isinstance(props, dict):
        return None
    kode = props.get("kode")
    return kode if isinstance(kode, str) and kode in kelurahan_codes() else None


def map_html(m: folium.Map) -> str:
    """The complete HTML document of a map (for tests and benchmarks)."""
    return m.get_root().render()


_URL_HOST = re.compile(r"""https?://([^/\s"'<>\\)`?#]+)""", re.IGNORECASE)
_PROTOCOL_RELATIVE = re.compile(r"""(?:src|href)\s*=\s*["']//([^/\s"'<>]+)""", re.IGNORECASE)


def external_hosts(text: str) -> set[str]:
    """Every host referenced by an http(s) or protocol-relative URL, lower-cased, no port."""
    hosts = set()
    for match in [*_URL_HOST.finditer(text), *_PROTOCOL_RELATIVE.finditer(text)]:
        netloc = match.group(1).rsplit("@", 1)[-1]
        host = urlsplit(f"//{netloc}").hostname
        if host:
            hosts.add(host)
    return hosts
