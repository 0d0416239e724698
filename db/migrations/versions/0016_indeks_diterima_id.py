"""indeks tanggal diterima memuat id: daftar Aspirasi (terbaru dulu) membaca 50 baris, bukan satu hari penuh

The Aspirasi list's default order is (tanggal_diterima DESC, id DESC). The received-date index of 0011 held
(tanggal_diterima, opd_id, kelurahan_kode), so the database read every aspiration of the newest day(s) and
sorted them by id to keep 50: ~5,000 rows at 1,000,000 demo aspirations (PostgreSQL 6 ms against 0.6 ms at
10,000). With id second the index gives the list's order itself; Kinerja OPD's period measures still read
only the index (the same columns, range on the first).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 02:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_aspirasi_tanggal_diterima", table_name="aspirasi")
    op.create_index("ix_aspirasi_tanggal_diterima", "aspirasi", ["tanggal_diterima", "id", "opd_id", "kelurahan_kode"])


def downgrade() -> None:
    op.drop_index("ix_aspirasi_tanggal_diterima", table_name="aspirasi")
    op.create_index("ix_aspirasi_tanggal_diterima", "aspirasi", ["tanggal_diterima", "opd_id", "kelurahan_kode"])
