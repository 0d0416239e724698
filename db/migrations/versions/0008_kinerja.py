"""kinerja OPD: indeks tanggal selesai, tenggat, dan pembukaan kembali

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("aspirasi", schema=None) as batch_op:
        batch_op.create_index("ix_aspirasi_tanggal_selesai", ["tanggal_selesai"], unique=False)
        batch_op.create_index("ix_aspirasi_tenggat", ["tenggat"], unique=False)
    with op.batch_alter_table("aspirasi_riwayat", schema=None) as batch_op:
        batch_op.create_index("ix_aspirasi_riwayat_dibuka_kembali", ["dari_status", "waktu"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aspirasi_riwayat", schema=None) as batch_op:
        batch_op.drop_index("ix_aspirasi_riwayat_dibuka_kembali")
    with op.batch_alter_table("aspirasi", schema=None) as batch_op:
        batch_op.drop_index("ix_aspirasi_tenggat")
        batch_op.drop_index("ix_aspirasi_tanggal_selesai")
