"""Optional PostGIS: point assignment with ST_Contains equals the shapely assignment."""

from __future__ import annotations

import numpy as np
import pytest

from db.demo.generate import generate_demo
from db.postgis import (
    aspirasi_outside_kelurahan,
    kelurahan_at_point,
    postgis_active,
    postgis_available,
    prepare_postgis,
)
from geo.boundaries import load_boundaries
from geo.spatial import assign_kelurahan, random_points_in
from tests.conftest import DEMO_TODAY


def test_not_available_on_sqlite(tmp_path):
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert not postgis_available(engine) and not postgis_active(engine)
    with pytest.raises(RuntimeError, match="PostGIS tidak tersedia"):
        prepare_postgis(engine)


def test_st_contains_agrees_with_shapely(backend, ready_engine):
    if backend != "postgresql":
        pytest.skip("PostGIS adalah ekstensi PostgreSQL; salinan SQLite tes ini tidak berlaku")
    if not postgis_available(ready_engine):
        pytest.fail("PostGIS tidak terpasang di server PostgreSQL ini (scripts/ensure_postgres.sh memasangnya)")
    assert prepare_postgis(ready_engine) == 57
    assert prepare_postgis(ready_engine) == 57  # idempotent
    assert postgis_active(ready_engine)
    kel = load_boundaries().kelurahan
    for kode, row in kel.iterrows():
        assert kelurahan_at_point(ready_engine, row.label_lon, row.label_lat) == kode
    rng = np.random.default_rng(5)
    lons, lats = random_points_in("35.73.03.1004", 50, rng)  # Wonokoyo, a MultiPolygon with an enclave
    expected = assign_kelurahan(lons, lats)
    assert [kelurahan_at_point(ready_engine, x, y) for x, y in zip(lons, lats, strict=True)] == list(expected)
    assert kelurahan_at_point(ready_engine, 112.75, -7.25) is None  # Surabaya
    generate_demo(ready_engine, n_aspirasi=200, seed=2, today=DEMO_TODAY)
    assert aspirasi_outside_kelurahan(ready_engine) == 0
