"""Peta and Aspirasi exports write RW/RT as on screen: zero-padded text ("09", "02"), never 9.0."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import update

from db.aspirasi import map_data as aspirasi_map_data
from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.listing import export
from db.auth.roles import Actor
from db.demo.generate import generate_demo
from db.export import area_nomor, to_csv_bytes
from db.schema import Aspirasi
from tests.conftest import DEMO_TODAY


def test_nomor_wilayah():
    assert [area_nomor(v) for v in (9, 9.0, "9", 12, None, float("nan"), "")] == ["09", "09", "09", "12", "", "", ""]


@pytest.fixture
def engine(ready_engine):
    generate_demo(ready_engine, n_aspirasi=60, seed=2, today=DEMO_TODAY)
    with ready_engine.begin() as conn:
        first = conn.execute(Aspirasi.__table__.select().order_by(Aspirasi.id).limit(2)).all()
        conn.execute(update(Aspirasi).where(Aspirasi.id == first[0].id).values(rw=9, rt=2))
        conn.execute(update(Aspirasi).where(Aspirasi.id == first[1].id).values(rw=None, rt=None))  # makes it float
    return ready_engine, first[0].nomor, first[1].nomor


def _rows(raw: bytes) -> dict[str, dict[str, str]]:
    return {r["nomor"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}


def test_peta_csv(engine):
    eng, with_rw, without = engine
    rows = _rows(to_csv_bytes(aspirasi_map_data.filtered_rows(eng, AspirasiFilter())))
    assert (rows[with_rw]["rw"], rows[with_rw]["rt"]) == ("09", "02")
    assert (rows[without]["rw"], rows[without]["rt"]) == ("", "")
    assert not any(r["rw"].endswith(".0") or r["rt"].endswith(".0") for r in rows.values())


def test_aspirasi_csv_and_xlsx(engine):
    eng, with_rw, _ = engine
    staf = Actor("staf.uji", "staf")
    rows = _rows(export(eng, staf, AspirasiFilter(), "csv", False, "-"))
    assert (rows[with_rw]["rw"], rows[with_rw]["rt"]) == ("09", "02")
    sheet = openpyxl.load_workbook(io.BytesIO(export(eng, staf, AspirasiFilter(), "xlsx", False, "-"))).active
    values = list(sheet.values)
    header = list(values[0])
    row = next(r for r in values[1:] if r[header.index("nomor")] == with_rw)
    assert (row[header.index("rw")], row[header.index("rt")]) == ("09", "02")
