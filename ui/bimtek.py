"""The Bimtek page (Streamlit side): cached adapters over db.bimtek.services and db.bimtek.reports, the filter,
charts and the read-only sections (management forms: ui/bimtek_manage.py).

Charts are Altair (rendered by Streamlit's own bundled Vega, no CDN) and draw exactly the DataFrame
that the table under them shows, straight from the db.bimtek.services query functions.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import streamlit as st

from db.bimtek import reports as bimtek_reports
from db.bimtek import services as bimtek_services
from db.bimtek.reports import KINDS
from db.bimtek.services import BimtekFilter
from db.export import neutralise, to_csv_bytes
from db.fingerprint import without_aspirasi
from geo import maps
from ui import data, tabel
from ui.charts import show_attended_per_bimtek, show_cakupan_cumulative, show_invited_attended
from ui.components import content_key, folium_map, lazy_expander, legend
from ui.filters import area, pick_many
from ui.format import format_date, format_number, format_percent

MEASURE_LABELS = {"diundang": "Diundang", "hadir": "Hadir"}
INDICATIVE = "Jumlah RW/RT per kelurahan indikatif (data referensi), bukan angka resmi."


def key() -> tuple:
    """The page's cache key: ui.data.key() without the values only aspiration writes move (the Bimtek page
    reads no aspirasi; db.fingerprint.without_aspirasi), so a new aspiration does not recompute it."""
    url, fp = data.key()
    return (url, without_aspirasi(fp))


# --------------------------------------------------------------------------- cached adapters


@st.cache_data(ttl=300, show_spinner=False)
def events(key: tuple) -> pd.DataFrame:
    return bimtek_services.list_bimtek(data.engine())


@st.cache_data(ttl=300, show_spinner=False, max_entries=128)
def participation(key: tuple, f: BimtekFilter, per: str) -> pd.DataFrame:
    return bimtek_reports.participation(data.engine(), f, per)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def cakupan(key: tuple, f: BimtekFilter) -> pd.DataFrame:
    return bimtek_reports.cakupan(data.engine(), f)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def trend(key: tuple, f: BimtekFilter) -> pd.DataFrame:
    return bimtek_reports.trend(data.engine(), f)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def never_attended(key: tuple, f: BimtekFilter) -> pd.DataFrame:
    return bimtek_reports.never_attended(data.engine(), f)


def event_label(row) -> str:
    return f"{format_date(row['tanggal'], with_weekday=False)} · {row['judul']}"


# --------------------------------------------------------------------------- filter


def filter_sidebar(events: pd.DataFrame) -> BimtekFilter:
    """The page's filter (sidebar): events, kecamatan, kelurahan, role level, period."""
    options = data.filter_options(key())
    labels = {int(r["id"]): event_label(r) for _, r in events.iterrows()}
    with st.sidebar:
        st.subheader("Filter bimtek")
        ids = pick_many("Bimtek", labels, key="bt_acara", placeholder="Semua bimtek")
        kec, kel = area(options, kec_key="bt_kec", kel_key="bt_kel")
        jenis = st.pills(
            "Peran (lembaga)",
            list(KINDS),
            format_func=KINDS.get,
            selection_mode="multi",
            key="bt_jenis",
            help="Membatasi grafik partisipasi dan daftar 'Belum pernah ikut'. "
            "Cakupan selalu dihitung per tingkat (RW, RT, LPMK).",
        )
        # One under the other: side by side in the sidebar the placeholder is cut to "dd/mm/y".
        dari = st.date_input("Bimtek dari", value=None, key="bt_dari", format="DD/MM/YYYY")
        sampai = st.date_input("sampai", value=None, key="bt_sampai", format="DD/MM/YYYY")
        st.button("Hapus semua filter", on_click=_reset, icon=":material/filter_alt_off:", width="stretch")
    return BimtekFilter(
        bimtek=tuple(int(i) for i in ids),
        kecamatan=tuple(kec),
        kelurahan=tuple(kel),
        jenis=tuple(jenis or ()),
        dari=dari if isinstance(dari, dt.date) else None,
        sampai=sampai if isinstance(sampai, dt.date) else None,
    )


def _reset() -> None:
    for k in ("bt_acara", "bt_kec", "bt_kel", "bt_jenis", "bt_dari", "bt_sampai"):
        st.session_state.pop(k, None)


def _table(df: pd.DataFrame, columns: dict[str, str], **kwargs) -> None:
    tabel.show(df[list(columns)].rename(columns=columns), **kwargs)


# --------------------------------------------------------------------------- sections


def summary_numbers(c: bimtek_reports.CakupanSummary, n_acara: int) -> None:
    cols = st.columns(5)  # their labels wrap (components.header's page CSS)
    cols[0].metric("Bimtek", format_number(n_acara), border=True)
    cols[1].metric("Peserta hadir", format_number(c.peserta_hadir), border=True)
    cols[2].metric(
        "Kelurahan terjangkau",
        f"{c.kelurahan_terjangkau}/{c.kelurahan_total}",
        border=True,
        help="Kelurahan dengan sedikitnya satu peserta hadir (peran apa pun).",
    )
    cols[3].metric(
        "RW terjangkau",
        format_percent(c.share("rw")),
        border=True,
        help=f"{format_number(c.rw_terlatih)} dari {format_number(c.rw_total)} RW punya wakil RW yang hadir. {INDICATIVE}",  # noqa: E501
    )
    cols[4].metric(
        "LPMK terjangkau",
        f"{c.lpmk_terlatih}/{c.lpmk_total}",
        border=True,
        help="Kelurahan yang LPMK-nya punya sedikitnya satu wakil hadir.",
    )


def tab_summary(k: tuple, f: BimtekFilter) -> None:
    per_acara = participation(k, f, "bimtek").copy()
    per_acara["bimtek"] = [event_label(r) for _, r in per_acara.iterrows()]
    show_invited_attended(per_acara, "bimtek", "Diundang dan hadir per bimtek", urut=list(per_acara["bimtek"]))
    lazy_expander(
        "Tabel per bimtek", "bt_tabel_acara_buka",
        lambda: _table(per_acara, {"bimtek": "Bimtek", "diundang": "Diundang", "hadir": "Hadir"}),
    )  # fmt: skip

    left, right = st.columns(2, gap="large")
    with left:
        per_kec = participation(k, f, "kecamatan")
        show_invited_attended(per_kec, "kecamatan", "Per kecamatan")
        _table(per_kec, {"kecamatan": "Kecamatan", "diundang": "Diundang", "hadir": "Hadir"})
    with right:
        per_jenis = participation(k, f, "jenis")
        show_invited_attended(per_jenis, "label", "Per peran (lembaga)", urut=list(per_jenis["label"]))
        _table(per_jenis, {"label": "Peran", "diundang": "Diundang", "hadir": "Hadir"})

    per_kel = participation(k, f, "kelurahan")

    def _per_kelurahan() -> None:
        show_invited_attended(per_kel, "kelurahan", "Per kelurahan", urut=list(per_kel["kelurahan"]))
        _table(per_kel, {"kecamatan": "Kecamatan", "kelurahan": "Kelurahan", "diundang": "Diundang", "hadir": "Hadir"})

    lazy_expander(f"Per kelurahan ({len(per_kel)} kelurahan)", "bt_per_kel_buka", _per_kelurahan)


MAP_METRICS = {
    "cakupan_rw": "Cakupan RW (%)",
    "cakupan_rt": "Cakupan RT (%)",
    "lpmk_terlatih": "LPMK terjangkau (1 = ya)",
    "peserta_hadir": "Peserta hadir",
}


def _pct(v: float) -> str:
    return f"{maps.format_legend_number(round(v, 1))}%"


@st.fragment
def cakupan_map(df: pd.DataFrame, metrik: str) -> None:
    """Choropleth of coverage per kelurahan, on the same map component as the other pages."""
    share = metrik.startswith("cakupan")
    values = (df[metrik] * 100).round(1) if share else df[metrik].astype(float)
    fmt = _pct if share else maps.format_legend_number
    extra = {
        "RW terjangkau": pd.Series(
            [f"{a}/{b}" for a, b in zip(df["rw_terlatih"], df["jumlah_rw"], strict=True)], index=df.index
        ),
        "RT terjangkau": pd.Series(
            [f"{a}/{b}" for a, b in zip(df["rt_terlatih"], df["jumlah_rt"], strict=True)], index=df.index
        ),
        "LPMK": df["lpmk_terlatih"].map({1: "sudah", 0: "belum"}),
        "Peserta hadir": df["peserta_hadir"],
    }

    def build():
        layer = maps.choropleth_layer(values, label=MAP_METRICS[metrik], fmt=fmt, extra=extra)
        return maps.base_map(), [maps.layer_group(layer)]

    map_col, legend_col = st.columns([4, 1])
    with map_col:
        shown = content_key(df, metrik, share)  # the 57 rows the map colours and its tooltips
        clicked = folium_map(build, key="bimtek_peta", cache_key=shown).kelurahan
    with legend_col:
        legend(maps.legend_entries(values, fmt), MAP_METRICS[metrik], INDICATIVE if share else None)
        if clicked and clicked in df.index:
            row = df.loc[clicked]
            st.markdown(f"**{row['kelurahan']}**  \nKec. {row['kecamatan']}")
            st.caption(
                f"RW {row['rw_terlatih']}/{row['jumlah_rw']} · RT {row['rt_terlatih']}/{row['jumlah_rt']} · "
                f"LPMK {'sudah' if row['lpmk_terlatih'] else 'belum'}"
            )
        else:
            st.caption("Klik sebuah kelurahan untuk melihat angkanya.")


def tab_cakupan(k: tuple, f: BimtekFilter, df: pd.DataFrame) -> None:
    st.caption(
        "RW/RT terjangkau: sedikitnya satu ketua atau pengurus RW (RT) itu hadir. Peserta RT tanpa nomor RT "
        f"tidak dihitung di tingkat RT. {INDICATIVE}"
    )
    metrik = st.segmented_control(
        "Warna peta menurut", list(MAP_METRICS), format_func=MAP_METRICS.get, default="cakupan_rw", key="bt_metrik"
    )
    cakupan_map(df, metrik or "cakupan_rw")
    table = df.assign(
        cakupan_rw_pct=(df["cakupan_rw"] * 100).round(1),
        cakupan_rt_pct=(df["cakupan_rt"] * 100).round(1),
        lpmk=df["lpmk_terlatih"].map({1: "sudah", 0: "belum"}),
    )
    _table(
        table,
        {
            "kecamatan": "Kecamatan",
            "kelurahan": "Kelurahan",
            "peserta_hadir": "Peserta hadir",
            "rw_terlatih": "RW terjangkau",
            "jumlah_rw": "Jumlah RW",
            "cakupan_rw_pct": "Cakupan RW (%)",
            "rt_terlatih": "RT terjangkau",
            "jumlah_rt": "Jumlah RT",
            "cakupan_rt_pct": "Cakupan RT (%)",
            "lpmk": "LPMK",
        },
        key="bt_tabel_cakupan",
    )
    st.subheader("Tren antar-bimtek")
    t = trend(k, f)
    if t.empty:
        st.info("Belum ada bimtek dalam filter ini.")
        return
    left, right = st.columns(2, gap="large")
    with left:
        show_attended_per_bimtek(t)
    with right:
        show_cakupan_cumulative(t)
    shown = t.assign(
        tanggal=[format_date(d, with_weekday=False) for d in t["tanggal"]],
        rw=(t["cakupan_rw_kum"] * 100).round(1),
        rt=(t["cakupan_rt_kum"] * 100).round(1),
    )
    _table(
        shown,
        {
            "tanggal": "Tanggal",
            "judul": "Bimtek",
            "diundang": "Diundang",
            "hadir": "Hadir",
            "kelurahan_kum": "Kelurahan terjangkau (kumulatif)",
            "rw_kum": "RW terjangkau (kumulatif)",
            "rw": "Cakupan RW kumulatif (%)",
            "rt_kum": "RT terjangkau (kumulatif)",
            "rt": "Cakupan RT kumulatif (%)",
            "lpmk_kum": "LPMK terjangkau (kumulatif)",
        },
        key="bt_tabel_tren",
    )


def tab_never_attended(k: tuple, f: BimtekFilter, df_cakupan: pd.DataFrame) -> None:
    st.caption(
        "Lembaga yang belum pernah punya wakil hadir di bimtek yang dipilih filter. Daftar RT memakai "
        f"pembagian RT per RW dari data referensi. {INDICATIVE}"
    )
    names = dict(zip(df_cakupan["kode"], df_cakupan["kelurahan"], strict=True))
    kode = st.selectbox(
        "Kelurahan",
        list(names),
        index=None,
        format_func=names.get,
        key="bt_belum_kel",
        placeholder="Semua kelurahan dalam filter",
    )
    fb = BimtekFilter(**{**f.__dict__, "kelurahan": (kode,)}) if kode else f
    df = never_attended(k, fb)
    counts = df["tingkat"].value_counts() if len(df) else pd.Series(dtype=int)
    cols = st.columns(3)
    for col, level in zip(cols, ("LPMK", "RW", "RT"), strict=True):
        col.metric(f"{level} belum pernah ikut", format_number(int(counts.get(level, 0))), border=True)
    if df.empty:
        st.success("Semua lembaga dalam pilihan ini sudah pernah punya wakil yang hadir.")
        return
    _table(
        df.assign(diundang=df["pernah_diundang"].map({True: "ya", False: "tidak"})),
        {
            "kecamatan": "Kecamatan",
            "kelurahan": "Kelurahan",
            "lembaga": "Lembaga",
            "diundang": "Pernah diundang, tidak hadir",
        },
        key="bt_tabel_belum",
    )
    undangan = bimtek_reports.list_invitations(df)
    nama = f"undangan-bimtek-{kode or 'semua'}-{data.today().isoformat()}"
    left, right = st.columns(2)
    left.download_button(
        "Unduh daftar undangan (CSV)",
        data=to_csv_bytes(undangan),
        file_name=f"{nama}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    right.download_button(
        "Unduh daftar undangan (XLSX)",
        data=lambda: _xlsx_bytes(undangan),
        file_name=f"{nama}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def _xlsx_bytes(df: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    neutralise(df).to_excel(out, index=False, sheet_name="Undangan")
    return out.getvalue()
