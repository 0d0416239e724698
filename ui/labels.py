"""Column headers users read, for the frames db/ returns with data keys (db/ keeps data and rules;
the words on screen live here). Each mapping is data key -> header, in display order."""

from __future__ import annotations

import pandas as pd

# Aspirasi table (db.aspirasi.listing.page) and its sort choices (db.aspirasi.listing.SORT_ORDER keys).
ASPIRASI_TABLE = {
    "nomor": "Nomor",
    "diterima": "Diterima",
    "judul": "Judul",
    "kategori": "Kategori",
    "kelurahan": "Kelurahan",
    "rw": "RW",
    "opd": "OPD",
    "prioritas": "Prioritas",
    "tenggat": "Tenggat",
    "status_label": "Status",
    "lewat_tenggat": "Lewat tenggat",
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
