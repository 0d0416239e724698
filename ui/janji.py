"""The janji (commitments) of a rembuk on the Rembuk page: the table, adding one, recording progress.

Writes run in ``on_click`` callbacks, as in ui/rembuk.py; an update sends back the version its form was loaded
with, so a colleague's change in between is refused with the service's message and the input stays.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from db.aspirasi.queries import FilterOptions
from db.aspirasi.status import STATUS_JANJI
from db.auth.roles import AccessDenied, Actor
from db.errors import VersionConflict
from db.rembuk import janji as rembuk_janji
from db.rembuk.records import RembukData, RembukError
from ui import data, tabel
from ui.components import flash
from ui.format import format_time

JANJI_ERROR_KEY = "janji_galat"
# What a rembuk or janji form may be refused with (shown as its message); ui/rembuk.py uses the same.
ERRORS = (RembukError, VersionConflict, AccessDenied, ValueError)


def _janji_key(jid: int, field: str) -> str:
    return f"jn_{jid}_{field}"


def janji_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Kelurahan": df["kelurahan"],
            "Janji": df["teks"],
            "OPD": df["opd"],
            "Tenggat": pd.to_datetime(df["tenggat"]),
            "Progres": df["progres"],
            "Status": df["status_label"],
            "Lewat tenggat": df["lewat_tenggat"],
        }
    )


JANJI_COLUMNS = {
    "Progres": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d%%"),
    "Tenggat": st.column_config.DateColumn(format="DD/MM/YYYY"),
}


def _reset_janji(jid: int) -> None:
    st.session_state.pop(JANJI_ERROR_KEY, None)
    for f in ("versi", "progres", "status", "catatan"):
        st.session_state.pop(_janji_key(jid, f), None)


def _save_janji(actor: Actor, jid: int) -> None:
    s = st.session_state
    try:
        rembuk_janji.update_janji(
            data.engine(),
            actor,
            jid,
            s[_janji_key(jid, "versi")],
            int(s[_janji_key(jid, "progres")]),
            s[_janji_key(jid, "status")],
            s.get(_janji_key(jid, "catatan")),
        )
    except ERRORS as exc:
        s[JANJI_ERROR_KEY] = str(exc)
    else:
        _reset_janji(jid)
        flash("Perkembangan janji disimpan.")


def janji_section(actor: Actor, r: RembukData, opts: FilterOptions, today: dt.date) -> None:
    st.subheader("Janji / tindak lanjut")
    df = rembuk_janji.janji_of_rembuk(data.engine(), r.id, today)
    if df.empty:
        st.caption("Belum ada janji yang dicatat untuk rembuk ini.")
    else:
        st.dataframe(janji_table(df), hide_index=True, column_config=JANJI_COLUMNS, key="tabel_janji")
        labels = {int(x.id): f"#{x.id} · {x.kelurahan} · {str(x.teks)[:70]}" for x in df.itertuples()}
        jid = st.selectbox("Janji", list(labels), format_func=labels.get, key="janji_pilih")
        row = df[df["id"] == jid].iloc[0]
        if actor.can("tulis"):
            st.session_state.setdefault(_janji_key(jid, "versi"), int(row["version"]))
            if msg := st.session_state.get(JANJI_ERROR_KEY):
                st.error(msg)
                st.button("Muat ulang janji ini", on_click=_reset_janji, args=(jid,), key="jn_muat")
            with st.form(f"janji_ubah_{jid}"):
                c1, c2 = st.columns(2)
                c1.slider("Progres (%)", 0, 100, int(row["progres"]), step=5, key=_janji_key(jid, "progres"))
                c2.selectbox(
                    "Status",
                    list(STATUS_JANJI),
                    index=list(STATUS_JANJI).index(row["status"]),
                    format_func=STATUS_JANJI.get,
                    key=_janji_key(jid, "status"),
                )
                st.text_input("Catatan perkembangan", key=_janji_key(jid, "catatan"), max_chars=500)
                st.form_submit_button(
                    "Simpan perkembangan", type="primary", on_click=_save_janji, args=(actor, jid), key="jn_simpan"
                )
        hist = rembuk_janji.janji_history(data.engine(), jid)
        st.markdown("**Riwayat janji**")
        tabel.frame(
            {
                "Waktu": hist["waktu"].map(format_time).astype(object),  # stored UTC, shown in WIB
                "Oleh": hist["oleh"],
                "Progres": hist["progres"],
                "Status": hist["status_label"],
                "Catatan": hist["catatan"].fillna("–"),
            },
            column_config={"Progres": JANJI_COLUMNS["Progres"]},
            key="tabel_riwayat_janji",
        )
        from ui.foto import foto_janji

        foto_janji(jid, actor)  # issue 15: photos of the progress entries
    if actor.can("tulis") and r.status != "dibatalkan" and r.tuan_rumah:
        with st.expander("Tambah janji", icon=":material/add:"):
            if msg := st.session_state.get("janji_baru_galat"):
                st.error(msg)
            with st.form("janji_baru"):
                st.selectbox("Kelurahan", r.tuan_rumah, format_func=opts.kelurahan.get, key="jb_kel")
                st.text_area("Isi janji", key="jb_teks", max_chars=1000)
                c1, c2 = st.columns(2)
                c1.selectbox("OPD", [None, *opts.opd], format_func=lambda o: o or tabel.EMPTY, key="jb_opd")
                c2.date_input("Tenggat", value=None, key="jb_tenggat", format="DD/MM/YYYY")
                st.form_submit_button("Tambah janji", on_click=_add_janji, args=(actor, r.id), key="jb_simpan")


def _add_janji(actor: Actor, rid: int) -> None:
    s = st.session_state
    try:
        jid = rembuk_janji.add_janji(
            data.engine(), actor, rid, s.get("jb_kel"), s.get("jb_teks"), s.get("jb_opd"), s.get("jb_tenggat")
        )
    except ERRORS as exc:
        s["janji_baru_galat"] = str(exc)
    else:
        s.pop("janji_baru_galat", None)
        s["jb_teks"] = ""
        flash(f"Janji #{jid} dicatat.")


# --------------------------------------------------------------------------- quick capture
