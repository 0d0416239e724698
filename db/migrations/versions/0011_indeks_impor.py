"""indeks aspirasi yang lebih sedikit: impor besar menahan kunci tulis lebih singkat

Every index of ``aspirasi`` costs each inserted row one B-tree insert, and a big import pays them all while
it holds the write lock (issue 12 §5). Dropped: ``sumber`` and ``is_demo`` (a handful of values: a scan is
as fast; demo clearing is rare), ``opd_id`` (the per-OPD readers use the indexes below, which hold it; alone
it made SQLite walk the whole table in OPD order) and ``(kelurahan_kode, terbuka)`` (served by
``ix_aspirasi_kelurahan_diterima`` and the partial open index of 0004). Partial, so the rows an import adds
(no rembuk, not closed, first history entry) get no entry: ``rembuk_id``, ``tanggal_selesai`` and the
reopening index of the history. The partial index of open aspirations (0004) also holds the OPD and due
date, and the received / closed date indexes what Kinerja OPD counts of those rows, so its measures read
only indexes (issue 16).

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

_CLOSED = ["tanggal_selesai", "opd_id", "kelurahan_kode", "status", "hari_kerja_selesai", "kategori_id", "id"]
_PARTIAL = (
    ("ix_aspirasi_rembuk_id", "aspirasi", ["rembuk_id"], ["rembuk_id"], "rembuk_id IS NOT NULL"),
    ("ix_aspirasi_tanggal_selesai", "aspirasi", ["tanggal_selesai"], _CLOSED, "tanggal_selesai IS NOT NULL"),
    (
        "ix_aspirasi_riwayat_dibuka_kembali",
        "aspirasi_riwayat",
        ["dari_status", "waktu"],
        ["dari_status", "waktu"],
        "dari_status IS NOT NULL",
    ),
)


_OPEN = "ix_aspirasi_terbuka_kelurahan_diterima"
_OPEN_COLUMNS = ["kelurahan_kode", "tanggal_diterima", "id"]


def _open_index(columns: list[str], sqlite_where: str) -> None:
    op.drop_index(_OPEN, table_name="aspirasi")
    op.create_index(_OPEN, "aspirasi", columns, postgresql_where=sa.text("terbuka"), sqlite_where=sa.text(sqlite_where))


def upgrade() -> None:
    # SQLite matches a partial index only to a query term written the same way: SQLAlchemy writes "terbuka = 1".
    _open_index([*_OPEN_COLUMNS, "opd_id", "tenggat", "terbuka"], "terbuka = 1")
    op.drop_index("ix_aspirasi_sumber", table_name="aspirasi")
    op.drop_index("ix_aspirasi_opd_id", table_name="aspirasi")
    op.drop_index("ix_aspirasi_is_demo", table_name="aspirasi")
    op.drop_index("ix_aspirasi_kelurahan_terbuka", table_name="aspirasi")
    for name, table, _before, columns, where in _PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    op.drop_index("ix_aspirasi_tanggal_diterima", table_name="aspirasi")
    op.create_index("ix_aspirasi_tanggal_diterima", "aspirasi", ["tanggal_diterima", "opd_id", "kelurahan_kode"])


def downgrade() -> None:
    _open_index(_OPEN_COLUMNS, "terbuka")
    op.create_index("ix_aspirasi_opd_id", "aspirasi", ["opd_id"])
    op.drop_index("ix_aspirasi_tanggal_diterima", table_name="aspirasi")
    op.create_index("ix_aspirasi_tanggal_diterima", "aspirasi", ["tanggal_diterima"])
    for name, table, columns, _after, _where in _PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
    op.create_index("ix_aspirasi_kelurahan_terbuka", "aspirasi", ["kelurahan_kode", "terbuka"])
    op.create_index("ix_aspirasi_is_demo", "aspirasi", ["is_demo"])
    op.create_index("ix_aspirasi_sumber", "aspirasi", ["sumber"])
