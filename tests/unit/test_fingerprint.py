"""The one data fingerprint (db.fingerprint): every write a page can show moves it; logins do not."""

from __future__ import annotations

import datetime as dt

import pytest

from db import admin, bimtek, foto, queries
from db import rotasi_data as rd
from db.aspirasi import AspirasiBaru, create_aspirasi, ubah_status
from db.auth import Actor
from db.fingerprint import get_fingerprint
from db.users import log

pytestmark = pytest.mark.usefixtures("backend")

STAF = Actor("siti.staf", "staf")
ADMIN = Actor("adi.admin", "admin")
TODAY = dt.date(2026, 11, 20)
SUKUN = "35.73.04.1007"


def test_every_kind_of_write_moves_the_fingerprint(ready_engine):
    e = ready_engine
    seen = [get_fingerprint(e)]

    def moved(what: str) -> None:
        now = get_fingerprint(e)
        assert now not in seen, f"{what} did not move the fingerprint"
        seen.append(now)

    h = create_aspirasi(e, STAF, AspirasiBaru(judul="Lampu", kategori="pju", kelurahan="Sukun"), TODAY)
    moved("a new aspirasi")
    ubah_status(e, STAF, h.id, 1, "diverifikasi")
    moved("a status change")
    bid = bimtek.buat_bimtek(e, STAF, bimtek.DataBimtek("Bimtek Uji", dt.date(2026, 11, 12)))
    moved("a new bimtek")
    pid = bimtek.tambah_peserta(e, STAF, bid, bimtek.DataPeserta("Budi", "ketua_rw", SUKUN, 3))
    moved("a new participant")
    bimtek.ubah_peserta(e, STAF, pid, bimtek.DataPeserta("Budi", "ketua_rw", SUKUN, 3, hadir=False))
    moved("attendance changed in place")
    bimtek.hapus_peserta(e, STAF, pid)
    moved("a participant deleted")
    admin.tambah_cuti(e, ADMIN, dt.date(2026, 12, 28), "Cuti bersama uji")
    moved("a cuti bersama day")
    admin.ubah_kategori(e, ADMIN, "pju", opd_kode=None, sla_hari_kerja=9)
    moved("a category's target")
    foto.atur_bukti_wajib(e, ADMIN, ["pju"])
    moved("a category's photo rule")
    friday = rd.current_plan(e, TODAY).slots[0].tanggal
    change = rd.save_perubahan(e, STAF, "batal", friday, catatan="Dinas luar", today=TODAY)
    moved("a rotation change")
    rd.deactivate_perubahan(e, STAF, change)
    moved("a rotation change withdrawn")
    rd.save_settings(e, ADMIN, {"per_jumat": 2})
    moved("the rotation settings")


def test_logins_and_exports_leave_it_alone(ready_engine):
    before = get_fingerprint(ready_engine)
    for aksi in ("login_ok", "login_gagal", "logout", "ekspor"):
        log(ready_engine, aksi, "siti.staf")
    assert get_fingerprint(ready_engine) == before


def test_the_old_names_are_the_same_fingerprint(ready_engine):
    fp = get_fingerprint(ready_engine)
    assert queries.data_version(ready_engine) == bimtek.data_version(ready_engine) == foto.versi(ready_engine) == fp
