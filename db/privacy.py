"""Masking of personal data (reporter names and phones, participant names) for roles without access."""

from __future__ import annotations

import re

import pandas as pd

from db.auth.roles import Actor

PERSONAL_COLUMNS = ("pelapor_nama", "pelapor_telepon", "Pelapor", "Telepon", "nama_peserta")


def mask_name(nama: str | None) -> str | None:
    """'Budi Santoso' -> 'B*** S******' (initials only)."""
    if not nama:
        return nama
    return " ".join(w[0] + "*" * (len(w) - 1) for w in str(nama).split())


def mask_phone(telepon: str | None) -> str | None:
    """'0812-3456-7890' -> '****-****-**90' (last two digits kept, to tell numbers apart)."""
    if not telepon:
        return telepon
    digits = [i for i, ch in enumerate(telepon) if ch.isdigit()]
    keep = set(digits[-2:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(telepon))


def can_see(actor: Actor | None) -> bool:
    return actor is not None and actor.can("data_pribadi")


def protect(df: pd.DataFrame, actor: Actor | None) -> pd.DataFrame:
    """Copy of ``df`` with personal-data columns masked unless ``actor`` may see them."""
    if can_see(actor):
        return df
    out = df.copy()
    for col in out.columns:
        if col in PERSONAL_COLUMNS:
            fn = mask_phone if re.search("telepon", col, re.I) else mask_name
            out[col] = out[col].map(fn)
    return out
