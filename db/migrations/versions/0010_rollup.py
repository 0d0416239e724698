"""rollup: rekap_aspirasi, rekap_terbuka(_bulan), rekap_selesai (counts kept at write time); audit time indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rekap_aspirasi",
        sa.Column("kelurahan_kode", sa.String(length=13), nullable=False),
        sa.Column("kategori_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("terbuka", sa.Boolean(), nullable=False),
        sa.Column("jumlah", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kelurahan_kode", "kategori_id", "status", "terbuka", name=op.f("pk_rekap_aspirasi")),
    )
    op.create_table(
        "rekap_terbuka",
        sa.Column("kelurahan_kode", sa.String(length=13), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("diterima", sa.Integer(), nullable=False),
        sa.Column("jatuh_tempo", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kelurahan_kode", "tanggal", name=op.f("pk_rekap_terbuka")),
    )
    op.create_table(
        "rekap_terbuka_bulan",
        sa.Column("kelurahan_kode", sa.String(length=13), nullable=False),
        sa.Column("bulan", sa.Date(), nullable=False),
        sa.Column("diterima", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kelurahan_kode", "bulan", name=op.f("pk_rekap_terbuka_bulan")),
    )
    op.create_table(
        "rekap_selesai",
        sa.Column("bulan", sa.Date(), nullable=False),
        sa.Column("hari_kerja", sa.Integer(), nullable=False),
        sa.Column("jumlah", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bulan", "hari_kerja", name=op.f("pk_rekap_selesai")),
    )
    with op.batch_alter_table("aspirasi_riwayat", schema=None) as batch_op:
        batch_op.create_index("ix_aspirasi_riwayat_waktu_id", ["waktu", "id"], unique=False)
    with op.batch_alter_table("log_audit", schema=None) as batch_op:
        batch_op.create_index("ix_log_audit_waktu_id", ["waktu", "id"], unique=False)

    # Count what is already there. The counting lives in db/aspirasi/rollups.py (one definition, also used by
    # `python -m db check-rollups`); it reads only columns that exist since 0001.
    from db.aspirasi.rollups import rebuild
    from db.schema import RekapAspirasi, RekapSelesai, RekapTerbuka, RekapTerbukaBulan

    rebuild(op.get_bind(), (RekapAspirasi, RekapTerbuka, RekapTerbukaBulan, RekapSelesai))  # rekap_rembuk: 0012


def downgrade() -> None:
    with op.batch_alter_table("log_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_log_audit_waktu_id")
    with op.batch_alter_table("aspirasi_riwayat", schema=None) as batch_op:
        batch_op.drop_index("ix_aspirasi_riwayat_waktu_id")
    op.drop_table("rekap_selesai")
    op.drop_table("rekap_terbuka_bulan")
    op.drop_table("rekap_terbuka")
    op.drop_table("rekap_aspirasi")
