"""The Bimtek page (Streamlit side): cached adapters over db.bimtek, the filter, charts and sections.

Charts are Altair (rendered by Streamlit's own bundled Vega, no CDN) and draw exactly the DataFrame
that the table under them shows, straight from the db.bimtek query functions.
"""

from __future__ import annotations

import datetime as dt
import io

import altair as alt
import pandas as pd
import streamlit as st

from db import bimtek
from db.auth import Actor, AksesDitolak
from db.bimtek import JENIS, BimtekError, BimtekFilter, DataBimtek, DataPeserta
from db.domain import PERAN_PESERTA
from db.export import neutralise, to_csv_bytes
from db.impor_peserta import impor_peserta, template_csv, template_xlsx
from geo import maps
from ui import data, tabel
from ui.components import content_key, flash, folium_map, lazy_expander, legend
from ui.filters import pick_many, wilayah
from ui.format import angka, persen, plain_markdown, tanggal
from ui.vega import sumbu_angka, sumbu_tanggal, teks_angka

WARNA = {"diundang": "#adb5bd", "hadir": "#1f77b4"}
LABEL_UKURAN = {"diundang": "Diundang", "hadir": "Hadir"}
INDIKATIF = "Jumlah RW/RT per kelurahan indikatif (data referensi), bukan angka resmi."


def current_actor() -> Actor | None:
    from ui.auth import current_actor as signed_in

    return signed_in()


def key() -> tuple:
    """The app's one cache key (ui.data.key(); its fingerprint covers the bimtek tables)."""
    return data.key()


# --------------------------------------------------------------------------- cached adapters


@st.cache_data(ttl=300, show_spinner=False)
def acara(key: tuple) -> pd.DataFrame:
    return bimtek.daftar_bimtek(data.engine())


@st.cache_data(ttl=300, show_spinner=False, max_entries=128)
def partisipasi(key: tuple, f: BimtekFilter, per: str) -> pd.DataFrame:
    return bimtek.partisipasi(data.engine(), f, per)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def cakupan(key: tuple, f: BimtekFilter) -> pd.DataFrame:
    return bimtek.cakupan(data.engine(), f)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def tren(key: tuple, f: BimtekFilter) -> pd.DataFrame:
    return bimtek.tren(data.engine(), f)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def belum(key: tuple, f: BimtekFilter) -> pd.DataFrame:
    return bimtek.belum_pernah_ikut(data.engine(), f)


def label_acara(row) -> str:
    return f"{tanggal(row['tanggal'], with_weekday=False)} · {row['judul']}"


# --------------------------------------------------------------------------- filter


def filter_sidebar(events: pd.DataFrame) -> BimtekFilter:
    """The page's filter (sidebar): events, kecamatan, kelurahan, role level, period."""
    options = data.filter_options(data.key())
    labels = {int(r["id"]): label_acara(r) for _, r in events.iterrows()}
    with st.sidebar:
        st.subheader("Filter bimtek")
        ids = pick_many("Bimtek", labels, key="bt_acara", placeholder="Semua bimtek")
        kec, kel = wilayah(options, kec_key="bt_kec", kel_key="bt_kel")
        jenis = st.pills(
            "Peran (lembaga)",
            list(JENIS),
            format_func=JENIS.get,
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


# --------------------------------------------------------------------------- charts


def chart_undangan_hadir(df: pd.DataFrame, kategori: str, judul: str, *, urut: list | None = None) -> alt.Chart:
    """Grouped bars of invited vs attended per category, drawn from ``df`` as is (wide form)."""
    return (
        teks_angka(alt.Chart(df, title=judul), diundang_teks="diundang", hadir_teks="hadir")
        .transform_fold(["diundang", "hadir"], as_=["ukuran", "jumlah"])
        .mark_bar()
        .encode(
            y=alt.Y(f"{kategori}:N", sort=urut or None, title=None, axis=alt.Axis(labelLimit=440)),
            yOffset=alt.YOffset("ukuran:N", sort=["diundang", "hadir"]),
            x=alt.X("jumlah:Q", title="Peserta", axis=sumbu_angka()),
            color=alt.Color(
                "ukuran:N",
                scale=alt.Scale(domain=list(WARNA), range=list(WARNA.values())),
                legend=alt.Legend(title=None, orient="top", labelExpr="datum.label == 'hadir' ? 'Hadir' : 'Diundang'"),
            ),
            tooltip=[
                alt.Tooltip(f"{kategori}:N", title=" "),
                alt.Tooltip("diundang_teks:N", title="Diundang"),
                alt.Tooltip("hadir_teks:N", title="Hadir"),
            ],
        )
        # One band of 30 px per category (bars of invited and attended side by side inside it).
        .properties(height=alt.Step(**{"step": 30, "for": "position"}))
    )


def chart_cakupan_kumulatif(df: pd.DataFrame) -> alt.Chart:
    """Cumulative coverage shares (RW, RT, LPMK) after each event."""
    names = {"cakupan_rw_kum": "RW", "cakupan_rt_kum": "RT", "cakupan_lpmk_kum": "LPMK"}
    return (
        teks_angka(alt.Chart(df, title="Cakupan kumulatif setelah tiap bimtek"), rw_teks="rw_kum", rt_teks="rt_kum")
        .transform_fold(list(names), as_=["tingkat", "share"])
        .mark_line(point=True)
        .encode(
            x=alt.X("tanggal:T", title="Tanggal bimtek", axis=sumbu_tanggal()),
            y=alt.Y("share:Q", title="Cakupan", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "tingkat:N",
                title=None,
                legend=alt.Legend(
                    orient="top",
                    labelExpr=(
                        "datum.label == 'cakupan_rw_kum' ? 'RW' : datum.label == 'cakupan_rt_kum' ? 'RT' : 'LPMK'"
                    ),
                ),
            ),
            tooltip=[
                alt.Tooltip("judul:N", title="Bimtek"),
                alt.Tooltip("tanggal:T", title="Tanggal", format="%d/%m/%Y"),
                alt.Tooltip("rw_teks:N", title="RW terjangkau"),
                alt.Tooltip("rt_teks:N", title="RT terjangkau"),
                alt.Tooltip("lpmk_kum:Q", title="LPMK terjangkau"),
            ],
        )
        .properties(height=320)
    )


def chart_hadir_per_bimtek(df: pd.DataFrame) -> alt.Chart:
    return (
        teks_angka(alt.Chart(df, title="Peserta hadir per bimtek"), hadir_teks="hadir", diundang_teks="diundang")
        .mark_bar(color=WARNA["hadir"])
        .encode(
            x=alt.X("tanggal:T", title="Tanggal bimtek", axis=sumbu_tanggal()),
            y=alt.Y("hadir:Q", title="Peserta hadir", axis=sumbu_angka()),
            tooltip=[
                alt.Tooltip("judul:N", title="Bimtek"),
                alt.Tooltip("hadir_teks:N", title="Hadir"),
                alt.Tooltip("diundang_teks:N", title="Diundang"),
            ],
        )
        .properties(height=320)
    )


def _table(df: pd.DataFrame, columns: dict[str, str], **kwargs) -> None:
    st.dataframe(tabel.indonesia(df[list(columns)].rename(columns=columns)), hide_index=True, **kwargs)


# --------------------------------------------------------------------------- sections


def ringkasan_angka(c: bimtek.RingkasanCakupan, n_acara: int) -> None:
    cols = st.columns(5)  # their labels wrap (components.header's page CSS)
    cols[0].metric("Bimtek", angka(n_acara), border=True)
    cols[1].metric("Peserta hadir", angka(c.peserta_hadir), border=True)
    cols[2].metric(
        "Kelurahan terjangkau",
        f"{c.kelurahan_terjangkau}/{c.kelurahan_total}",
        border=True,
        help="Kelurahan dengan sedikitnya satu peserta hadir (peran apa pun).",
    )
    cols[3].metric(
        "RW terjangkau",
        persen(c.share("rw")),
        border=True,
        help=f"{angka(c.rw_terlatih)} dari {angka(c.rw_total)} RW punya wakil RW yang hadir. {INDIKATIF}",
    )
    cols[4].metric(
        "LPMK terjangkau",
        f"{c.lpmk_terlatih}/{c.lpmk_total}",
        border=True,
        help="Kelurahan yang LPMK-nya punya sedikitnya satu wakil hadir.",
    )


def tab_ringkasan(k: tuple, f: BimtekFilter) -> None:
    per_acara = partisipasi(k, f, "bimtek").copy()
    per_acara["bimtek"] = [label_acara(r) for _, r in per_acara.iterrows()]
    st.altair_chart(
        chart_undangan_hadir(per_acara, "bimtek", "Diundang dan hadir per bimtek", urut=list(per_acara["bimtek"])),
        width="stretch",
    )
    lazy_expander(
        "Tabel per bimtek", "bt_tabel_acara_buka",
        lambda: _table(per_acara, {"bimtek": "Bimtek", "diundang": "Diundang", "hadir": "Hadir"}),
    )  # fmt: skip

    left, right = st.columns(2, gap="large")
    with left:
        per_kec = partisipasi(k, f, "kecamatan")
        st.altair_chart(chart_undangan_hadir(per_kec, "kecamatan", "Per kecamatan"), width="stretch")
        _table(per_kec, {"kecamatan": "Kecamatan", "diundang": "Diundang", "hadir": "Hadir"})
    with right:
        per_jenis = partisipasi(k, f, "jenis")
        st.altair_chart(
            chart_undangan_hadir(per_jenis, "label", "Per peran (lembaga)", urut=list(per_jenis["label"])),
            width="stretch",
        )
        _table(per_jenis, {"label": "Peran", "diundang": "Diundang", "hadir": "Hadir"})

    per_kel = partisipasi(k, f, "kelurahan")

    def _per_kelurahan() -> None:
        st.altair_chart(
            chart_undangan_hadir(per_kel, "kelurahan", "Per kelurahan", urut=list(per_kel["kelurahan"])),
            width="stretch",
        )
        _table(per_kel, {"kecamatan": "Kecamatan", "kelurahan": "Kelurahan", "diundang": "Diundang", "hadir": "Hadir"})

    lazy_expander(f"Per kelurahan ({len(per_kel)} kelurahan)", "bt_per_kel_buka", _per_kelurahan)


METRIK_PETA = {
    "cakupan_rw": "Cakupan RW (%)",
    "cakupan_rt": "Cakupan RT (%)",
    "lpmk_terlatih": "LPMK terjangkau (1 = ya)",
    "peserta_hadir": "Peserta hadir",
}


def _pct(v: float) -> str:
    return f"{maps.format_angka(round(v, 1))}%"


@st.fragment
def peta_cakupan(df: pd.DataFrame, metrik: str) -> None:
    """Choropleth of coverage per kelurahan, on the same map component as the other pages."""
    share = metrik.startswith("cakupan")
    values = (df[metrik] * 100).round(1) if share else df[metrik].astype(float)
    fmt = _pct if share else maps.format_angka
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
        layer = maps.choropleth_layer(values, label=METRIK_PETA[metrik], fmt=fmt, extra=extra)
        return maps.base_map(), [maps.layer_group(layer)]

    map_col, legend_col = st.columns([4, 1])
    with map_col:
        shown = content_key(df, metrik, share)  # the 57 rows the map colours and its tooltips
        clicked = folium_map(build, key="bimtek_peta", cache_key=shown).kelurahan
    with legend_col:
        legend(maps.legend_entries(values, fmt), METRIK_PETA[metrik], INDIKATIF if share else None)
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
        f"tidak dihitung di tingkat RT. {INDIKATIF}"
    )
    metrik = st.segmented_control(
        "Warna peta menurut", list(METRIK_PETA), format_func=METRIK_PETA.get, default="cakupan_rw", key="bt_metrik"
    )
    peta_cakupan(df, metrik or "cakupan_rw")
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
    t = tren(k, f)
    if t.empty:
        st.info("Belum ada bimtek dalam filter ini.")
        return
    left, right = st.columns(2, gap="large")
    left.altair_chart(chart_hadir_per_bimtek(t), width="stretch")
    right.altair_chart(chart_cakupan_kumulatif(t), width="stretch")
    shown = t.assign(
        tanggal=[tanggal(d, with_weekday=False) for d in t["tanggal"]],
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


def tab_belum(k: tuple, f: BimtekFilter, df_cakupan: pd.DataFrame) -> None:
    st.caption(
        "Lembaga yang belum pernah punya wakil hadir di bimtek yang dipilih filter. Daftar RT memakai "
        f"pembagian RT per RW dari data referensi. {INDIKATIF}"
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
    df = belum(k, fb)
    counts = df["tingkat"].value_counts() if len(df) else pd.Series(dtype=int)
    cols = st.columns(3)
    for col, level in zip(cols, ("LPMK", "RW", "RT"), strict=True):
        col.metric(f"{level} belum pernah ikut", angka(int(counts.get(level, 0))), border=True)
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
    undangan = bimtek.daftar_undangan(df)
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


# --------------------------------------------------------------------------- management


def tab_kelola(k: tuple, events: pd.DataFrame) -> None:
    actor = current_actor()
    st.dataframe(
        events.assign(tanggal=[tanggal(d, with_weekday=False) for d in events["tanggal"]])[
            ["tanggal", "judul", "tempat", "penyelenggara", "diundang", "hadir"]
        ].rename(
            columns={
                "tanggal": "Tanggal",
                "judul": "Judul",
                "tempat": "Tempat",
                "penyelenggara": "Penyelenggara",
                "diundang": "Diundang",
                "hadir": "Hadir",
            }
        ),
        hide_index=True,
        key="bt_tabel_acara",
    )
    labels = {int(r["id"]): label_acara(r) for _, r in events.iterrows()}
    if actor is None or not actor.boleh("tulis"):
        st.info("Masuk sebagai staf untuk menambah atau mengubah bimtek dan peserta.", icon=":material/lock:")
        # Pimpinan still sees each event's documentation (photos marked private are filtered by role).
        if labels:
            bid = st.selectbox("Lihat dokumentasi bimtek", list(labels), format_func=labels.get, key="bt_dok_id")
            if bid is not None:
                from ui.foto import dokumentasi_bimtek

                dokumentasi_bimtek(bid)
        return
    with st.expander("Tambah bimtek baru", icon=":material/add:"):
        form_bimtek(actor, None, None)
    if not labels:
        return
    bid = st.selectbox("Pilih bimtek", list(labels), format_func=labels.get, key="bt_kelola_id")
    if bid is None:
        return
    with st.expander("Ubah data bimtek", icon=":material/edit:"):
        form_bimtek(actor, bid, bimtek.ambil_bimtek(data.engine(), bid))
    with st.expander("Impor daftar hadir (CSV/XLSX)", icon=":material/upload_file:", expanded=True):
        form_impor(actor, bid)
    peserta_section(actor, bid)
    from ui.foto import dokumentasi_bimtek

    dokumentasi_bimtek(bid)  # issue 15


def form_bimtek(actor: Actor, bid: int | None, sebelum: DataBimtek | None) -> None:
    suffix = bid or "baru"
    with st.form(f"bt_form_bimtek_{suffix}"):
        judul = st.text_input("Judul", value=sebelum.judul if sebelum else "", max_chars=200, key=f"bt_judul_{suffix}")
        tgl = st.date_input(
            "Tanggal",
            value=sebelum.tanggal if sebelum else data.today(),
            format="DD/MM/YYYY",
            key=f"bt_tanggal_{suffix}",
        )
        tempat = st.text_input(
            "Tempat", value=(sebelum.tempat or "") if sebelum else "", max_chars=200, key=f"bt_tempat_{suffix}"
        )
        penyelenggara = st.text_input(
            "Penyelenggara",
            value=(sebelum.penyelenggara or "") if sebelum else "Bagian Pemerintahan Setda Kota Malang",
            max_chars=200,
        )
        topik = st.text_area(
            "Topik", value=(sebelum.topik or "") if sebelum else "", max_chars=2000, key=f"bt_topik_{suffix}"
        )
        if st.form_submit_button(
            "Simpan bimtek" if bid is None else "Simpan perubahan", type="primary", key=f"bt_simpan_{suffix}"
        ):
            baru = DataBimtek(judul, tgl, tempat, penyelenggara, topik)
            try:
                if bid is None:
                    bimtek.buat_bimtek(data.engine(), actor, baru)
                    flash(
                        f"Bimtek '{baru.judul.strip()}' ditambahkan.",
                        rerun=True,
                        clear=("bt_judul_baru", "bt_tempat_baru", "bt_topik_baru"),
                    )
                else:
                    bimtek.ubah_bimtek(data.engine(), actor, bid, baru, sebelum=sebelum)
                    flash("Perubahan bimtek disimpan.", rerun=True)
            except (BimtekError, AksesDitolak) as exc:
                st.error(plain_markdown(str(exc)))


def form_impor(actor: Actor, bid: int) -> None:
    st.caption(
        "Kolom: nama, jabatan (Ketua RT, Pengurus RW, Ketua LPMK, ...), kelurahan, rw, rt, hadir (ya/tidak). "
        "Semua baris diperiksa dulu; bila ada yang salah, tidak ada yang disimpan. Mengimpor berkas yang sama "
        "lagi tidak menggandakan peserta."
    )
    left, right = st.columns(2)
    left.download_button(
        "Templat CSV", template_csv(), "templat-daftar-hadir.csv", "text/csv", icon=":material/download:"
    )
    right.download_button(
        "Templat XLSX",
        template_xlsx,
        "templat-daftar-hadir.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
    berkas = st.file_uploader("Berkas daftar hadir", type=["csv", "xlsx"], key=f"bt_berkas_{bid}")
    if berkas is None or not st.button("Impor daftar hadir", type="primary", key="bt_impor"):
        return
    bar = st.progress(0.0, text="Memeriksa baris...")

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"Memproses {angka(done)} dari {angka(total)}")

    try:
        hasil = impor_peserta(data.engine(), actor, bid, berkas.getvalue(), berkas.name, progress=progress)
    except AksesDitolak as exc:
        st.error(plain_markdown(str(exc)))
        return
    bar.empty()
    for warning in hasil.warnings:
        st.warning(plain_markdown(warning))
    if hasil.ok:
        flash(hasil.ringkasan(), rerun=True)
    st.error(hasil.ringkasan(), icon=":material/error:")
    st.dataframe(hasil.problems_frame(), hide_index=True, key="bt_tabel_masalah")


def peserta_section(actor: Actor, bid: int) -> None:
    st.subheader("Peserta")
    df = bimtek.tabel_peserta(data.engine(), bid, actor)
    st.caption(f"{angka(len(df))} peserta, {angka(int(df['Hadir'].sum()))} hadir. Nama adalah data pribadi.")
    st.dataframe(
        df[["Nama", "Peran", "Kelurahan", "Kecamatan", "RW", "RT", "Diundang", "Hadir"]],
        hide_index=True,
        key="bt_tabel_peserta",
    )
    options = data.filter_options(data.key())
    with st.expander("Tambah peserta", icon=":material/person_add:"):
        form_peserta(actor, options, bid, None, None)
    if df.empty:
        return
    labels = {int(r["id"]): f"{r['Nama']} · {r['Peran']} · {r['Kelurahan']}" for _, r in df.iterrows()}
    pid = st.selectbox(
        "Ubah peserta", list(labels), index=None, format_func=labels.get, key="bt_ubah_pid", placeholder="Pilih..."
    )
    if pid is not None:
        row = df.set_index("id").loc[pid]
        form_peserta(actor, options, bid, pid, row)


def form_peserta(actor: Actor, options, bid: int, pid: int | None, row) -> None:
    suffix = pid or "baru"
    kel_codes = list(options.kelurahan)
    with st.form(f"bt_form_peserta_{suffix}"):
        nama = st.text_input(
            "Nama", value=row["Nama"] if row is not None else "", max_chars=120, key=f"bt_p_nama_{suffix}"
        )
        peran_list = list(PERAN_PESERTA)
        peran = st.selectbox(
            "Peran", peran_list, format_func=PERAN_PESERTA.get, key=f"bt_p_peran_{suffix}",
            index=peran_list.index(row["peran"]) if row is not None else 0,
        )  # fmt: skip
        kel = st.selectbox(
            "Kelurahan", kel_codes, format_func=options.kelurahan.get, key=f"bt_p_kel_{suffix}",
            index=kel_codes.index(row["kelurahan_kode"]) if row is not None else None, placeholder="Pilih kelurahan",
        )  # fmt: skip
        c1, c2 = st.columns(2)
        rw = c1.number_input("RW", min_value=1, max_value=99, step=1, value=_int(row, "RW"), key=f"bt_p_rw_{suffix}")
        rt = c2.number_input(
            "RT (kosongkan bila tidak tahu)",
            min_value=1,
            max_value=99,
            step=1,
            value=_int(row, "RT"),
            key=f"bt_p_rt_{suffix}",
        )
        hadir = st.checkbox("Hadir", value=bool(row["Hadir"]) if row is not None else True)
        diundang = st.checkbox("Diundang", value=bool(row["Diundang"]) if row is not None else True)
        c3, c4 = st.columns(2)
        simpan = c3.form_submit_button("Simpan peserta", type="primary", key=f"bt_p_simpan_{suffix}")
        hapus = c4.form_submit_button("Hapus peserta", key=f"bt_p_hapus_{suffix}") if pid is not None else False
    if not (simpan or hapus):
        return
    try:
        if hapus:
            bimtek.hapus_peserta(data.engine(), actor, pid)
            flash("Peserta dihapus.", rerun=True)
        if kel is None:
            st.error("Pilih kelurahan.")
            return
        baru = DataPeserta(nama, peran, kel, _num(rw), _num(rt), hadir, diundang)
        if pid is None:
            bimtek.tambah_peserta(data.engine(), actor, bid, baru)
            flash("Peserta ditambahkan.", rerun=True, clear=("bt_p_nama_baru", "bt_p_rt_baru"))
        else:
            bimtek.ubah_peserta(data.engine(), actor, pid, baru)
            flash("Perubahan peserta disimpan.", rerun=True)
    except (BimtekError, AksesDitolak) as exc:
        st.error(plain_markdown(str(exc)))


def _int(row, col: str) -> int | None:
    if row is None or pd.isna(row[col]):
        return None
    return int(row[col])


def _num(value) -> int | None:
    return None if value is None else int(value)
