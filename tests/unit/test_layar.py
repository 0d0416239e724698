"""Projector-grade text, pure and data layer: the Friday a rembuk screen is for, estimated holidays until an
admin confirms the year, Indonesian tables and chart labels, and Rotasi counts from one source."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from db import workdays
from db.auth.roles import SYSTEM, AccessDenied, Actor
from db.rembuk import records as rb
from db.rotasi.data import load_libur
from db.schema import LogAudit
from db.workdays import estimated_years, libur_name
from ui.tabel import indonesia
from ui.vega import date_expr, number_expr

D = dt.date
pytestmark = pytest.mark.usefixtures("backend")


def test_on_a_wednesday_the_coming_friday_is_named(ready_engine):
    rabu = D(2026, 12, 2)
    assert rb.next_rembuk_hosts(ready_engine, rabu) == (None, [])
    rb.record_rembuk(ready_engine, SYSTEM, D(2026, 12, 4), ["35.73.02.1006"], "dijadwalkan", today=rabu)
    assert rb.next_rembuk_hosts(ready_engine, rabu) == (D(2026, 12, 4), ["35.73.02.1006"])
    assert rb.todays_host(ready_engine, rabu) == ["35.73.02.1006"]


def test_estimated_years_say_so_until_confirmed(ready_engine):
    assert estimated_years(2027) and not estimated_years(2026)
    # 2027: the package estimates Idul Fitri; the cuti bersama around it follow the (not yet published) SKB.
    libur = load_libur(ready_engine)
    assert libur(D(2027, 3, 12)) == "Cuti Bersama Hari Raya Idul Fitri (perkiraan)"
    assert libur(D(2027, 3, 10)) == "Hari Raya Idul Fitri (perkiraan)"
    assert libur(D(2027, 1, 1)) == "Tahun Baru Masehi"  # a fixed date is no estimate
    assert libur(D(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"  # 2026 has its SKB
    with ready_engine.connect() as conn:
        assert workdays.unconfirmed_years(conn, [2026, 2027, 2028]) == [2027, 2028]

    with pytest.raises(AccessDenied):
        workdays.confirm_year(ready_engine, Actor("staf.uji", "staf"), 2027)
    workdays.confirm_year(ready_engine, Actor("admin.uji", "admin"), 2027)
    libur = load_libur(ready_engine)
    assert libur(D(2027, 3, 12)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert libur(D(2027, 3, 10)) == "Hari Raya Idul Fitri"
    with ready_engine.connect() as conn:
        assert workdays.confirmed_years(conn) == {2027}
        assert workdays.unconfirmed_years(conn, [2027, 2028]) == [2028]
        from sqlalchemy import select

        assert conn.scalar(select(LogAudit.oleh).where(LogAudit.aksi == "kalender_dikonfirmasi")) == "admin.uji"
    workdays.confirm_year(ready_engine, Actor("admin.uji", "admin"), 2027, dikonfirmasi=False)
    assert load_libur(ready_engine)(D(2027, 3, 12)).endswith("(perkiraan)")


def test_holiday_names_pure():
    assert libur_name("Hari Raya Idul Fitri (perkiraan)", D(2027, 3, 10), set()) == "Hari Raya Idul Fitri (perkiraan)"
    assert libur_name("Hari Raya Idul Fitri (perkiraan)", D(2027, 3, 10), {2027}) == "Hari Raya Idul Fitri"
    assert libur_name("Cuti Bersama Natal", D(2027, 12, 24), set(), cuti=True) == "Cuti Bersama Natal (perkiraan)"
    assert libur_name("Cuti Bersama Natal", D(2026, 12, 24), set(), cuti=True) == "Cuti Bersama Natal"


def test_tables_show_indonesian_text_and_keep_values():
    df = pd.DataFrame(
        {
            "Skor": [59.4, 1600.25],
            "Hari": [1600, None],
            "Selesai": [pd.Timestamp("2026-10-05"), pd.NaT],
            "Nama": ["Ana", None],
        }
    )
    html = indonesia(df, desimal={"Skor": 1}).to_html()
    for shown in ("59,4", "1.600,2", "1.600", "5 Oktober 2026", "–"):
        assert shown in html
    for raw in ("59.4", "None", "NaT", "nan", "NaN", "2026-10-05", "October"):
        assert raw not in html
    assert indonesia(df).data["Skor"].tolist() == [59.4, 1600.25]  # values stay numbers (sorting by value)


def test_chart_label_expressions_are_indonesian():
    expr = number_expr()
    assert "format(datum.value, ',~f')" in expr and "regexp(',', 'g')" in expr
    t = date_expr()
    assert "'Oktober'" in t and "'Okt'" in t and "October" not in t


def test_rotasi_table_and_legend_count_the_same(seeded_engine):
    from db.rotasi import data as rotasi_data
    from geo.rotasi_map import rotasi_legend
    from ui.rotasi import schedule_table

    plan, df = rotasi_data.current_status(seeded_engine, dt.date(2026, 11, 20))
    legend = dict(rotasi_legend(df.set_index("kode")["status"]))
    table = schedule_table(plan, df)
    n = table["Status"].value_counts()
    for label in ("Dijadwalkan", "Berikutnya"):
        (entry,) = [k for k in legend if k.startswith(label + " (")]
        assert entry == f"{label} ({int(n.get(label, 0))})"
    assert int(n.get("Dijadwalkan", 0)) > 0
