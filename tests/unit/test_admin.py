"""Administration services: users, reference data, audit — admin only, every change logged."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db import admin
from db.aspirasi import AspirasiBaru, create_aspirasi, ubah_status
from db.auth import SISTEM, Actor, AksesDitolak
from db.schema import Aspirasi, Kategori
from db.users import PenggunaError, buat_pengguna, masuk

pytestmark = pytest.mark.usefixtures("backend")
ADMIN = Actor("admin.uji", "admin")
STAF = Actor("siti.staf", "staf")
SANDI = "kata-sandi-panjang-1"


def test_user_management(ready_engine):
    buat_pengguna(ready_engine, SISTEM, "siti.staf", "staf", SANDI)
    with pytest.raises(AksesDitolak):
        admin.daftar_pengguna(ready_engine, STAF)
    admin.ubah_pengguna(ready_engine, ADMIN, "siti.staf", peran="pimpinan", aktif=True, kecamatan_kode=None)
    assert masuk(ready_engine, "siti.staf", SANDI).actor.peran == "pimpinan"
    admin.ubah_pengguna(ready_engine, ADMIN, "siti.staf", peran="staf", aktif=False, kecamatan_kode=None)
    assert masuk(ready_engine, "siti.staf", SANDI).actor is None  # deactivated
    sandi = admin.reset_sandi(ready_engine, ADMIN, "siti.staf")
    admin.ubah_pengguna(ready_engine, ADMIN, "siti.staf", peran="staf", aktif=True, kecamatan_kode="35.73.02")
    back = masuk(ready_engine, "siti.staf", sandi)
    assert back.actor == Actor("siti.staf", "staf", "35.73.02") and back.wajib_ganti_sandi
    with pytest.raises(PenggunaError, match="sendiri"):
        admin.ubah_pengguna(ready_engine, ADMIN, "admin.uji", peran="staf", aktif=True, kecamatan_kode=None)
    users = admin.daftar_pengguna(ready_engine, ADMIN)
    assert users.set_index("Nama pengguna").loc["siti.staf", "Kecamatan"] == "Klojen"


def test_cuti_bersama_list_changes_due_dates(ready_engine):
    day = dt.date(2026, 11, 23)  # a Monday
    admin.tambah_cuti(ready_engine, ADMIN, day, "Cuti bersama lokal (uji)")
    with pytest.raises(PenggunaError, match="sudah ada"):
        admin.tambah_cuti(ready_engine, ADMIN, day, "lagi")
    with pytest.raises(AksesDitolak):
        admin.hapus_cuti(ready_engine, STAF, day)
    item = AspirasiBaru(judul="Sampah", kategori="sampah", kelurahan="Sukun", tanggal_diterima=dt.date(2026, 11, 20))
    h = create_aspirasi(ready_engine, STAF, item, today=dt.date(2026, 11, 20))
    with ready_engine.connect() as conn:
        tenggat = conn.scalar(select(Aspirasi.tenggat).where(Aspirasi.id == h.id))
    assert tenggat == dt.date(2026, 11, 30)  # 5 working days from Fri 20 Nov, Mon 23 skipped
    admin.hapus_cuti(ready_engine, ADMIN, day)
    assert day not in set(admin.daftar_cuti(ready_engine)["Tanggal"])


def test_category_targets(ready_engine):
    admin.ubah_kategori(ready_engine, ADMIN, "sampah", opd_kode="SATPOLPP", sla_hari_kerja=3)
    with ready_engine.connect() as conn:
        assert conn.execute(select(Kategori.sla_hari_kerja).where(Kategori.kode == "sampah")).scalar() == 3
    with pytest.raises(PenggunaError):
        admin.ubah_kategori(ready_engine, ADMIN, "sampah", opd_kode="TIDAKADA", sla_hari_kerja=3)
    with pytest.raises(PenggunaError):
        admin.ubah_kategori(ready_engine, ADMIN, "sampah", opd_kode=None, sla_hari_kerja=0)


def test_audit_shows_logins_exports_user_changes_and_status_changes(ready_engine):
    from db.daftar import ekspor
    from db.filters import AspirasiFilter

    buat_pengguna(ready_engine, SISTEM, "siti.staf", "staf", SANDI)
    masuk(ready_engine, "siti.staf", "salah-salah-salah")
    masuk(ready_engine, "siti.staf", SANDI)
    h = create_aspirasi(ready_engine, STAF, AspirasiBaru(judul="Lampu", kategori="pju", kelurahan="Sukun"))
    ubah_status(ready_engine, STAF, h.id, 1, "diverifikasi", "cek")
    ekspor(ready_engine, STAF, AspirasiFilter(), "csv", False, "Semua aspirasi")
    everything = admin.audit(ready_engine, ADMIN)
    assert {"login_gagal", "login_ok", "ekspor", "pengguna_dibuat", "status_aspirasi"} <= set(everything["Aksi"])
    status = admin.audit(ready_engine, ADMIN, jenis="status")
    assert set(status["Aksi"]) == {"status_aspirasi"}
    assert f"{h.nomor}: Diterima → Diverifikasi" in status["Rincian"].tolist()
    logins = admin.audit(ready_engine, ADMIN, jenis="login", oleh="siti.staf")
    assert logins["Aksi"].tolist() == ["login_ok", "login_gagal"]
    with pytest.raises(AksesDitolak):
        admin.audit(ready_engine, STAF)
