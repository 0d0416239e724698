"""Photos through AppTest (issue 15): galleries render, private photos per role, Peta thumbnails,
Sebelum → Sesudah, the evidence rule in the status form, the admin setting."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, func, select
from streamlit.testing.v1 import AppTest

from db.aspirasi.filters import AspirasiFilter
from db.aspirasi.map_data import kelurahan_panel
from db.aspirasi.services import NewAspirasi, create_aspirasi, update_status
from db.auth.roles import SYSTEM, Actor
from db.bimtek import services as bimtek_mod
from db.bimtek.services import BimtekFilter
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.foto import queries as foto_queries
from db.foto import services as foto_services
from db.foto.services import Owner
from db.migrate import upgrade
from db.reference import load_reference
from db.rembuk import records as rembuk_records
from db.schema import Aspirasi, Foto, Kategori
from db.testing import database
from tests import foto_files as ff
from tests.app.conftest import ROOT, login_state, run_page
from tests.conftest import DEMO_SEED, DEMO_TODAY, create_test_users

STAF = Actor("staf.uji", "staf")
KEL = "35.73.02.1010"


def images(at) -> list:
    """(url, caption) of every st.image on the page."""
    return [(i.proto.imgs[0].url, i.proto.imgs[0].caption) for i in at.get("image")]


@pytest.fixture(scope="module")
def foto_db(backend, tmp_path_factory):
    """Demo data plus known photos: an aspiration with a public and a private photo, a rembuk with a public
    and a private documentation photo, a 'jalan_rusak' aspiration in progress with the evidence rule on."""
    with database(backend, tmp_path_factory.mktemp("foto")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=300, seed=DEMO_SEED, today=DEMO_TODAY)
        create_test_users(engine)
        aid = create_aspirasi(engine, STAF, NewAspirasi("Got mampet", "drainase", KEL), DEMO_TODAY).id
        foto_services.upload(engine, STAF, Owner("aspirasi", aid), "sebelum", [("umum.jpg", ff.jpeg())])
        foto_services.upload(
            engine, STAF, Owner("aspirasi", aid), "sebelum", [("wajah.jpg", ff.jpeg(color=(9, 9, 9)))], privat=True
        )
        rid = int(rembuk_records.list_rembuk(engine, DEMO_TODAY, DEMO_TODAY).iloc[0]["id"])
        foto_services.upload(
            engine, STAF, Owner("rembuk", rid), "dokumentasi", [("r1.jpg", ff.jpeg(color=(1, 200, 1)))]
        )
        foto_services.upload(
            engine, STAF, Owner("rembuk", rid), "dokumentasi", [("r2.jpg", ff.jpeg(color=(200, 1, 1)))], privat=True
        )
        bid = int(bimtek_mod.list_bimtek(engine, BimtekFilter()).iloc[0]["id"])
        foto_services.upload(
            engine, STAF, Owner("bimtek", bid), "dokumentasi", [("b1.jpg", ff.jpeg(color=(1, 1, 200)))]
        )
        foto_services.upload(
            engine, STAF, Owner("bimtek", bid), "dokumentasi", [("b2.jpg", ff.jpeg(color=(90, 1, 90)))], privat=True
        )
        foto_services.set_evidence_required(engine, SYSTEM, ["jalan_rusak"])
        bukti = create_aspirasi(engine, STAF, NewAspirasi("Jalan berlubang", "jalan_rusak", KEL), DEMO_TODAY).id
        v = update_status(engine, STAF, bukti, 1, "diverifikasi", today=DEMO_TODAY)
        update_status(engine, STAF, bukti, v, "dalam_proses", today=DEMO_TODAY)
        engine.dispose()
        yield {"url": url, "aspirasi": aid, "rembuk": rid, "bukti": bukti, "bimtek": bid}


@pytest.fixture
def env(foto_db, app_env):
    app_env(foto_db["url"])
    return foto_db


def test_aspiration_detail_gallery_shows_private_photos_to_staff(env):
    at = AppTest.from_file(str(ROOT / "views/aspirasi.py"), default_timeout=60)
    at.session_state["auth"] = login_state("staf")
    at.session_state["aspirasi_terpilih"] = env["aspirasi"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.startswith("**Foto** (2/10 · sesudah: 0)") for m in at.markdown)
    caps = [c for _, c in images(at)]
    sebelum = [c for c in caps if c.startswith("Sebelum")]
    assert len(sebelum) == 2 and sum("jangan di layar" in c for c in sebelum) == 1
    # bytes through Streamlit's media endpoint, never a static URL of the store
    assert all("/media/" in u and "static" not in u for u, _ in images(at)), images(at)
    assert sum(b.label == "Perbesar" for b in at.button) == 2


def test_rembuk_documentation_hides_private_photos_from_pimpinan(env):
    engine = make_engine(env["url"])
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count(), func.sum(func.cast(Foto.privat, Integer))).where(Foto.rembuk_id == env["rembuk"])
        ).one()
    engine.dispose()
    assert n[1] == 1
    for peran, expected in (("staf", n[0]), ("pimpinan", n[0] - 1)):
        at = run_page("views/rembuk.py", peran=peran)
        assert at.selectbox(key="rembuk_id").value == env["rembuk"]
        docs = [c for _, c in images(at) if c.startswith("Dokumentasi")]
        assert len(docs) == expected, peran
        assert any(m.value == f"**Dokumentasi foto rembuk** ({expected})" for m in at.markdown)
        if peran == "pimpinan":
            assert not any("jangan di layar" in c for c in docs)


def test_bimtek_documentation_reaches_pimpinan_without_private_photos(env):
    """Pimpinan can't manage bimtek, but sees each event's documentation (issue 15); private ones only staff."""
    engine = make_engine(env["url"])
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count(), func.sum(func.cast(Foto.privat, Integer))).where(
                Foto.bimtek_id == env["bimtek"], Foto.dihapus_pada.is_(None)
            )
        ).one()
    engine.dispose()
    assert n[1] == 1
    for peran, expected in (("staf", n[0]), ("pimpinan", n[0] - 1)):
        at = AppTest.from_file(str(ROOT / "views/bimtek.py"), default_timeout=60)
        at.session_state["auth"] = login_state(peran)
        at.session_state["bt_kelola_id" if peran == "staf" else "bt_dok_id"] = env["bimtek"]
        at.session_state["bt_tab"] = "Acara & peserta"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(m.value == f"**Dokumentasi foto bimtek** ({expected})" for m in at.markdown), peran
        docs = [c for _, c in images(at) if c.startswith("Dokumentasi")]
        assert len(docs) == expected, peran
        if peran == "pimpinan":
            assert not any("jangan di layar" in c for c in docs)
            assert not any(b.label == "Simpan" for b in at.button)


def test_peta_panel_shows_thumbnails_of_open_aspirations_without_private_ones(env):
    engine = make_engine(env["url"])
    kode = KEL
    panel = kelurahan_panel(engine, AspirasiFilter(), kode, DEMO_TODAY)
    listed = panel.terbuka["nomor"].tolist()
    with engine.connect() as conn:
        public = set(
            conn.scalars(
                select(Aspirasi.nomor)
                .join(Foto, Foto.aspirasi_id == Aspirasi.id)
                .where(Aspirasi.nomor.in_(listed), Foto.privat.is_(False), Foto.dihapus_pada.is_(None))
            )
        )
    engine.dispose()
    assert public, "the fixture has at least one public photo of an open aspiration here"
    for peran in ("staf", "pimpinan"):
        at = AppTest.from_file(str(ROOT / "views/peta.py"), default_timeout=60)
        at.session_state["auth"] = login_state(peran)
        at.session_state["peta_kelurahan"] = kode
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        shown = [c.split(" · ")[0] for _, c in images(at)]
        assert set(shown) <= public
        assert len(shown) == min(len(public), foto_ui_max())
        assert any(m.value == f"**Foto aspirasi terbuka** ({len(shown)})" for m in at.markdown)


def foto_ui_max() -> int:
    from ui.foto import PANEL_MAX

    return PANEL_MAX


def _sebelum_sesudah_app(kode, today) -> None:
    from ui.foto import before_after

    before_after(kode, today)


def test_sebelum_sesudah_component_never_shows_private_photos(env):
    engine = make_engine(env["url"])
    # the kelurahan with the most resolved aspirations with a 'sesudah' photo in the demo data
    with engine.connect() as conn:
        kode = conn.execute(
            select(Aspirasi.kelurahan_kode, func.count())
            .join(Foto, Foto.aspirasi_id == Aspirasi.id)
            .where(Foto.jenis == "sesudah", Aspirasi.status == "selesai")
            .group_by(Aspirasi.kelurahan_kode)
            .order_by(func.count().desc())
        ).first()[0]
    pairs = foto_queries.before_after(engine, kode, DEMO_TODAY)
    assert pairs
    # make one of the shown 'sesudah' photos private: it must disappear from the screen
    foto_services.update_private(engine, SYSTEM, pairs[0].sesudah.id, True)
    try:
        after = foto_queries.before_after(engine, kode, DEMO_TODAY)
        at = AppTest.from_function(_sebelum_sesudah_app, args=(kode, DEMO_TODAY), default_timeout=60)
        at.run()
        assert not at.exception
        caps = [c for _, c in images(at)]
        assert caps.count("Sesudah") == len(after)
        assert caps.count("Sebelum") == sum(p.sebelum is not None for p in after)
        shown_ids = {p.sesudah.id for p in after}
        assert pairs[0].sesudah.id not in shown_ids
        texts = [c.value for c in at.caption]
        assert sum("· selesai " in t for t in texts) == len(after)
    finally:
        foto_services.update_private(engine, SYSTEM, pairs[0].sesudah.id, False)
        engine.dispose()


def test_status_form_refuses_selesai_without_a_sesudah_photo(env):
    at = AppTest.from_file(str(ROOT / "views/aspirasi.py"), default_timeout=60)
    at.session_state["auth"] = login_state("staf")
    at.session_state["aspirasi_terpilih"] = env["bukti"]
    at.run()
    assert any("mewajibkan bukti foto sesudah" in i.value for i in at.info)
    at.selectbox(key=f"ke_{env['bukti']}").set_value("selesai")
    at.button(key=f"FormSubmitter:status_{env['bukti']}-Simpan status").click().run()
    errors = [e.value for e in at.error]
    assert any("Kategori 'Jalan rusak' mewajibkan bukti foto sesudah" in e for e in errors), errors
    engine = make_engine(env["url"])
    with engine.connect() as conn:
        assert conn.scalar(select(Aspirasi.status).where(Aspirasi.id == env["bukti"])) == "dalam_proses"
    engine.dispose()


def test_admin_sets_the_evidence_rule(env):
    at = run_page("views/admin.py", peran="admin", state={"admin_tab": "Data referensi"})
    ms = next(m for m in at.multiselect if m.label == "Kategori")
    assert ms.value == ["jalan_rusak"]
    ms.set_value(["jalan_rusak", "sampah"])
    at.button(key="FormSubmitter:bukti_foto-Simpan bukti foto").click().run()
    assert any("Pengaturan bukti foto disimpan" in s.value for s in at.success)
    engine = make_engine(env["url"])
    with engine.connect() as conn:
        wajib = set(conn.scalars(select(Kategori.kode).where(Kategori.bukti_sesudah_wajib.is_(True))))
    foto_services.set_evidence_required(engine, SYSTEM, ["jalan_rusak"])
    engine.dispose()
    assert wajib == {"jalan_rusak", "sampah"}


def test_mode_rembuk_third_slide_shows_sebelum_sesudah_of_the_kelurahan(env):
    """The projector's "Sebelum → Sesudah" slide: the pairs of the chosen kelurahan, none private."""
    engine = make_engine(env["url"])
    with engine.connect() as conn:
        kode = conn.execute(
            select(Aspirasi.kelurahan_kode)
            .join(Foto, Foto.aspirasi_id == Aspirasi.id)
            .where(Foto.jenis == "sesudah", Aspirasi.status == "selesai", Foto.privat.is_(False))
            .group_by(Aspirasi.kelurahan_kode)
            .order_by(func.count().desc())
        ).first()[0]
    pairs = foto_queries.before_after(engine, kode, DEMO_TODAY)
    engine.dispose()
    assert pairs
    at = run_page("views/mode_rembuk.py", peran="pimpinan")
    at.selectbox(key="kel").set_value(kode).run()
    at.segmented_control(key="slide").set_value("Sebelum → Sesudah").run()
    assert not at.exception
    caps = [c for _, c in images(at)]
    assert caps.count("Sesudah") == len(pairs)
    assert caps.count("Sebelum") == sum(p.sebelum is not None for p in pairs)
