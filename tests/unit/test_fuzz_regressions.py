"""Inputs the fuzzer (fuzz/, `make fuzz`) once crashed on, replayed on every test run."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.tabular import read_table

REGRESSIONS = Path(__file__).resolve().parents[2] / "fuzz" / "regressions"
EXT = ["data.csv", "data.xlsx", "data.txt", "data.tsv", "data", "data.xls", "data.xlsm", "data.pdf"]


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("tabular-*")), ids=lambda p: p.name)
def test_tabular_crash_inputs_are_problems_not_exceptions(path):
    raw = path.read_bytes()
    tabel = read_table(raw[1:], EXT[raw[0] % len(EXT)])
    assert not tabel.ok
    assert all(p.alasan for p in tabel.problems)


def test_damaged_zip_with_undecodable_member_name():
    """zipfile raises UnicodeDecodeError (not BadZipFile) for a non-UTF-8 name flagged as UTF-8."""
    raw = (REGRESSIONS / "tabular-zip-utf8-name").read_bytes()[1:]
    tabel = read_table(raw, "aspirasi.xlsx")
    assert [p.alasan for p in tabel.problems] == ["Berkas .xlsx rusak atau bukan berkas Excel."]
