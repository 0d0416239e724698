"""Users, roles and the server-side permission check used by every write function.

Passwords are hashed with Argon2id (argon2-cffi). Roles: ``pimpinan`` (read-only, no personal
data), ``staf`` (records and edits, sees personal data), ``admin`` (plus users and reference data).
A staff account may be scoped to one kecamatan.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("pimpinan", "staf", "admin")
# What each role may do; a write function names the permission it needs.
PERMISSIONS: dict[str, frozenset[str]] = {
    "pimpinan": frozenset({"lihat"}),
    "staf": frozenset({"lihat", "data_pribadi", "tulis"}),
    "admin": frozenset({"lihat", "data_pribadi", "tulis", "admin"}),
}


class AccessDenied(PermissionError):
    """The acting user's role does not allow this action (message in Indonesian)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed to every write function, checked there (not only in the UI)."""

    username: str
    peran: str
    kecamatan_kode: str | None = None  # scope of a kecamatan-bound staff account

    def can(self, izin: str) -> bool:
        return izin in PERMISSIONS.get(self.peran, frozenset())

    def require(self, izin: str) -> None:
        if not self.can(izin):
            raise AccessDenied(f"Peran '{self.peran}' tidak berwenang untuk tindakan ini ({izin}).")

    def require_area(self, kecamatan_kode: str) -> None:
        """A scoped account may only touch its own kecamatan."""
        if self.kecamatan_kode and kecamatan_kode != self.kecamatan_kode:
            raise AccessDenied("Akun ini hanya berwenang untuk kecamatannya sendiri.")


# The actor used by the CLI, the demo generator and tests that act as the system itself.
SYSTEM = Actor("sistem", "admin")
