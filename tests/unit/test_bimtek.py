"""Bimtek services and queries against hand-computed fixtures (SQLite and PostgreSQL).

Fixture (see `events`): two events A (2025-01-10) and B (2025-06-12) with participants in
Gading Kasri (K1: 6 RW, 50 RT) and Tunjungsekar (K2: 8 RW, 73 RT); Klojen (K3: 7 RW, 47 RT) has none.

Event A                                       Event B
K1 ketua_rw    RW1        hadir               K1 ketua_rw    RW1 (other person)  hadir
K1 pengurus_rw RW1        hadir               K1 ketua_rw    RW2                 hadir
K1 ketua_rw    RW2        tidak               K1 pengurus_rt RW2 RT1             hadir
K1 ketua_rt    RW1 RT1    hadir               K2 ketua_lpmk                      hadir
K1 ketua_rt    RW1 RT ?   hadir (unknown RT)  K2 lainnya                         hadir
K1 ketua_lpmk             hadir
K2 ketua_rw    RW3        hadir
K2 pengurus_lpmk          tidak
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, text, update

from db.auth.roles import AccessDenied, Actor
from db.bimtek import reports as bimtek_reports
from db.bimtek import services as bimtek_services
from db.bimtek.services import BimtekData, BimtekError, BimtekFilter, PesertaData, name_key_peserta
from db.schema import BimtekPeserta, Kelurahan, LogAudit

pytestmark = pytest.mark.usefixtures("backend")

STAF = Actor("siti.staf", "staf")
PIMPINAN = Actor("wali.kota", "pimpinan")
K1, K2, K3 = "35.73.02.1010", "35.73.05.1008", "35.73.02.1001"
A_DAY, B_DAY = dt.date(2025, 1, 10), dt.date(2025, 6, 12)


def _p(nama, peran, kode, rw=None, rt=None, hadir=True):
    return PesertaData(nama, peran, kode, rw, rt, hadir)


@pytest.fixture
def events(ready_engine):
    e = ready_engine
    a = bimtek_services.create_bimtek(
        e, STAF, BimtekData("Bimtek A", A_DAY, "Balai Kota", "Bagian Pemerintahan", "Tugas RT/RW")
    )
    bb = bimtek_services.create_bimtek(e, STAF, BimtekData("Bimtek B", B_DAY, "Gedung Kartini"))
    for p in [
        _p("Andi", "ketua_rw", K1, 1),
        _p("Bambang", "pengurus_rw", K1, 1),
        _p("Cici", "ketua_rw", K1, 2, hadir=False),
        _p("Dedi", "ketua_rt", K1, 1, 1),
        _p("Eko", "ketua_rt", K1, 1, None),
        _p("Fitri", "ketua_lpmk", K1),
        _p("Gita", "ketua_rw", K2, 3),
        _p("Hadi", "pengurus_lpmk", K2, hadir=False),
    ]:
        bimtek_services.add_peserta(e, STAF, a, p)
    for p in [
        _p("Indra", "ketua_rw", K1, 1),
        _p("Joko", "ketua_rw", K1, 2),
        _p("Kartika", "pengurus_rt", K1, 2, 1),
        _p("Lina", "ketua_lpmk", K2),
        _p("Maya", "lainnya", K2),
    ]:
        bimtek_services.add_peserta(e, STAF, bb, p)
    return e, a, bb


def test_coverage_over_all_events_is_hand_computed(events):
    e, _, _ = events
    df = bimtek_reports.cakupan(e, BimtekFilter())
    assert len(df) == 57
    k1, k2, k3 = df.loc[K1], df.loc[K2], df.loc[K3]
    assert (k1["jumlah_rw"], k1["jumlah_rt"]) == (6, 50)
    assert (k1["rw_terlatih"], k1["rt_terlatih"], k1["lpmk_terlatih"], k1["peserta_hadir"]) == (2, 2, 1, 8)
    assert k1["cakupan_rw"] == pytest.approx(2 / 6)
    assert k1["cakupan_rt"] == pytest.approx(2 / 50)  # the RT-unknown participant counts for nothing here
    assert (k2["rw_terlatih"], k2["rt_terlatih"], k2["lpmk_terlatih"], k2["peserta_hadir"]) == (1, 0, 1, 3)
    assert k2["cakupan_rw"] == pytest.approx(1 / 8)
    # A kelurahan without participants: all zero, not missing.
    assert (k3["rw_terlatih"], k3["rt_terlatih"], k3["lpmk_terlatih"], k3["peserta_hadir"]) == (0, 0, 0, 0)
    assert (k3["cakupan_rw"], k3["cakupan_rt"]) == (0.0, 0.0)
    total = bimtek_reports.summarize(df)
    assert (total.kelurahan_terjangkau, total.rw_terlatih, total.rt_terlatih, total.lpmk_terlatih) == (2, 3, 2, 2)
    assert total.peserta_hadir == 11
    assert total.kelurahan_total == 57
    assert total.rw_total == int(df["jumlah_rw"].sum())


def test_coverage_per_event_and_region(events):
    e, a, _ = events
    only_a = bimtek_reports.cakupan(e, BimtekFilter(bimtek=(a,)))
    assert tuple(only_a.loc[K1, ["rw_terlatih", "rt_terlatih", "lpmk_terlatih", "peserta_hadir"]]) == (1, 1, 1, 5)
    assert tuple(only_a.loc[K2, ["rw_terlatih", "rt_terlatih", "lpmk_terlatih", "peserta_hadir"]]) == (1, 0, 0, 1)
    # The period filter selects events by date: from March 2025 = event B only.
    only_b = bimtek_reports.cakupan(e, BimtekFilter(dari=dt.date(2025, 3, 1)))
    assert tuple(only_b.loc[K1, ["rw_terlatih", "rt_terlatih", "lpmk_terlatih", "peserta_hadir"]]) == (2, 1, 0, 3)
    klojen = bimtek_reports.cakupan(e, BimtekFilter(kecamatan=("35.73.02",)))
    assert K2 not in klojen.index and K1 in klojen.index
    assert len(klojen) == 11
    # The role filter does not change coverage (it is per level by definition).
    assert bimtek_reports.cakupan(e, BimtekFilter(jenis=("RT",))).equals(bimtek_reports.cakupan(e, BimtekFilter()))


def test_coverage_share_is_capped(events):
    e, _, bb = events
    with e.begin() as conn:  # an admin lowered the (indicative) count after RW 3 and RW 5 were trained
        conn.execute(update(Kelurahan).where(Kelurahan.kode == K2).values(jumlah_rw=1))
        conn.execute(
            insert(BimtekPeserta).values(
                bimtek_id=bb, nama="Nina", nama_kunci="nina", peran="ketua_rw", kelurahan_kode=K2, rw=5, hadir=True
            )
        )
    row = bimtek_reports.cakupan(e, BimtekFilter()).loc[K2]
    assert (row["rw_terlatih"], row["cakupan_rw"]) == (1, 1.0)


def test_participation_groups(events):
    e, a, bb = events
    per_event = bimtek_reports.participation(e, BimtekFilter(), "bimtek").set_index("bimtek_id")
    assert tuple(per_event.loc[a, ["diundang", "hadir"]]) == (8, 6)
    assert tuple(per_event.loc[bb, ["diundang", "hadir"]]) == (5, 5)
    per_jenis = bimtek_reports.participation(e, BimtekFilter(), "jenis").set_index("jenis")
    assert per_jenis.loc["RT"].tolist()[1:] == [3, 3]
    assert per_jenis.loc["RW"].tolist()[1:] == [6, 5]
    assert per_jenis.loc["LPMK"].tolist()[1:] == [3, 2]
    assert per_jenis.loc["lainnya"].tolist()[1:] == [1, 1]
    per_kec = bimtek_reports.participation(e, BimtekFilter(), "kecamatan").set_index("kecamatan")
    assert tuple(per_kec.loc["Klojen", ["diundang", "hadir"]]) == (9, 8)
    assert tuple(per_kec.loc["Lowokwaru", ["diundang", "hadir"]]) == (4, 3)
    assert tuple(per_kec.loc["Sukun", ["diundang", "hadir"]]) == (0, 0)
    per_kel = bimtek_reports.participation(e, BimtekFilter(kecamatan=("35.73.02",)), "kelurahan").set_index("kode")
    assert len(per_kel) == 11
    assert tuple(per_kel.loc[K1, ["diundang", "hadir"]]) == (9, 8)
    assert tuple(per_kel.loc[K3, ["diundang", "hadir"]]) == (0, 0)
    # Role filter: RW only.
    rw_only = bimtek_reports.participation(e, BimtekFilter(jenis=("RW",)), "bimtek").set_index("bimtek_id")
    assert tuple(rw_only.loc[a, ["diundang", "hadir"]]) == (4, 3)
    assert list(bimtek_reports.participation(e, BimtekFilter(jenis=("RW",)), "jenis")["jenis"]) == ["RW"]


def test_trend_grows_event_after_event(events):
    e, a, bb = events
    t = bimtek_reports.trend(e, BimtekFilter())
    assert list(t["bimtek_id"]) == [a, bb]
    assert list(t["rw_kum"]) == [2, 3]
    assert list(t["rt_kum"]) == [1, 2]
    assert list(t["lpmk_kum"]) == [1, 2]
    assert list(t["kelurahan_kum"]) == [2, 2]
    assert list(t["hadir"]) == [6, 5]
    total_rw = bimtek_reports.cakupan(e, BimtekFilter())["jumlah_rw"].sum()
    assert t["cakupan_rw_kum"].tolist() == pytest.approx([2 / total_rw, 3 / total_rw])
    assert t["cakupan_lpmk_kum"].tolist() == pytest.approx([1 / 57, 2 / 57])
    # The last cumulative value equals the all-events coverage.
    total = bimtek_reports.summarize(bimtek_reports.cakupan(e, BimtekFilter()))
    assert (t["rw_kum"].iloc[-1], t["rt_kum"].iloc[-1]) == (total.rw_terlatih, total.rt_terlatih)


def test_belum_pernah_ikut_lists_the_units_not_reached(events):
    e, a, _ = events
    df = bimtek_reports.never_attended(e, BimtekFilter(kelurahan=(K1,)))
    assert set(df["tingkat"]) == {"RW", "RT"}  # K1's LPMK was reached
    rw = df[df["tingkat"] == "RW"]
    assert list(rw["rw"]) == [3, 4, 5, 6]
    rt = df[df["tingkat"] == "RT"]
    assert len(rt) == 50 - 2
    assert not ((rt["rw"] == 1) & (rt["rt"] == 1)).any()
    assert not ((rt["rw"] == 2) & (rt["rt"] == 1)).any()
    assert "RT 02 / RW 01" in set(rt["lembaga"])  # Eko (RT unknown) does not tick any RT
    assert not df["pernah_diundang"].any()
    # After event A only: RW 2 was invited (Cici) but nobody came.
    only_a = bimtek_reports.never_attended(e, BimtekFilter(kelurahan=(K1,), bimtek=(a,)))
    rw2 = only_a[(only_a["tingkat"] == "RW") & (only_a["rw"] == 2)]
    assert rw2["pernah_diundang"].tolist() == [True]
    assert rw2["lembaga"].tolist() == ["RW 02"]
    # A kelurahan with no participants lists everything, LPMK first.
    k3 = bimtek_reports.never_attended(e, BimtekFilter(kelurahan=(K3,)))
    assert len(k3) == 1 + 7 + 47
    assert k3["lembaga"].iloc[0] == "LPMK"
    # Level filter.
    assert set(bimtek_reports.never_attended(e, BimtekFilter(kelurahan=(K3,), jenis=("RW",)))["tingkat"]) == {"RW"}
    undangan = bimtek_reports.list_invitations(k3)
    assert list(undangan.columns)[:4] == ["Kecamatan", "Kelurahan", "Kode kelurahan", "Lembaga"]
    assert len(undangan) == 55


def test_writes_check_the_actor_and_validate(events):
    e, a, _ = events
    with pytest.raises(AccessDenied):
        bimtek_services.create_bimtek(e, PIMPINAN, BimtekData("X", A_DAY))
    with pytest.raises(AccessDenied):
        bimtek_services.add_peserta(e, PIMPINAN, a, _p("Z", "ketua_rw", K1, 1))
    with pytest.raises(AccessDenied):  # a Sukun-only account cannot add a Klojen participant
        bimtek_services.add_peserta(e, Actor("staf.sukun", "staf", "35.73.04"), a, _p("Z", "ketua_rw", K1, 1))
    with pytest.raises(BimtekError, match="Judul wajib"):
        bimtek_services.create_bimtek(e, STAF, BimtekData("  ", A_DAY))
    with pytest.raises(BimtekError, match="RW 7 tidak ada") as exc:
        bimtek_services.add_peserta(e, STAF, a, _p("Z", "ketua_rw", K1, 7))
    assert exc.value.kolom == "rw"
    with pytest.raises(BimtekError, match="RT 9 tidak ada di RW 3"):  # RW 3 of Gading Kasri has 8 RT
        bimtek_services.add_peserta(e, STAF, a, _p("Z", "ketua_rt", K1, 3, 9))
    with pytest.raises(BimtekError, match="RW wajib"):
        bimtek_services.add_peserta(e, STAF, a, _p("Z", "ketua_rt", K1, None, 1))
    with pytest.raises(BimtekError, match="sudah terdaftar"):  # same person, same unit, other spacing/case
        bimtek_services.add_peserta(e, STAF, a, _p("  fitri ", "ketua_lpmk", K1))
    pid = bimtek_services.add_peserta(e, STAF, a, _p("Zaki", "ketua_rt", K1, 3, 8))
    with e.connect() as conn:
        row = conn.execute(select(BimtekPeserta).where(BimtekPeserta.id == pid)).one()
        assert (row.rw, row.rt, row.nama_kunci) == (3, 8, name_key_peserta("Zaki"))
        assert conn.scalar(select(LogAudit.aksi).order_by(LogAudit.id.desc()).limit(1)) == "peserta_ditambah"


def test_edit_event_refuses_a_stale_form(events):
    e, a, _ = events
    seen = bimtek_services.get_bimtek(e, a)
    bimtek_services.update_bimtek(e, STAF, a, BimtekData("Bimtek A (revisi)", A_DAY, "Balai Kota"), sebelum=seen)
    assert bimtek_services.get_bimtek(e, a).judul == "Bimtek A (revisi)"
    with pytest.raises(BimtekError, match="baru saja diubah"):
        bimtek_services.update_bimtek(e, STAF, a, BimtekData("Bimtek A lagi", A_DAY), sebelum=seen)
    assert bimtek_services.get_bimtek(e, a).judul == "Bimtek A (revisi)"


def test_edit_and_delete_participant_change_coverage(events):
    e, a, _ = events
    table = bimtek_reports.peserta_table(e, a, STAF)
    cici = int(table.loc[table["Nama"] == "Cici", "id"].iloc[0])
    bimtek_services.update_peserta(e, STAF, cici, _p("Cici", "ketua_rw", K1, 2, hadir=True))
    assert bimtek_reports.cakupan(e, BimtekFilter(bimtek=(a,))).loc[K1, "rw_terlatih"] == 2
    bimtek_services.delete_peserta(e, STAF, cici)
    assert bimtek_reports.cakupan(e, BimtekFilter(bimtek=(a,))).loc[K1, "rw_terlatih"] == 1
    assert len(bimtek_reports.peserta_table(e, a, STAF)) == 7


def test_participant_names_only_for_roles_with_personal_data(events):
    e, a, _ = events
    assert "Andi" in set(bimtek_reports.peserta_table(e, a, STAF)["Nama"])
    assert set(bimtek_reports.peserta_table(e, a, PIMPINAN)["Nama"]) == {bimtek_reports.MASKED_NAME}
    assert set(bimtek_reports.peserta_table(e, a, None)["Nama"]) == {bimtek_reports.MASKED_NAME}


def test_events_list_and_data_version(events):
    e, a, bb = events
    before = bimtek_services.data_version(e)
    df = bimtek_services.list_bimtek(e)
    assert list(df["id"]) == [bb, a]  # newest first
    assert tuple(df.set_index("id").loc[a, ["diundang", "hadir"]]) == (8, 6)
    bimtek_services.add_peserta(e, STAF, a, _p("Zaki", "ketua_rw", K1, 4))
    assert bimtek_services.data_version(e) != before
    with e.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM bimtek_peserta")).scalar() == 14


def test_bimtek_page_mode_rembuk_and_rotation_count_the_same_trained_rw(events):
    """One coverage rule (db.bimtek.reports.cakupan_select) behind the three screens that show it.

    Before, Mode Rembuk and the rotation score dropped an RW numbered above the kelurahan's
    (indicative) jumlah_rw, while the Bimtek page counted it within the cap: here K2's count is
    lowered to 2 after RW 3 was trained, so the page said 1 of 2 RW and the others 0 of 2.
    """
    from db.rembuk.mode import mode_rembuk_data
    from db.rotasi.data import load_kelurahan_info

    e, _, _ = events
    with e.begin() as conn:
        conn.execute(update(Kelurahan).where(Kelurahan.kode == K2).values(jumlah_rw=2))
    today = dt.date(2025, 7, 1)
    for kode, rw_expected, rt_expected in [(K1, 2, 2), (K2, 1, 0), (K3, 0, 0)]:
        page = bimtek_reports.cakupan(e, BimtekFilter()).loc[kode]
        projector = mode_rembuk_data(e, kode, today).bimtek
        rotation = next(i for i in load_kelurahan_info(e, today) if i.kode == kode)
        jumlah_rw = int(page["jumlah_rw"])
        assert page["rw_terlatih"] == projector.rw_terlatih == rw_expected, kode
        assert rotation.bimtek_gap == pytest.approx(1 - rw_expected / jumlah_rw, abs=1e-4), kode
        assert page["rt_terlatih"] == projector.rt_terlatih == rt_expected, kode
        assert bool(page["lpmk_terlatih"]) == projector.lpmk, kode
        assert (projector.rw_total, projector.rt_total) == (jumlah_rw, int(page["jumlah_rt"]))
