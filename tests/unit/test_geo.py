"""Reference geography: validation, name normalisation and point-in-polygon."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from geo.boundaries import BoundaryError, check_against_database, load_boundaries, validate
from geo.names import name_key, resolve_kecamatan, resolve_kelurahan
from geo.spatial import assign_kelurahan, kelurahan_at

SOURCES = Path(__file__).resolve().parents[2] / "geo" / "data" / "SOURCES.md"


def test_boundaries_load_and_validate():
    b = load_boundaries()
    assert len(b.kelurahan) == 57
    assert len(b.kecamatan) == 5
    assert sorted(b.kecamatan["nama"]) == ["Blimbing", "Kedungkandang", "Klojen", "Lowokwaru", "Sukun"]
    assert b.kelurahan.geometry.is_valid.all()
    assert b.wilayah["rw_count"].sum() == 551  # the official 2023 city total
    assert load_boundaries() is b  # loaded once per process


def test_validation_reports_a_missing_kelurahan():
    b = load_boundaries()
    broken = dataclasses.replace(b, kelurahan=b.kelurahan.iloc[1:])
    with pytest.raises(BoundaryError, match="56 kelurahan"):
        validate(broken)


def test_validation_reports_an_invalid_geometry():
    from shapely.geometry import Polygon

    b = load_boundaries()
    kel = b.kelurahan.copy()
    kel.loc[kel.index[0], "geometry"] = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # bow-tie
    with pytest.raises(BoundaryError, match="geometri tidak valid"):
        validate(dataclasses.replace(b, kelurahan=kel))


def test_codes_compared_with_database():
    b = load_boundaries()
    codes = set(b.kelurahan.index)
    assert check_against_database(b, codes) == []
    problems = check_against_database(b, (codes - {"35.73.02.1010"}) | {"35.73.09.1999"})
    assert any("35.73.02.1010" in p for p in problems)
    assert any("35.73.09.1999" in p for p in problems)


def _spelling_table() -> list[tuple[str, list[str]]]:
    """(official, [variants]) from the spelling table in SOURCES.md."""
    text = SOURCES.read_text()
    section = text.split("### Spelling notes")[1].split("\n## ")[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0].startswith(("Kemendagri", "---")):
            continue
        cleaned = re.sub(r"also the misspellings?|the misspellings?|in some lists|\(.*?\)", "", cells[1])
        variants = re.split(r";|,| and ", cleaned)
        rows.append((cells[0], [v.strip() for v in variants if v.strip()]))
    return rows


def test_every_spelling_variant_in_sources_resolves():
    table = _spelling_table()
    assert len(table) == 10
    b = load_boundaries()
    official = dict(zip(b.kelurahan["nama"], b.kelurahan.index, strict=True))
    for name, variants in table:
        for variant in [name, *variants]:
            match = resolve_kelurahan(variant)
            assert match.found, variant
            assert match.kode == official[name], (variant, match)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("GADING KASRI", "Gading Kasri"),
        ("  oro - oro   dowo ", "Oro-oro Dowo"),
        ("Kel. Kota Lama", "Kotalama"),
        ("Kelurahan Rampal-Celaket", "Rampalcelaket"),
        ("35.73.05.1012", "Tasik Madu"),
        ("3573051012", "Tasik Madu"),
        ("Sawojajar", "Sawojajar"),
    ],
)
def test_case_space_hyphen_prefix_and_code(query, expected):
    assert resolve_kelurahan(query).nama == expected


def test_unknown_name_gives_suggestions_not_a_guess():
    match = resolve_kelurahan("Sawojajr")
    assert not match.found and match.kode is None
    assert "Sawojajar" in match.suggestions
    assert "tidak ditemukan" in match.message()
    assert not resolve_kelurahan("Surabaya").found
    assert not resolve_kelurahan("").found
    assert not resolve_kelurahan(None).found


def test_kecamatan_names():
    assert resolve_kecamatan("Kedung Kandang") == "35.73.03"
    assert resolve_kecamatan("lowokwaru") == "35.73.05"
    assert resolve_kecamatan("Batu") is None
    assert name_key("Oro-Oro Dowo") == "oroorodowo"


def test_label_point_of_every_kelurahan_is_assigned_to_it():
    kel = load_boundaries().kelurahan
    codes = assign_kelurahan(kel["label_lon"], kel["label_lat"])
    assert list(codes) == list(kel.index)


def test_points_outside_the_city():
    assert kelurahan_at(112.75, -7.25) is None  # Surabaya
    assert kelurahan_at(0.0, 0.0) is None
    assert kelurahan_at(112.6326, -7.9666) is not None  # Alun-alun area, Klojen
