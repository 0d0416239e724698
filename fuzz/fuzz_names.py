"""Fuzz the kelurahan name resolver: never raises; a match is always one of the 57 official codes and
resolving the official name of a match gives the same code back."""

from __future__ import annotations

import sys

import _common  # noqa: F401  (puts the project on sys.path)
import atheris

atheris.enabled_hooks.add("str")
with atheris.instrument_imports(include=["geo.names"]):
    from geo.names import _index, resolve_kecamatan, resolve_kelurahan

OFFICIAL = _index().official


def test_one_input(raw: bytes) -> None:
    text = raw[:400].decode("utf-8", "replace")
    match = resolve_kelurahan(text)
    assert match.query == text.strip()
    if match.found:
        assert match.kode in OFFICIAL and match.nama == OFFICIAL[match.kode]
        assert resolve_kelurahan(match.nama).kode == match.kode
    else:
        assert all(s in OFFICIAL.values() for s in match.suggestions)
        assert len(match.suggestions) <= 3
    match.message()
    resolve_kecamatan(text)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
