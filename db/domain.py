"""Vocabulary of the domain: codes stored in the database and their Indonesian labels.

Codes are short ASCII strings (portable across SQLite and PostgreSQL); labels are what users read.
"""

from __future__ import annotations

# Detailed status of an aspirasi -> (label, is_open).
STATUS_ASPIRASI: dict[str, tuple[str, bool]] = {
    "diterima": ("Diterima", True),
    "diverifikasi": ("Diverifikasi", True),
    "diteruskan": ("Diteruskan ke OPD", True),
    "dalam_proses": ("Dalam proses", True),
    "selesai": ("Selesai", False),
    "tidak_dapat": ("Tidak dapat ditindaklanjuti", False),
    "bukan_kewenangan": ("Bukan kewenangan kota", False),
    "musrenbang": ("Dialihkan ke Musrenbang", False),
    "duplikat": ("Duplikat", False),
}
STATUS_TERBUKA = tuple(k for k, (_, is_open) in STATUS_ASPIRASI.items() if is_open)
STATUS_TERTUTUP = tuple(k for k, (_, is_open) in STATUS_ASPIRASI.items() if not is_open)
# Status code -> label (the one lookup: status_label below, or this mapping where a dict is needed).
STATUS_LABELS: dict[str, str] = {k: label for k, (label, _) in STATUS_ASPIRASI.items()}

# Who brought the aspirasi in.
SUMBER: dict[str, str] = {
    "RT": "RT",
    "RW": "RW",
    "LPMK": "LPMK",
    "warga": "Warga",
    "lainnya": "Lainnya",
}

# Channel through which it arrived.
KANAL: dict[str, str] = {
    "rembuk": "Rembuk Jumat",
    "langsung": "Datang langsung",
    "sambat": "SAMBAT Online",
    "surat": "Surat",
    "telepon": "Telepon/WhatsApp",
    "medsos": "Media sosial",
}

PRIORITAS: dict[str, str] = {"rendah": "Rendah", "sedang": "Sedang", "tinggi": "Tinggi", "darurat": "Darurat"}

STATUS_REMBUK: dict[str, str] = {
    "dijadwalkan": "Dijadwalkan",
    "terlaksana": "Terlaksana",
    "dibatalkan": "Dibatalkan",
    "ditunda": "Ditunda",
}

STATUS_JANJI: dict[str, str] = {
    "belum": "Belum dimulai",
    "proses": "Dalam proses",
    "selesai": "Selesai",
    "batal": "Dibatalkan",
}
JANJI_TERBUKA = ("belum", "proses")  # not fulfilled yet

JENIS_LEMBAGA: dict[str, str] = {"RT": "RT", "RW": "RW", "LPMK": "LPMK"}

# Role of a bimtek participant.
PERAN_PESERTA: dict[str, str] = {
    "ketua_rt": "Ketua RT",
    "ketua_rw": "Ketua RW",
    "ketua_lpmk": "Ketua LPMK",
    "pengurus_rt": "Pengurus RT",
    "pengurus_rw": "Pengurus RW",
    "pengurus_lpmk": "Pengurus LPMK",
    "lainnya": "Lainnya",
}

PERAN_PENGGUNA: dict[str, str] = {"pimpinan": "Pimpinan", "staf": "Staf", "admin": "Admin"}


def status_label(code: str) -> str:
    """The Indonesian label of an aspirasi status code (an unknown code is shown as is)."""
    return STATUS_LABELS.get(code, code)


def is_open_status(code: str) -> bool:
    return STATUS_ASPIRASI[code][1]


def name_key_peserta(nama: str) -> str:
    """A participant's name folded for de-duplication (case and spacing ignored)."""
    return " ".join(str(nama).lower().split())
