"""rekap_berlokasi: aspirasi yang punya lokasi per kelurahan, dihitung bersama setiap penulisan

The Peta states how many of the filtered aspirations have a location ("N titik") and samples the points from
that total; counting them read the whole archive on every first view after a change (~250 ms at 1,000,000 on
PostgreSQL). The count is now kept in the rollups (db/aspirasi/rollups.py) like those of 0010 and 0012.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rekap_berlokasi",
        sa.Column("kelurahan_kode", sa.String(length=13), nullable=False),
        sa.Column("terbuka", sa.Boolean(), nullable=False),
        sa.Column("jumlah", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kelurahan_kode", "terbuka", name=op.f("pk_rekap_berlokasi")),
    )
    # Count what is already there, with the one definition of db/aspirasi/rollups.py (as 0010 does).
    from db.aspirasi.rollups import rebuild
    from db.schema import RekapBerlokasi

    rebuild(op.get_bind(), (RekapBerlokasi,))


def downgrade() -> None:
    op.drop_table("rekap_berlokasi")
