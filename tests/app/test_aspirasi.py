"""Aspirasi workspace (AppTest): create valid/invalid, status change with audit, conflicts, filters, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from db.aspirasi.services import update_status
from db.auth.roles import Actor
from db.demo.generate import generate_demo
from db.schema import Aspirasi, AspirasiRiwayat, LogAudit
from tests.app.conftest import run_page
from tests.conftest import DEMO_TODAY
from ui.aspirasi import SELECTED
from ui.format import format_number

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def db(ready_engine, app_env):
    generate_demo(ready_engine, n_aspirasi=200, seed=3, today=DEMO_TODAY)
    app_env(ready_engine.url.render_as_string(hide_password=False))
    return ready_engine


def n(engine, model=Aspirasi) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


def test_pimpinan_is_refused(db):
    at = run_page("views/aspirasi.py", peran="pimpinan")
    assert next(e.value for e in at.error).startswith("Halaman ini tidak tersedia untuk peran **pimpinan**")
    assert not at.dataframe


def test_table_count_and_filter(db):
    at = run_page("views/aspirasi.py")
    assert at.metric[0].value == format_number(n(db))
    at.multiselect(key="kec").set_value(["35.73.02"]).run()
    with db.connect() as conn:
        klojen = conn.execute(
            text(
                "SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode "
                "WHERE k.kecamatan_kode = '35.73.02'"
            )
        ).scalar()
    assert at.metric[0].value == format_number(klojen) != format_number(n(db))
    assert len(at.dataframe[0].value) == min(klojen, 50)
    # What staff act on comes first: it stays in view on a 1280-pixel screen, the rest scrolls in the list.
    assert list(at.dataframe[0].value.columns[:5]) == ["Nomor", "Status", "Tenggat", "Lewat tenggat", "Judul"]


def test_create_invalid_then_valid(db):
    before = n(db)
    at = run_page("views/aspirasi.py")
    at.segmented_control(key="bagian").set_value("Catat baru").run()
    at.selectbox(key="f_kategori").set_value("pju").run()
    next(b for b in at.button if b.label == "Simpan aspirasi").click().run()  # save with an empty title
    assert not at.exception
    assert "Judul wajib diisi." in [e.value for e in at.error]
    assert "Pilih kelurahan." in [e.value for e in at.error]
    assert at.selectbox(key="f_kategori").value == "pju"  # what was typed stays
    assert n(db) == before
    at.text_input(key="f_judul").input("Lampu jalan mati di gang 3").run()
    at.selectbox(key="f_kelurahan").set_value("35.73.02.1010").run()
    at.selectbox(key="f_rw").set_value(1).run()
    at.selectbox(key="f_rt").set_value(2).run()
    save = next(b for b in at.button if b.label == "Simpan aspirasi")
    save.click().run()
    assert not at.exception
    ok = [s.value for s in at.success]
    assert ok and ok[0].startswith("ASP-2026-") and "tersimpan" in ok[0]
    assert n(db) == before + 1
    with db.connect() as conn:
        row = conn.execute(
            select(Aspirasi.judul, Aspirasi.kelurahan_kode, Aspirasi.rw, Aspirasi.rt, Aspirasi.dibuat_oleh).where(
                Aspirasi.nomor == ok[0].split()[0]
            )
        ).one()
    assert tuple(row) == ("Lampu jalan mati di gang 3", "35.73.02.1010", 1, 2, "staf.uji")
    assert at.text_input(key="f_judul").value == ""  # ready for the next entry


def test_status_change_writes_the_audit_trail(db):
    with db.connect() as conn:
        aid, version = conn.execute(
            select(Aspirasi.id, Aspirasi.version).where(Aspirasi.status == "diterima").limit(1)
        ).one()
    at = run_page("views/aspirasi.py")
    at.session_state[SELECTED] = aid
    at.run()
    at.selectbox(key=f"ke_{aid}").set_value("diverifikasi")
    at.text_area(key=f"catatan_{aid}").input("dicek ke lokasi")
    next(b for b in at.button if b.label == "Simpan status").click().run()
    assert not at.exception
    with db.connect() as conn:
        last = conn.execute(
            select(
                AspirasiRiwayat.oleh, AspirasiRiwayat.dari_status, AspirasiRiwayat.ke_status, AspirasiRiwayat.catatan
            )
            .where(AspirasiRiwayat.aspirasi_id == aid)
            .order_by(AspirasiRiwayat.id.desc())
            .limit(1)
        ).one()
        assert conn.scalar(select(Aspirasi.version).where(Aspirasi.id == aid)) == version + 1
    assert tuple(last) == ("staf.uji", "diterima", "diverifikasi", "dicek ke lokasi")


def test_second_save_is_refused_and_the_input_is_kept(db):
    with db.connect() as conn:
        aid, version = conn.execute(
            select(Aspirasi.id, Aspirasi.version).where(Aspirasi.status == "diterima").limit(1)
        ).one()
    at = run_page("views/aspirasi.py")
    at.session_state[SELECTED] = aid
    at.run()
    # Someone else saves first.
    update_status(db, Actor("budi.staf", "staf"), aid, version, "diverifikasi", "oleh Budi", DEMO_TODAY)
    at.selectbox(key=f"ke_{aid}").set_value("tidak_dapat")
    at.text_area(key=f"catatan_{aid}").input("di luar anggaran tahun ini")
    next(b for b in at.button if b.label == "Simpan status").click().run()
    errors = [e.value for e in at.error]
    assert any("sudah diubah orang lain" in e for e in errors), errors
    assert at.text_area(key=f"catatan_{aid}").value == "di luar anggaran tahun ini"
    with db.connect() as conn:
        assert conn.scalar(select(Aspirasi.status).where(Aspirasi.id == aid)) == "diverifikasi"


def test_export_is_exact_logged_and_personal_data_needs_the_role(db):
    import io

    import pandas as pd

    from db.aspirasi.filters import AspirasiFilter
    from db.aspirasi.listing import export
    from db.auth.roles import AccessDenied

    f = AspirasiFilter(kecamatan=("35.73.05",), keadaan="terbuka")
    staf, pimpinan = Actor("staf.uji", "staf"), Actor("wali", "pimpinan")
    plain = pd.read_csv(io.BytesIO(export(db, staf, f, "csv", False, "Kecamatan: Lowokwaru; Keadaan: Terbuka")))
    with db.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode "
                "WHERE k.kecamatan_kode = '35.73.05' AND a.terbuka"
            )
        ).scalar()
    assert len(plain) == expected > 0 and "pelapor_telepon" not in plain.columns
    with_pd = pd.read_excel(io.BytesIO(export(db, staf, f, "xlsx", True, "Kecamatan: Lowokwaru")))
    assert len(with_pd) == expected and with_pd["pelapor_telepon"].notna().all()
    with pytest.raises(AccessDenied):
        export(db, pimpinan, f, "csv", True, "x")
    with db.connect() as conn:
        logged = conn.execute(
            select(LogAudit.oleh, LogAudit.rincian).where(LogAudit.aksi == "ekspor").order_by(LogAudit.id)
        ).all()
    assert [r.oleh for r in logged] == ["staf.uji", "staf.uji"]
    assert '"data_pribadi": false' in logged[0].rincian and '"data_pribadi": true' in logged[1].rincian
    assert "Lowokwaru" in logged[0].rincian


def test_full_form_links_a_rembuk_and_stores_hostile_text_exactly(db):
    from tests.hostile import HOSTILE

    with db.connect() as conn:
        rid, kode = conn.execute(
            text(
                "SELECT r.id, rk.kelurahan_kode FROM rembuk r JOIN rembuk_kelurahan rk ON rk.rembuk_id = r.id "
                "WHERE r.status = 'terlaksana' ORDER BY r.tanggal DESC LIMIT 1"
            )
        ).one()
    at = run_page("views/aspirasi.py")
    at.segmented_control(key="bagian").set_value("Catat baru").run()
    judul = HOSTILE[0] + " " + HOSTILE[4]
    at.text_input(key="f_judul").input(judul)
    at.text_area(key="f_deskripsi").input("\n".join(HOSTILE))
    at.selectbox(key="f_kategori").set_value("lainnya")
    at.selectbox(key="f_kelurahan").set_value(kode)
    at.selectbox(key="f_rembuk").set_value(rid).run()
    next(b for b in at.button if b.label == "Simpan aspirasi").click().run()
    assert not at.exception
    nomor = at.success[0].value.split()[0]
    with db.connect() as conn:
        row = conn.execute(
            select(Aspirasi.judul, Aspirasi.deskripsi, Aspirasi.rembuk_id).where(Aspirasi.nomor == nomor)
        ).one()
    assert tuple(row) == (judul, "\n".join(HOSTILE), rid)  # stored exactly as typed


def test_staff_scoped_to_a_kecamatan_sees_only_it(db):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT, login_state

    at = AppTest.from_file(str(ROOT / "views/aspirasi.py"), default_timeout=60)
    at.session_state["auth"] = login_state("staf", kecamatan_kode="35.73.04")
    at.run()
    assert not at.exception
    with db.connect() as conn:
        sukun = conn.execute(
            text(
                "SELECT COUNT(*) FROM aspirasi a JOIN kelurahan k ON k.kode = a.kelurahan_kode "
                "WHERE k.kecamatan_kode = '35.73.04'"
            )
        ).scalar()
    assert at.metric[0].value == format_number(sukun) != format_number(n(db))
    assert at.multiselect(key="kec").options == ["Sukun"]
    assert any("dibatasi ke Kecamatan Sukun" in c.value for c in at.caption)


def test_status_save_confirms_clears_the_note_and_shows_the_new_state(db):
    """Issue 12 §2: the confirmation survives the rerun, the note is empty, one click = one history entry."""
    with db.connect() as conn:
        aid = conn.scalar(select(Aspirasi.id).where(Aspirasi.status == "diterima").limit(1))
        before = conn.scalar(select(func.count()).where(AspirasiRiwayat.aspirasi_id == aid))
    at = run_page("views/aspirasi.py")
    at.session_state[SELECTED] = aid
    at.run()
    at.selectbox(key=f"ke_{aid}").set_value("diverifikasi")
    at.text_area(key=f"catatan_{aid}").input("dicek ke lokasi")
    next(b for b in at.button if b.label == "Simpan status").click().run()
    assert not at.exception
    assert "Status diubah ke Diverifikasi." in [s.value for s in at.success]
    assert [t.value for t in at.toast] == ["Status diubah ke Diverifikasi."]
    assert at.text_area(key=f"catatan_{aid}").value == ""
    assert any("sekarang: Diverifikasi" in m.value for m in at.markdown)
    assert at.selectbox(key=f"ke_{aid}").value != "diverifikasi"  # offers a next step of the new state
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).where(AspirasiRiwayat.aspirasi_id == aid)) == before + 1
    at.run()  # any later rerun (another widget) neither repeats the save nor the message
    assert "Status diubah ke Diverifikasi." not in [s.value for s in at.success]
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).where(AspirasiRiwayat.aspirasi_id == aid)) == before + 1
