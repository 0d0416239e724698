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
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.utilities import JsCode
from jinja2 import Template
from shapely.geometry import mapping

from db.format import angka_ringkas
from geo.assets import use_local_assets
from geo.boundaries import load_boundaries

# ColorBrewer YlOrRd, 5 classes: sequential, light = low, dark = high; readable on a projector.
PALETTE: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
BACKGROUND = "#e9ecef"  # shown where there are no tiles; distinct from the lightest class
BORDER = "#ffffff"
OUTLINE = "#343a40"
OUTLINE_PANE = "batas_kecamatan"  # above polygons (overlayPane 400), below labels (600)
MISSING = "-"

# Colour of an aspirasi point by status code (db/domain.py STATUS_ASPIRASI): open = warm.
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

# Styles for the map document: background without tiles, small haloed labels, big tooltips.
_MAP_CSS = f"""<style>
  div.leaflet-container {{ background: {BACKGROUND}; }}  /* beats leaflet.css, loaded later */
  .kulakan-label {{ background: none; border: none; }}
  .kulakan-label div {{
    position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
    font: 600 11px/1.1 system-ui, sans-serif; color: #212529; pointer-events: none;
    text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;
  }}
  .kulakan-label.kecamatan div {{ font-size: 13px; text-transform: uppercase; }}
  /* Small kelurahan are labelled only when zoomed in, so the names never pile up. */
  .kz-lt13 .kulakan-label.min13, .kz-lt14 .kulakan-label.min13, .kz-lt14 .kulakan-label.min14 {{ display: none; }}
  .foliumtooltip {{ font-size: 14px; }}
</style>"""

# Label marker for a GeoJSON point: the text is the html-escaped property (see safe_props),
# inserted into fixed markup; never clickable, so clicks reach the polygon underneath.
_LABEL_POINT_TO_LAYER = """function (feature, latlng) {
    return L.marker(latlng, {
        icon: L.divIcon({
            className: "kulakan-label " + feature.properties.tingkat + " min" + feature.properties.minzoom,
            html: "<div>" + feature.properties.nama + "</div>",
            iconSize: null
        }),
        interactive: false,
        keyboard: false
    });
}"""

# FastMarkerCluster callback: row = [lat, lon, colour, id]; colour is a validated hex code
# and id a number, so no user text reaches the map. `feature` makes a click return the id.
_CIRCLE_CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: "#ffffff", weight: 1, fillColor: row[2], fillOpacity: 0.9
    });
    marker.feature = {type: "Feature", properties: {id: row[3]}};
    return marker;
}"""

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


def format_angka(value: float) -> str:
    """Indonesian number format: 1.234 for whole numbers, 1.234,5 otherwise (as on screen)."""
    return angka_ringkas(value)


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


def legend_entries(values: pd.Series, fmt: Formatter = format_angka) -> list[tuple[str, str]]:
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
        control_scale=True,
        height=height,
        width=width,
    )
    # Without tiles Leaflet has no zoom limits, and markercluster refuses a map with no maxZoom.
    # Fractional zoom lets fitBounds fill the frame (projector) instead of snapping a level out.
    m.options.update(min_zoom=11, max_zoom=18, zoom_snap=0.25, zoom_delta=0.5)
    use_local_assets(m)
    m.get_root().header.add_child(folium.Element(_MAP_CSS), name="kulakan_css")
    if basemap:
        folium.TileLayer(OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19, control=False).add_to(m)
    if outlines:
        folium.map.CustomPane(OUTLINE_PANE, z_index=450, pointer_events=False).add_to(m)
        kecamatan_outline_layer(pane=OUTLINE_PANE).add_to(m)
    if labels:
        label_layer().add_to(m)
        ZoomClasses().add_to(m)
    m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
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
    fmt: Formatter = format_angka,
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
    features = []
    for kode, row in kel.iterrows():
        props = {"kode": kode, "nama": row["nama"], "kecamatan": row["kecamatan"]}
        props["nilai"] = _format(vals[kode], fmt)
        for key, series in zip(extra_keys, extra.values(), strict=True):
            props[key] = _format(series.get(kode), fmt)
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


def _label_min_zoom(area_km2: float) -> int:
    """Zoom from which a label shows: large kelurahan always, small ones only zoomed in."""
    if area_km2 >= 1.2:
        return 12
    return 13 if area_km2 >= 0.6 else 14


class ZoomClasses(MacroElement):
    """Marks the map container with kz-lt13 / kz-lt14 below those zooms (drives label CSS)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map) {
            function mark() {
                var z = map.getZoom(), c = map.getContainer();
                c.classList.toggle("kz-lt13", z < 13);
                c.classList.toggle("kz-lt14", z < 14);
            }
            map.on("zoomend", mark);
            mark();
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )


def label_layer(level: Literal["kelurahan", "kecamatan"] = "kelurahan") -> folium.GeoJson:
    """Small text labels (official names) at the label points, as a GeoJson of points.

    Each point becomes a non-interactive L.marker with an L.divIcon; the name is
    html-escaped in the properties and only ever concatenated into fixed markup.
    """
    b = load_boundaries()
    gdf = b.kelurahan if level == "kelurahan" else b.kecamatan
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.label_lon, row.label_lat]},
            "properties": safe_props(
                {"kode": kode, "nama": row.nama, "tingkat": level, "minzoom": _label_min_zoom(row.area_km2)}
            ),
        }
        for kode, row in gdf.iterrows()
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=f"Nama {level}",
        control=False,
        point_to_layer=JsCode(_LABEL_POINT_TO_LAYER),
    )


# --------------------------------------------------------------------------- points


@dataclass(frozen=True)
class PointsLayer:
    layer: folium.plugins.FastMarkerCluster | folium.plugins.HeatMap
    total: int  # rows with valid coordinates
    shown: int  # rows sent to the browser

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
            pts[[lat, lon]].to_numpy(dtype=float).tolist(),
            name=name,
            radius=18,
            blur=15,
            min_opacity=0.35,
            control=False,
        )
    elif mode == "cluster":
        ids = pts[id_col].tolist() if id_col in pts else [None] * len(pts)
        rows = [
            [float(y), float(x), colour, _point_id(i)]
            for y, x, colour, i in zip(
                pts[lat].tolist(), pts[lon].tolist(), _point_colors(pts, color_col, status_col), ids, strict=True
            )
        ]
        layer = folium.plugins.FastMarkerCluster(
            rows,
            callback=_CIRCLE_CALLBACK,
            name=name,
            control=False,
            chunked_loading=True,
            show_coverage_on_hover=False,
            disable_clustering_at_zoom=17,
        )
    else:
        raise ValueError(f"mode tidak dikenal: {mode!r}")
    use_local_assets(layer)
    return PointsLayer(layer=layer, total=total, shown=len(pts))


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
