"""The tracking page without login (/lacak?t=TOKEN), and the staff side of tracking links: managing an
aspiration's links, the RW digest for WhatsApp with its QR sheet, and the "belum beres" flags.

The page without login exposes exactly one read view (:func:`halaman`) and one write (the answer,
:func:`_send_answer` -> db.lacak.page.answer). Every text from the database is shown as plain text
(st.text / st.code / st.dataframe) or markdown-escaped; nothing goes through unsafe_allow_html.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlparse

import pandas as pd
import streamlit as st

from db.auth.roles import AccessDenied, Actor
from db.lacak import followup as lacak_followup
from db.lacak import links as lacak_links
from db.lacak import news as lacak_news
from db.lacak import page as lacak_page
from db.settings import base_url, lacak_enabled
from ui import auth, data
from ui.format import format_date, plain_markdown

PAGE_PATH = "views/lacak.py"
URL_PATH = "lacak"
VISIBLE = "lacak_tautan_terlihat"  # {aspirasi id: token} issued in this staff session (shown once)
_COUNTED = "lacak_dihitung"  # token hashes already counted for this browser session's rate limit


# --- routing (app.py) ----------------------------------------------------------------------------


def is_lacak_url(url: str | None, aktif: bool) -> bool:
    """True for the address of the tracking page (``.../lacak``) while the route is switched on."""
    if not aktif or not url:
        return False
    return urlparse(url).path.rstrip("/").rsplit("/", 1)[-1] == URL_PATH


def requested() -> bool:
    """Is this browser at /lacak (and ``KULAKAN_LACAK`` not 0)? Then app.py runs only the tracking page."""
    return is_lacak_url(st.context.url, lacak_enabled())


def _neutral() -> None:
    st.title("Lacak aspirasi")
    st.info(lacak_page.NEUTRAL_MESSAGE, icon=":material/link_off:")


def pages() -> list[st.Page]:
    """The only pages reachable in tracking mode: the tracking page, and a neutral default (required by
    st.navigation; the tracking page must not be the default, whose address is '/')."""
    return [
        st.Page(_neutral, title="Lacak aspirasi", default=True),
        st.Page(PAGE_PATH, title="Lacak aspirasi", url_path=URL_PATH),
    ]


def navigation() -> None:
    st.navigation(pages(), position="hidden").run()


# --- the page without login ------------------------------------------------------------------------


def address() -> str | None:
    """The client address, by the same rule as the login throttle (ui.auth.client_address)."""
    return auth.client_address()


def _client() -> str:
    return lacak_links.client_hash(data.engine(), address())


def _read(token: str | None) -> tuple[bool, lacak_page.LacakView | None]:
    """(allowed by the rate limit, view or None); always takes lacak.WAKTU_TETAP or longer."""
    counted: set = st.session_state.setdefault(_COUNTED, set())
    return lacak_page.read(data.engine(), token, _client(), counted, data.today())


def _send_answer(token: str, jawaban: str) -> None:
    catatan = st.session_state.get("lacak_catatan") or None
    engine = data.engine()
    klien = _client()
    if not lacak_links.allow(engine, klien, "jawab"):
        st.session_state["lacak_pesan"] = ("warning", lacak_links.LIMIT_MESSAGE)
        return
    try:
        lacak_page.answer(engine, token, jawaban, catatan, klien, data.today())
    except lacak_links.ConfirmationRejected as exc:
        st.session_state["lacak_pesan"] = ("error", str(exc))
        return
    st.session_state["lacak_catatan"] = ""
    st.session_state["lacak_pesan"] = ("success", f'Terima kasih. Jawaban "{lacak_links.ANSWERS[jawaban]}" tercatat.')


def page() -> None:
    """The tracking page: one aspiration, no personal data, no menu into the app. Any failure shows one
    plain sentence (never a traceback to an anonymous visitor)."""
    try:
        _page()
    except Exception:
        logging.getLogger("kulakan").exception("Halaman lacak gagal")
        st.error("Halaman lacak sedang tidak dapat dibuka. Coba lagi sebentar lagi.", icon=":material/cloud_off:")


def _page() -> None:
    token = st.query_params.get("t")
    allowed, v = _read(token)
    st.title("Lacak aspirasi")
    st.caption("Kulakan · Pemerintah Kota Malang")
    if not allowed:
        st.warning(lacak_links.LIMIT_MESSAGE, icon=":material/hourglass_top:")
        return
    if v is None:
        st.info(lacak_page.NEUTRAL_MESSAGE, icon=":material/link_off:")
        return
    head = st.container(horizontal=True, vertical_alignment="center")
    head.subheader(v.nomor)  # system-generated ticket number (ASP-YYYY-NNNNNN)
    warna = "green" if v.status == "selesai" else ("red" if v.lewat_tenggat else ("gray" if not v.terbuka else "blue"))
    head.badge(plain_markdown(v.status_label + (" · lewat tenggat" if v.lewat_tenggat else "")), color=warna)
    rw = f" · RW {v.rw:02d}" if v.rw is not None else ""
    st.markdown(
        f"**Kategori:** {plain_markdown(v.kategori)}  \n"
        f"**Wilayah:** Kelurahan {plain_markdown(v.kelurahan)}{rw}, Kec. {plain_markdown(v.kecamatan)}  \n"
        f"**OPD penanggung jawab:** {plain_markdown(v.opd)}  \n"
        f"**Diterima:** {format_date(v.diterima)}  \n"
        + (f"**Tenggat:** {format_date(v.tenggat)}  \n" if v.tenggat and v.terbuka else "")
        + (f"**Selesai:** {format_date(v.selesai)}" if v.selesai and not v.terbuka else "")
    )
    st.markdown("#### Perjalanan status")
    st.markdown("\n".join(f"- {plain_markdown(x.waktu)} — **{plain_markdown(x.status)}**" for x in v.riwayat))
    if v.janji:
        st.markdown("#### Janji rembuk terkait")
        for j in v.janji:
            with st.container(border=True):
                st.text(j.teks)
                st.progress(min(max(j.progres, 0), 100) / 100)
                st.caption(plain_markdown(f"{j.status} · progres {j.progres}% · OPD {j.opd} · tenggat {j.tenggat}"))
    if v.foto:  # filled by the photo feature through db.lacak.page.after_foto
        st.markdown("#### Foto sesudah")
        for f in v.foto:
            st.image(f.data, caption=f.keterangan)
    _answer(token, v)
    st.divider()
    st.caption(
        "Halaman ini hanya menampilkan satu aspirasi, tanpa data pribadi. Tautan dapat dicabut oleh kelurahan; "
        "mintalah tautan baru bila tidak bisa dibuka lagi."
    )


def _answer(token: str, v: lacak_page.LacakView) -> None:
    st.markdown("#### Sudah beres?")
    if msg := st.session_state.pop("lacak_pesan", None):
        getattr(st, msg[0])(msg[1])
    if not v.boleh_jawab:
        st.caption("Konfirmasi dapat diberikan setelah aspirasi berstatus Selesai.")
        return
    if v.jawaban_terakhir:
        st.caption(
            f"Jawaban terakhir lewat tautan ini: {v.jawaban_terakhir[0]} ({format_date(v.jawaban_terakhir[1])})."
        )
    if v.sudah_jawab_hari_ini:
        st.caption("Anda dapat menjawab lagi besok bila keadaannya berubah.")
        return
    st.write("Aspirasi ini sudah dinyatakan **Selesai**. Menurut pengurus RT/RW, apakah masalahnya benar-benar beres?")
    st.text_area(
        "Catatan singkat (opsional)", max_chars=lacak_page.MAX_NOTE, key="lacak_catatan",
        placeholder="mis. lampu menyala lagi / saluran masih tersumbat di ujung gang",
    )  # fmt: skip
    c = st.container(horizontal=True)
    c.button("Sudah beres", on_click=_send_answer, args=(token, "beres"), icon=":material/check_circle:",
             type="primary")  # fmt: skip
    c.button("Belum beres", on_click=_send_answer, args=(token, "belum"), icon=":material/report:")
    st.caption("Jawaban “Belum beres” tidak membuka ulang aspirasi; kelurahan dan OPD mendapat tandanya.")


# --- staff: links of one aspiration (Aspirasi detail) -----------------------------------------------


def _visible() -> dict[int, str]:
    return st.session_state.setdefault(VISIBLE, {})


def _create(actor: Actor, aspirasi_id: int, ganti: bool) -> None:
    try:
        tokens = lacak_links.issue(data.engine(), actor, [aspirasi_id], sumber="detail", ganti=ganti)
    except (AccessDenied, lacak_links.ConfirmationRejected) as exc:
        st.session_state["lacak_detail_pesan"] = str(exc)
        return
    _visible().update(tokens)


def _revoke(actor: Actor, aspirasi_id: int) -> None:
    try:
        lacak_links.revoke(data.engine(), actor, aspirasi_id)
    except AccessDenied as exc:
        st.session_state["lacak_detail_pesan"] = str(exc)
        return
    _visible().pop(aspirasi_id, None)


def manage_links(aspirasi_id: int, actor: Actor) -> None:
    """Aspirasi detail: the RT/RW answers, the "belum beres" flag, and the aspiration's tracking links."""
    engine = data.engine()
    status = lacak_followup.confirmations_from(engine, [aspirasi_id]).get(aspirasi_id)
    if status == "Belum beres":
        st.error("Dikonfirmasi **belum beres** oleh RT/RW lewat tautan lacak.", icon=":material/report:")
    elif status == "Sudah beres":
        st.success("Dikonfirmasi **sudah beres** oleh RT/RW lewat tautan lacak.", icon=":material/verified:")
    with st.expander("Tautan lacak & konfirmasi RT/RW", icon=":material/link:"):
        if msg := st.session_state.pop("lacak_detail_pesan", None):
            st.error(msg)
        info = lacak_links.link_info(engine, aspirasi_id)
        if info.aktif:
            st.caption(f"{info.aktif} tautan aktif (terakhir dibuat {lacak_page.wib_time(info.terakhir_dibuat)}).")
        else:
            st.caption("Belum ada tautan aktif.")
        token = lacak_news.still_live(engine, {aspirasi_id: t} if (t := _visible().get(aspirasi_id)) else {})
        if token:
            st.markdown("Tautan baru (hanya terlihat sekarang; yang tersimpan hanya sidiknya):")
            st.code(lacak_links.link(base_url(), token[aspirasi_id]), language=None, wrap_lines=True)
        if actor.can("tulis"):
            c = st.container(horizontal=True)
            c.button("Buat tautan baru" if not info.aktif else "Buat ulang (tautan lama berhenti)",
                     on_click=_create, args=(actor, aspirasi_id, bool(info.aktif)), key=f"lacak_buat_{aspirasi_id}",
                     icon=":material/add_link:")  # fmt: skip
            c.button("Cabut semua tautan", on_click=_revoke, args=(actor, aspirasi_id), disabled=not info.aktif,
                     key=f"lacak_cabut_{aspirasi_id}", icon=":material/link_off:")  # fmt: skip
        jawaban = lacak_followup.confirmation_history(engine, aspirasi_id)
        if not jawaban.empty:
            st.markdown("**Jawaban RT/RW**")
            st.dataframe(jawaban, hide_index=True, width="stretch")


# --- staff: flags on the Aspirasi list and the Peta panel ---------------------------------------------


@st.cache_data(ttl=120, show_spinner=False, max_entries=64)
def _count_unresolved(key: tuple, f) -> int:
    return lacak_followup.count_unresolved(data.engine(), f)


def list_badge(f, key: tuple) -> None:
    """Above the Aspirasi table: how many of the filtered aspirations are flagged "belum beres"."""
    n = _count_unresolved(key, f)
    if n:
        st.badge(f"{n} aspirasi dikonfirmasi belum beres oleh RT/RW (kolom Konfirmasi RT/RW)",
                 icon=":material/report:", color="red")  # fmt: skip


@st.cache_data(ttl=120, show_spinner=False, max_entries=64)
def _unresolved_kelurahan(key: tuple, kode: str) -> pd.DataFrame:
    return lacak_followup.unresolved_kelurahan(data.engine(), kode)


def unresolved_panel(kode: str) -> None:
    """Peta drill-down: aspirations of the kelurahan closed as Selesai but confirmed "belum beres"."""
    df = _unresolved_kelurahan(data.key(), kode)
    if df.empty:
        return
    st.warning(f"**{len(df)} aspirasi dikonfirmasi belum beres** oleh RT/RW (ditutup Selesai).",
               icon=":material/report:")  # fmt: skip
    st.dataframe(
        df.drop(columns=["Ditutup"]),
        hide_index=True,
        column_config={"Dikonfirmasi belum beres": st.column_config.DateColumn(format="DD/MM/YYYY")},
        key=f"peta_belum_beres_{kode}",
    )


@st.cache_data(ttl=120, show_spinner=False, max_entries=16)
def confirmations_per_kelurahan(key: tuple, sebelum: dt.date) -> pd.DataFrame:
    return lacak_followup.confirmations_since_visit(data.engine(), sebelum)


def confirmation_column(kodes: pd.Series, sebelum: dt.date) -> pd.DataFrame:
    """Columns 'Sudah beres' / 'Belum beres' (since the last visit) aligned with ``kodes`` (Rotasi)."""
    df = confirmations_per_kelurahan(data.key(), sebelum).set_index("kelurahan_kode")
    return pd.DataFrame(
        {
            "Sudah beres": kodes.map(df["sudah_beres"]).fillna(0).astype(int).to_numpy(),
            "Belum beres": kodes.map(df["belum_beres"]).fillna(0).astype(int).to_numpy(),
        }
    )


def brief_row(kode: str, sebelum: dt.date) -> None:
    """One line of the host brief: RT/RW answers since the last visit."""
    df = confirmations_per_kelurahan(data.key(), sebelum)
    row = df[df["kelurahan_kode"] == kode]
    sudah, belum = (int(row.iloc[0]["sudah_beres"]), int(row.iloc[0]["belum_beres"])) if len(row) else (0, 0)
    st.markdown(f"Konfirmasi RT/RW sejak kunjungan lalu: **{sudah} sudah beres**, **{belum} belum beres**.")


# --- staff: the RW digest -----------------------------------------------------------------------------


def _rw_choices(kode: str) -> list[int]:
    """0 = all RW (a None option would show Streamlit's English placeholder), then the RW of the kelurahan."""
    from db.aspirasi import listing as aspirasi_listing

    return [0, *sorted(aspirasi_listing.rw_rt(data.engine(), kode))]


def _issue_news(actor: Actor, kode: str, rw: int | None, today: dt.date, state_key: str) -> None:
    engine = data.engine()
    k = lacak_news.rw_news(engine, kode, rw, today)
    ids = [i.aspirasi_id for i in k.items]
    visible = lacak_news.still_live(engine, {i: t for i, t in _visible().items() if i in ids})
    try:
        baru = lacak_links.issue(engine, actor, [i for i in ids if i not in visible], sumber="kabar")
    except AccessDenied as exc:
        st.session_state[state_key] = {"galat": str(exc)}
        return
    _visible().update(baru)
    tokens = {**visible, **baru}
    links = {i: lacak_links.link(base_url(), t) for i, t in tokens.items()}
    st.session_state[state_key] = {
        "kabar": k,
        "teks": lacak_news.news_text(k, links),
        "links": links,
        "baru": len(baru),
        "dipakai_ulang": len(visible),
    }


def news(actor: Actor, kelurahan: dict[str, str], today: dt.date, key: str) -> None:
    """Pick kelurahan + RW (or all RW) and get a WhatsApp-ready digest with tracking links and a QR sheet."""
    st.markdown("#### Kabar RW untuk grup WhatsApp")
    if not kelurahan:
        st.info("Tidak ada kelurahan untuk dipilih.")
        return
    c1, c2 = st.columns(2)
    kode = c1.selectbox("Kelurahan", list(kelurahan), format_func=kelurahan.get, key=f"{key}_kel")
    rw = c2.selectbox("RW", _rw_choices(kode), format_func=lambda r: f"RW {r:02d}" if r else "Semua RW",
                      key=f"{key}_rw") or None  # fmt: skip
    k = lacak_news.rw_news(data.engine(), kode, rw, today)
    st.caption(
        f"{len(k.items)} aspirasi masuk kabar ini"
        + (f" (dan {k.lainnya} lainnya tidak dimuat)" if k.lainnya else "")
        + ". Tautan lacak disimpan hanya sebagai sidik (hash), jadi tautan yang belum terlihat di sesi Anda "
        "diterbitkan baru saat kabar dibuat; tautan lama yang sudah dibagikan tetap berlaku."
    )
    if not actor.can("tulis"):
        st.caption("Kabar RW dibuat oleh staf (menerbitkan tautan lacak).")
        return
    state_key = f"{key}_hasil_{kode}_{rw}"
    st.button("Buat teks kabar (terbitkan tautan lacak)", type="primary", icon=":material/campaign:",
              on_click=_issue_news, args=(actor, kode, rw, today, state_key), key=f"{key}_buat",
              disabled=not k.items)  # fmt: skip
    hasil = st.session_state.get(state_key)
    if not hasil:
        return
    if "galat" in hasil:
        st.error(hasil["galat"])
        return
    st.success(
        f"{hasil['baru']} tautan lacak baru diterbitkan"
        + (f", {hasil['dipakai_ulang']} tautan dari sesi ini dipakai lagi" if hasil["dipakai_ulang"] else "")
        + ". Salin teksnya sekarang: tautan baru hanya terlihat di sesi ini.",
        icon=":material/link:",
    )
    st.code(hasil["teks"], language=None, wrap_lines=True)
    c = st.container(horizontal=True)
    c.link_button("Kirim lewat WhatsApp", lacak_news.whatsapp_link(hasil["teks"]), icon=":material/send:")
    nama = f"kabar-{hasil['kabar'].kelurahan.lower().replace(' ', '-')}-{'semua-rw' if rw is None else f'rw{rw:02d}'}"
    c.download_button("Unduh teks (.txt)", hasil["teks"].encode("utf-8"), f"{nama}.txt", "text/plain",
                      icon=":material/description:", key=f"{key}_txt")  # fmt: skip
    from report.qr_sheet import qr_sheet_pdf  # segno + fpdf2 only when a digest is on screen

    c.download_button("Lembar QR (PDF)", lambda: qr_sheet_pdf(hasil["kabar"], hasil["links"]), f"{nama}-qr.pdf",
                      "application/pdf", icon=":material/qr_code_2:", key=f"{key}_pdf")  # fmt: skip


def kelurahan_choices(options, actor: Actor, f=None) -> dict[str, str]:
    """Kelurahan offered by the digest on the Aspirasi page: those chosen in the filter, else all in the
    user's scope (a kecamatan-bound account sees its own kecamatan only)."""
    kel = {
        k: f"{n} — {options.kecamatan.get(options.kelurahan_kecamatan.get(k), '')}"
        for k, n in options.kelurahan.items()
        if not actor.kecamatan_kode or options.kelurahan_kecamatan.get(k) == actor.kecamatan_kode
    }
    chosen = [k for k in (getattr(f, "kelurahan", None) or ()) if k in kel]
    return {k: kel[k] for k in chosen} if chosen else kel
