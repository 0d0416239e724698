"""The 57 kelurahan and 5 kecamatan of Kota Malang, loaded once per process and validated.

Data: geo/data/ (see geo/data/SOURCES.md for sources and licences).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
CITY_CODE = "35.73"
KECAMATAN_COUNT = 5
KELURAHAN_COUNT = 57


class BoundaryError(ValueError):
    """The reference geography does not pass validation."""


@dataclass(frozen=True)
class Boundaries:
    kelurahan: gpd.GeoDataFrame  # index: kode; nama, kecamatan_kode, kecamatan, label_lon/lat, area
    kecamatan: gpd.GeoDataFrame  # index: kode; nama, label_lon/lat
    kota: gpd.GeoDataFrame  # one row: the city outline
    wilayah: pd.DataFrame  # index: kode; reference facts per kelurahan (counts, postal code, aliases)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lon, min_lat, max_lon, max_lat) of the city."""
        return tuple(float(v) for v in self.kota.total_bounds)  # type: ignore[return-value]


def _read_geojson(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(DATA_DIR / name)


def read_areas() -> pd.DataFrame:
    """Per-kelurahan reference facts, joined with the indicative RT/RW series of rt_rw.csv."""
    wilayah = pd.read_csv(DATA_DIR / "wilayah.csv", dtype=str, keep_default_na=False)
    rt_rw = pd.read_csv(DATA_DIR / "rt_rw.csv", dtype={"kode": str})
    wilayah = wilayah.drop(columns=["rw_count", "rt_count"]).merge(
        rt_rw[["kode", "rw_count", "rt_count"]], on="kode", how="left", validate="one_to_one"
    )
    if not wilayah["kode"].is_unique:
        raise BoundaryError("kode ganda di wilayah.csv")
    return wilayah.set_index("kode")


def validate(b: Boundaries) -> None:
    """Raise BoundaryError with every problem found; return quietly when the data is sound."""
    problems: list[str] = []
    kel, kec = b.kelurahan, b.kecamatan
    if len(kel) != KELURAHAN_COUNT:
        problems.append(f"{len(kel)} kelurahan, diharapkan {KELURAHAN_COUNT}")
    if len(kec) != KECAMATAN_COUNT:
        problems.append(f"{len(kec)} kecamatan, diharapkan {KECAMATAN_COUNT}")
    if not kel.index.is_unique:
        problems.append("kode kelurahan ganda")
    if not kel.index.str.match(r"^35\.73\.0[1-5]\.1\d{3}$").all():
        problems.append("kode kelurahan tidak berformat 35.73.KK.1NNN")
    if not (kel.geometry.is_valid & ~kel.geometry.is_empty).all():
        bad = list(kel.index[~kel.geometry.is_valid])
        problems.append(f"geometri tidak valid: {bad}")
    if kel.crs is None or kel.crs.to_epsg() != 4326:
        problems.append("CRS kelurahan bukan EPSG:4326")
    unknown_kec = set(kel["kecamatan_kode"]) - set(kec.index)
    if unknown_kec:
        problems.append(f"kelurahan merujuk kecamatan tak dikenal: {sorted(unknown_kec)}")
    if set(b.wilayah.index) != set(kel.index):
        problems.append("kode di wilayah.csv tidak sama dengan kode poligon")
    elif b.wilayah[["rw_count", "rt_count"]].isna().any().any():
        problems.append("jumlah RW/RT kosong untuk sebagian kelurahan")
    if problems:
        raise BoundaryError("; ".join(problems))


@functools.lru_cache(maxsize=1)
def load_boundaries() -> Boundaries:
    """Load and validate the reference geography; cached for the life of the process."""
    kel = _read_geojson("kelurahan.geojson").rename(columns={"kelurahan": "nama", "kode_kec": "kecamatan_kode"})
    kel = kel.set_index("kode").sort_index()
    kec = _read_geojson("kecamatan.geojson").rename(columns={"kecamatan": "nama"})
    kec = kec.set_index("kode").sort_index()
    kota = _read_geojson("kota_malang.geojson")
    b = Boundaries(kelurahan=kel, kecamatan=kec, kota=kota, wilayah=read_areas())
    validate(b)
    return b


def check_against_database(b: Boundaries, database_codes: set[str]) -> list[str]:
    """Differences between the polygon codes and the kelurahan codes stored in the database."""
    polygons = set(b.kelurahan.index)
    problems = []
    if missing := sorted(polygons - database_codes):
        problems.append(f"kelurahan belum ada di basis data: {missing}")
    if extra := sorted(database_codes - polygons):
        problems.append(f"kelurahan di basis data tanpa poligon: {extra}")
    return problems
