"""Rembuk records, commitments, the host brief and Mode Rembuk, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert, select

from db import errors
from db.aspirasi import rollups
from db.aspirasi.services import NewAspirasi, create_aspirasi
from db.auth.roles import AccessDenied, Actor
from db.rembuk import brief as rembuk_brief
from db.rembuk import janji as rembuk_janji
from db.rembuk import mode as rembuk_mode
from db.rembuk import records as rembuk_records
from db.schema import Aspirasi, Bimtek, BimtekPeserta, Kategori, Kelurahan, LogAudit

pytestmark = pytest.mark.usefixtures("backend")

D = dt.date
TODAY = D(2026, 11, 20)
KASIN = "35.73.02.1006"  # Klojen
KLOJEN = "35.73.02.1001"  # Klojen
ARJOSARI = "35.73.01.1002"  # Blimbing
STAF = Actor("staf.uji", "staf")
PIMPINAN = Actor("pimpinan.uji", "pimpinan")
STAF_BLIMBING = Actor("staf.blimbing", "staf", kecamatan_kode="35.73.01")
SECRET_NAME = "Siti Rahasiawati"
SECRET_PHONE = "0800-0000-4321"
SECRET_PESERTA = "Budi Rahasiadi"


def _record(engine, **kw):
    args = {"tanggal": D(2026, 10, 2), "hosts": [KASIN], "status": "terlaksana", "today": TODAY}
    args.update(kw)
    return rembuk_records.record_rembuk(engine, STAF, **args)


# --- rembuk records ---------------------------------------------------------------------------


def test_record_and_update_with_optimistic_locking(ready_engine):
    rid = _record(ready_engine, hadir_rt=30, hadir_rw=8, hadir_lpmk=2, hadir_warga=45, opd_hadir=["DLH", "DISHUB"])
    r = rembuk_records.get_rembuk(ready_engine, rid)
    assert (r.tanggal, r.status, r.tuan_rumah, r.version) == (D(2026, 10, 2), "terlaksana", [KASIN], 1)
    assert (r.hadir_rt, r.hadir_rw, r.hadir_lpmk, r.hadir_warga) == (30, 8, 2, 45)
    assert r.opd_hadir == ["DISHUB", "DLH"] and r.dibuat_oleh == "staf.uji"

    # Two staff open version 1; the first save wins, the second gets a clear conflict.
    _record(ready_engine, rembuk_id=rid, expected_version=1, hadir_rt=31, catatan="Koreksi")
    with pytest.raises(errors.VersionConflict, match="diubah oleh pengguna lain"):
        _record(ready_engine, rembuk_id=rid, expected_version=1, hadir_rt=99)
    r = rembuk_records.get_rembuk(ready_engine, rid)
    assert (r.version, r.hadir_rt, r.catatan) == (2, 31, "Koreksi")

    # Changing only the hosts is a change too (the version moves on).
    _record(ready_engine, rembuk_id=rid, expected_version=2, hosts=[KASIN, KLOJEN], hadir_rt=31)
    r = rembuk_records.get_rembuk(ready_engine, rid)
    assert (r.version, r.tuan_rumah) == (3, [KLOJEN, KASIN])
    with pytest.raises(rembuk_records.RembukError, match="Versi"):
        _record(ready_engine, rembuk_id=rid)
    with ready_engine.connect() as conn:
        assert conn.scalar(select(LogAudit.oleh).where(LogAudit.aksi == "rembuk_simpan").limit(1)) == "staf.uji"
    listed = rembuk_records.list_rembuk(ready_engine)
    assert listed.loc[0, "tuan_rumah"] == "Kasin, Klojen" and listed.loc[0, "version"] == 3


def test_record_rembuk_validation(ready_engine):
    cases = [
        ({"hosts": ["35.73.09.9999"]}, "tidak dikenal"),
        ({"hosts": []}, "minimal satu"),
        ({"hadir_rt": -1}, "negatif"),
        ({"hadir_warga": 2.5}, "bilangan bulat"),
        ({"status": "selesai"}, "Status rembuk"),
        ({"tanggal": D(2026, 11, 27)}, "masa depan"),
        ({"opd_hadir": ["DINASX"]}, "OPD"),
        ({"rembuk_id": 12345, "expected_version": 1}, "tidak ditemukan"),
    ]
    for kw, message in cases:
        with pytest.raises(rembuk_records.RembukError, match=message):
            _record(ready_engine, **kw)
    assert rembuk_records.list_rembuk(ready_engine).empty


def test_record_rembuk_permissions(ready_engine):
    with pytest.raises(AccessDenied):
        rembuk_records.record_rembuk(ready_engine, PIMPINAN, D(2026, 10, 2), [KASIN], "terlaksana", today=TODAY)
    with pytest.raises(AccessDenied):  # a Blimbing account cannot record a Klojen rembuk
        rembuk_records.record_rembuk(ready_engine, STAF_BLIMBING, D(2026, 10, 2), [KASIN], "terlaksana", today=TODAY)
    rid = rembuk_records.record_rembuk(
        ready_engine, STAF_BLIMBING, D(2026, 10, 2), [ARJOSARI], "dibatalkan", today=TODAY
    )
    assert rembuk_records.get_rembuk(ready_engine, rid).status == "dibatalkan"
    # A future Friday may be recorded as scheduled.
    assert _record(ready_engine, tanggal=D(2026, 11, 27), status="dijadwalkan") > rid


# --- janji ------------------------------------------------------------------------------------


def test_janji_progress_rules_and_history(ready_engine):
    rid = _record(ready_engine, hosts=[KASIN, KLOJEN])
    jid = rembuk_janji.add_janji(ready_engine, STAF, rid, KASIN, "Normalisasi saluran", "DPUPRPKP", D(2026, 12, 31))
    with pytest.raises(rembuk_records.RembukError, match="bukan tuan rumah"):
        rembuk_janji.add_janji(ready_engine, STAF, rid, ARJOSARI, "x", None, None)
    with pytest.raises(rembuk_records.RembukError, match="sebelum tanggal rembuk"):
        rembuk_janji.add_janji(ready_engine, STAF, rid, KASIN, "x", None, D(2026, 9, 1))
    df = rembuk_janji.janji_of_rembuk(ready_engine, rid, TODAY)
    assert df[["teks", "opd", "progres", "status", "version"]].values.tolist() == [
        ["Normalisasi saluran", "DPUPRPKP", 0, "belum", 1]
    ]

    bad = [
        (100, "proses", None, "100 %"),
        (80, "selesai", None, "selesai harus"),
        (101, "proses", None, "0 sampai 100"),
        (-5, "proses", None, "0 sampai 100"),
        (30, "belum", None, "belum dimulai"),
        (30, "batal", "  ", "catatan"),
        (30, "ditunda", None, "Status janji"),
    ]
    for progres, status, catatan, message in bad:
        with pytest.raises(rembuk_records.RembukError, match=message):
            rembuk_janji.update_janji(ready_engine, STAF, jid, 1, progres, status, catatan)

    assert rembuk_janji.update_janji(ready_engine, STAF, jid, 1, 40, "proses", "Survei lokasi") == 2
    with pytest.raises(errors.VersionConflict):
        rembuk_janji.update_janji(ready_engine, STAF, jid, 1, 60, "proses")
    with pytest.raises(AccessDenied):
        rembuk_janji.update_janji(ready_engine, PIMPINAN, jid, 2, 60, "proses")
    assert rembuk_janji.update_janji(ready_engine, Actor("staf.dua", "staf"), jid, 2, 100, "selesai") == 3

    hist = rembuk_janji.janji_history(ready_engine, jid)
    assert hist[["oleh", "progres", "status", "catatan"]].values.tolist() == [
        ["staf.uji", 0, "belum", "Janji dicatat"],
        ["staf.uji", 40, "proses", "Survei lokasi"],
        ["staf.dua", 100, "selesai", None],
    ]
    assert hist["status_label"].tolist() == ["Belum dimulai", "Dalam proses", "Selesai"]
    row = rembuk_janji.janji_of_rembuk(ready_engine, rid, TODAY).iloc[0]
    assert (row.progres, row.status, row.version, bool(row.lewat_tenggat)) == (100, "selesai", 3, False)


def test_cancelling_a_janji_needs_a_reason(ready_engine):
    rid = _record(ready_engine)
    jid = rembuk_janji.add_janji(ready_engine, STAF, rid, KASIN, "Bedah rumah", "DINSOS", D(2026, 10, 30))
    assert bool(rembuk_janji.janji_of_rembuk(ready_engine, rid, TODAY).iloc[0].lewat_tenggat)  # 30 Oct < 20 Nov
    rembuk_janji.update_janji(ready_engine, STAF, jid, 1, 20, "batal", "Anggaran dialihkan")
    row = rembuk_janji.janji_of_rembuk(ready_engine, rid, TODAY).iloc[0]
    assert (row.status, row.status_label, bool(row.lewat_tenggat)) == ("batal", "Dibatalkan", False)


# --- brief and Mode Rembuk ------------------------------------------------------------------------


def _asp(conn, nomor, kel, received, *, rembuk_id=None, open_=True, due=None, closed=None, kat="sampah", **kw):
    kat_id, opd_id = conn.execute(select(Kategori.id, Kategori.opd_id).where(Kategori.kode == kat)).one()
    values = {
        "nomor": nomor,
        "judul": f"Judul {nomor}",
        "kategori_id": kat_id,
        "kelurahan_kode": kel,
        "sumber": "RT",
        "kanal": "rembuk" if rembuk_id else "langsung",
        "tanggal_diterima": received,
        "rembuk_id": rembuk_id,
        "status": "dalam_proses" if open_ else "selesai",
        "terbuka": open_,
        "opd_id": opd_id,
        "tenggat": due or received + dt.timedelta(days=21),
        "tanggal_selesai": closed,
        "pelapor_nama": SECRET_NAME,
        "pelapor_telepon": SECRET_PHONE,
    }
    values.update(kw)
    return conn.execute(insert(Aspirasi).values(**values).returning(Aspirasi.id)).scalar()


@pytest.fixture
def kasin_story(ready_engine):
    """Kasin hosted on 2 Oct 2026 and hosts again today (20 Nov 2026).

    Raised on 2 Oct: A1 (sampah, still open, due 23 Oct: overdue) and A2 (closed 20 Oct).
    Since: A3 received 15 Oct (open, due 5 Dec), A4 received 1 Sep and closed 10 Oct,
    A5 captured today. Promised on 2 Oct: J1 for A1 (proses 50 %, due 1 Nov: overdue), J2 done.
    """
    e = ready_engine
    r1 = _record(e, hosts=[KASIN, KLOJEN])
    today_r = _record(e, tanggal=TODAY)
    with e.begin() as conn:
        a1 = _asp(conn, "A1", KASIN, D(2026, 10, 2), rembuk_id=r1, due=D(2026, 10, 23), rw=1, lat=-7.98, lon=112.62)
        _asp(conn, "A2", KASIN, D(2026, 10, 2), rembuk_id=r1, open_=False, closed=D(2026, 10, 20), kat="pju")
        _asp(conn, "A3", KASIN, D(2026, 10, 15), due=D(2026, 12, 5), kat="drainase", rw=2, lat=-7.97, lon=112.61)
        _asp(conn, "A4", KASIN, D(2026, 9, 1), open_=False, closed=D(2026, 10, 10), rw=2, lat=-7.99, lon=112.63)
        _asp(conn, "A5", KASIN, TODAY, rembuk_id=today_r, rw=2)
        _asp(conn, "K1", KLOJEN, D(2026, 10, 2), rembuk_id=r1)  # raised by the co-host: not Kasin's
        bid = conn.execute(insert(Bimtek).values(judul="Bimtek", tanggal=D(2026, 7, 1)).returning(Bimtek.id)).scalar()
        people = [
            ("ketua_rw", 1, None, True),
            ("pengurus_rw", 2, None, True),
            ("ketua_rw", 3, None, False),  # absent: does not count
            ("ketua_rt", 1, 1, True),
            ("pengurus_rt", 1, 1, True),  # the same RT again
            ("ketua_rt", 2, 1, True),
            ("ketua_lpmk", None, None, True),
        ]
        conn.execute(
            insert(BimtekPeserta),
            [
                {
                    "bimtek_id": bid,
                    "nama": SECRET_PESERTA,
                    "nama_kunci": f"{SECRET_PESERTA.lower()} {i}",
                    "peran": peran,
                    "kelurahan_kode": KASIN,
                    "rw": rw,
                    "rt": rt,
                    "hadir": hadir,
                }
                for i, (peran, rw, rt, hadir) in enumerate(people)
            ],
        )
        rollups.rebuild(conn)  # rows written directly, not through the services that keep the rollups
    j1 = rembuk_janji.add_janji(
        e, STAF, r1, KASIN, "Angkut sampah dua kali seminggu", "DLH", D(2026, 11, 1), aspirasi_id=a1
    )
    rembuk_janji.update_janji(e, STAF, j1, 1, 50, "proses")
    j2 = rembuk_janji.add_janji(e, STAF, r1, KASIN, "Pasang PJU", "DISHUB", D(2026, 12, 1))
    rembuk_janji.update_janji(e, STAF, j2, 1, 100, "selesai")
    rembuk_janji.add_janji(e, STAF, r1, KLOJEN, "Janji untuk Klojen", "DLH", D(2026, 11, 1))
    return e, r1, today_r


def test_host_brief_by_hand(kasin_story):
    e, r1, _ = kasin_story
    b = rembuk_brief.host_brief(e, KASIN, TODAY)
    assert (b.nama, b.kecamatan) == ("Kasin", "Klojen")
    assert b.rembuk_terakhir.id == r1 and b.rembuk_terakhir.tanggal == D(2026, 10, 2)  # not today's
    assert b.rembuk_terakhir.tuan_rumah == ["Kasin", "Klojen"]
    assert b.aspirasi_diangkat[["nomor", "terbuka", "lewat_tenggat"]].values.tolist() == [
        ["A1", True, True],
        ["A2", False, False],
    ]
    assert b.aspirasi_diangkat["status_label"].tolist() == ["Dalam proses", "Selesai"]
    assert b.janji[["teks", "progres", "status", "lewat_tenggat"]].values.tolist() == [
        ["Angkut sampah dua kali seminggu", 50, "proses", True],
        ["Pasang PJU", 100, "selesai", False],
    ]
    assert b.janji.loc[0, "aspirasi_nomor"] == "A1"
    assert (b.janji_selesai, b.janji_lewat_tenggat) == (1, 1)
    assert (b.ditutup_sejak, b.baru_sejak) == (2, 2)  # A2 + A4 closed; A3 + A5 received after 2 Oct
    assert (b.terbuka, b.lewat_tenggat) == (3, 1)  # A1, A3, A5 open; A1 overdue
    # Tomorrow, today's rembuk is the last one.
    assert rembuk_brief.host_brief(e, KASIN, TODAY + dt.timedelta(days=1)).rembuk_terakhir.tanggal == TODAY

    never = rembuk_brief.host_brief(e, ARJOSARI, TODAY)
    assert never.rembuk_terakhir is None and never.janji.empty and never.aspirasi_diangkat.empty
    assert (never.ditutup_sejak, never.baru_sejak, never.terbuka) == (None, None, 0)


def _walk(value, path="m"):
    """Every (path, value) inside a dataclass, including DataFrame columns and cells."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, pd.DataFrame):
        for col in value.columns:
            yield f"{path}[{col}]", col
            for cell in value[col].tolist():
                yield f"{path}[{col}]", cell
    else:
        yield path, value


def test_mode_rembuk_data_by_hand_and_without_personal_data(kasin_story):
    e, _, today_r = kasin_story
    m = rembuk_mode.mode_rembuk_data(e, KASIN, TODAY)
    assert (m.total, m.terbuka, m.lewat_tenggat, m.hari_ini, m.hari_ini_terbuka) == (5, 3, 1, 1, 1)
    assert m.rembuk_hari_ini == today_r and m.rembuk_terakhir == D(2026, 10, 2)
    assert m.terbuka_per_kategori.values.tolist() == [["Sampah", 2, 1], ["Drainase/banjir", 1, 0]]
    assert m.janji_terakhir[["progres", "status"]].values.tolist() == [[50, "proses"], [100, "selesai"]]
    assert m.lewat_tenggat_per_opd.values.tolist() == [["DLH", 1, 1]]  # A1 and J1
    with e.connect() as conn:
        rt_total, rw_total = conn.execute(
            select(Kelurahan.jumlah_rt, Kelurahan.jumlah_rw).where(Kelurahan.kode == KASIN)
        ).one()
    assert m.bimtek == rembuk_mode.BimtekCakupan(2, rt_total, 2, rw_total, True)
    assert m.bimtek.rw_persen == round(200 / rw_total, 1)
    # RW-level points: averaged per RW, status only.
    assert m.titik_rw[["rw", "jumlah", "terbuka", "status"]].values.tolist() == [
        [1, 1, 1, "lewat_tenggat"],
        [2, 2, 1, "terbuka"],
    ]
    assert m.titik_rw.loc[1, "lat"] == pytest.approx(-7.98) and m.titik_rw.loc[1, "lon"] == pytest.approx(112.62)

    # Live capture: a new aspiration today (saved as staff save it) makes the counts grow.
    create_aspirasi(e, STAF, NewAspirasi("A6", "pju", KASIN, rembuk_id=today_r), TODAY)
    m2 = rembuk_mode.mode_rembuk_data(e, KASIN, TODAY)
    assert (m2.total, m2.terbuka, m2.hari_ini) == (6, 4, 2)

    # No personal data anywhere: not as a field, not as a column, not as a value.
    banned = ("pelapor", "telepon", "nama_kunci", "judul", "deskripsi", "nomor")
    for path, value in _walk(m2):
        assert not any(b in path.lower() for b in banned), path
        assert value not in (SECRET_NAME, SECRET_PHONE, SECRET_PESERTA), path
        if isinstance(value, str):
            assert "Rahasia" not in value and "0800-0000" not in value, path
    assert "Rahasia" not in repr(m2)
    assert set(m2.titik_rw.columns) == {"rw", "lat", "lon", "jumlah", "terbuka", "status"}


def test_todays_host(ready_engine):
    assert rembuk_records.todays_host(ready_engine, TODAY) == []
    _record(ready_engine, tanggal=D(2026, 12, 4), status="dijadwalkan", hosts=[ARJOSARI])
    _record(ready_engine, tanggal=D(2026, 11, 27), status="dibatalkan", hosts=[KLOJEN])
    assert rembuk_records.todays_host(ready_engine, TODAY) == [ARJOSARI]  # the next scheduled one
    _record(ready_engine, tanggal=TODAY, status="dijadwalkan", hosts=[KLOJEN, KASIN])
    assert rembuk_records.todays_host(ready_engine, TODAY) == [KLOJEN, KASIN]
    assert rembuk_records.todays_host(ready_engine, D(2026, 11, 21)) == [ARJOSARI]
