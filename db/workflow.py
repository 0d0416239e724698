"""The status workflow of an aspirasi: allowed transitions and when a reason is required (pure)."""

from __future__ import annotations

from db.domain import STATUS_ASPIRASI, STATUS_TERTUTUP, status_label

# Closed outcomes other than 'selesai' state why the city will not (or cannot) act.
PENUTUPAN_DENGAN_ALASAN = ("tidak_dapat", "bukan_kewenangan", "musrenbang", "duplikat")

TRANSISI: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", *PENUTUPAN_DENGAN_ALASAN),
    "diverifikasi": ("diteruskan", "dalam_proses", *PENUTUPAN_DENGAN_ALASAN),
    "diteruskan": ("dalam_proses", "tidak_dapat", "bukan_kewenangan", "musrenbang"),
    "dalam_proses": ("selesai", "tidak_dapat", "musrenbang"),
    # A closed aspirasi can be reopened (with a reason) when the problem turns out not solved.
    "selesai": ("dalam_proses",),
    "tidak_dapat": ("diverifikasi",),
    "bukan_kewenangan": ("diverifikasi",),
    "musrenbang": ("diverifikasi",),
    "duplikat": ("diverifikasi",),
}


class TransisiDitolak(ValueError):
    """A status change the workflow does not allow (message in Indonesian)."""


def boleh_ke(dari: str) -> tuple[str, ...]:
    """Statuses reachable from ``dari``."""
    return TRANSISI.get(dari, ())


def butuh_alasan(dari: str, ke: str) -> bool:
    """Closing without resolving, and reopening, must say why."""
    return ke in PENUTUPAN_DENGAN_ALASAN or dari in STATUS_TERTUTUP


def periksa_transisi(dari: str, ke: str, catatan: str | None) -> None:
    """Raise TransisiDitolak unless ``dari -> ke`` is allowed and a needed reason is given."""
    if ke not in STATUS_ASPIRASI:
        raise TransisiDitolak(f"Status '{ke}' tidak dikenal.")
    if ke not in boleh_ke(dari):
        allowed = ", ".join(status_label(s) for s in boleh_ke(dari)) or "tidak ada"
        raise TransisiDitolak(
            f"Dari '{status_label(dari)}' tidak bisa langsung ke '{status_label(ke)}'. Yang diizinkan: {allowed}."
        )
    if butuh_alasan(dari, ke) and not (catatan or "").strip():
        raise TransisiDitolak(f"Perubahan ke '{status_label(ke)}' wajib disertai alasan.")
