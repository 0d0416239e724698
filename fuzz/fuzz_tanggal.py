"""Fuzz the date parser: ``parse_date`` returns a date or None, or raises ``InvalidDate`` only."""

from __future__ import annotations

import datetime as dt
import sys

import _common  # noqa: F401  (puts the project on sys.path)
import atheris

atheris.enabled_hooks.add("str")
with atheris.instrument_imports(include=["db.tabular"]):
    from db.tabular import InvalidDate, parse_date


def test_one_input(raw: bytes) -> None:
    text = raw[:400].decode("utf-8", "replace")
    try:
        result = parse_date(text)
    except InvalidDate as exc:
        assert str(exc)
        return
    assert result is None or type(result) is dt.date
    if result is not None:
        # Round trip: the ISO form of what was read reads back as the same day.
        assert parse_date(result.isoformat()) == result


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
