"""Hostile text through the free-text fields of rembuk, janji and bimtek: stored exactly as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.schema import Bimtek, BimtekPeserta, Janji, Rembuk
from tests.conftest import HOSTILE_JUDUL_BIMTEK, insert_hostile_records
from tests.hostile import HOSTILE

pytestmark = pytest.mark.usefixtures("backend")


def test_stored_exactly(ready_engine):
    ids = insert_hostile_records(ready_engine)
    with ready_engine.connect() as conn:
        assert conn.scalar(select(Rembuk.catatan).where(Rembuk.id == ids["rembuk"])) == "\n".join(HOSTILE)
        assert conn.scalar(select(Janji.teks).where(Janji.id == ids["janji"])) == HOSTILE[0] + " " + HOSTILE[4]
        assert conn.execute(select(Bimtek.judul, Bimtek.tempat).where(Bimtek.id == ids["bimtek"])).one() == (
            HOSTILE_JUDUL_BIMTEK,
            HOSTILE[1],
        )
        assert conn.scalar(select(BimtekPeserta.nama).where(BimtekPeserta.id == ids["peserta"])) == HOSTILE[2]
