"""The shared aspiration filter component (map, table, exports), with its state in the URL.

Every widget is bound to a query parameter (``bind="query-params"``), so the address bar holds
the whole view: copying it gives a colleague the same filters, and reloading restores them.
The URL carries the labels people read (``?kec=Klojen&kat=Sampah``), not internal ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import streamlit as st

from db.aspirasi.filters import CONDITIONS, AspirasiFilter
from db.aspirasi.measures import MEASURES
from db.aspirasi.queries import FilterOptions
from db.aspirasi.status import CHANNELS, SOURCES, STATUS_LABELS
from db.workdays import today as city_today

# Query-parameter names (also the widget keys); shared by every page that filters aspirations.
KEYS = ("kec", "kel", "kat", "keadaan", "status", "sumber", "opd", "kanal", "dari", "sampai", "rembuk", "q")
KEYS += ("ukur", "pdari", "psampai")  # an OPD performance measure and its period (links from Kinerja OPD)


# The empty value of each filter widget: setting it clears the widget AND its query parameter.
# (Popping the state is not enough: a bound widget reads its old value back from the address
# bar, and a bound query parameter cannot be deleted directly.)
EMPTY: dict[str, object] = {
    "kec": [], "kel": [], "kat": [], "keadaan": None, "status": [], "sumber": [], "opd": [],
    "kanal": [], "dari": None, "sampai": None, "rembuk": None, "q": "",
    "ukur": None, "pdari": None, "psampai": None,
}  # fmt: skip


def _reset() -> None:
    for key in KEYS:
        st.session_state[key] = EMPTY[key]


def pick_many(label: str, choices: dict, *, key: str, placeholder: str | None = None, bind=None, **kwargs) -> list:
    """A multiselect over ``choices`` (code -> label, in display order) that shows the labels; no "Select all"
    (an English line in the list, and "everything" is already the empty choice)."""
    return st.multiselect(
        label, list(choices), format_func=choices.get, key=key, bind=bind, placeholder=placeholder,
        select_all=False, **kwargs,
    )  # fmt: skip


def scoped_options(options: FilterOptions, scope: str | None) -> FilterOptions:
    """``options`` limited to the kecamatan ``scope`` (a scoped staff account), or unchanged without one."""
    if not scope:
        return options
    return replace(
        options,
        kecamatan={scope: options.kecamatan[scope]},
        kelurahan={k: v for k, v in options.kelurahan.items() if options.kelurahan_kecamatan[k] == scope},
        kelurahan_kecamatan={k: v for k, v in options.kelurahan_kecamatan.items() if v == scope},
    )


def sidebar_heading(title: str, options: FilterOptions, scope: str | None) -> None:
    """A filter's title in the sidebar, and the limit of a scoped account under it."""
    st.subheader(title)
    if scope:
        st.caption(f"Akun Anda dibatasi ke Kecamatan {options.kecamatan[scope]}.")


def area(options: FilterOptions, *, kec_key: str = "kec", kel_key: str = "kel", bind=None) -> tuple[list, list]:
    """Kecamatan and kelurahan pickers (shared by every filter); the kelurahan list follows the kecamatan."""
    kec = pick_many("Kecamatan", options.kecamatan, key=kec_key, bind=bind, placeholder="Semua kecamatan")
    kel_choices = {k: options.kelurahan[k] for k, kc in options.kelurahan_kecamatan.items() if not kec or kc in kec}
    kel = pick_many("Kelurahan", kel_choices, key=kel_key, bind=bind, placeholder="Semua kelurahan")
    return kec, kel


def aspirasi_filter(options: FilterOptions, *, container=None, scope: str | None = None) -> AspirasiFilter:
    """Draw the filter widgets (default: in the sidebar) and return the chosen filter.

    ``scope``: the kecamatan a scoped staff account is limited to; the filter always includes it.
    """
    box = container or st.sidebar
    options = scoped_options(options, scope)
    with box:
        sidebar_heading("Filter aspirasi", options, scope)
        q = st.text_input(
            "Cari di judul/deskripsi", key="q", bind="query-params", max_chars=200, placeholder="mis. lampu"
        )
        kec, kel = area(options, bind="query-params")
        kat = pick_many("Kategori", options.kategori, key="kat", bind="query-params", placeholder="Semua kategori")
        keadaan = st.segmented_control(
            "Keadaan",
            list(CONDITIONS),
            format_func=CONDITIONS.get,
            key="keadaan",
            bind="query-params",
            help="Terbuka = belum ditutup; tertutup = selesai atau ditutup dengan alasan.",
        )
        status = pick_many(
            "Status rinci", STATUS_LABELS, key="status", bind="query-params",
            placeholder="Semua status",
        )  # fmt: skip
        sumber = st.pills(
            "Sumber", list(SOURCES), format_func=SOURCES.get, selection_mode="multi", key="sumber", bind="query-params"
        )
        opd = pick_many("OPD", options.opd, key="opd", bind="query-params", placeholder="Semua OPD")
        kanal = pick_many("Kanal", CHANNELS, key="kanal", bind="query-params", placeholder="Semua kanal")
        # One under the other: side by side in the sidebar the placeholder was cut to "dd/mm/y".
        dari = st.date_input("Diterima dari", value=None, key="dari", bind="query-params", format="DD/MM/YYYY")
        sampai = st.date_input("Diterima sampai", value=None, key="sampai", bind="query-params", format="DD/MM/YYYY")
        rembuk = st.selectbox(
            "Diangkat di rembuk",
            list(options.rembuk),
            index=None,
            format_func=options.rembuk.get,
            key="rembuk",
            bind="query-params",
            placeholder="Semua (termasuk di luar rembuk)",
        )
        ukur, ukur_dari, ukur_sampai = measure_widgets()
        st.button("Hapus semua filter", on_click=_reset, icon=":material/filter_alt_off:", width="stretch")
    return AspirasiFilter(
        kecamatan=(scope,) if scope else tuple(kec),
        kelurahan=tuple(kel),
        kategori=tuple(kat),
        keadaan=keadaan,
        status=tuple(status),
        sumber=tuple(sumber or ()),
        opd=tuple(opd),
        kanal=tuple(kanal),
        dari=dari if isinstance(dari, dt.date) else None,
        sampai=sampai if isinstance(sampai, dt.date) else None,
        rembuk_id=rembuk,
        teks=q or "",
        ukuran=ukur,
        ukuran_dari=ukur_dari,
        ukuran_sampai=ukur_sampai,
        hari_ini=city_today() if ukur else None,
    )


def measure_widgets() -> tuple[str | None, dt.date | None, dt.date | None]:
    """The OPD performance measure (db/aspirasi/measures.py) and, for a period measure, its period."""
    ukur = st.selectbox(
        "Ukuran kinerja OPD",
        list(MEASURES),
        index=None,
        format_func=lambda k: MEASURES[k].label,
        key="ukur",
        bind="query-params",
        placeholder="Tidak dipakai",
        help="Dipakai tautan halaman Kinerja OPD: menampilkan persis aspirasi yang dihitung sebuah angka.",
    )
    if not ukur:
        return None, None, None
    st.caption(MEASURES[ukur].definisi)
    if not MEASURES[ukur].periode:
        return ukur, None, None
    dari = st.date_input("Periode dari", value=None, key="pdari", bind="query-params", format="DD/MM/YYYY")
    sampai = st.date_input("Periode sampai", value=None, key="psampai", bind="query-params", format="DD/MM/YYYY")
    return (
        ukur,
        dari if isinstance(dari, dt.date) else None,
        sampai if isinstance(sampai, dt.date) else None,
    )


def names_for_describe(options: FilterOptions) -> dict[str, dict[str, str]]:
    """Labels for AspirasiFilter.describe()."""
    return {
        "kecamatan": options.kecamatan,
        "kelurahan": options.kelurahan,
        "kategori": options.kategori,
        "opd": options.opd,
        "rembuk_id": {str(k): v for k, v in options.rembuk.items()},
    }
