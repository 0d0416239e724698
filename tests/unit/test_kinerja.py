"""db.kinerja.scorecard: every scorecard figure equals an independent pandas computation over the same rows
(both databases), the working-day clock over holidays and cuti bersama, handed-on items, reopenings,
the small-sample rule, the links (each number = the rows its filter finds) and OPD yang perlu hadir."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text, update

from db.aspirasi import listing as aspirasi_listing
from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.auth.roles import Actor
from db.kinerja import periods as kinerja_periods
from db.kinerja import scorecard as kinerja_scorecard
from db.rembuk.janji import add_janji, update_janji
from db.rembuk.records import record_rembuk
from db.schema import AspirasiRiwayat, JanjiRiwayat
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.usefixtures("backend")
STAF = Actor("staf.uji", "staf")
WIB = "Asia/Jakarta"


# --- an independent computation (pandas + numpy busday_count), not the code under test -----------------


def _holidays(engine, years) -> list[dt.date]:
    with engine.connect() as conn:
        cuti = [r[0] for r in conn.execute(text("SELECT tanggal FROM cuti_bersama"))]
    cuti = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in cuti]
    return sorted(set(holidays.country_holidays("ID", years=years)) | set(cuti))


def busdays_after(start: dt.date, end: dt.date, hol) -> int:
    """Working days after ``start`` up to and including ``end`` (numpy, weekends + holidays off)."""
    if end <= start:
        return 0
    return int(np.busday_count(start + dt.timedelta(days=1), end + dt.timedelta(days=1), holidays=hol))


def _date(v):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])


def rows(engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as conn:
        asp = pd.read_sql_query(
            text(
                "SELECT a.id, o.kode AS opd, k.kecamatan_kode AS kec, c.sla_hari_kerja AS sla, a.status, a.terbuka, "
                "a.tanggal_diterima AS diterima, a.tanggal_selesai AS selesai, a.tenggat, a.hari_kerja_selesai AS hk "
                "FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode "
                "JOIN kategori c ON c.id = a.kategori_id LEFT JOIN opd o ON o.id = a.opd_id"
            ),
            conn,
        )
        riw = pd.read_sql_query(text("SELECT aspirasi_id, dari_status, ke_status, waktu FROM aspirasi_riwayat"), conn)
        janji = pd.read_sql_query(
            text(
                "SELECT j.id, o.kode AS opd, k.kecamatan_kode AS kec, r.tanggal AS rembuk, j.status, j.tenggat "
                "FROM janji j JOIN opd o ON o.id = j.opd_id JOIN rembuk r ON r.id = j.rembuk_id "
                "JOIN kelurahan k ON k.kode = j.kelurahan_kode"
            ),
            conn,
        )
        jr = pd.read_sql_query(text("SELECT janji_id, status, waktu FROM janji_riwayat"), conn)
    for c in ("diterima", "selesai", "tenggat"):
        asp[c] = asp[c].map(_date)
    asp["terbuka"] = asp["terbuka"].astype(bool)
    janji["rembuk"] = janji["rembuk"].map(_date)
    janji["tenggat"] = janji["tenggat"].map(_date)
    for df in (riw, jr):
        w = pd.to_datetime(df["waktu"], utc=True, format="mixed")
        df["tanggal_wib"] = w.dt.tz_convert(WIB).dt.date
    return {"asp": asp, "riw": riw, "janji": janji, "jr": jr}


def expected(engine, p: kinerja_periods.Period, today: dt.date, minimum: int, kec: str | None = None) -> pd.DataFrame:
    r = rows(engine)
    asp, riw, janji, jr = r["asp"], r["riw"], r["janji"], r["jr"]
    if kec:
        asp, janji = asp[asp["kec"] == kec], janji[janji["kec"] == kec]
    hol = _holidays(engine, range(2015, today.year + 2))
    out = []
    first_done = jr[jr["status"] == "selesai"].groupby("janji_id")["tanggal_wib"].min()
    for opd in sorted(pd.read_sql_query(text("SELECT kode FROM opd"), engine.connect())["kode"]):
        a = asp[asp["opd"] == opd]
        row = {"opd": opd}
        for suffix, q in (("", p), ("_lalu", p.sebelumnya())):

            def within(col, q=q, a=a):
                return a[col].map(lambda d: d is not None and q.dari <= d <= q.sampai)

            sel = a[(a["status"] == "selesai") & within("selesai")]
            on_time = [busdays_after(x.diterima, x.selesai, hol) <= x.sla for x in sel.itertuples()]
            # the stored working-day count equals the independent one (holidays, cuti bersama)
            assert [busdays_after(x.diterima, x.selesai, hol) for x in sel.itertuples()] == sel["hk"].tolist()
            row[f"diterima{suffix}"] = int(within("diterima").sum())
            row[f"selesai{suffix}"] = len(sel)
            row[f"tepat_waktu{suffix}"] = int(sum(on_time))
            row[f"median_hk{suffix}"] = float(sel["hk"].median()) if len(sel) else None
            row[f"bukan_kewenangan{suffix}"] = int(((a["status"] == "bukan_kewenangan") & within("selesai")).sum())
            reopened = riw[
                (riw["dari_status"] == "selesai")
                & (riw["ke_status"] != "selesai")
                & riw["tanggal_wib"].map(lambda d, q=q: q.dari <= d <= q.sampai)
            ]["aspirasi_id"]
            row[f"dibuka_kembali{suffix}"] = int(a["id"].isin(set(reopened)).sum())
            j = janji[(janji["opd"] == opd) & janji["rembuk"].map(lambda d, q=q: q.dari <= d <= q.sampai)]
            row[f"janji_dibuat{suffix}"] = len(j)
            row[f"janji_ditepati{suffix}"] = int(
                sum(
                    x.status == "selesai"
                    and (x.tenggat is None or (x.id in first_done and first_done[x.id] <= x.tenggat))
                    for x in j.itertuples()
                )
            )
        opened = a[a["terbuka"]]
        row["terbuka"] = len(opened)
        row["lewat_tenggat"] = int(opened["tenggat"].map(lambda d: d is not None and d < today).sum())
        row["tertua_hk"] = busdays_after(min(opened["diterima"]), today, hol) if len(opened) else None
        jo = janji[janji["opd"] == opd]
        row["janji_lewat"] = int(
            (jo["status"].isin(["belum", "proses"]) & jo["tenggat"].map(lambda d: d is not None and d < today)).sum()
        )
        row["sampel_kecil"] = row["selesai"] < minimum
        row["tepat_waktu_pct"] = row["tepat_waktu"] / row["selesai"] if row["selesai"] else None
        out.append(row)
    df = pd.DataFrame(out)
    ranked = df[~df["sampel_kecil"]].copy()
    ranked["key"] = list(zip(-ranked["tepat_waktu_pct"], ranked["median_hk"], strict=True))
    ranks = {}
    for i, k in enumerate(sorted(ranked["key"])):
        ranks.setdefault(k, i + 1)
    df["peringkat"] = [ranks.get((-r.tepat_waktu_pct, r.median_hk)) if not r.sampel_kecil else None
                       for r in df.itertuples()]  # fmt: skip
    return df.set_index("opd")


COLUMNS = [
    "diterima", "diterima_lalu", "terbuka", "lewat_tenggat", "selesai", "selesai_lalu", "tepat_waktu",
    "tepat_waktu_lalu", "bukan_kewenangan", "bukan_kewenangan_lalu", "dibuka_kembali", "dibuka_kembali_lalu",
    "janji_dibuat", "janji_dibuat_lalu", "janji_ditepati", "janji_ditepati_lalu", "janji_lewat", "sampel_kecil",
]  # fmt: skip


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    g = got.set_index("opd")
    assert sorted(g.index) == sorted(want.index)
    for opd, w in want.iterrows():
        row = g.loc[opd]
        for c in COLUMNS:
            assert row[c] == w[c], (opd, c, row[c], w[c])
        for c in ("median_hk", "median_hk_lalu", "tepat_waktu_pct"):
            if w[c] is None or pd.isna(w[c]):
                assert pd.isna(row[c]), (opd, c)
            else:
                assert row[c] == pytest.approx(w[c]), (opd, c)
        for c in ("tertua_hk", "peringkat"):
            if pd.isna(row[c]):
                assert w[c] is None or pd.isna(w[c]), (opd, c, w[c])
            else:
                assert int(row[c]) == int(w[c]), (opd, c, row[c], w[c])


# --- the seeded demo database ----------------------------------------------------------------------


@pytest.mark.parametrize("jenis", ["bulan_ini", "3_bulan", "tahun_ini"])
def test_scorecard_equals_independent_computation(seeded_engine, jenis):
    p = kinerja_periods.period(jenis, DEMO_TODAY)
    got = kinerja_scorecard.scorecard(seeded_engine, AspirasiFilter(), p, DEMO_TODAY, 10)
    assert len(got) == 12
    assert_same(got, expected(seeded_engine, p, DEMO_TODAY, 10))
    # ranked first, small samples last and never ranked
    assert got["peringkat"].notna().sum() == (~got["sampel_kecil"]).sum()
    assert got["sampel_kecil"].tolist() == sorted(got["sampel_kecil"].tolist())


def test_scoped_kecamatan_counts_only_its_kecamatan(seeded_engine):
    p = kinerja_periods.period("tahun_ini", DEMO_TODAY)
    got = kinerja_scorecard.scorecard(seeded_engine, AspirasiFilter(kecamatan=("35.73.02",)), p, DEMO_TODAY, 5)
    assert_same(got, expected(seeded_engine, p, DEMO_TODAY, 5, kec="35.73.02"))
    whole = kinerja_scorecard.scorecard(seeded_engine, AspirasiFilter(), p, DEMO_TODAY, 5)
    assert got["diterima"].sum() < whole["diterima"].sum()


@pytest.mark.parametrize("kolom", ["diterima", "terbuka", "lewat_tenggat", "selesai", "tepat_waktu",
                                   "bukan_kewenangan", "dibuka_kembali"])  # fmt: skip
def test_every_link_finds_exactly_the_rows_counted(seeded_engine, kolom):
    p = kinerja_periods.period("3_bulan", DEMO_TODAY)
    base = AspirasiFilter(kecamatan=("35.73.05",))
    score = kinerja_scorecard.scorecard(seeded_engine, base, p, DEMO_TODAY, 10)
    for r in score.itertuples():
        f = kinerja_scorecard.filter_link(base, r.opd, kolom, p, DEMO_TODAY)
        assert aspirasi_listing.count(seeded_engine, f) == getattr(r, kolom), (r.opd, kolom)
    late = kinerja_scorecard.filter_link(base, score.iloc[0]["opd"], "terlambat", p, DEMO_TODAY)
    assert aspirasi_listing.count(seeded_engine, late) == score.iloc[0]["selesai"] - score.iloc[0]["tepat_waktu"]


def test_trend_equals_independent_monthly_counts(seeded_engine):
    t = kinerja_scorecard.trend(seeded_engine, AspirasiFilter(), DEMO_TODAY)
    months = kinerja_periods.last_months(DEMO_TODAY)
    assert t["label"].iloc[:12].tolist()[-3:] == ["Sep 2026", "Okt 2026", "Nov 2026"]
    asp = rows(seeded_engine)["asp"]
    hol = _holidays(seeded_engine, range(2015, 2028))
    for opd in ("DLH", "DPUPRPKP"):
        a = asp[asp["opd"] == opd]
        got = t[t["opd"] == opd].set_index("bulan")
        for m in months:
            nxt = kinerja_periods._minus_months(m, -1)
            end = min(nxt - dt.timedelta(days=1), DEMO_TODAY)

            def inm(col, m=m, end=end, a=a):
                return a[col].map(lambda d: d is not None and m <= d <= end)

            sel = a[(a["status"] == "selesai") & inm("selesai")]
            assert got.loc[m, "diterima"] == inm("diterima").sum()
            assert got.loc[m, "selesai"] == len(sel)
            assert got.loc[m, "tepat_waktu"] == sum(busdays_after(x.diterima, x.selesai, hol) <= x.sla
                                                    for x in sel.itertuples())  # fmt: skip
            overdue = a[
                inm("tenggat")
                & a["tenggat"].map(lambda d: d < DEMO_TODAY)
                & (a["status"] != "bukan_kewenangan")
                & (
                    a["terbuka"]
                    | pd.Series(
                        [x is not None and x > y for x, y in zip(a["selesai"], a["tenggat"], strict=True)],
                        index=a.index,
                    )
                )
            ]
            assert got.loc[m, "lewat_tenggat"] == len(overdue), (opd, m)
    kota = kinerja_scorecard.city_on_time(t)
    all_sel = asp[(asp["status"] == "selesai") & asp["selesai"].map(lambda d: d is not None and d >= months[0])]
    assert kota["selesai"].sum() == len(all_sel)  # every OPD and the unassigned ones


# --- a crafted case: holidays and cuti bersama, reopening, handed on, janji, small samples -------------

TODAY = dt.date(2026, 4, 10)
MARET = kinerja_periods.Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
KEL = "35.73.02.1010"


def _new(engine, kategori: str, received: dt.date) -> int:
    return create_aspirasi(engine, STAF, NewAspirasi("Uji kinerja", kategori, KEL, tanggal_diterima=received),
                           today=received).id  # fmt: skip


def _move(engine, aid: int, steps: list[tuple[str, dt.date]]) -> None:
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM aspirasi WHERE id = :i"), {"i": aid}).scalar()
    for ke, day in steps:
        version = update_status(engine, STAF, aid, version, ke, "alasan uji", today=day)


def test_crafted_case_holidays_reopening_handed_on_janji(ready_engine):
    e = ready_engine
    # A: 16 March -> 25 March 2026 is 9 calendar days but 2 working days (Nyepi 19, Idul Fitri 21-22,
    # cuti bersama 18, 20, 23, 24): on time for a 5-working-day target.
    a = _new(e, "sampah", dt.date(2026, 3, 16))
    _move(e, a, [("diverifikasi", dt.date(2026, 3, 16)), ("dalam_proses", dt.date(2026, 3, 17)),
                 ("selesai", dt.date(2026, 3, 25))])  # fmt: skip
    # B: 2 -> 13 March is 9 working days: late.
    b = _new(e, "sampah", dt.date(2026, 3, 2))
    _move(e, b, [("diverifikasi", dt.date(2026, 3, 2)), ("dalam_proses", dt.date(2026, 3, 3)),
                 ("selesai", dt.date(2026, 3, 13))])  # fmt: skip
    # C: Selesai on 5 March, reopened on 10 March (and open since).
    c = _new(e, "sampah", dt.date(2026, 3, 2))
    _move(e, c, [("diverifikasi", dt.date(2026, 3, 2)), ("dalam_proses", dt.date(2026, 3, 3)),
                 ("selesai", dt.date(2026, 3, 5)), ("dalam_proses", dt.date(2026, 3, 10))])  # fmt: skip
    with e.begin() as conn:
        conn.execute(
            update(AspirasiRiwayat)
            .where(AspirasiRiwayat.aspirasi_id == c, AspirasiRiwayat.dari_status == "selesai")
            .values(waktu=dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC))
        )
    # D: handed on as 'bukan kewenangan kota' on 4 March: counted apart, never against DLH.
    d = _new(e, "sampah", dt.date(2026, 3, 2))
    _move(e, d, [("bukan_kewenangan", dt.date(2026, 3, 4))])
    # E: received 2 February, still open, long past its due date.
    _new(e, "sampah", dt.date(2026, 2, 2))
    # Janji at a rembuk on 6 March: one fulfilled on 20 March (deadline 31 March), one overdue.
    rid = record_rembuk(e, STAF, dt.date(2026, 3, 6), [KEL], "terlaksana", opd_hadir=["DISHUB"], today=TODAY)
    j1 = add_janji(e, STAF, rid, KEL, "Angkut sampah pasar", "DLH", dt.date(2026, 3, 31))
    add_janji(e, STAF, rid, KEL, "Tambah TPS", "DLH", dt.date(2026, 3, 27))
    update_janji(e, STAF, j1, 1, 100, "selesai", "beres")
    with e.begin() as conn:
        conn.execute(
            update(JanjiRiwayat)
            .where(JanjiRiwayat.janji_id == j1, JanjiRiwayat.status == "selesai")
            .values(waktu=dt.datetime(2026, 3, 20, 3, 0, tzinfo=dt.UTC))
        )

    got = kinerja_scorecard.scorecard(e, AspirasiFilter(), MARET, TODAY, min_sampel=2).set_index("opd").loc["DLH"]
    assert got["diterima"] == 4  # A, B, C, D (E in February)
    assert got["selesai"] == 2 and got["tepat_waktu"] == 1  # A on time, B late; C is open again
    assert got["tepat_waktu_pct"] == pytest.approx(0.5)
    assert got["median_hk"] == pytest.approx((2 + 9) / 2)
    assert got["dibuka_kembali"] == 1
    assert got["bukan_kewenangan"] == 1
    assert got["terbuka"] == 2 and got["lewat_tenggat"] == 2  # C and E
    hol = _holidays(e, [2026])
    assert got["tertua_hk"] == busdays_after(dt.date(2026, 2, 2), TODAY, hol)
    assert got["janji_dibuat"] == 2 and got["janji_ditepati"] == 1 and got["janji_lewat"] == 1
    assert not got["sampel_kecil"] and got["peringkat"] == 1
    assert_same(kinerja_scorecard.scorecard(e, AspirasiFilter(), MARET, TODAY, 2), expected(e, MARET, TODAY, 2))
    # The small-sample rule: with a minimum of 3, DLH (2 Selesai) is not ranked.
    small = kinerja_scorecard.scorecard(e, AspirasiFilter(), MARET, TODAY, min_sampel=3).set_index("opd").loc["DLH"]
    assert small["sampel_kecil"] and pd.isna(small["peringkat"])
    # Each number's link finds exactly its rows.
    for kolom, n in [("tepat_waktu", 1), ("terlambat", 1), ("dibuka_kembali", 1), ("bukan_kewenangan", 1),
                     ("lewat_tenggat", 2), ("diterima", 4)]:  # fmt: skip
        assert (
            aspirasi_listing.count(e, kinerja_scorecard.filter_link(AspirasiFilter(), "DLH", kolom, MARET, TODAY)) == n
        ), kolom
    # OPD yang perlu hadir in the host kelurahan, and who attended.
    perlu = kinerja_scorecard.opd_needed_at_rembuk(e, KEL, TODAY)
    assert perlu.set_index("opd").loc["DLH", ["terbuka", "lewat_tenggat", "janji_lewat_tenggat"]].tolist() == [2, 2, 1]
    on_rembuk_day = kinerja_scorecard.opd_needed_at_rembuk(e, KEL, dt.date(2026, 3, 6))
    # on 6 March: E (overdue), B and C (received 2 March, closed later / reopened) were open; A not yet received
    assert on_rembuk_day.set_index("opd").loc["DLH", "terbuka"] == 3
    k = kinerja_scorecard.compare_attendance(on_rembuk_day["opd"], ["DISHUB"])
    assert k.tidak_hadir == ["DLH"] and k.hadir == [] and k.lainnya == ["DISHUB"]


def test_periods_and_labels():
    today = dt.date(2026, 11, 20)
    assert kinerja_periods.period("bulan_ini", today) == kinerja_periods.Period(dt.date(2026, 11, 1), today)
    assert kinerja_periods.period("bulan_ini", today).sebelumnya() == kinerja_periods.Period(
        dt.date(2026, 10, 12), dt.date(2026, 10, 31)
    )
    assert kinerja_periods.period("3_bulan", today).dari == dt.date(2026, 8, 21)
    assert kinerja_periods.period("tahun_ini", today).dari == dt.date(2026, 1, 1)
    assert kinerja_periods.period("pilih", today, dt.date(2026, 3, 31), dt.date(2026, 3, 1)) == MARET
    assert kinerja_periods.period("3_bulan", dt.date(2026, 5, 31)).dari == dt.date(2026, 3, 1)
    assert [kinerja_periods.month_label(m) for m in kinerja_periods.last_months(today, 3)] == [
        "Sep 2026",
        "Okt 2026",
        "Nov 2026",
    ]
    assert kinerja_periods.month_label(dt.date(2026, 8, 1)) == "Agu 2026"


def test_min_sampel_setting_is_admin_only_and_audited(ready_engine):
    from db.auth.roles import AccessDenied

    assert kinerja_periods.min_sample(ready_engine) == 10
    with pytest.raises(AccessDenied):
        kinerja_periods.save_min_sample(ready_engine, STAF, 5)
    kinerja_periods.save_min_sample(ready_engine, Actor("admin.uji", "admin"), 5)
    assert kinerja_periods.min_sample(ready_engine) == 5
    with ready_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM log_audit WHERE aksi = 'pengaturan_kinerja'")).scalar() == 1
    with pytest.raises(ValueError):
        kinerja_periods.save_min_sample(ready_engine, Actor("admin.uji", "admin"), 0)


def test_closed_but_not_solved_counts_the_rt_rw_answer(ready_engine):
    """Issue 17's "Belum beres" answer counts as "ditutup tapi belum beres" for the OPD, and the link finds it."""
    from db.lacak import links as lacak_links
    from db.lacak import page as lacak_page

    e = ready_engine
    day = dt.date(2026, 3, 2)
    closed = [_new(e, "sampah", day) for _ in range(3)]
    for aid in closed:
        _move(e, aid, [("diverifikasi", day), ("dalam_proses", day), ("selesai", dt.date(2026, 3, 5))])
    tokens = lacak_links.issue(e, STAF, closed)
    lacak_page.answer(e, tokens[closed[0]], "belum", "masih tergenang", "k1", dt.date(2026, 3, 6))
    lacak_page.answer(e, tokens[closed[1]], "beres", None, "k2", dt.date(2026, 3, 6))
    p = kinerja_periods.period("pilih", dt.date(2026, 3, 31), dari=dt.date(2026, 3, 1), sampai=dt.date(2026, 3, 31))
    score = kinerja_scorecard.scorecard(e, AspirasiFilter(), p, dt.date(2026, 3, 31), 1).set_index("opd")
    with e.connect() as conn:
        opd = conn.execute(
            text("SELECT o.kode FROM aspirasi a JOIN opd o ON o.id = a.opd_id WHERE a.id = :i"), {"i": closed[0]}
        ).scalar()
    assert score.loc[opd, "dikonfirmasi_belum_beres"] == 1
    assert score["dikonfirmasi_belum_beres"].sum() == 1
    f = kinerja_scorecard.filter_link(AspirasiFilter(), opd, "dikonfirmasi_belum_beres", p, dt.date(2026, 3, 31))
    assert aspirasi_listing.count(e, f) == 1


def test_rapor_pdf_and_xlsx_have_the_numbers_and_no_personal_data(seeded_engine):
    import io

    import openpyxl
    import pypdf

    from report.rapor import OpdReportCard, build_report_card_pdf, build_report_card_xlsx

    p = kinerja_periods.period("3_bulan", DEMO_TODAY)
    f = AspirasiFilter()
    score = kinerja_scorecard.scorecard(seeded_engine, f, p, DEMO_TODAY, 10)
    t = kinerja_scorecard.trend(seeded_engine, f, DEMO_TODAY)
    det = {
        o: OpdReportCard(kinerja_scorecard.oldest_open(seeded_engine, f, o, DEMO_TODAY),
                    kinerja_scorecard.opd_overdue_janji(seeded_engine, f, o, DEMO_TODAY))
        for o in score["opd"]
    }  # fmt: skip
    pdf = pypdf.PdfReader(io.BytesIO(build_report_card_pdf(score, t, det, p, DEMO_TODAY, "Semua aspirasi", 10)))
    assert len(pdf.pages) == len(score) + 1  # one page per OPD, then the definitions
    first = score.iloc[0]
    page = pdf.pages[0].extract_text()
    assert f"Rapor OPD - {first['opd']}" in page
    assert "Jumat, 20 November 2026" in page and "21 Agustus 2026 s.d. 20 November 2026" in page
    assert "Filter: Semua aspirasi" in page
    assert f"Tepat waktu % {first['tepat_waktu_pct'] * 100:.1f}%".replace(".", ",") in page
    oldest = det[first["opd"]].tertua
    assert oldest.iloc[0]["nomor"] in page and len(oldest) == 10
    with seeded_engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT pelapor_nama FROM aspirasi WHERE pelapor_nama IS NOT NULL"))]
        phones = [r[0] for r in conn.execute(text("SELECT pelapor_telepon FROM aspirasi LIMIT 50"))]
    alltext = "\n".join(pg.extract_text() for pg in pdf.pages)
    assert not any(n in alltext for n in names[:200]) and not any(ph and ph in alltext for ph in phones)
    wb = openpyxl.load_workbook(io.BytesIO(build_report_card_xlsx(score, p, DEMO_TODAY, "Semua aspirasi")))
    ws = wb["rapor"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["OPD", "Nama OPD", "Peringkat"]
    col = header.index("Lewat tenggat")
    assert [ws.cell(i + 2, col + 1).value for i in range(len(score))] == score["lewat_tenggat"].tolist()
    assert "21 Agustus 2026" in str(wb["keterangan"]["B3"].value)


def test_measure_filter_works_in_every_query_that_joins_kategori(seeded_engine):
    from db.aspirasi import map_data as aspirasi_map_data

    p = kinerja_periods.period("tahun_ini", DEMO_TODAY)
    f = kinerja_scorecard.filter_link(AspirasiFilter(), "DPUPRPKP", "tepat_waktu", p, DEMO_TODAY)
    n = aspirasi_listing.count(seeded_engine, f)
    assert n > 0
    page = aspirasi_listing.page(seeded_engine, f, DEMO_TODAY, ukuran=500)
    assert len(page) == n and set(page["opd"]) == {"DPUPRPKP"}
    assert len(aspirasi_map_data.filtered_rows(seeded_engine, f)) == n
    assert aspirasi_map_data.kelurahan_metrics(seeded_engine, f, DEMO_TODAY)["jumlah"].sum() == n
    assert "Ukuran: Selesai tepat waktu (2026-01-01 s.d. 2026-11-20)" in f.describe()


def test_mode_rembuk_and_its_pdf_list_opd_yang_perlu_hadir(seeded_engine):
    import io

    import pypdf

    from db.rembuk.brief import host_brief
    from db.rembuk.mode import mode_rembuk_data
    from report.brief_pdf import build_brief_pdf

    with seeded_engine.connect() as conn:
        kel = conn.execute(
            text("SELECT kelurahan_kode FROM aspirasi WHERE terbuka GROUP BY kelurahan_kode ORDER BY COUNT(*) DESC")
        ).first()[0]
    want = kinerja_scorecard.opd_needed_at_rembuk(seeded_engine, kel, DEMO_TODAY)
    assert len(want)
    m = mode_rembuk_data(seeded_engine, kel, DEMO_TODAY)
    pd.testing.assert_frame_equal(m.opd_perlu_hadir, want)
    pd.testing.assert_frame_equal(host_brief(seeded_engine, kel, DEMO_TODAY).opd_perlu_hadir, want)
    # Independent: open aspirations per OPD in the kelurahan now.
    with seeded_engine.connect() as conn:
        sql = dict(
            conn.execute(
                text(
                    "SELECT o.kode, COUNT(*) FROM aspirasi a JOIN opd o ON o.id = a.opd_id "
                    "WHERE a.kelurahan_kode = :k AND a.terbuka GROUP BY o.kode"
                ),
                {"k": kel},
            ).all()
        )
    assert dict(zip(want["opd"], want["terbuka"], strict=True)) == {o: sql.get(o, 0) for o in want["opd"]}
    assert set(sql) <= set(want["opd"])
    page = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(build_brief_pdf(m))).pages)
    assert "OPD yang perlu hadir" in page and want.iloc[0]["opd"] in page


def test_hari_kerja_window_equals_the_kalender():
    from db.workdays import WorkCalendar

    kal = WorkCalendar([dt.date(2026, 3, 18), dt.date(2026, 3, 20), dt.date(2026, 3, 23), dt.date(2026, 3, 24)])
    starts = [dt.date(2026, 3, 13) + dt.timedelta(days=i) for i in range(20)]
    hk = kinerja_scorecard.Workdays(kal, starts, TODAY)
    for a in starts:
        for b in (a, a + dt.timedelta(days=3), dt.date(2026, 3, 25), TODAY):
            assert hk.antara(a, b) == kal.hari_kerja_antara(a, b), (a, b)
    assert hk.antara(dt.date(2026, 3, 16), dt.date(2026, 3, 25)) == 2


def test_within_sla_is_the_plain_comparison_on_every_database(ready_engine):
    """``measures.within_sla`` is written per database (PostgreSQL: hashed pairs); it must mean exactly
    ``hari_kerja_selesai <= kategori.sla_hari_kerja``, NULL staying NULL, at the edges of the target."""
    from sqlalchemy import select

    from db.aspirasi.measures import within_sla
    from db.schema import Aspirasi, Kategori

    staf = Actor("staf.uji", "staf")
    with ready_engine.connect() as conn:
        sla = conn.scalar(select(Kategori.sla_hari_kerja).where(Kategori.kode == "pju"))
    cases = [None, -1, 0, 1, sla - 1, sla, sla + 1, sla + 30]
    ids = {}
    for hk in cases:
        a = create_aspirasi(ready_engine, staf, NewAspirasi(f"uji sla {hk}", "pju", "35.73.02.1010"), DEMO_TODAY)
        ids[a.id] = hk
    with ready_engine.begin() as conn:
        for aid, hk in ids.items():
            conn.execute(update(Aspirasi).where(Aspirasi.id == aid).values(hari_kerja_selesai=hk))
        got = dict(conn.execute(select(Aspirasi.id, within_sla()).where(Aspirasi.id.in_(ids))).all())
        late = dict(conn.execute(select(Aspirasi.id, ~within_sla()).where(Aspirasi.id.in_(ids))).all())
    for aid, hk in ids.items():
        want = None if hk is None else hk <= sla
        assert (None if got[aid] is None else bool(got[aid])) == want, (hk, got[aid])
        assert (None if late[aid] is None else bool(late[aid])) == (None if want is None else not want), hk
