"""db.lacak.links: tracking tokens, the view without login, "sudah beres / belum" rules, rate limits, RW digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from sqlalchemy import func, insert, select, update

from db.auth.roles import SYSTEM, AccessDenied, Actor
from db.engine import make_engine
from db.lacak import followup as lacak_followup
from db.lacak import links as lacak_links
from db.lacak import news as lacak_news
from db.lacak import page as lacak_page
from db.rembuk.janji import add_janji
from db.rembuk.records import record_rembuk
from db.schema import Aspirasi, Kategori, LacakAkses, LacakKonfirmasi, LacakToken, LogAudit
from report.qr_sheet import qr_png, qr_sheet_pdf
from tests.conftest import DEMO_TODAY

FIXTURES = Path(__file__).parent / "fixtures"
STAF = Actor("staf.uji", "staf")
KEL = "35.73.02.1010"  # Gading Kasri (Klojen)
KEL_LAIN_KEC = "35.73.01.1001"  # a kelurahan in another kecamatan


def _asp(engine, nomor: str, status: str = "selesai", kel: str = KEL, rw: int | None = 3, **kw) -> int:
    terbuka = status not in ("selesai", "tidak_dapat", "bukan_kewenangan", "musrenbang", "duplikat")
    with engine.begin() as conn:
        kat = conn.scalar(select(Kategori.id).where(Kategori.kode == "jalan_rusak"))
        values = {
            "nomor": nomor, "judul": f"Judul {nomor}", "deskripsi": "", "kategori_id": kat, "kelurahan_kode": kel,
            "rw": rw, "rt": 1, "sumber": "RW", "kanal": "rembuk",
            "tanggal_diterima": DEMO_TODAY - dt.timedelta(days=30),
            "status": status, "terbuka": terbuka, "tenggat": DEMO_TODAY + dt.timedelta(days=5),
            "tanggal_selesai": None if terbuka else DEMO_TODAY - dt.timedelta(days=2),
            "pelapor_nama": "Rahasia Pelapor", "pelapor_telepon": "0800-0000-9999",
        }  # fmt: skip
        values.update(kw)
        return conn.execute(insert(Aspirasi).values(**values).returning(Aspirasi.id)).scalar_one()


# --- tokens ------------------------------------------------------------------------------------------


def test_token_is_long_random_and_url_safe():
    tokens = {lacak_links.create_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for t in list(tokens)[:50]:
        assert len(t) == 43 and lacak_links._TOKEN_RE.match(t)  # 32 bytes = 256 bits of randomness
    assert lacak_links.TOKEN_BYTES * 8 >= 128
    assert lacak_links.hash_token("abc") == hashlib.sha256(b"abc").hexdigest()


def test_only_the_hash_is_stored_and_the_link_opens_one_aspiration(ready_engine):
    a, b = _asp(ready_engine, "ASP-2026-900001"), _asp(ready_engine, "ASP-2026-900002")
    tokens = lacak_links.issue(ready_engine, STAF, [a, b], sumber="detail")
    with ready_engine.connect() as conn:
        rows = conn.execute(select(LacakToken.aspirasi_id, LacakToken.token_hash, LacakToken.sumber)).all()
        log = " ".join(conn.scalars(select(LogAudit.rincian)))
    assert {r.aspirasi_id: r.token_hash for r in rows} == {i: lacak_links.hash_token(t) for i, t in tokens.items()}
    assert all(t not in log and all(t not in r.token_hash for r in rows) for t in tokens.values())
    va, vb = (
        lacak_page.lacak_view(ready_engine, tokens[a], DEMO_TODAY),
        lacak_page.lacak_view(ready_engine, tokens[b], DEMO_TODAY),
    )
    assert (va.nomor, vb.nomor) == ("ASP-2026-900001", "ASP-2026-900002")
    assert va.kelurahan == "Gading Kasri" and va.kecamatan == "Klojen" and va.rw == 3
    assert va.status_label == "Selesai" and va.boleh_jawab
    assert lacak_links.link("https://kulakan.malangkota.go.id/", tokens[a]) == (
        f"https://kulakan.malangkota.go.id/lacak?t={tokens[a]}"
    )


@pytest.mark.parametrize("bad", [None, "", "x", "A" * 43, "A" * 44, "' OR 1=1 --", "<script>", "A" * 5000])
def test_unknown_or_malformed_tokens_give_nothing(ready_engine, bad):
    lacak_links.issue(ready_engine, STAF, [_asp(ready_engine, "ASP-2026-900003")])
    assert lacak_page.lacak_view(ready_engine, bad, DEMO_TODAY) is None


def test_regenerate_ends_old_links_and_revoke_ends_all(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900004")
    first = lacak_links.issue(ready_engine, STAF, [a])[a]
    second = lacak_links.issue(ready_engine, STAF, [a])[a]  # a digest: the older link keeps working
    assert lacak_page.lacak_view(ready_engine, first) and lacak_page.lacak_view(ready_engine, second)
    assert lacak_links.link_info(ready_engine, a).aktif == 2
    third = lacak_links.issue(ready_engine, STAF, [a], sumber="detail", ganti=True)[a]
    assert lacak_page.lacak_view(ready_engine, first) is None and lacak_page.lacak_view(ready_engine, second) is None
    assert lacak_page.lacak_view(ready_engine, third).nomor == "ASP-2026-900004"
    assert lacak_news.still_live(ready_engine, {a: first}) == {} and lacak_news.still_live(
        ready_engine, {a: third}
    ) == {a: third}
    assert lacak_links.revoke(ready_engine, STAF, a) == 1
    assert lacak_page.lacak_view(ready_engine, third) is None
    assert lacak_links.link_info(ready_engine, a).aktif == 0
    with ready_engine.connect() as conn:
        aksi = list(conn.scalars(select(LogAudit.aksi).where(LogAudit.aksi.like("lacak_%")).order_by(LogAudit.id)))
    assert aksi == ["lacak_tautan_dibuat"] * 3 + ["lacak_tautan_dicabut"]


def test_at_most_five_live_links_per_aspiration(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900005")
    issued = [lacak_links.issue(ready_engine, STAF, [a])[a] for _ in range(lacak_links.MAX_ACTIVE_LINKS + 2)]
    live = [t for t in issued if lacak_page.lacak_view(ready_engine, t)]
    assert live == issued[2:]  # the two oldest ended


def test_only_staff_of_the_area_issue_or_revoke(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900006")
    with pytest.raises(AccessDenied):
        lacak_links.issue(ready_engine, Actor("pimpinan.uji", "pimpinan"), [a])
    with pytest.raises(AccessDenied):
        lacak_links.issue(ready_engine, Actor("staf.kec", "staf", "35.73.01"), [a])  # Gading Kasri is in Klojen
    with pytest.raises(AccessDenied):
        lacak_links.revoke(ready_engine, Actor("pimpinan.uji", "pimpinan"), a)
    assert lacak_links.issue(ready_engine, Actor("staf.klojen", "staf", "35.73.02"), [a])


def test_lookup_compares_in_constant_time(ready_engine, monkeypatch):
    a = _asp(ready_engine, "ASP-2026-900007")
    token = lacak_links.issue(ready_engine, STAF, [a])[a]
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(lacak_links.hmac, "compare_digest", lambda x, y: calls.append((x, y)) or real(x, y))
    assert lacak_page.lacak_view(ready_engine, token) is not None
    assert lacak_page.lacak_view(ready_engine, lacak_links.create_token()) is None
    assert lacak_page.lacak_view(ready_engine, "pendek") is None
    assert len(calls) == 3  # every path compares, also when nothing was found


def test_answer_time_is_padded_the_same_for_valid_unknown_revoked_and_malformed(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900008")
    revoked = lacak_links.issue(ready_engine, STAF, [a])[a]
    lacak_links.revoke(ready_engine, STAF, a)
    token = lacak_links.issue(ready_engine, STAF, [a])[a]

    def timed(t):
        start = time.monotonic()
        allowed, view = lacak_page.read(ready_engine, t, "klien-waktu", set(), DEMO_TODAY)
        assert allowed and (view is not None) == (t == token)
        return time.monotonic() - start

    kinds = {
        "valid": token,
        "unknown": lacak_links.create_token(),
        "revoked": revoked,
        "malformed": "<x>",
        "missing": None,
    }
    # The fastest of five runs each: the machine's load is not the app's timing.
    fastest = {k: min(timed(t) for _ in range(5)) for k, t in kinds.items()}
    assert min(fastest.values()) >= lacak_links.FIXED_TIME, fastest
    assert max(fastest.values()) - min(fastest.values()) < 0.05, fastest


def test_lookup_counts_a_token_once_per_session(ready_engine, monkeypatch):
    monkeypatch.setattr(lacak_links, "FIXED_TIME", 0.0)
    monkeypatch.setitem(lacak_links.ACCESS_LIMIT, "lihat", (2, dt.timedelta(minutes=10)))
    seen: set = set()
    token = lacak_links.create_token()
    assert [lacak_page.read(ready_engine, token, "klien-sesi", seen)[0] for _ in range(5)] == [True] * 5
    assert lacak_page.read(ready_engine, lacak_links.create_token(), "klien-sesi", seen)[0]
    assert not lacak_page.read(ready_engine, lacak_links.create_token(), "klien-sesi", seen)[0]  # third distinct token
    assert lacak_page.read(ready_engine, token, "klien-sesi", seen)[0]  # already counted in this session


# --- the view ----------------------------------------------------------------------------------------


def test_view_shows_timeline_opd_and_linked_janji_without_personal_data(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900009", status="dalam_proses", tenggat=DEMO_TODAY - dt.timedelta(days=1))
    rid = record_rembuk(ready_engine, SYSTEM, DEMO_TODAY - dt.timedelta(days=7), [KEL], "terlaksana", today=DEMO_TODAY)
    add_janji(ready_engine, SYSTEM, rid, KEL, "Perbaikan jalan gang 3", "DLH", DEMO_TODAY, aspirasi_id=a)
    v = lacak_page.lacak_view(ready_engine, lacak_links.issue(ready_engine, STAF, [a])[a], DEMO_TODAY)
    assert v.lewat_tenggat and not v.boleh_jawab and v.status_label == "Dalam proses"
    assert [j.teks for j in v.janji] == ["Perbaikan jalan gang 3"] and v.janji[0].opd == "DLH"
    assert v.janji[0].status == "Belum dimulai" and v.janji[0].progres == 0
    assert v.riwayat[0].status == "Diterima" and v.riwayat[0].waktu == "Rabu, 21 Oktober 2026"
    assert v.foto == []  # no photo yet: no photo section
    text = repr(v)
    assert "Rahasia Pelapor" not in text and "0800-0000-9999" not in text and "Judul" not in text


def test_waktu_wib():
    assert lacak_page.wib_time(dt.datetime(2026, 11, 20, 2, 15, tzinfo=dt.UTC)) == "Jumat, 20 November 2026 09.15 WIB"
    assert lacak_page.wib_time(dt.datetime(2026, 11, 19, 17, 30)) == "Jumat, 20 November 2026 00.30 WIB"  # SQLite


# --- answers -----------------------------------------------------------------------------------------


def test_answers_only_when_selesai_once_per_link_per_day(ready_engine):
    buka = _asp(ready_engine, "ASP-2026-900010", status="dalam_proses")
    tutup = _asp(ready_engine, "ASP-2026-900011")
    tokens = lacak_links.issue(ready_engine, STAF, [buka, tutup])
    with pytest.raises(lacak_links.ConfirmationRejected, match="setelah aspirasi berstatus Selesai"):
        lacak_page.answer(ready_engine, tokens[buka], "belum", None, "k1", DEMO_TODAY)
    lacak_page.answer(ready_engine, tokens[tutup], "belum", "masih tergenang", "k1", DEMO_TODAY)
    with pytest.raises(lacak_links.ConfirmationRejected, match="sudah tercatat hari ini"):
        lacak_page.answer(ready_engine, tokens[tutup], "beres", None, "k2", DEMO_TODAY)
    v = lacak_page.lacak_view(ready_engine, tokens[tutup], DEMO_TODAY)
    assert v.sudah_jawab_hari_ini and v.jawaban_terakhir == ("Belum beres", DEMO_TODAY)
    # "Belum beres" does not reopen: it flags.
    with ready_engine.connect() as conn:
        status, terbuka = conn.execute(select(Aspirasi.status, Aspirasi.terbuka).where(Aspirasi.id == tutup)).one()
    assert (status, bool(terbuka)) == ("selesai", False)
    assert lacak_followup.confirmations_from(ready_engine, [buka, tutup]) == {tutup: "Belum beres"}
    assert lacak_followup.count_unresolved(ready_engine) == 1
    # Another link of the same aspiration may answer the same day; the next day this link may again.
    other = lacak_links.issue(ready_engine, STAF, [tutup])[tutup]
    lacak_page.answer(ready_engine, other, "beres", None, "k3", DEMO_TODAY)
    assert lacak_followup.confirmations_from(ready_engine, [tutup]) == {tutup: "Sudah beres"}
    lacak_page.answer(ready_engine, tokens[tutup], "belum", None, "k1", DEMO_TODAY + dt.timedelta(days=1))
    assert lacak_followup.count_unresolved(ready_engine) == 1
    with pytest.raises(lacak_links.ConfirmationRejected):
        lacak_page.answer(ready_engine, "tidak-ada", "belum", None, "k1", DEMO_TODAY)


def test_answer_audit_trail_has_time_and_client_hash_only(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900012")
    token = lacak_links.issue(ready_engine, STAF, [a])[a]
    klien = lacak_links.client_hash(ready_engine, "203.0.113.7")
    when = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
    lacak_page.answer(ready_engine, token, "belum", None, klien, DEMO_TODAY, now=when)
    with ready_engine.connect() as conn:
        k = conn.execute(select(LacakKonfirmasi)).one()
        log = conn.execute(select(LogAudit.oleh, LogAudit.rincian).where(LogAudit.aksi == "lacak_jawaban")).one()
        raw = " ".join(str(v) for v in conn.execute(select(LacakAkses.klien_hash)).scalars())
    assert k.klien_hash == klien and k.jawaban == "belum" and k.tanggal == DEMO_TODAY
    assert klien in log.rincian and "ASP-2026-900012" in log.rincian and "2026-11-20T03:00:00" in log.rincian
    assert log.oleh == lacak_page.BY_ANONYMOUS
    assert "203.0.113.7" not in log.rincian + raw + k.klien_hash


def test_note_is_limited_and_stored_exactly(ready_engine):
    from tests.hostile import HOSTILE

    a = _asp(ready_engine, "ASP-2026-900013")
    with pytest.raises(lacak_links.ConfirmationRejected, match="280"):
        lacak_page.check_answer("belum", "x" * 281)
    with pytest.raises(lacak_links.ConfirmationRejected):
        lacak_page.check_answer("mungkin", None)
    assert lacak_page.check_answer("beres", "   ") is None
    for i, text in enumerate(HOSTILE):
        token = lacak_links.issue(ready_engine, STAF, [a])[a]
        lacak_page.answer(ready_engine, token, "belum", text, f"k{i}", DEMO_TODAY + dt.timedelta(days=i))
    with ready_engine.connect() as conn:
        stored = list(conn.scalars(select(LacakKonfirmasi.catatan).order_by(LacakKonfirmasi.id)))
    assert stored == HOSTILE
    assert list(lacak_followup.confirmation_history(ready_engine, a)["Catatan"]) == HOSTILE[::-1]


def test_revoked_link_cannot_answer(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900014")
    token = lacak_links.issue(ready_engine, STAF, [a])[a]
    lacak_links.revoke(ready_engine, STAF, a)
    with pytest.raises(lacak_links.ConfirmationRejected, match="tidak dapat dibuka"):
        lacak_page.answer(ready_engine, token, "belum", None, "k", DEMO_TODAY)


def test_flag_ends_when_reopened_and_old_answer_does_not_count_after_a_new_closing(ready_engine):
    a = _asp(ready_engine, "ASP-2026-900015", opd_id=None)
    token = lacak_links.issue(ready_engine, STAF, [a])[a]
    lacak_page.answer(ready_engine, token, "belum", None, "k", DEMO_TODAY)
    assert lacak_followup.count_unresolved(ready_engine) == 1
    with ready_engine.begin() as conn:
        conn.execute(update(Aspirasi).where(Aspirasi.id == a).values(status="dalam_proses", terbuka=True))
    assert lacak_followup.count_unresolved(ready_engine) == 0  # reopened: in process again, no flag
    with ready_engine.begin() as conn:
        conn.execute(
            update(Aspirasi)
            .where(Aspirasi.id == a)
            .values(status="selesai", terbuka=False, tanggal_selesai=DEMO_TODAY + dt.timedelta(days=3))
        )
    assert lacak_followup.count_unresolved(ready_engine) == 0  # the answer predates the new closing


def test_kinerja_opd_counts_closed_but_not_fixed(ready_engine):
    from db.schema import Opd

    with ready_engine.connect() as conn:
        dlh = conn.scalar(select(Opd.id).where(Opd.kode == "DLH"))
    ids = [_asp(ready_engine, f"ASP-2026-90002{i}", opd_id=dlh) for i in range(3)]
    tokens = lacak_links.issue(ready_engine, STAF, ids)
    lacak_page.answer(ready_engine, tokens[ids[0]], "belum", None, "k", DEMO_TODAY)
    lacak_page.answer(ready_engine, tokens[ids[1]], "belum", None, "k", DEMO_TODAY)
    lacak_page.answer(ready_engine, tokens[ids[2]], "beres", None, "k", DEMO_TODAY)
    df = lacak_followup.closed_unresolved_per_opd(ready_engine)
    assert df.to_dict("records") == [{"opd_kode": "DLH", "opd": df.iloc[0]["opd"], "jumlah": 2}]
    assert lacak_followup.closed_unresolved_per_opd(ready_engine, dari=DEMO_TODAY).empty  # closed 2 days before
    panel = lacak_followup.unresolved_kelurahan(ready_engine, KEL)
    assert sorted(panel["Nomor"]) == ["ASP-2026-900020", "ASP-2026-900021"]
    assert "Catatan" not in panel.columns


def test_answers_since_last_visit_per_kelurahan(ready_engine):
    record_rembuk(ready_engine, SYSTEM, DEMO_TODAY - dt.timedelta(days=14), [KEL], "terlaksana", today=DEMO_TODAY)
    ids = [_asp(ready_engine, f"ASP-2026-90003{i}") for i in range(4)]
    lain = _asp(ready_engine, "ASP-2026-900039", kel=KEL_LAIN_KEC)
    tokens = lacak_links.issue(ready_engine, STAF, [*ids, lain])
    lacak_page.answer(ready_engine, tokens[ids[0]], "beres", None, "k", DEMO_TODAY - dt.timedelta(days=20))  # before
    lacak_page.answer(ready_engine, tokens[ids[1]], "beres", None, "k", DEMO_TODAY - dt.timedelta(days=3))
    lacak_page.answer(ready_engine, tokens[ids[2]], "belum", None, "k", DEMO_TODAY - dt.timedelta(days=3))
    lacak_page.answer(ready_engine, tokens[ids[3]], "belum", None, "k", DEMO_TODAY - dt.timedelta(days=1))
    lacak_page.answer(
        ready_engine, tokens[lain], "belum", None, "k", DEMO_TODAY - dt.timedelta(days=40)
    )  # no visit yet
    df = lacak_followup.confirmations_since_visit(ready_engine, DEMO_TODAY).set_index("kelurahan_kode")
    assert df.loc[KEL].to_dict() == {"sudah_beres": 1, "belum_beres": 2}
    assert df.loc[KEL_LAIN_KEC].to_dict() == {"sudah_beres": 0, "belum_beres": 1}
    one = lacak_followup.confirmations_since_visit(ready_engine, DEMO_TODAY, KEL)
    assert list(one["kelurahan_kode"]) == [KEL]


# --- rate limit and client address ---------------------------------------------------------------------


def test_rate_limit_per_client_in_the_database_across_processes(ready_engine):
    other_process = make_engine(ready_engine.url.render_as_string(hide_password=False))
    batas, jendela = lacak_links.ACCESS_LIMIT["jawab"]
    now = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
    results = [lacak_links.allow(e, "klien-a", "jawab", now) for e in [ready_engine, other_process] * batas]
    assert results == [True] * batas + [False] * batas
    assert lacak_links.allow(ready_engine, "klien-b", "jawab", now)  # another address is not affected
    assert lacak_links.allow(ready_engine, "klien-a", "lihat", now)  # lookups have their own budget
    assert lacak_links.allow(other_process, "klien-a", "jawab", now + jendela + dt.timedelta(seconds=1))
    lihat, _ = lacak_links.ACCESS_LIMIT["lihat"]
    assert sum(lacak_links.allow(ready_engine, "klien-c", "lihat", now) for _ in range(lihat + 5)) == lihat
    # Rows older than a day are cleaned up by the next request (of any client).
    lacak_links.allow(ready_engine, "klien-c", "lihat", now + dt.timedelta(days=2))
    with ready_engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(LacakAkses.klien_hash == "klien-c")) == 1
    other_process.dispose()


def test_client_address_hash_is_keyed(ready_engine):
    h1, h2 = lacak_links.client_hash(ready_engine, "203.0.113.9"), lacak_links.client_hash(ready_engine, "203.0.113.10")
    assert h1 != h2 and len(h1) == 64 and h1 == lacak_links.client_hash(ready_engine, "203.0.113.9")
    assert h1 != hashlib.sha256(b"203.0.113.9").hexdigest()  # keyed: not reversible by trying all addresses


# --- RW digest -----------------------------------------------------------------------------------------


def _kabar_fixture() -> lacak_news.News:
    items = [
        lacak_news.NewsItem(1, "ASP-2026-000101", "Lampu jalan mati di gang 3", "Penerangan jalan", 5, "selesai",
                        "Selesai", True),
        lacak_news.NewsItem(2, "ASP-2026-000102", "Saluran\u202e tersumbat\n dekat   musala", "Drainase/banjir", 5,
                        "lewat", "Dalam proses", True),
        lacak_news.NewsItem(3, "ASP-2026-000103", "Sampah menumpuk", "Sampah", 5, "proses", "Diteruskan ke OPD", False),
        lacak_news.NewsItem(4, "ASP-2026-000104", "Pohon tumbang", "Lainnya", 5, "menunggu", "Diterima", False),
        lacak_news.NewsItem(5, "ASP-2026-000105", "Jalan nasional rusak", "Jalan rusak", 5, "ditutup",
                        "Bukan kewenangan kota", True),
    ]  # fmt: skip
    return lacak_news.News(KEL, "Gading Kasri", "Klojen", 5, DEMO_TODAY, dt.date(2026, 10, 30), 3, items, 2)


def test_digest_text_matches_the_fixture():
    k = _kabar_fixture()
    links = {
        i.aspirasi_id: f"https://kulakan.example/lacak?t=TOKEN{i.aspirasi_id}" for i in k.items if i.aspirasi_id != 4
    }
    text = lacak_news.news_text(k, links)
    assert text == (FIXTURES / "kabar_rw.txt").read_text(encoding="utf-8").rstrip("\n")
    assert "\u202e" not in text
    wa = lacak_news.whatsapp_link(text)
    assert wa.startswith("https://wa.me/?text=") and unquote(wa.removeprefix("https://wa.me/?text=")) == text
    assert parse_qs(urlparse(wa).query)["text"] == [text]


def test_digest_without_rembuk_or_items():
    k = lacak_news.News(KEL, "Gading Kasri", "Klojen", None, DEMO_TODAY, None, 0, [], 0)
    text = lacak_news.news_text(k, {})
    assert "semua RW" in text and "Belum ada rembuk" in text and "Tidak ada aspirasi terbuka" in text


def test_teks_aman():
    assert lacak_news.safe_text("a\u202eb\u200bc\n\td") == "abc d"
    assert lacak_news.safe_text("x" * 200, 10) == "x" * 9 + "…"


def test_kelompok():
    assert lacak_news.group("selesai", False, False) == "selesai"
    assert lacak_news.group("duplikat", False, False) == "ditutup"
    assert lacak_news.group("dalam_proses", True, True) == "lewat"
    assert lacak_news.group("diteruskan", True, False) == "proses"
    assert lacak_news.group("diverifikasi", True, False) == "menunggu"


def test_digest_content_from_the_database(ready_engine):
    rid = record_rembuk(ready_engine, SYSTEM, DEMO_TODAY - dt.timedelta(days=21), [KEL], "terlaksana",
                        today=DEMO_TODAY)  # fmt: skip
    old = DEMO_TODAY - dt.timedelta(days=400)
    raised_done = _asp(ready_engine, "ASP-2026-900040", rembuk_id=rid, rw=5)
    raised_late = _asp(ready_engine, "ASP-2026-900041", status="dalam_proses", rembuk_id=rid, rw=5,
                       tenggat=DEMO_TODAY - dt.timedelta(days=1))  # fmt: skip
    waiting = _asp(ready_engine, "ASP-2026-900042", status="diterima", rw=5, tanggal_diterima=old)
    _asp(ready_engine, "ASP-2026-900043", rw=5, tanggal_selesai=DEMO_TODAY - dt.timedelta(days=300))  # long closed
    other_rw = _asp(ready_engine, "ASP-2026-900044", status="diteruskan", rw=6)
    k = lacak_news.rw_news(ready_engine, KEL, 5, DEMO_TODAY)
    assert k.rembuk_terakhir == DEMO_TODAY - dt.timedelta(days=21) and k.diangkat == 2
    assert [(i.aspirasi_id, i.kelompok, i.dari_rembuk_terakhir) for i in k.items] == [
        (raised_late, "lewat", True),
        (raised_done, "selesai", True),
        (waiting, "menunggu", False),
    ]
    semua = lacak_news.rw_news(ready_engine, KEL, None, DEMO_TODAY)
    assert {i.aspirasi_id for i in semua.items} == {raised_done, raised_late, waiting, other_rw}
    text = lacak_news.news_text(k, {})
    assert "Rahasia Pelapor" not in text and "0800-0000-9999" not in text


def test_qr_sheet_has_one_code_per_linked_aspiration():
    k = _kabar_fixture()
    items = [
        lacak_news.NewsItem(i, f"ASP-2026-{i:06d}", "JUDULRAHASIA", "Sampah", 1, "proses", "Diteruskan ke OPD", False)
        for i in range(1, 15)
    ]
    k = lacak_news.News(k.kelurahan_kode, k.kelurahan, k.kecamatan, 1, k.tanggal, k.rembuk_terakhir, 0, items, 0)
    links = {i.aspirasi_id: f"https://kulakan.example/lacak?t=T{i.aspirasi_id}" for i in items}
    pdf = qr_sheet_pdf(k, links, compress=False)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Subtype /Image") == 14
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 2  # 12 per page
    for i in items:
        assert i.nomor.encode() in pdf
    assert b"JUDULRAHASIA" not in pdf  # no titles on the notice board
    assert qr_png("https://kulakan.example/lacak?t=A").startswith(b"\x89PNG")


def test_view_shows_public_sesudah_photos_only(ready_engine):
    """Issue 15 x 17: the tracking page shows the non-private 'sesudah' photos, never a private or 'sebelum' one."""
    from db.foto import images as foto_images
    from db.foto import services as foto_services
    from tests.foto_files import jpeg

    a = _asp(ready_engine, "ASP-2026-900020")
    owner = foto_services.Owner("aspirasi", a)
    foto_services.save_foto(
        ready_engine, STAF, owner, "sebelum", [foto_images.process(jpeg(color=(200, 10, 10)), "a.jpg")]
    )
    foto_services.save_foto(
        ready_engine, STAF, owner, "sesudah", [foto_images.process(jpeg(color=(10, 200, 10)), "b.jpg")]
    )
    foto_services.save_foto(
        ready_engine, STAF, owner, "sesudah", [foto_images.process(jpeg(color=(10, 10, 200)), "c.jpg")], privat=True
    )
    v = lacak_page.lacak_view(ready_engine, lacak_links.issue(ready_engine, STAF, [a])[a], DEMO_TODAY)
    assert len(v.foto) == 1 and v.foto[0].keterangan.startswith("Foto sesudah · ")
    from PIL import Image

    r, g, b = Image.open(io.BytesIO(v.foto[0].data)).convert("RGB").getpixel((10, 10))
    assert g > 150 and r < 80 and b < 80  # the green, public 'sesudah' photo
