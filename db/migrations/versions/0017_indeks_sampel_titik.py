"""indeks sampel titik Peta: sampel dibaca per kelurahan dari indeks saja, dengan atau tanpa filter

The Peta draws at most about 5,000 points; beyond that it took every k-th id, which PostgreSQL looked up
one by one through the primary key (1,000,000 demo aspirations: 20 ms, ~5,700 random heap pages) and, under
a kecamatan filter, found by reading every aspiration of the kecamatan (110 ms). The sample is now the
aspirations whose bucket ``id % 4096 * 2531 % 4096`` is below a bound (db/aspirasi/map_data.py), and
this index holds (kelurahan, bucket) with the columns the map draws: 57 short index ranges, no table
pages.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 02:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_aspirasi_sampel",
        "aspirasi",
        ["kelurahan_kode", sa.text("(id % 4096 * 2531 % 4096)"), "lat", "lon", "status", "terbuka", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_aspirasi_sampel", table_name="aspirasi")
