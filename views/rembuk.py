"""Rembuk Jumat: the record of each rembuk, its commitments, quick capture of aspirations during the
meeting, and the brief of every host kelurahan."""

from __future__ import annotations

import streamlit as st

from ui import components, data, janji, lacak, rembuk
from ui.pages import open_page

actor, key, today = open_page("rembuk")
opts = data.filter_options(key)

dari, sampai = rembuk.period(today)
daftar = rembuk.rembuk_list(dari, sampai)
if actor.can("tulis"):
    with st.expander("Catat rembuk baru", icon=":material/add:"):
        rembuk.form_new(actor, opts, today)
if daftar.empty:
    st.info("Tidak ada rembuk pada periode ini. Ubah periode di atas.")
    st.stop()

rid = rembuk.pick(daftar, today)
r = rembuk.get_rembuk(key, rid) if rid is not None else None
if r is None:
    st.warning("Rembuk tidak ditemukan.")
    st.stop()


def _catatan() -> None:
    rembuk.rembuk_notes(r, opts)
    if actor.can("tulis"):
        with st.expander("Ubah catatan rembuk", icon=":material/edit:"):
            rembuk.form_edit(actor, r.id, opts, today)


def _aspirasi() -> None:
    if actor.can("tulis"):
        rembuk.quick_capture(actor, r, opts, today)
    else:
        st.caption("Pencatatan aspirasi hanya untuk staf.")


components.lazy_tabs(
    "rembuk_tab",
    {
        "Catatan rembuk": _catatan,
        "Janji": lambda: janji.janji_section(actor, r, opts, today),
        "Aspirasi": _aspirasi,
        "Brief tuan rumah": lambda: rembuk.brief(r, opts, today),
        "Kabar RW": lambda: lacak.news(actor, {k: opts.kelurahan[k] for k in r.tuan_rumah}, today, key="kabar_rembuk"),
    },
)
