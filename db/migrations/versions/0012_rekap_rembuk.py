"""rekap_rembuk: aspirasi yang dicatat di tiap rembuk, dihitung bersama setiap penulisan

The Rembuk list shows how many aspirations were captured at each rembuk; counting them grouped the ~350,000
captured rows of a 1,000,000 archive on every first view after a change (~200 ms on PostgreSQL). The count is
now kept in the rollups (db/aspirasi/rollups.py) like the other counts of 0010.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rekap_rembuk",
        sa.Column("rembuk_id", sa.Integer(), nullable=False),
        sa.Column("jumlah", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rembuk_id", name=op.f("pk_rekap_rembuk")),
    )
    # Count what is already there, with the one definition of db/aspirasi/rollups.py (as 0010 does).
    from db.aspirasi.rollups import rebuild
    from db.schema import RekapRembuk

    rebuild(op.get_bind(), (RekapRembuk,))


def downgrade() -> None:
    op.drop_table("rekap_rembuk")
