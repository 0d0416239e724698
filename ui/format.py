"""Indonesian formatting for the pages; the one implementation lives in db/format.py (pure), so the
PDF brief and the map tooltips format exactly like the screen."""

from db.format import BULAN, HARI, angka, angka_ringkas, persen, tanggal, waktu

__all__ = ["BULAN", "HARI", "angka", "angka_ringkas", "persen", "tanggal", "waktu"]
