"""Administration services: users, reference data, audit — admin only, every change logged."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db import admin
from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.auth.roles import SYSTEM, AccessDenied, Actor
from db.auth.users import UserError, create_user, sign_in
from db.schema import Aspirasi, Kategori

pytestmark = pytest.mark.usefixtures("backend")
ADMIN = Actor("admin.uji", "admin")
STAF = Actor("siti.staf", "staf")
SANDI = "kata-sandi-panjang-1"


def test_user_management(ready_engine):
    create_user(ready_engine, SYSTEM, "siti.staf", "staf", SANDI)
    with pytest.raises(AccessDenied):
        admin.list_users(ready_engine, STAF)
    admin.update_user(ready_engine, ADMIN, "siti.staf", peran="pimpinan", aktif=True, kecamatan_kode=None)
    assert sign_in(ready_engine, "siti.staf", SANDI).actor.peran == "pimpinan"
    admin.update_user(ready_engine, ADMIN, "siti.staf", peran="staf", aktif=False, kecamatan_kode=None)
    assert sign_in(ready_engine, "siti.staf", SANDI).actor is None  # deactivated
    sandi = admin.reset_password(ready_engine, ADMIN, "siti.staf")
    admin.update_user(ready_engine, ADMIN, "siti.staf", peran="staf", aktif=True, kecamatan_kode="35.73.02")
    back = sign_in(ready_engine, "siti.staf", sandi)
    assert back.actor == Actor("siti.staf", "staf", "35.73.02") and back.wajib_ganti_sandi
    with pytest.raises(UserError, match="sendiri"):
        admin.update_user(ready_engine, ADMIN, "admin.uji", peran="staf", aktif=True, kecamatan_kode=None)
    users = admin.list_users(ready_engine, ADMIN)
    assert users.set_index("Nama pengguna").loc["siti.staf", "Kecamatan"] == "Klojen"


def test_cuti_bersama_list_changes_due_dates(ready_engine):
    day = dt.date(2026, 11, 23)  # a Monday
    admin.add_cuti_bersama(ready_engine, ADMIN, day, "Cuti bersama lokal (uji)")
    with pytest.raises(UserError, match="sudah ada"):
        admin.add_cuti_bersama(ready_engine, ADMIN, day, "lagi")
    with pytest.raises(AccessDenied):
        admin.delete_cuti_bersama(ready_engine, STAF, day)
    item = NewAspirasi(judul="Sampah", kategori="sampah", kelurahan="Sukun", tanggal_diterima=dt.date(2026, 11, 20))
    h = create_aspirasi(ready_engine, STAF, item, today=dt.date(2026, 11, 20))
    with ready_engine.connect() as conn:
        tenggat = conn.scalar(select(Aspirasi.tenggat).where(Aspirasi.id == h.id))
    assert tenggat == dt.date(2026, 11, 30)  # 5 working days from Fri 20 Nov, Mon 23 skipped
    admin.delete_cuti_bersama(ready_engine, ADMIN, day)
    assert day not in set(admin.list_cuti_bersama(ready_engine)["Tanggal"])


def test_category_targets(ready_engine):
    admin.update_kategori(ready_engine, ADMIN, "sampah", opd_kode="SATPOLPP", sla_hari_kerja=3)
    with ready_engine.connect() as conn:
        assert conn.execute(select(Kategori.sla_hari_kerja).where(Kategori.kode == "sampah")).scalar() == 3
    with pytest.raises(UserError):
        admin.update_kategori(ready_engine, ADMIN, "sampah", opd_kode="TIDAKADA", sla_hari_kerja=3)
    with pytest.raises(UserError):
        admin.update_kategori(ready_engine, ADMIN, "sampah", opd_kode=None, sla_hari_kerja=0)


def test_audit_shows_logins_exports_user_changes_and_status_changes(ready_engine):
    from db.aspirasi.filters import AspirasiFilter
    from db.aspirasi.listing import export

    create_user(ready_engine, SYSTEM, "siti.staf", "staf", SANDI)
    sign_in(ready_engine, "siti.staf", "salah-salah-salah")
    sign_in(ready_engine, "siti.staf", SANDI)
    h = create_aspirasi(ready_engine, STAF, NewAspirasi(judul="Lampu", kategori="pju", kelurahan="Sukun"))
    update_status(ready_engine, STAF, h.id, 1, "diverifikasi", "cek")
    export(ready_engine, STAF, AspirasiFilter(), "csv", False, "Semua aspirasi")
    everything = admin.audit(ready_engine, ADMIN)
    assert {"login_gagal", "login_ok", "ekspor", "pengguna_dibuat", "status_aspirasi"} <= set(everything["Aksi"])
    status = admin.audit(ready_engine, ADMIN, jenis="status")
    assert set(status["Aksi"]) == {"status_aspirasi"}
    assert f"{h.nomor}: Diterima → Diverifikasi" in status["Rincian"].tolist()
    logins = admin.audit(ready_engine, ADMIN, jenis="login", oleh="siti.staf")
    assert logins["Aksi"].tolist() == ["login_ok", "login_gagal"]
    with pytest.raises(AccessDenied):
        admin.audit(ready_engine, STAF)


def test_audit_pages_continue_without_gaps_or_duplicates_across_both_sources(ready_engine):
    """Entries of both sources share instants (ties): walking the pages gives every entry once, newest first."""
    from sqlalchemy import insert

    from db.schema import AspirasiRiwayat, LogAudit

    h = create_aspirasi(ready_engine, STAF, NewAspirasi(judul="Lampu", kategori="pju", kelurahan="Sukun"))
    base = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    instants = [base + dt.timedelta(minutes=m) for m in (0, 0, 5, 9, 9, 9)]
    with ready_engine.begin() as conn:
        conn.execute(
            insert(LogAudit),
            [{"waktu": instants[i % 6], "oleh": f"log.{i}", "aksi": "ekspor", "rincian": "{}"} for i in range(13)],
        )
        conn.execute(
            insert(AspirasiRiwayat),
            [
                {"aspirasi_id": h.id, "waktu": instants[i % 5], "oleh": f"riw.{i}", "ke_status": "diterima"}
                for i in range(11)
            ],
        )
        everything = [
            *conn.execute(select(LogAudit.waktu, LogAudit.id, LogAudit.oleh).where(LogAudit.oleh.like("log.%"))),
            *conn.execute(
                select(AspirasiRiwayat.waktu, AspirasiRiwayat.id, AspirasiRiwayat.oleh).where(
                    AspirasiRiwayat.oleh.like("riw.%")
                )
            ),
        ]
    # Newest first; at the same instant log entries before status changes, then the higher id first.
    expected = [o for _w, _i, o in sorted(everything, key=lambda r: (r[0], r[2][:3] == "log", r[1]), reverse=True)]
    dari = sampai = dt.date(2026, 11, 2)  # only the entries made here (the WIB day of `base`)
    seen, after, pages = [], None, 0
    while True:
        page = admin.list_audit(ready_engine, ADMIN, dari=dari, sampai=sampai, after=after, size=5)
        seen += page.rows["Oleh"].tolist()
        pages += 1
        if page.next is None:
            break
        assert len(page.rows) == 5
        after = page.next
    assert seen == expected and len(seen) == 24 and pages == 5
    # The first page is the newest 5, and the one-table view agrees with the pages.
    assert admin.audit(ready_engine, ADMIN, dari=dari, sampai=sampai)["Oleh"].tolist() == expected
    only_status = admin.list_audit(ready_engine, ADMIN, jenis="status", dari=dari, sampai=sampai, size=100)
    assert only_status.rows["Oleh"].tolist() == [o for o in expected if o.startswith("riw.")]
