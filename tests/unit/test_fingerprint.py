"""The one data fingerprint (db.fingerprint): every write a page can show moves it; logins do not."""

from __future__ import annotations

import datetime as dt

import pytest

from db import admin
from db.aspirasi import queries
from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.auth.roles import Actor
from db.auth.users import log
from db.bimtek import services as bimtek_services
from db.fingerprint import get_fingerprint, without_aspirasi
from db.foto import queries as foto_queries
from db.foto import services as foto_services
from db.rotasi import data as rd

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

    h = create_aspirasi(e, STAF, NewAspirasi(judul="Lampu", kategori="pju", kelurahan="Sukun"), TODAY)
    moved("a new aspirasi")
    update_status(e, STAF, h.id, 1, "diverifikasi")
    moved("a status change")
    bid = bimtek_services.create_bimtek(e, STAF, bimtek_services.BimtekData("Bimtek Uji", dt.date(2026, 11, 12)))
    moved("a new bimtek")
    pid = bimtek_services.add_peserta(e, STAF, bid, bimtek_services.PesertaData("Budi", "ketua_rw", SUKUN, 3))
    moved("a new participant")
    bimtek_services.update_peserta(e, STAF, pid, bimtek_services.PesertaData("Budi", "ketua_rw", SUKUN, 3, hadir=False))
    moved("attendance changed in place")
    bimtek_services.delete_peserta(e, STAF, pid)
    moved("a participant deleted")
    admin.add_cuti_bersama(e, ADMIN, dt.date(2026, 12, 28), "Cuti bersama uji")
    moved("a cuti bersama day")
    admin.update_kategori(e, ADMIN, "pju", opd_kode=None, sla_hari_kerja=9)
    moved("a category's target")
    foto_services.set_evidence_required(e, ADMIN, ["pju"])
    moved("a category's photo rule")
    friday = rd.current_plan(e, TODAY).slots[0].tanggal
    change = rd.save_change(e, STAF, "batal", friday, catatan="Dinas luar", today=TODAY)
    moved("a rotation change")
    rd.deactivate_change(e, STAF, change)
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
    assert (
        queries.data_version(ready_engine)
        == bimtek_services.data_version(ready_engine)
        == foto_queries.version(ready_engine)
        == fp
    )


def test_the_bimtek_key_ignores_aspiration_writes_and_follows_bimtek_writes(ready_engine):
    e = ready_engine
    full, bimtek = get_fingerprint(e), without_aspirasi(get_fingerprint(e))
    h = create_aspirasi(e, STAF, NewAspirasi(judul="Lampu", kategori="pju", kelurahan="Sukun"), TODAY)
    update_status(e, STAF, h.id, 1, "diverifikasi")
    assert get_fingerprint(e) != full
    assert without_aspirasi(get_fingerprint(e)) == bimtek  # the Bimtek page stays cached
    bid = bimtek_services.create_bimtek(e, STAF, bimtek_services.BimtekData("Bimtek Uji", dt.date(2026, 11, 12)))
    assert without_aspirasi(get_fingerprint(e)) != bimtek
    bimtek = without_aspirasi(get_fingerprint(e))
    pid = bimtek_services.add_peserta(e, STAF, bid, bimtek_services.PesertaData("Budi", "ketua_rw", SUKUN, 3))
    assert without_aspirasi(get_fingerprint(e)) != bimtek
    bimtek = without_aspirasi(get_fingerprint(e))
    bimtek_services.update_peserta(e, STAF, pid, bimtek_services.PesertaData("Budi", "ketua_rw", SUKUN, 3, hadir=False))
    assert without_aspirasi(get_fingerprint(e)) != bimtek
