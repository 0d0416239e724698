"""Optional PostGIS: kelurahan geometry inside PostgreSQL and point assignment with ST_Contains.

Only when the database is PostgreSQL and the `postgis` extension is available; everything else in
Kulakan works without it (geo.spatial does the same assignment in Python with shapely). Set up with
`python -m db postgis`. The table lives outside the Alembic schema because it exists only there.
"""

from __future__ import annotations

import json

from shapely.geometry import MultiPolygon, mapping
from sqlalchemy import Engine, text

from geo.boundaries import load_boundaries

TABLE = "kelurahan_geom"


def postgis_available(engine: Engine) -> bool:
    """True when this is PostgreSQL and the postgis extension can be (or is) installed."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")))


def prepare_postgis(engine: Engine) -> int:
    """Create the extension and the geometry table, and (re)load the 57 polygons. Idempotent."""
    if not postgis_available(engine):
        raise RuntimeError("PostGIS tidak tersedia di basis data ini (butuh PostgreSQL dengan ekstensi postgis).")
    kel = load_boundaries().kelurahan
    rows = [
        {"kode": kode, "geom": json.dumps(mapping(g if g.geom_type == "MultiPolygon" else MultiPolygon([g])))}
        for kode, g in kel.geometry.items()
    ]
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                " kode VARCHAR(13) PRIMARY KEY REFERENCES kelurahan(kode),"
                " geom geometry(MultiPolygon, 4326) NOT NULL)"
            )
        )
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_geom ON {TABLE} USING GIST (geom)"))
        conn.execute(
            text(
                f"INSERT INTO {TABLE} (kode, geom) VALUES (:kode, ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326)) "
                "ON CONFLICT (kode) DO UPDATE SET geom = EXCLUDED.geom"
            ),
            rows,
        )
    return len(rows)


def postgis_active(engine: Engine) -> bool:
    """True when the geometry table has been set up in this database."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        return conn.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": TABLE})


def kelurahan_at_point(engine: Engine, lon: float, lat: float) -> str | None:
    """Kelurahan code containing the point (ST_Contains), or None outside Kota Malang."""
    with engine.connect() as conn:
        return conn.scalar(
            text(
                f"SELECT kode FROM {TABLE} WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
                "ORDER BY kode LIMIT 1"
            ),
            {"lon": float(lon), "lat": float(lat)},
        )


def aspirasi_outside_kelurahan(engine: Engine) -> int:
    """How many located aspirations lie outside their recorded kelurahan (a data-quality check in SQL)."""
    with engine.connect() as conn:
        return conn.scalar(
            text(
                f"SELECT count(*) FROM aspirasi a JOIN {TABLE} g ON g.kode = a.kelurahan_kode "
                "WHERE a.lat IS NOT NULL AND NOT ST_Contains(g.geom, ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326))"
            )
        )
