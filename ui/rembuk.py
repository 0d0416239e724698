"""The Rembuk page (Streamlit side): the record of a rembuk, quick capture of aspirations during the meeting,
and the brief of each host kelurahan (its commitments, janji: ui/janji.py).

Writes run in ``on_click`` callbacks (before the script): a callback can clear or keep widget
values, so a saved form is reset for the next entry while a refused one (validation, version
conflict) keeps exactly what the user typed. Optimistic locking: every edit form remembers the
version it was loaded with and sends it back; a stale one is refused with the service's message.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from db.aspirasi.queries import FilterOptions
from db.aspirasi.services import NewAspirasi, ValidationError, create_aspirasi
from db.aspirasi.status import SOURCES, STATUS_REMBUK
from db.auth.roles import Actor
from db.rembuk import brief as rembuk_brief
from db.rembuk import records as rembuk_records
from db.rembuk.records import RembukData
from ui import data, lacak, tabel
from ui.components import flash
from ui.filters import pick_many
from ui.format import format_date, format_number
from ui.janji import ERRORS, JANJI_COLUMNS, janji_table

SELECT_KEY = "rembuk_id"
SNAPSHOT_KEY = "rembuk_snapshot"  # rembuk id -> RembukData the edit form was loaded with
EDIT_ERROR_KEY = "rembuk_edit_galat"
CAPTURE_ERRORS_KEY = "tangkap_galat"
EDIT_FIELDS = ("tanggal", "status", "hosts", "rt", "rw", "lpmk", "warga", "opd", "catatan")
NONE_LABEL = tabel.EMPTY


def _edit_key(rid: int, field: str) -> str:
    return f"ed_{rid}_{field}"


def _none_if_empty(value):
    return None if value in (None, "") else value


# --------------------------------------------------------------------------- reads


@st.cache_data(ttl=60, show_spinner=False, max_entries=64)
def get_rembuk(key: tuple, rembuk_id: int) -> RembukData | None:
    """One rembuk for the page, cached under the data key (it covers every rembuk's version, so a save shows at once).

    The edit form reads its own fresh snapshot (:func:`_snapshot`): its ``version`` is the optimistic lock.
    """
    return rembuk_records.get_rembuk(data.engine(), rembuk_id)


@st.cache_data(ttl=300, show_spinner=False, max_entries=32)
def _rembuk_list(key: tuple, dari: dt.date | None, sampai: dt.date | None) -> pd.DataFrame:
    return rembuk_records.list_rembuk(data.engine(), dari, sampai)


def rembuk_list(dari: dt.date | None, sampai: dt.date | None) -> pd.DataFrame:
    """Rembuk of the period, newest first; keyed by the data fingerprint, so a save shows at the next run."""
    return _rembuk_list(data.key(), dari, sampai)


def period(today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    value = st.date_input(
        "Periode",
        value=(today - dt.timedelta(days=365), today + dt.timedelta(days=120)),
        key="periode",
        format="DD/MM/YYYY",
        width=360,
    )
    if isinstance(value, tuple | list):
        dari = value[0] if len(value) > 0 else None
        sampai = value[1] if len(value) > 1 else None
        return dari, sampai
    return value, value


def default_rembuk(df: pd.DataFrame, today: dt.date) -> int | None:
    """Today's rembuk, else the latest one up to today, else the newest listed."""
    if df.empty:
        return None
    held = df[df["tanggal"] <= today]
    return int(held.iloc[0]["id"]) if not held.empty else int(df.iloc[0]["id"])


def rembuk_label(row) -> str:
    return f"{format_date(row['tanggal'])} · {row['tuan_rumah'] or 'tanpa tuan rumah'} · {row['status_label']}"


def pick(df: pd.DataFrame, today: dt.date) -> int | None:
    """The list of rembuk (table) and the choice of one."""
    tabel.frame(
        {
            "Tanggal": df["tanggal"],
            "Tuan rumah": df["tuan_rumah"],
            "Status": df["status_label"],
            "Aspirasi": df["aspirasi"],
            "Janji": df["janji"],
        },
        dates=("Tanggal",),
        height=min(38 + 35 * len(df), 320),
        key="tabel_rembuk",
    )
    labels = {int(r["id"]): rembuk_label(r) for _, r in df.iterrows()}
    ids = list(labels)
    if (new := st.session_state.pop("rembuk_baru_pilih", None)) in ids:
        st.session_state.pop(SELECT_KEY, None)
        return st.selectbox("Pilih rembuk", ids, index=ids.index(new), format_func=labels.get, key=SELECT_KEY)
    chosen = st.session_state.get(SELECT_KEY)
    if chosen not in ids:
        st.session_state.pop(SELECT_KEY, None)
        default = default_rembuk(df, today)
        index = ids.index(default) if default in ids else 0
    else:
        index = ids.index(chosen)
    return st.selectbox("Pilih rembuk", ids, index=index, format_func=labels.get, key=SELECT_KEY)


# --------------------------------------------------------------------------- the record


def rembuk_notes(r: RembukData, opts: FilterOptions) -> None:
    hosts = ", ".join(opts.kelurahan.get(k, k) for k in r.tuan_rumah)
    st.subheader(f"{format_date(r.tanggal)}")
    st.markdown(f"**Tuan rumah:** {hosts or NONE_LABEL}  \n**Status:** {STATUS_REMBUK.get(r.status, r.status)}")
    c = st.columns(4)
    for col, label, value in zip(
        c, ("Hadir RT", "Hadir RW", "Hadir LPMK", "Hadir warga"), (r.hadir_rt, r.hadir_rw, r.hadir_lpmk, r.hadir_warga),
        strict=True,
    ):  # fmt: skip
        col.metric(label, format_number(value) if value is not None else NONE_LABEL)
    st.markdown(f"**OPD hadir:** {', '.join(r.opd_hadir) if r.opd_hadir else NONE_LABEL}")
    opd_attendance(r)
    if r.catatan:
        st.markdown("**Catatan:**")
        st.text(r.catatan)
    from ui.foto import rembuk_documentation

    rembuk_documentation(r.id)  # issue 15


def opd_attendance(r: RembukData) -> None:
    """OPDs that should attend (open or overdue items in the hosts on the rembuk's day) vs those that came."""
    from db.kinerja.scorecard import compare_attendance
    from ui.kinerja import needed_at_rembuk

    if not r.tuan_rumah:
        return
    perlu = needed_at_rembuk(data.key(), tuple(sorted(r.tuan_rumah)), min(r.tanggal, data.today()))
    if r.status != "terlaksana":
        st.markdown(f"**OPD yang perlu hadir:** {', '.join(perlu['opd']) if len(perlu) else NONE_LABEL}")
        return
    k = compare_attendance(perlu["opd"], r.opd_hadir)
    st.markdown(
        f"**OPD yang perlu hadir** (aspirasi terbuka atau lewat tenggat di tuan rumah): {format_number(len(perlu))}  \n"
        f"Hadir: {', '.join(k.hadir) or NONE_LABEL}  \n"
        f"Tidak hadir: {', '.join(k.tidak_hadir) or NONE_LABEL}  \n"
        f"Hadir tanpa aspirasi terbuka di sini: {', '.join(k.lainnya) or NONE_LABEL}"
    )


def _snapshot(rid: int) -> RembukData | None:
    snaps = st.session_state.setdefault(SNAPSHOT_KEY, {})
    if rid not in snaps:
        snap = rembuk_records.get_rembuk(data.engine(), rid)
        if snap is None:
            return None
        snaps[rid] = snap
    return snaps[rid]


def _reset_edit(rid: int) -> None:
    st.session_state.get(SNAPSHOT_KEY, {}).pop(rid, None)
    st.session_state.pop(EDIT_ERROR_KEY, None)
    for f in EDIT_FIELDS:
        st.session_state.pop(_edit_key(rid, f), None)


def _save_edit(actor: Actor, rid: int, today: dt.date) -> None:
    snap = st.session_state.get(SNAPSHOT_KEY, {}).get(rid)
    if snap is None:
        return
    v = {f: st.session_state.get(_edit_key(rid, f)) for f in EDIT_FIELDS}
    try:
        rembuk_records.record_rembuk(
            data.engine(),
            actor,
            v["tanggal"],
            v["hosts"] or [],
            v["status"],
            hadir_rt=_none_if_empty(v["rt"]),
            hadir_rw=_none_if_empty(v["rw"]),
            hadir_lpmk=_none_if_empty(v["lpmk"]),
            hadir_warga=_none_if_empty(v["warga"]),
            opd_hadir=v["opd"] or [],
            catatan=v["catatan"],
            rembuk_id=rid,
            expected_version=snap.version,
            today=today,
        )
    except ERRORS as exc:
        st.session_state[EDIT_ERROR_KEY] = str(exc)  # the inputs stay as typed
    else:
        _reset_edit(rid)
        flash("Catatan rembuk disimpan.")


def form_edit(actor: Actor, rid: int, opts: FilterOptions, today: dt.date) -> None:
    snap = _snapshot(rid)
    if snap is None:
        st.error("Rembuk ini tidak ditemukan lagi.")
        return
    if msg := st.session_state.get(EDIT_ERROR_KEY):
        st.error(msg, icon=":material/sync_problem:")
        st.button("Muat ulang data terbaru (isian Anda dibuang)", on_click=_reset_edit, args=(rid,), key="ed_muat")
    with st.form(f"rembuk_edit_{rid}"):
        c1, c2 = st.columns(2)
        c1.date_input("Tanggal", value=snap.tanggal, key=_edit_key(rid, "tanggal"), format="DD/MM/YYYY")
        c2.selectbox(
            "Status",
            list(STATUS_REMBUK),
            index=list(STATUS_REMBUK).index(snap.status),
            format_func=STATUS_REMBUK.get,
            key=_edit_key(rid, "status"),
        )
        pick_many("Tuan rumah", opts.kelurahan, key=_edit_key(rid, "hosts"), default=snap.tuan_rumah)
        c = st.columns(4)
        for col, field, label, value in zip(
            c,
            ("rt", "rw", "lpmk", "warga"),
            ("Hadir RT", "Hadir RW", "Hadir LPMK", "Hadir warga"),
            (snap.hadir_rt, snap.hadir_rw, snap.hadir_lpmk, snap.hadir_warga),
            strict=True,
        ):
            col.number_input(label, min_value=0, value=value, step=1, key=_edit_key(rid, field))
        pick_many("OPD hadir", opts.opd, key=_edit_key(rid, "opd"), default=snap.opd_hadir)
        st.text_area("Catatan", value=snap.catatan or "", key=_edit_key(rid, "catatan"), max_chars=4000)
        st.caption(f"Versi data yang dibuka: {snap.version}")
        st.form_submit_button(
            "Simpan catatan rembuk", type="primary", on_click=_save_edit, args=(actor, rid, today), key="ed_simpan"
        )


def _save_new(actor: Actor, today: dt.date) -> None:
    s = st.session_state
    try:
        rid = rembuk_records.record_rembuk(
            data.engine(), actor, s.get("baru_tanggal"), s.get("baru_hosts") or [], s.get("baru_status"), today=today
        )
    except ERRORS as exc:
        s["baru_galat"] = str(exc)
    else:
        s.pop("baru_galat", None)
        s.pop("baru_hosts", None)
        s["rembuk_baru_pilih"] = rid
        flash(f"Rembuk baru #{rid} dicatat.")


def form_new(actor: Actor, opts: FilterOptions, today: dt.date) -> None:
    if msg := st.session_state.get("baru_galat"):
        st.error(msg)
    with st.form("rembuk_baru"):
        c1, c2 = st.columns(2)
        c1.date_input("Tanggal", value=today, key="baru_tanggal", format="DD/MM/YYYY")
        c2.selectbox("Status", list(STATUS_REMBUK), format_func=STATUS_REMBUK.get, key="baru_status")
        pick_many("Tuan rumah", opts.kelurahan, key="baru_hosts")
        st.form_submit_button("Catat rembuk baru", on_click=_save_new, args=(actor, today), key="baru_simpan")


# --------------------------------------------------------------------------- janji


def _capture(actor: Actor, rid: int, today: dt.date) -> None:
    s = st.session_state
    try:
        hasil = create_aspirasi(
            data.engine(),
            actor,
            NewAspirasi(
                judul=s.get("cap_judul") or "",
                kategori=s.get("cap_kategori") or "",
                kelurahan=s.get("cap_kelurahan") or "",
                sumber=s.get("cap_sumber") or "",
                kanal="rembuk",
                rw=_int_or_none(s.get("cap_rw")),
                rt=_int_or_none(s.get("cap_rt")),
                tanggal_diterima=today,
                rembuk_id=rid,
            ),
            today,
        )
    except ValidationError as exc:
        s[CAPTURE_ERRORS_KEY] = dict(exc.errors)
    except ERRORS as exc:
        s[CAPTURE_ERRORS_KEY] = {"_": str(exc)}
    else:
        s.pop(CAPTURE_ERRORS_KEY, None)
        s["cap_judul"] = ""  # ready for the next one; category, kelurahan, RW/RT and source stay
        s["cap_terakhir"] = (hasil.nomor, hasil.peringatan)


def _int_or_none(value) -> int | None:
    return None if value is None or value == "" else int(value)


def quick_capture(actor: Actor, r: RembukData, opts: FilterOptions, today: dt.date) -> None:
    """Quick capture of aspirations raised at this rembuk (kanal 'rembuk', linked to it)."""
    st.subheader("Catat aspirasi cepat")
    if not r.tuan_rumah:
        st.caption("Rembuk ini belum punya tuan rumah.")
        return
    if last := st.session_state.pop("cap_terakhir", None):
        nomor, warnings = last
        st.success(f"{nomor} tersimpan.", icon=":material/check_circle:")
        for w in warnings:
            st.warning(w)
    errors: dict = st.session_state.get(CAPTURE_ERRORS_KEY) or {}

    def show(*fields: str) -> None:
        for f in fields:
            if errors.get(f):
                st.error(errors[f], icon=":material/error:")

    if errors.get("_"):
        st.error(errors["_"])
    if st.session_state.get("cap_kelurahan") not in r.tuan_rumah:
        st.session_state.pop("cap_kelurahan", None)
    with st.form("tangkap_aspirasi"):
        st.text_input("Judul aspirasi", key="cap_judul", max_chars=200, placeholder="mis. Saluran air tersumbat")
        show("judul")
        c1, c2 = st.columns(2)
        with c1:
            st.selectbox(
                "Kategori",
                list(opts.kategori),
                format_func=opts.kategori.get,
                index=None,
                placeholder="Pilih kategori",
                key="cap_kategori",
            )
            show("kategori")
        with c2:
            st.selectbox("Kelurahan", r.tuan_rumah, format_func=opts.kelurahan.get, key="cap_kelurahan")
            show("kelurahan", "rembuk_id")
        c3, c4, c5 = st.columns(3)
        with c3:
            st.number_input("RW", min_value=1, max_value=99, value=None, step=1, key="cap_rw")
            show("rw")
        with c4:
            st.number_input("RT", min_value=1, max_value=99, value=None, step=1, key="cap_rt")
            show("rt")
        with c5:
            st.selectbox("Sumber", list(SOURCES), format_func=SOURCES.get, key="cap_sumber")
            show("sumber", "kanal", "tanggal_diterima")
        st.form_submit_button(
            "Simpan aspirasi", type="primary", on_click=_capture, args=(actor, r.id, today), key="cap_simpan"
        )


# --------------------------------------------------------------------------- host brief


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def _host_brief(key: tuple, kode: str, as_of: dt.date) -> rembuk_brief.Brief:
    return rembuk_brief.host_brief(data.engine(), kode, as_of)


def brief(r: RembukData, opts: FilterOptions, today: dt.date) -> None:
    """For every host: what was raised and promised at its last rembuk, and what happened since."""
    st.subheader("Brief tuan rumah")
    as_of = min(r.tanggal, today)
    for kode in r.tuan_rumah:
        b = _host_brief(data.key(), kode, as_of)
        with st.container(border=True):
            st.markdown(f"#### {b.nama} · Kec. {b.kecamatan}")
            c = st.columns(2)
            c[0].metric("Aspirasi terbuka sekarang", format_number(b.terbuka))
            c[1].metric("Lewat tenggat sekarang", format_number(b.lewat_tenggat))
            perlu = b.opd_perlu_hadir
            if len(perlu):
                st.markdown(
                    "**OPD yang perlu hadir:** "
                    + ", ".join(
                        f"{o} ({format_number(t)} terbuka, {format_number(lw)} lewat tenggat, {format_number(j)} janji lewat tenggat)"  # noqa: E501
                        for o, t, lw, j in perlu[["opd", "terbuka", "lewat_tenggat", "janji_lewat_tenggat"]].itertuples(
                            index=False
                        )
                    )
                )
            last = b.rembuk_terakhir
            if last is None:
                st.caption("Belum pernah menjadi tuan rumah rembuk sebelumnya.")
                continue
            st.markdown(
                f"Rembuk terakhir: **{format_date(last.tanggal)}** (tuan rumah {', '.join(last.tuan_rumah)})  \n"
                f"Sejak itu: {format_number(b.baru_sejak)} aspirasi baru, {format_number(b.ditutup_sejak)} ditutup. "
                f"Janji: {format_number(b.janji_selesai)} dari {format_number(len(b.janji))} selesai, "
                f"{format_number(b.janji_lewat_tenggat)} lewat tenggat."
            )
            lacak.brief_row(kode, as_of)
            if not b.aspirasi_diangkat.empty:
                a = b.aspirasi_diangkat
                st.markdown(f"**Diangkat saat itu ({len(a)})**")
                st.dataframe(
                    # Not finished yet: '–' (not "None"); dates the Indonesian way.
                    tabel.indonesia(
                        pd.DataFrame(
                            {
                                "Nomor": a["nomor"],
                                "Judul": a["judul"],
                                "Kategori": a["kategori"],
                                "OPD": a["opd"],
                                "Status": a["status_label"],
                                "Selesai": pd.to_datetime(a["tanggal_selesai"]),
                            }
                        )
                    ),
                    hide_index=True,
                    key=f"brief_asp_{r.id}_{kode}",
                )
            if not b.janji.empty:
                st.markdown(f"**Dijanjikan saat itu ({len(b.janji)})**")
                st.dataframe(
                    janji_table(b.janji), hide_index=True, column_config=JANJI_COLUMNS, key=f"brief_jn_{r.id}_{kode}"
                )
