"""The one aspiration filter shared by the map, the table and the exports.

A filter is plain data; ``conditions()`` turns it into SQL WHERE clauses (bound parameters only,
so no text a user types can change a query), and ``describe()`` states it in Indonesian for
exports and printed briefs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.sql import ColumnElement

from db.aspirasi.measures import MEASURES
from db.aspirasi.measures import condition as ukuran_kondisi
from db.aspirasi.status import CHANNELS, SOURCES, STATUS_LABELS
from db.schema import Aspirasi, Kategori, Kelurahan, Opd

CONDITIONS = {"terbuka": "Terbuka", "tertutup": "Tertutup"}
_MEASURE_FIELDS = ("ukuran", "ukuran_dari", "ukuran_sampai", "hari_ini")
MAX_TEXT = 200  # longer search text is cut: it can only slow the LIKE scan down


@dataclass(frozen=True)
class AspirasiFilter:
    kecamatan: tuple[str, ...] = ()  # kecamatan codes
    kelurahan: tuple[str, ...] = ()  # kelurahan codes
    kategori: tuple[str, ...] = ()  # kategori codes
    keadaan: str | None = None  # "terbuka" / "tertutup" / None = semua
    status: tuple[str, ...] = ()  # detailed status codes
    sumber: tuple[str, ...] = ()  # RT / RW / LPMK / warga / lainnya
    opd: tuple[str, ...] = ()  # OPD codes
    kanal: tuple[str, ...] = ()
    dari: dt.date | None = None  # received on or after
    sampai: dt.date | None = None  # received on or before
    rembuk_id: int | None = None
    teks: str = ""
    # An OPD performance measure (db/aspirasi/measures.py) with its period and the day 'today' it is read on:
    # the Kinerja OPD page links each number to exactly these rows.
    ukuran: str | None = None
    ukuran_dari: dt.date | None = None
    ukuran_sampai: dt.date | None = None
    hari_ini: dt.date | None = None

    def is_empty(self) -> bool:
        return self == AspirasiFilter()

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE clauses on ``Aspirasi`` (no joins needed by the caller)."""
        a = Aspirasi
        conds: list[ColumnElement[bool]] = []
        if self.kecamatan:
            conds.append(
                a.kelurahan_kode.in_(select(Kelurahan.kode).where(Kelurahan.kecamatan_kode.in_(self.kecamatan)))
            )
        if self.kelurahan:
            conds.append(a.kelurahan_kode.in_(self.kelurahan))
        if self.kategori:
            conds.append(a.kategori_id.in_(select(Kategori.id).where(Kategori.kode.in_(self.kategori))))
        if self.keadaan == "terbuka":
            conds.append(a.terbuka)
        elif self.keadaan == "tertutup":
            conds.append(~a.terbuka)
        if self.status:
            conds.append(a.status.in_(self.status))
        if self.sumber:
            conds.append(a.sumber.in_(self.sumber))
        if self.opd:
            conds.append(a.opd_id.in_(select(Opd.id).where(Opd.kode.in_(self.opd))))
        if self.kanal:
            conds.append(a.kanal.in_(self.kanal))
        if self.dari and self.sampai and self.dari > self.sampai:
            conds.append(false())  # an empty range, stated honestly rather than swapped
        if self.dari:
            conds.append(a.tanggal_diterima >= self.dari)
        if self.sampai:
            conds.append(a.tanggal_diterima <= self.sampai)
        if self.rembuk_id is not None:
            conds.append(a.rembuk_id == self.rembuk_id)
        term = " ".join(self.teks.split())[:MAX_TEXT].lower()
        if term:
            # lower() + LIKE with escaping works the same on SQLite and PostgreSQL.
            conds.append(
                or_(
                    func.lower(a.judul).contains(term, autoescape=True),
                    func.lower(a.deskripsi).contains(term, autoescape=True),
                )
            )
        if self.ukuran:
            conds.append(ukuran_kondisi(self.ukuran, self.ukuran_dari, self.ukuran_sampai, self.hari_ini))
        return conds

    def where(self) -> ColumnElement[bool]:
        conds = self.conditions()
        return and_(*conds) if conds else and_(True)

    def apply(self, stmt: Select) -> Select:
        conds = self.conditions()
        return stmt.where(*conds) if conds else stmt

    def describe(self, names: dict[str, dict[str, str]] | None = None) -> str:
        """Indonesian one-line statement of the filter ('Semua aspirasi' when empty).

        ``names`` maps field -> code -> label (kecamatan/kelurahan/kategori/opd names) when known.
        """
        names = names or {}
        labels = {
            "status": STATUS_LABELS,
            "sumber": SOURCES,
            "kanal": CHANNELS,
            "keadaan": CONDITIONS,
            **names,
        }
        title = {
            "kecamatan": "Kecamatan",
            "kelurahan": "Kelurahan",
            "kategori": "Kategori",
            "keadaan": "Keadaan",
            "status": "Status",
            "sumber": "Sumber",
            "opd": "OPD",
            "kanal": "Kanal",
            "rembuk_id": "Rembuk",
            "teks": "Teks",
        }
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", ()) or f.name in ("dari", "sampai", *_MEASURE_FIELDS):
                continue
            values = value if isinstance(value, tuple) else (value,)
            shown = ", ".join(labels.get(f.name, {}).get(str(v), str(v)) for v in values)
            parts.append(f'{title[f.name]}: "{shown}"' if f.name == "teks" else f"{title[f.name]}: {shown}")
        if self.dari or self.sampai:
            parts.append(
                f"Diterima: {self.dari.isoformat() if self.dari else '…'} s.d. "
                f"{self.sampai.isoformat() if self.sampai else '…'}"
            )
        if self.ukuran:
            u = MEASURES.get(self.ukuran)
            text = f"Ukuran: {u.label if u else self.ukuran}"
            if u and u.periode:
                text += (
                    f" ({self.ukuran_dari.isoformat() if self.ukuran_dari else '…'} s.d. "
                    f"{self.ukuran_sampai.isoformat() if self.ukuran_sampai else '…'})"
                )
            elif self.hari_ini:
                text += f" (per {self.hari_ini.isoformat()})"
            parts.append(text)
        return "; ".join(parts) if parts else "Semua aspirasi"
