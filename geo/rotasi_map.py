"""The rotation map: the 57 kelurahan coloured by their state in the current rembuk cycle.

A categorical counterpart of ``geo.maps.choropleth_layer`` (which is numeric): ONE ``folium.GeoJson``
layer, colours by state, a ``GeoJsonTooltip`` with name, kecamatan, state and date. Every string
goes through ``geo.maps.safe_props``; no Streamlit here (DESIGN.md sections 3-4).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import folium
import pandas as pd

from db.rotasi.planner import ROTASI_STATUSES
from geo.boundaries import load_boundaries
from geo.maps import BORDER, MISSING, OUTLINE, _geometries, safe_props

# State -> fill colour: done = green, next = strong red, scheduled = orange, not yet = light grey.
ROTASI_COLORS: dict[str, str] = {
    "sudah": "#1a9850",
    "berikutnya": "#d7301f",
    "dijadwalkan": "#fdae61",
    "belum": "#ced4da",
}
ORDER = ("berikutnya", "dijadwalkan", "belum", "sudah")  # legend order
DEFAULT_STATE = "belum"


def _state(value) -> str:
    return value if isinstance(value, str) and value in ROTASI_COLORS else DEFAULT_STATE


def rotasi_layer(
    status: pd.Series,
    tanggal: Mapping[str, str] | pd.Series | None = None,
    *,
    name: str = "Rotasi rembuk",
) -> folium.GeoJson:
    """ONE GeoJson of the 57 kelurahan coloured by rotation state.

    ``status``: Series kode -> state code (sudah / berikutnya / dijadwalkan / belum); a kelurahan
    missing or with an unknown state counts as 'belum'. ``tanggal``: kode -> the date to show
    (already formatted text: visit date or planned date); missing shown as "-".
    Feature id and property ``kode`` are the kelurahan code (a click returns it).
    """
    kel = load_boundaries().kelurahan
    dates = dict(tanggal.items()) if tanggal is not None else {}
    geometries = _geometries("kelurahan")
    fill: dict[str, str] = {}
    features = []
    for kode, row in kel.iterrows():
        state = _state(status.get(kode))
        fill[kode] = ROTASI_COLORS[state]
        date = dates.get(kode)
        props = {
            "kode": kode,
            "nama": row["nama"],
            "kecamatan": row["kecamatan"],
            "status": ROTASI_STATUSES[state],
            "tanggal": str(date) if date not in (None, "") and not pd.isna(date) else MISSING,
        }
        features.append({"type": "Feature", "id": kode, "properties": safe_props(props), "geometry": geometries[kode]})
    tooltip = folium.GeoJsonTooltip(
        fields=["nama", "kecamatan", "status", "tanggal"],
        aliases=[html.escape(a) for a in ("Kelurahan", "Kecamatan", "Status rotasi", "Tanggal")],
        sticky=True,
    )
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: {"fillColor": fill[f["id"]], "fillOpacity": 0.85, "color": BORDER, "weight": 1.2},
        highlight_function=lambda f: {"color": OUTLINE, "weight": 3, "fillOpacity": 0.95},
        tooltip=tooltip,
        control=False,
    )


def rotasi_legend(status: pd.Series) -> list[tuple[str, str]]:
    """(label with count, colour) per state, for ui.components.legend; counts over the 57 kelurahan."""
    codes = load_boundaries().kelurahan.index
    counts = pd.Series([_state(status.get(k)) for k in codes]).value_counts()
    return [(f"{ROTASI_STATUSES[s]} ({int(counts.get(s, 0))})", ROTASI_COLORS[s]) for s in ORDER]


# --------------------------------------------------------------------------- Mode Rembuk (one kelurahan)

# Colour of an RW point by the state of its aspirations (db.rembuk.mode.mode_rembuk_data titik_rw.status).
RW_POINT_COLORS: dict[str, str] = {"lewat_tenggat": "#bd0026", "terbuka": "#fd8d3c", "selesai": "#1a9850"}
RW_POINT_LABELS: dict[str, str] = {
    "lewat_tenggat": "Ada yang lewat tenggat",
    "terbuka": "Ada yang terbuka",
    "selesai": "Semua selesai",
}


def kelurahan_bounds(kode: str, pad: float = 0.002) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of one kelurahan, padded a little (degrees)."""
    min_lon, min_lat, max_lon, max_lat = load_boundaries().kelurahan.loc[kode].geometry.bounds
    return (min_lon - pad, min_lat - pad, max_lon + pad, max_lat + pad)


def focus_layer(kode: str) -> folium.GeoJson:
    """The chosen kelurahan as one outlined polygon (no fill), non-interactive."""
    row = load_boundaries().kelurahan.loc[kode]
    feature = {
        "type": "Feature",
        "id": kode,
        "properties": safe_props({"kode": kode, "nama": row["nama"]}),
        "geometry": _geometries("kelurahan")[kode],
    }
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": [feature]},
        name="Kelurahan tuan rumah",
        style_function=lambda f: {"color": "#0b3d91", "weight": 4, "fillColor": "#0b3d91", "fillOpacity": 0.06},
        control=False,
        interactive=False,
    )


def rw_points_layer(titik: pd.DataFrame) -> folium.GeoJson:
    """RW-level points (one per RW, averaged position) as circle markers coloured by status.

    Only numbers and the RW go into the tooltip, never text written by citizens. Expects columns
    rw, lat, lon, jumlah, terbuka, status (see ``db.rembuk.mode.ModeRembuk.titik_rw``).
    """
    features = []
    for r in titik.itertuples(index=False):
        if pd.isna(r.lat) or pd.isna(r.lon):
            continue
        state = r.status if r.status in RW_POINT_COLORS else "terbuka"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
                "properties": safe_props(
                    {
                        "rw": f"RW {int(r.rw):02d}",
                        "jumlah": int(r.jumlah),
                        "terbuka": int(r.terbuka),
                        "keadaan": RW_POINT_LABELS[state],
                        "warna": RW_POINT_COLORS[state],
                        "radius": 8 + min(int(r.jumlah), 30) // 2,
                    }
                ),
            }
        )
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Aspirasi per RW",
        control=False,
        marker=folium.CircleMarker(radius=10, weight=2, color="#ffffff", fill=True, fill_opacity=0.95),
        style_function=lambda f: {"fillColor": f["properties"]["warna"], "radius": f["properties"]["radius"]},
        tooltip=folium.GeoJsonTooltip(
            fields=["rw", "jumlah", "terbuka", "keadaan"], aliases=["RW", "Aspirasi", "Terbuka", "Keadaan"]
        ),
    )
