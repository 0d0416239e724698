"""Spatial joins: which kelurahan a point lies in, and random points inside a kelurahan."""

from __future__ import annotations

import functools

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.boundaries import load_boundaries


@functools.lru_cache(maxsize=1)
def _tree() -> tuple[shapely.STRtree, np.ndarray]:
    kel = load_boundaries().kelurahan
    return shapely.STRtree(kel.geometry.values), kel.index.to_numpy()


def assign_kelurahan(lons, lats) -> np.ndarray:
    """Kelurahan code for each (lon, lat); None where the point is outside Kota Malang."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    points = shapely.points(lons, lats)
    tree, codes = _tree()
    point_idx, poly_idx = tree.query(points, predicate="intersects")
    result = np.full(len(points), None, dtype=object)
    # A point on a shared border belongs to the first polygon found; the partition has no overlaps.
    seen = np.zeros(len(points), dtype=bool)
    for p, g in zip(point_idx, poly_idx, strict=True):
        if not seen[p]:
            result[p] = codes[g]
            seen[p] = True
    return result


def kelurahan_at(lon: float, lat: float) -> str | None:
    """Kelurahan code of one point, or None outside the city."""
    return assign_kelurahan([lon], [lat])[0]


def polygon_of(kode: str) -> BaseGeometry:
    return load_boundaries().kelurahan.geometry.loc[kode]


def random_points_in(kode: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniformly random points inside kelurahan ``kode`` (rejection sampling in its bbox)."""
    poly = polygon_of(kode)
    shapely.prepare(poly)
    min_x, min_y, max_x, max_y = poly.bounds
    lons = np.empty(0)
    lats = np.empty(0)
    while len(lons) < n:
        batch = max(16, int((n - len(lons)) * 2.5))
        xs = rng.uniform(min_x, max_x, batch)
        ys = rng.uniform(min_y, max_y, batch)
        inside = shapely.contains_xy(poly, xs, ys)
        lons = np.concatenate([lons, xs[inside]])
        lats = np.concatenate([lats, ys[inside]])
    return lons[:n], lats[:n]
