"""rekap_opd_*: hitungan per OPD untuk kartu skor Kinerja OPD, dihitung bersama setiap penulisan

The Kinerja OPD scorecard counted a period's received and closed aspirations, and every open one, per OPD
from the archive on each first view after a change: its cost grew with the archive (PostgreSQL 1,000,000
about 2x its 10,000). Those counts are now kept in the rollups (db/aspirasi/rollups.py) like those of 0010,
0012 and 0013: per day and OPD (received, 'bukan kewenangan'), per OPD and day (open: received, due) and per
closing day × OPD × kategori × working days ('selesai': tepat waktu and the median).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rekap_opd_hari",
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("opd_id", sa.Integer(), nullable=False),
        sa.Column("diterima", sa.Integer(), nullable=False),
        sa.Column("bukan_kewenangan", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tanggal", "opd_id", name=op.f("pk_rekap_opd_hari")),
    )
    op.create_table(
        "rekap_opd_terbuka",
        sa.Column("opd_id", sa.Integer(), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("diterima", sa.Integer(), nullable=False),
        sa.Column("jatuh_tempo", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("opd_id", "tanggal", name=op.f("pk_rekap_opd_terbuka")),
    )
    op.create_table(
        "rekap_opd_selesai",
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("opd_id", sa.Integer(), nullable=False),
        sa.Column("kategori_id", sa.Integer(), nullable=False),
        sa.Column("hari_kerja", sa.Integer(), nullable=False),
        sa.Column("jumlah", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tanggal", "opd_id", "kategori_id", "hari_kerja", name=op.f("pk_rekap_opd_selesai")),
    )
    # Count what is already there, with the one definition of db/aspirasi/rollups.py (as 0010 does).
    from db.aspirasi.rollups import rebuild
    from db.schema import RekapOpdHari, RekapOpdSelesai, RekapOpdTerbuka

    rebuild(op.get_bind(), (RekapOpdHari, RekapOpdTerbuka, RekapOpdSelesai))


def downgrade() -> None:
    op.drop_table("rekap_opd_selesai")
    op.drop_table("rekap_opd_terbuka")
    op.drop_table("rekap_opd_hari")
