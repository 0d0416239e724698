"""Column headers users read, for the frames db/ returns with data keys (db/ keeps data and rules;
the words on screen live here). Each mapping is data key -> header, in display order."""

from __future__ import annotations

import pandas as pd

# Aspirasi table (db.aspirasi.listing.page) and its sort choices (db.aspirasi.listing.SORT_ORDER keys).
# Order: what staff act on first (state, due date, late) stays in view on a 1280-pixel screen; the rest of the
# 12 columns scroll inside the list's own frame (tests/e2e/test_layar_e2e.py WIDE_GRIDS_JS).
ASPIRASI_TABLE = {
    "nomor": "Nomor",
    "status_label": "Status",
    "tenggat": "Tenggat",
    "lewat_tenggat": "Lewat tenggat",
    "judul": "Judul",
    "kelurahan": "Kelurahan",
    "opd": "OPD",
    "kategori": "Kategori",
    "diterima": "Diterima",
    "rw": "RW",
    "prioritas": "Prioritas",
    "konfirmasi": "Konfirmasi RT/RW",
}
SORT_LABELS = {
    "diterima": "Diterima",
    "tenggat": "Tenggat",
    "nomor": "Nomor",
    "kelurahan": "Kelurahan",
    "status": "Status",
    "prioritas": "Prioritas",
}

# One aspirasi (db.aspirasi.listing.detail): its fields, status history and linked janji.
ASPIRASI_DETAIL = {
    "nomor": "Nomor",
    "judul": "Judul",
    "deskripsi": "Deskripsi",
    "kategori": "Kategori",
    "wilayah": "Wilayah",
    "sumber": "Sumber",
    "kanal": "Kanal",
    "diterima": "Diterima",
    "status": "Status",
    "opd": "OPD",
    "prioritas": "Prioritas",
    "tenggat": "Tenggat",
    "selesai": "Selesai",
    "hari_kerja_selesai": "Hari kerja sampai selesai",
    "rembuk": "Rembuk",
    "pelapor": "Pelapor",
    "telepon": "Telepon",
    "duplikat_dari": "Duplikat dari",
}
STATUS_HISTORY = {"waktu": "Waktu", "oleh": "Oleh", "dari": "Dari", "ke": "Ke", "catatan": "Catatan"}
JANJI_ASPIRASI = {"teks": "Janji", "opd": "OPD", "tenggat": "Tenggat", "progres": "Progres (%)", "status": "Status"}

# The kelurahan panel beside the map (db.aspirasi.map_data.kelurahan_panel).
PANEL_KATEGORI = {"kategori": "Kategori", "jumlah": "Jumlah", "terbuka": "Terbuka"}
PANEL_STATUS = {"status_label": "Status", "jumlah": "Jumlah"}


def shown(df: pd.DataFrame, labels: dict[str, str], keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """The columns of ``labels`` (plus ``keep``, unrenamed), in that order, under their headers."""
    return df[[*keep, *labels]].rename(columns=labels)
