"""Mode Rembuk (projector view), Streamlit side: big type, the host kelurahan's map, and counts that
refresh on their own while staff capture aspirations during the meeting.

Only aggregates from ``db.rembuk.mode_rembuk_data`` are shown (no personal data, no citizens' text);
the map sits outside the auto-refreshing fragment so it never redraws on a refresh.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from db import rembuk
from db.brief_pdf import build_brief_pdf
from db.settings import timezone_name
from geo import maps, rotasi_map
from ui import data
from ui.components import folium_map, legend
from ui.format import angka, tanggal

REFRESH = "5s"
# Static CSS (no user text): no sidebar, big high-contrast type for a projector.
CSS = """<style>
[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl']{display:none}
.stMainBlockContainer{padding-top:1.5rem;max-width:100%}
.stApp{background:#ffffff;color:#111111}
h1{font-size:3rem !important;color:#0b3d91 !important}
h2,h3{font-size:2rem !important;color:#111111 !important}
[data-testid='stMetricLabel'] p{font-size:1.35rem !important;color:#222222 !important;font-weight:600}
[data-testid='stMetricValue']{font-size:3.4rem !important;color:#000000 !important;font-weight:700}
.stMarkdown p,.stCaption p{font-size:1.25rem}
</style>"""


def city_now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(timezone_name()))


def style() -> None:
    st.html(CSS)


def pilih_kelurahan(today: dt.date) -> tuple[str, list[str]]:
    """Today's host by default (from the confirmed schedule), another selectable; kept in the URL."""
    opts = data.filter_options(data.key())
    hosts = rembuk.todays_host(data.engine(), today)
    codes = list(opts.kelurahan)
    default = hosts[0] if hosts and hosts[0] in codes else codes[0]
    kode = st.selectbox(
        "Kelurahan",
        codes,
        index=codes.index(default),
        format_func=opts.kelurahan.get,
        key="kel",
        bind="query-params",
        label_visibility="collapsed",
        width=420,
    )
    return kode or default, hosts


def mode_data(kode: str, today: dt.date) -> rembuk.ModeRembuk:
    """Read fresh each time (a handful of aggregate queries on one kelurahan, milliseconds)."""
    return rembuk.mode_rembuk_data(data.engine(), kode, today)


def judul(m: rembuk.ModeRembuk, hosts: list[str], opts_names: dict[str, str]) -> None:
    st.title(f"Kelurahan {m.nama}")
    line = f"Kecamatan {m.kecamatan} · {tanggal(m.tanggal)}"
    if hosts and m.kelurahan_kode not in hosts:
        line += " · tuan rumah hari ini: " + ", ".join(opts_names.get(k, k) for k in hosts)
    elif m.kelurahan_kode in hosts:
        line += " · tuan rumah rembuk"
    st.markdown(f"### {line}")


@st.fragment
def peta(m: rembuk.ModeRembuk) -> None:
    """The kelurahan's map (zoomed to it) with its RW points; not refreshed automatically."""
    layers = [rotasi_map.fokus_layer(m.kelurahan_kode)]
    if len(m.titik_rw):  # a kelurahan without located aspirations has no RW points to draw
        layers.append(rotasi_map.titik_rw_layer(m.titik_rw))
    layer = maps.layer_group(*layers)
    folium_map(
        maps.base_map(rotasi_map.kelurahan_bounds(m.kelurahan_kode)),
        key=f"peta_mode_{m.kelurahan_kode}",
        layers=[layer],
        height=600,
    )
    legend(
        [(rotasi_map.LABEL_TITIK_RW[s], c) for s, c in rotasi_map.WARNA_TITIK_RW.items()],
        "Aspirasi per RW",
        "Satu titik per RW (posisi rata-rata); ukuran menurut jumlah.",
    )


def chart_kategori(df: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_bar(color="#d7301f")
        .encode(
            x=alt.X("terbuka:Q", title="Aspirasi terbuka", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("kategori:N", sort="-x", title=None),
            tooltip=[alt.Tooltip("kategori:N", title="Kategori"), alt.Tooltip("terbuka:Q", title="Terbuka")],
        )
        .configure_axis(labelFontSize=18, titleFontSize=18, labelLimit=320)
    )


def chart_height(df: pd.DataFrame) -> int:
    return 60 + 44 * len(df)


def angka_utama(m: rembuk.ModeRembuk) -> None:
    c = st.columns(4)
    c[0].metric("Aspirasi terbuka", angka(m.terbuka))
    c[1].metric("Lewat tenggat", angka(m.lewat_tenggat))
    c[2].metric("Masuk hari ini", angka(m.hari_ini))
    c[3].metric("Total aspirasi", angka(m.total))


def janji_terakhir(m: rembuk.ModeRembuk) -> None:
    st.subheader(f"Janji rembuk terakhir · {tanggal(m.rembuk_terakhir, with_weekday=False)}")
    if m.janji_terakhir.empty:
        st.markdown("Tidak ada janji tercatat dari rembuk terakhir.")
        return
    j = m.janji_terakhir
    st.dataframe(
        pd.DataFrame(
            {
                "Janji": j["teks"],
                "OPD": j["opd"],
                "Tenggat": pd.to_datetime(j["tenggat"]),
                "Progres": j["progres"],
                "Status": [
                    f"{s}{' · lewat tenggat' if lw else ''}"
                    for s, lw in zip(j["status_label"], j["lewat_tenggat"], strict=True)
                ],
            }
        ),
        hide_index=True,
        column_config={
            "Janji": st.column_config.TextColumn(width="large"),
            "Progres": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d%%", width="medium"),
            "Tenggat": st.column_config.DateColumn(format="DD/MM/YYYY"),
        },
        key="mode_janji",
    )


def bimtek(m: rembuk.ModeRembuk) -> None:
    b = m.bimtek
    st.subheader("Cakupan bimtek")
    c = st.columns(3)
    c[0].metric("RT terlatih", f"{b.rt_terlatih}/{b.rt_total}", help=f"{angka(b.rt_persen, 1)}% RT")
    c[1].metric("RW terlatih", f"{b.rw_terlatih}/{b.rw_total}", help=f"{angka(b.rw_persen, 1)}% RW")
    c[2].metric("LPMK", "Sudah" if b.lpmk else "Belum")


@st.fragment(run_every=REFRESH)
def hidup(kode: str, today: dt.date) -> None:
    """Counts and charts, re-read every few seconds (the map is not in here)."""
    m = mode_data(kode, today)
    angka_utama(m)
    kiri, kanan = st.columns([3, 2], gap="large")
    with kiri:
        st.subheader("Aspirasi terbuka per kategori")
        if m.terbuka_per_kategori.empty:
            st.markdown("Tidak ada aspirasi terbuka.")
        else:
            chart = chart_kategori(m.terbuka_per_kategori)
            st.altair_chart(chart, width="stretch", height=chart_height(m.terbuka_per_kategori))
    with kanan:
        st.subheader("Lewat tenggat per OPD")
        if m.lewat_tenggat_per_opd.empty:
            st.markdown("Tidak ada yang lewat tenggat.")
        else:
            st.dataframe(
                m.lewat_tenggat_per_opd.rename(columns={"opd": "OPD", "aspirasi": "Aspirasi", "janji": "Janji"}),
                hide_index=True,
                key="mode_opd",
            )
    janji_terakhir(m)
    bimtek(m)
    st.caption(f"Diperbarui otomatis setiap 5 detik · {city_now():%H:%M:%S} WIB")


def unduh_pdf(kode: str, today: dt.date, nama: str) -> None:
    """The printable brief, built on click from fresh data (same content as the screen)."""
    engine = data.engine()
    st.download_button(
        "Unduh ringkasan (PDF)",
        data=lambda: build_brief_pdf(rembuk.mode_rembuk_data(engine, kode, today), dibuat=city_now()),
        file_name=f"ringkasan-rembuk-{nama.lower().replace(' ', '-')}-{today.isoformat()}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="mode_pdf",
    )
