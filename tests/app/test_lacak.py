"""The tracking page without login and the RW digest through AppTest; hostile text and personal data."""

from __future__ import annotations

import datetime as dt
import re
import time
import zlib

import pytest
from sqlalchemy import func, select, update
from streamlit.testing.v1 import AppTest

from db.auth.roles import SYSTEM
from db.demo.generate import generate_demo
from db.engine import make_engine
from db.lacak import followup as lacak_followup
from db.lacak import links as lacak_links
from db.lacak import news as lacak_news
from db.lacak import page as lacak_page
from db.migrate import upgrade
from db.reference import load_reference
from db.rembuk.janji import add_janji
from db.schema import Aspirasi, Janji, LacakKonfirmasi, LacakToken, RembukKelurahan
from db.testing import database
from report.qr_sheet import qr_sheet_pdf
from tests.app.conftest import ROOT, run_page
from tests.conftest import DEMO_SEED, DEMO_TODAY, HOSTILE_KELURAHAN, create_test_users, insert_hostile
from tests.hostile import HOSTILE, RAW_MARKERS

pytestmark = pytest.mark.usefixtures("backend")
PAGE = "views/lacak.py"


@pytest.fixture(scope="module")
def lacak_url(backend, tmp_path_factory):
    """Demo data plus hostile aspirations; this module's tests may write (tokens, answers)."""
    with database(backend, tmp_path_factory.mktemp("lacak")) as url:
        engine = make_engine(url)
        upgrade(engine)
        load_reference(engine)
        generate_demo(engine, n_aspirasi=400, seed=DEMO_SEED, today=DEMO_TODAY)
        insert_hostile(engine)
        create_test_users(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def lacak_engine(lacak_url):
    engine = make_engine(lacak_url)
    yield engine
    engine.dispose()


def anonymous(token: str | None) -> AppTest:
    """The tracking page as a visitor without login holding ``token``."""
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60)
    if token is not None:
        at.query_params["t"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "auth" not in at.session_state
    return at


def all_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "text", "title", "subheader", "info", "warning", "error", "success", "code"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [str(e.proto) for e in at.get("badge")] if at.get("badge") else []
    return "\n".join(parts)


def _one(engine, *where) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(Aspirasi.id).where(*where).order_by(Aspirasi.id).limit(1))


def test_tracking_page_shows_one_aspiration_and_takes_belum_beres(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    aid = _one(lacak_engine, Aspirasi.status == "selesai", Aspirasi.rw.is_not(None))
    token = lacak_links.issue(lacak_engine, SYSTEM, [aid])[aid]
    with lacak_engine.connect() as conn:
        a = conn.execute(select(Aspirasi).where(Aspirasi.id == aid)).one()
    at = anonymous(token)
    assert at.subheader[0].value == a.nomor
    text = all_text(at)
    assert f"RW {a.rw:02d}" in text and "Perjalanan status" in text and "WIB" in text
    assert a.pelapor_nama not in text
    assert a.pelapor_telepon not in text
    assert not at.sidebar.get("page_link") and not at.get("page_link")  # no menu into the app
    at.text_area(key="lacak_catatan").input("Saluran masih tersumbat")
    at.button[1].click().run()  # "Belum beres"
    assert not at.exception
    assert any('"Belum beres" tercatat' in s.value for s in at.success)
    with lacak_engine.connect() as conn:
        k = conn.execute(select(LacakKonfirmasi).where(LacakKonfirmasi.aspirasi_id == aid)).one()
        status = conn.scalar(select(Aspirasi.status).where(Aspirasi.id == aid))
    assert (k.jawaban, k.catatan, status) == ("belum", "Saluran masih tersumbat", "selesai")
    assert not at.button  # one answer per link per day: the buttons are gone
    assert lacak_followup.count_unresolved(lacak_engine) >= 1


def test_unknown_revoked_and_missing_tokens_get_one_neutral_answer_in_the_same_time(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    aid = _one(lacak_engine, Aspirasi.status == "dalam_proses")
    revoked = lacak_links.issue(lacak_engine, SYSTEM, [aid])[aid]
    lacak_links.revoke(lacak_engine, SYSTEM, aid)
    valid = lacak_links.issue(lacak_engine, SYSTEM, [aid])[aid]
    anonymous(valid)  # warm up
    timings: dict[str, float] = {}
    tokens = {
        "valid": valid,
        "unknown": lacak_links.create_token(),
        "revoked": revoked,
        "malformed": "<x>",
        "missing": None,
    }
    for name, token in tokens.items():
        start = time.monotonic()
        at = anonymous(token)
        timings[name] = time.monotonic() - start
        if name == "valid":
            assert not at.info
            assert "Konfirmasi dapat diberikan setelah aspirasi berstatus Selesai." in all_text(at)
        else:
            assert [i.value for i in at.info] == [lacak_page.NEUTRAL_MESSAGE]
            assert not at.subheader and not at.button and not at.text_area
    # Every answer waits at least WAKTU_TETAP. That the lookup takes the same time for all of them is measured
    # on db.lacak.page.read in tests/unit/test_lacak.py: a whole AppTest run is dominated by rendering and load.
    assert min(timings.values()) >= lacak_links.FIXED_TIME, timings


def test_lookups_are_rate_limited_per_client(lacak_engine, lacak_url, app_env, monkeypatch):
    app_env(lacak_url)
    monkeypatch.setitem(lacak_links.ACCESS_LIMIT, "lihat", (3, dt.timedelta(minutes=10)))
    monkeypatch.setattr(lacak_links, "FIXED_TIME", 0.0)
    from sqlalchemy import delete

    from db.schema import LacakAkses

    with lacak_engine.begin() as conn:
        conn.execute(delete(LacakAkses))
    seen = [anonymous(lacak_links.create_token()) for _ in range(4)]
    assert [bool(at.warning) for at in seen] == [False, False, False, True]
    assert seen[-1].warning[0].value == lacak_links.LIMIT_MESSAGE


def test_the_route_exposes_one_page_and_the_switch_turns_it_off(monkeypatch):
    from ui import lacak as ui_lacak

    made, nav = [], []

    class Nav:
        def run(self):
            nav.append("run")

    monkeypatch.setattr(ui_lacak.st, "Page", lambda page, **kw: made.append((page, kw)) or page)
    monkeypatch.setattr(ui_lacak.st, "navigation", lambda pages, position: nav.append((pages, position)) or Nav())
    ui_lacak.navigation()
    # Exactly one page script (the tracking page) and a neutral default that only says the link is not valid.
    assert [p for p, _ in made if not callable(p)] == [ui_lacak.PAGE_PATH] and len(made) == 2
    assert made[0] == (ui_lacak._neutral, {"title": "Lacak aspirasi", "default": True})
    assert made[1][1]["url_path"] == "lacak"
    assert nav == [([ui_lacak._neutral, ui_lacak.PAGE_PATH], "hidden"), "run"]
    assert ui_lacak.is_lacak_url("http://kulakan.example/lacak", True)
    assert ui_lacak.is_lacak_url("https://x.example/kulakan/lacak/", True)
    for url in ("http://kulakan.example/", "http://kulakan.example/peta", "http://kulakan.example/lacakx", None):
        assert not ui_lacak.is_lacak_url(url, True)
    assert not ui_lacak.is_lacak_url("http://kulakan.example/lacak", False)
    monkeypatch.setenv("KULAKAN_LACAK", "0")
    from db.settings import lacak_enabled

    assert not lacak_enabled()
    monkeypatch.setenv("KULAKAN_LACAK", "1")
    assert lacak_enabled()


def test_app_without_the_tracking_address_shows_the_login_form_even_with_a_token(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    aid = _one(lacak_engine, Aspirasi.status == "selesai")
    token = lacak_links.issue(lacak_engine, SYSTEM, [aid])[aid]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["t"] = token
    at.run()
    assert not at.exception
    assert at.text_input[0].label == "Nama pengguna" and at.button[0].label == "Masuk"
    with lacak_engine.connect() as conn:
        nomor = conn.scalar(select(Aspirasi.nomor).where(Aspirasi.id == aid))
    assert nomor not in all_text(at)


# --- the digest (Rembuk page) ------------------------------------------------------------------------


def test_digest_on_the_rembuk_page_issues_links_and_says_so(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    at = run_page("views/rembuk.py", peran="staf", state={"rembuk_tab": "Brief tuan rumah"})
    # The host brief carries the RT/RW answers since the last visit (one line per host with an earlier rembuk).
    briefs = [m.value for m in at.markdown if m.value.startswith("Rembuk terakhir:")]
    answers = [m.value for m in at.markdown if m.value.startswith("Konfirmasi RT/RW sejak kunjungan lalu:")]
    assert briefs and len(answers) == len(briefs)
    at.session_state["rembuk_tab"] = "Kabar RW"  # only the open tab runs
    at.run()
    kode = at.selectbox(key="kabar_rembuk_kel").value
    k = lacak_news.rw_news(lacak_engine, kode, None, DEMO_TODAY)
    assert k.items
    with lacak_engine.connect() as conn:
        before = conn.scalar(select(func.count(LacakToken.id)))
    at.button(key="kabar_rembuk_buat").click().run()
    assert not at.exception
    with lacak_engine.connect() as conn:
        after = conn.scalar(select(func.count(LacakToken.id)))
    assert after - before == len(k.items)
    assert any(f"{len(k.items)} tautan lacak baru diterbitkan" in s.value for s in at.success)
    text = at.code[0].value
    links = re.findall(r"http://localhost:8501/lacak\?t=([A-Za-z0-9_-]{43})", text)
    assert len(links) == len(k.items)
    assert {lacak_page.lacak_view(lacak_engine, t).nomor for t in links} == {i.nomor for i in k.items}
    assert f"Kabar Kulakan · Kelurahan {k.kelurahan} · semua RW" in text
    wa = at.get("link_button")[0].proto
    assert wa.url.startswith("https://wa.me/?text=") and "%0A" in wa.url
    assert [d.proto.label for d in at.get("download_button")][-2:] == ["Unduh teks (.txt)", "Lembar QR (PDF)"]
    # A second digest in the same session reuses the links still visible here: nothing new issued.
    at.button(key="kabar_rembuk_buat").click().run()
    with lacak_engine.connect() as conn:
        assert conn.scalar(select(func.count(LacakToken.id))) == after
    assert any(f"{len(k.items)} tautan dari sesi ini dipakai lagi" in s.value for s in at.success)


def test_digest_for_pimpinan_issues_nothing(lacak_url, app_env):
    app_env(lacak_url)
    at = run_page("views/rembuk.py", peran="pimpinan", state={"rembuk_tab": "Kabar RW"})
    assert not [b for b in at.button if b.key == "kabar_rembuk_buat"]
    assert any("Kabar RW dibuat oleh staf" in c.value for c in at.caption)


# --- hostile text ------------------------------------------------------------------------------------


def test_hostile_text_through_the_tracking_page_and_the_digest(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    with lacak_engine.begin() as conn:
        hostile = list(
            conn.scalars(select(Aspirasi.id).where(Aspirasi.nomor.like("ASP-2026-99%")).order_by(Aspirasi.nomor))
        )
        conn.execute(
            update(Aspirasi)
            .where(Aspirasi.id == hostile[0])
            .values(status="selesai", terbuka=False, tanggal_selesai=DEMO_TODAY - dt.timedelta(days=1))
        )
    with lacak_engine.connect() as conn:
        rid = conn.scalar(
            select(RembukKelurahan.rembuk_id).where(RembukKelurahan.kelurahan_kode == HOSTILE_KELURAHAN).limit(1)
        )
    for text in HOSTILE:
        add_janji(lacak_engine, SYSTEM, rid, HOSTILE_KELURAHAN, text, "DLH", DEMO_TODAY, aspirasi_id=hostile[0])
    token = lacak_links.issue(lacak_engine, SYSTEM, [hostile[0]])[hostile[0]]
    at = anonymous(token)
    shown = [t.value for t in at.text]
    assert shown == HOSTILE  # stored exactly, shown as plain text
    for e in [*at.markdown, *at.caption]:
        for marker in RAW_MARKERS:
            assert marker not in e.value
    at.text_area(key="lacak_catatan").input(HOSTILE[0])
    at.button[1].click().run()
    assert not at.exception
    with lacak_engine.connect() as conn:
        assert conn.scalar(select(LacakKonfirmasi.catatan).where(LacakKonfirmasi.token_id.is_not(None)).order_by(
            LacakKonfirmasi.id.desc()).limit(1)) == HOSTILE[0]  # fmt: skip
    # The digest of the hostile kelurahan: plain text (st.code), direction marks removed, link urlencoded.
    k = lacak_news.rw_news(lacak_engine, HOSTILE_KELURAHAN, 1, DEMO_TODAY)
    text = lacak_news.news_text(k, {i.aspirasi_id: lacak_links.link("https://k.example", "T") for i in k.items})
    assert "<img src=x onerror=alert('xss-img')>" in text and "\u202e" not in text
    assert "<" not in lacak_news.whatsapp_link(text) and "`" not in lacak_news.whatsapp_link(text)
    with lacak_engine.connect() as conn:
        janji = list(conn.scalars(select(Janji.teks).where(Janji.aspirasi_id == hostile[0]).order_by(Janji.id)))
    assert janji == HOSTILE


# --- personal data --------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(m.group(1).decode("latin-1"))
    return "\n".join(out)


def test_no_reporter_name_or_phone_on_the_page_digest_qr_sheet_or_downloads(lacak_engine, lacak_url, app_env):
    with lacak_engine.connect() as conn:
        people = conn.execute(
            select(Aspirasi.id, Aspirasi.pelapor_nama, Aspirasi.pelapor_telepon, Aspirasi.kelurahan_kode)
        ).all()
        kelurahan = sorted({p.kelurahan_kode for p in people})
    secrets_ = {s for p in people for s in (p.pelapor_nama, p.pelapor_telepon) if s}
    assert len(secrets_) > 100
    tokens = lacak_links.issue(lacak_engine, SYSTEM, [p.id for p in people])
    # Every aspiration's tracking view.
    for p in people:
        v = repr(lacak_page.lacak_view(lacak_engine, tokens[p.id], DEMO_TODAY))
        assert (p.pelapor_nama or "\0") not in v and (p.pelapor_telepon or "\0") not in v
    # Every kelurahan's digest (all RW) with its text download and QR sheet.
    for kode in kelurahan:
        k = lacak_news.rw_news(lacak_engine, kode, None, DEMO_TODAY)
        links = {i.aspirasi_id: lacak_links.link("https://k.example", tokens[i.aspirasi_id]) for i in k.items}
        text = lacak_news.news_text(k, links)
        pdf = _pdf_text(qr_sheet_pdf(k, links))
        for s in secrets_:
            assert s not in text and s not in pdf
    # The page as rendered, for a few aspirations of each kind.
    app_env(lacak_url)
    for status in ("selesai", "dalam_proses", "diterima"):
        aid = _one(lacak_engine, Aspirasi.status == status, Aspirasi.pelapor_nama.is_not(None))
        page = all_text(anonymous(tokens[aid]))
        assert not [s for s in secrets_ if s in page]


# --- the one write of the anonymous route, and the flags on the staff pages --------------------------------


def test_anonymous_route_writes_only_its_rate_limit_answer_and_audit(lacak_engine, lacak_url, app_env):
    from sqlalchemy import event

    from ui import data

    app_env(lacak_url)
    aid = _one(lacak_engine, Aspirasi.status == "selesai", Aspirasi.id > 50)
    token = lacak_links.issue(lacak_engine, SYSTEM, [aid])[aid]
    engine = data._engine_for(lacak_url)  # the app's own engine (st.cache_resource is process-wide)
    writes: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        head = statement.lstrip().split(None, 3)
        if head and head[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(" ".join(head[:3]).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        at = anonymous(token)
        at.button[0].click().run()  # "Sudah beres"
        assert any('"Sudah beres" tercatat' in s.value for s in at.success)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    tables = {
        re.sub(r"[^a-z_]", "", (w.split()[1] if w.startswith("UPDATE") else w.split()[2]).lower()) for w in writes
    }
    assert tables <= {"lacak_akses", "lacak_konfirmasi", "aspirasi", "log_audit", "app_meta"}, writes
    assert any("INTO LACAK_KONFIRMASI" in w for w in writes)
    # Besides SQLite's no-op write lock on app_meta, one UPDATE: the answered aspiration's diubah_pada.
    assert [w for w in writes if w.startswith("UPDATE") and "APP_META" not in w] == ["UPDATE ASPIRASI SET"]


def test_flags_on_the_aspirasi_list_and_rotasi_equal_sql(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    with lacak_engine.connect() as conn:  # the newest Selesai one: on the first page of the table
        aid, nomor = conn.execute(
            select(Aspirasi.id, Aspirasi.nomor)
            .where(Aspirasi.status == "selesai")
            .order_by(Aspirasi.tanggal_diterima.desc(), Aspirasi.id.desc())
            .limit(1)
        ).one()
    token = lacak_links.issue(lacak_engine, SYSTEM, [aid])[aid]
    lacak_page.answer(lacak_engine, token, "belum", None, "uji", DEMO_TODAY)
    n = lacak_followup.count_unresolved(lacak_engine)
    at = run_page("views/aspirasi.py", peran="staf")
    assert any(f"{n} aspirasi dikonfirmasi belum beres" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "Konfirmasi RT/RW" in d.value.columns)
    with lacak_engine.connect() as conn:
        ids = dict(
            conn.execute(select(Aspirasi.nomor, Aspirasi.id).where(Aspirasi.nomor.in_(list(table["Nomor"])))).all()
        )
    answers = lacak_followup.confirmations_from(lacak_engine, ids.values())
    assert list(table["Konfirmasi RT/RW"]) == [answers.get(ids[x], "") for x in table["Nomor"]]
    assert table.set_index("Nomor").loc[nomor, "Konfirmasi RT/RW"] == "Belum beres"
    rot = run_page("views/rotasi.py", peran="pimpinan")
    status = next(d.value for d in rot.dataframe if "Belum beres" in d.value.columns)
    expected = lacak_followup.confirmations_since_visit(lacak_engine, DEMO_TODAY)
    assert int(status["Belum beres"].sum()) == int(expected["belum_beres"].sum()) >= 1
    assert int(status["Sudah beres"].sum()) == int(expected["sudah_beres"].sum())


def test_digest_per_kelurahan_on_the_aspirasi_page(lacak_engine, lacak_url, app_env):
    app_env(lacak_url)
    at = AppTest.from_file(str(ROOT / "views/aspirasi.py"), default_timeout=60)
    from tests.app.conftest import login_state

    at.session_state["auth"] = login_state("staf")
    at.query_params["bagian"] = "Kabar RW"
    at.run()
    assert not at.exception
    kel = at.selectbox(key="kabar_aspirasi_kel")
    assert len(kel.options) == 57
    rw = at.selectbox(key="kabar_aspirasi_rw")
    assert rw.options[0] == "Semua RW" and all(o.startswith("RW ") for o in rw.options[1:])
    rw.set_value(int(rw.options[1].split()[1])).run()
    k = lacak_news.rw_news(lacak_engine, kel.value, int(rw.options[1].split()[1]), DEMO_TODAY)
    assert any(f"{len(k.items)} aspirasi masuk kabar ini" in c.value for c in at.caption)
