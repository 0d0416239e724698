"""Fuzz the upload reader: ``read_table`` must never raise, whatever the bytes and the file name.

The first byte picks the file name's extension, the rest is the file content.
"""

from __future__ import annotations

import sys

import _common  # noqa: F401  (puts the project on sys.path)
import atheris

atheris.enabled_hooks.add("str")
with atheris.instrument_imports(include=["db.tabular"]):
    from db.tabular import Table, iter_rows, read_table

EXT = ["data.csv", "data.xlsx", "data.txt", "data.tsv", "data", "data.xls", "data.xlsm", "data.pdf"]


def test_one_input(raw: bytes) -> None:
    if not raw:
        return
    name = EXT[raw[0] % len(EXT)]
    tabel = read_table(raw[1:], name, max_rows=2_000)
    assert isinstance(tabel, Table)
    for p in tabel.problems:
        assert isinstance(p.alasan, str) and p.alasan
    if tabel.ok:
        for _ in iter_rows(tabel):
            pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
