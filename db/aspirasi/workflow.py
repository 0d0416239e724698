"""The status workflow of an aspirasi: allowed transitions and when a reason is required (pure)."""

from __future__ import annotations

from db.aspirasi.status import CLOSED_STATUSES, STATUS_ASPIRASI, status_label

# Closed outcomes other than 'selesai' state why the city will not (or cannot) act.
CLOSURES_NEEDING_REASON = ("tidak_dapat", "bukan_kewenangan", "musrenbang", "duplikat")

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", *CLOSURES_NEEDING_REASON),
    "diverifikasi": ("diteruskan", "dalam_proses", *CLOSURES_NEEDING_REASON),
    "diteruskan": ("dalam_proses", "tidak_dapat", "bukan_kewenangan", "musrenbang"),
    "dalam_proses": ("selesai", "tidak_dapat", "musrenbang"),
    # A closed aspirasi can be reopened (with a reason) when the problem turns out not solved.
    "selesai": ("dalam_proses",),
    "tidak_dapat": ("diverifikasi",),
    "bukan_kewenangan": ("diverifikasi",),
    "musrenbang": ("diverifikasi",),
    "duplikat": ("diverifikasi",),
}


class TransitionRejected(ValueError):
    """A status change the workflow does not allow (message in Indonesian)."""


def can_move_to(dari: str) -> tuple[str, ...]:
    """Statuses reachable from ``dari``."""
    return TRANSITIONS.get(dari, ())


def needs_reason(dari: str, ke: str) -> bool:
    """Closing without resolving, and reopening, must say why."""
    return ke in CLOSURES_NEEDING_REASON or dari in CLOSED_STATUSES


def check_transition(dari: str, ke: str, catatan: str | None) -> None:
    """Raise TransisiDitolak unless ``dari -> ke`` is allowed and a needed reason is given."""
    if ke not in STATUS_ASPIRASI:
        raise TransitionRejected(f"Status '{ke}' tidak dikenal.")
    if ke not in can_move_to(dari):
        allowed = ", ".join(status_label(s) for s in can_move_to(dari)) or "tidak ada"
        raise TransitionRejected(
            f"Dari '{status_label(dari)}' tidak bisa langsung ke '{status_label(ke)}'. Yang diizinkan: {allowed}."
        )
    if needs_reason(dari, ke) and not (catatan or "").strip():
        raise TransitionRejected(f"Perubahan ke '{status_label(ke)}' wajib disertai alasan.")
