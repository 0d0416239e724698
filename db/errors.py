"""Errors shared by several write services."""

from __future__ import annotations


class VersionConflict(RuntimeError):
    """The record was changed by someone else since it was loaded; nothing was written.

    ``apa`` names the record in the message ("Data rembuk", "Janji"); ``pesan`` replaces the whole
    message where a screen words it its own way (the aspirasi form).
    """

    def __init__(
        self,
        apa: str,
        versi_diharapkan: int | None = None,
        versi_sekarang: int | None = None,
        *,
        pesan: str | None = None,
    ):
        detail = ""
        if versi_diharapkan is not None and versi_sekarang is not None:
            detail = f" (versi Anda {versi_diharapkan}, versi tersimpan {versi_sekarang})"
        super().__init__(
            pesan
            or f"{apa} telah diubah oleh pengguna lain sejak Anda membukanya{detail}. "
            "Muat ulang data, lalu ulangi perubahan Anda."
        )
        self.apa = apa
        self.versi_diharapkan = versi_diharapkan
        self.versi_sekarang = versi_sekarang
