"""db.sql.rows_frame: result rows become the DataFrame pandas builds from the same values as tuples."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select

from db.schema import Aspirasi
from db.sql import rows_frame


def test_rows_frame_equals_the_frame_of_plain_tuples(seeded_engine):
    stmt = select(Aspirasi.id, Aspirasi.lat, Aspirasi.tanggal_selesai, Aspirasi.status).order_by(Aspirasi.id).limit(300)
    with seeded_engine.connect() as conn:
        rows = conn.execute(stmt).all()
    cols = ["id", "lat", "selesai", "status"]
    got = rows_frame(rows, cols)
    pd.testing.assert_frame_equal(got, pd.DataFrame([tuple(r) for r in rows], columns=cols))
    pd.testing.assert_frame_equal(got, pd.DataFrame(rows, columns=cols))  # what pandas makes of the rows themselves
    assert len(got) == 300 and got["selesai"].map(lambda v: v is None or isinstance(v, dt.date)).all()
    assert rows_frame([], cols).columns.tolist() == cols
