"""indeks aspirasi yang lebih sedikit: impor besar menahan kunci tulis lebih singkat

Every index of ``aspirasi`` costs each inserted row one B-tree insert, and a big import pays them all while
it holds the write lock (issue 12 §5). Dropped: ``sumber`` and ``is_demo`` (a handful of values: a scan is
as fast; demo clearing is rare) and ``(kelurahan_kode, terbuka)`` (served by ``ix_aspirasi_kelurahan_diterima``
and the partial open index of 0004). Partial, so the rows an import adds (no rembuk, not closed, first
history entry) get no entry: ``rembuk_id``, ``tanggal_selesai`` and the reopening index of the history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_PARTIAL = (
    ("ix_aspirasi_rembuk_id", "aspirasi", ["rembuk_id"], "rembuk_id IS NOT NULL"),
    ("ix_aspirasi_tanggal_selesai", "aspirasi", ["tanggal_selesai"], "tanggal_selesai IS NOT NULL"),
    ("ix_aspirasi_riwayat_dibuka_kembali", "aspirasi_riwayat", ["dari_status", "waktu"], "dari_status IS NOT NULL"),
)


def upgrade() -> None:
    op.drop_index("ix_aspirasi_sumber", table_name="aspirasi")
    op.drop_index("ix_aspirasi_is_demo", table_name="aspirasi")
    op.drop_index("ix_aspirasi_kelurahan_terbuka", table_name="aspirasi")
    for name, table, columns, where in _PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, columns, _where in _PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
    op.create_index("ix_aspirasi_kelurahan_terbuka", "aspirasi", ["kelurahan_kode", "terbuka"])
    op.create_index("ix_aspirasi_is_demo", "aspirasi", ["is_demo"])
    op.create_index("ix_aspirasi_sumber", "aspirasi", ["sumber"])
