"""One normalisation function and one alias table for kelurahan and kecamatan names.

The alias table is the `alias` column of geo/data/wilayah.csv (variants seen in public material).

Every spelling variant in geo/data/SOURCES.md resolves to the official Kemendagri code. An unknown
name is reported as not found with the closest suggestions; it is never silently guessed.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from geo.boundaries import read_areas

_PREFIX = re.compile(r"^\s*(kelurahan|kel\.?|desa|ds\.?)\s+", re.IGNORECASE)
_CODE = re.compile(r"^35\.?73\.?0[1-5]\.?1\d{3}$")


def name_key(name: str) -> str:
    """Lower case, accents dropped, every non-alphanumeric character removed ('Oro-Oro Dowo' -> 'oroorodowo')."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _PREFIX.sub("", text)
    return re.sub(r"[^0-9a-z]", "", text.lower())


@dataclass(frozen=True)
class NameMatch:
    query: str
    kode: str | None
    nama: str | None
    suggestions: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.kode is not None

    def message(self) -> str:
        if self.found:
            return f"{self.query!r} = {self.nama} ({self.kode})"
        hint = f"; mungkin maksudnya: {', '.join(self.suggestions)}" if self.suggestions else ""
        return f"Kelurahan {self.query!r} tidak ditemukan{hint}"


@dataclass(frozen=True)
class _Index:
    by_key: dict[str, str]  # name key -> kode
    official: dict[str, str]  # kode -> official name
    kecamatan_by_key: dict[str, str]  # kecamatan name key -> kecamatan kode


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    wilayah = read_areas()
    by_key: dict[str, str] = {}
    official: dict[str, str] = {}
    kecamatan: dict[str, str] = {}
    for kode, row in wilayah.iterrows():
        official[kode] = row["kelurahan"]
        by_key[name_key(row["kelurahan"])] = kode
        for alias in filter(None, (a.strip() for a in row["alias"].split(";"))):
            by_key.setdefault(name_key(alias), kode)
        kecamatan[name_key(row["kecamatan"])] = row["kode_kec"]
    return _Index(by_key=by_key, official=official, kecamatan_by_key=kecamatan)


def alias_table() -> dict[str, str]:
    """Every accepted name key and the code it resolves to."""
    return dict(_index().by_key)


def resolve_kelurahan(name: str | None) -> NameMatch:
    """Resolve a kelurahan name (any known spelling) or code to its official code."""
    query = "" if name is None else str(name).strip()
    idx = _index()
    compact = query.replace(" ", "")
    if _CODE.match(compact):
        digits = re.sub(r"\D", "", compact)
        kode = f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
        if kode in idx.official:
            return NameMatch(query, kode, idx.official[kode])
    key = name_key(query)
    kode = idx.by_key.get(key) if key else None
    if kode:
        return NameMatch(query, kode, idx.official[kode])
    close = difflib.get_close_matches(key, list(idx.by_key), n=5, cutoff=0.6) if key else []
    suggestions = list(dict.fromkeys(idx.official[idx.by_key[k]] for k in close))[:3]
    return NameMatch(query, None, None, suggestions)


def resolve_kecamatan(name: str | None) -> str | None:
    """The code of a kecamatan name ('Kedung Kandang' -> '35.73.03'), or None."""
    return _index().kecamatan_by_key.get(name_key(name or "")) if name else None
