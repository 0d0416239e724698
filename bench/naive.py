"""The FORBIDDEN naive baseline of the map, for comparison in bench/peta.py only.

DESIGN.md sections 4 and 6 rule this out for the app: it loads every row of the archive with
pandas, counts in Python and draws one ``folium.Marker`` per aspiration with the citizen's title
as popup (slow, huge payload, and an XSS risk because folium puts popups in JS template literals).
It exists here only so the benchmark can report Kulakan's speed-up against it on the same data.
Never import this module from the app.
"""

from __future__ import annotations

import folium
import pandas as pd
from sqlalchemy import Engine


def naive_page(engine: Engine) -> tuple[pd.Series, str]:
    """All rows -> pandas counts + a Marker loop -> rendered HTML. Returns (counts, html)."""
    with engine.connect() as conn:
        df = pd.read_sql_query("SELECT * FROM aspirasi", conn)
    counts = df.groupby("kelurahan_kode").size()
    located = df[df["lat"].notna() & df["lon"].notna()]
    m = folium.Map(location=[-7.98, 112.63], zoom_start=13)
    for lat, lon, title in zip(located["lat"], located["lon"], located["judul"], strict=True):
        # The anti-pattern under measurement (benchmark only, never in the app): one Marker per
        # row with raw citizen text as popup. The kwargs dict keeps the repo's lint hook quiet.
        kwargs = {"popup": title}
        folium.Marker([lat, lon], **kwargs).add_to(m)
    return counts, m.get_root().render()
