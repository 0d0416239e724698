"""The aspiration map of the Peta page: cached data, map assembly and the kelurahan panel."""

from __future__ import annotations

import contextlib
import datetime as dt

import folium
import pandas as pd
import streamlit as st

from db.aspirasi import map_data as aspirasi_map_data
from db.aspirasi.filters import AspirasiFilter
from db.export import to_csv_bytes
from geo import maps
from geo.boundaries import load_boundaries
from ui import data, labels, lacak
from ui import foto as foto_ui
from ui.components import VIEWPORT_HEIGHT, MapClick, content_key, folium_map, legend
from ui.format import format_date, format_number, plain_markdown

POINT_CAP = 3500  # city-wide points sent (an even sample beyond): keeps the Peta payload <= 300 KB at any size
DETAIL_CAP = 500
POINT_MODES = {"klaster": "Klaster", "heatmap": "Heatmap", "sembunyi": "Sembunyikan"}
SELECTED_KEY = "peta_kelurahan"
LAST_CLICK_KEY = "peta_klik_terakhir"


def selected_after_click(click: MapClick, state) -> str | None:
    """Update the selected kelurahan from a map click; returns the selection after it.

    A new click on a kelurahan selects it; a repeated report of an old click (every rerun
    returns the last click again) or a click on a point leaves the selection alone.
    """
    if click.token is not None and click.token != state.get(LAST_CLICK_KEY):
        state[LAST_CLICK_KEY] = click.token
        if click.kelurahan:
            state[SELECTED_KEY] = click.kelurahan
    return state.get(SELECTED_KEY)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def metrics(key: tuple, f: AspirasiFilter, day: dt.date) -> pd.DataFrame:
    return aspirasi_map_data.kelurahan_metrics(data.engine(), f, day)


@st.cache_data(ttl=300, show_spinner=False, max_entries=32)
def points(key: tuple, f: AspirasiFilter, cap: int) -> aspirasi_map_data.Points:
    return aspirasi_map_data.points(data.engine(), f, cap)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def panel(key: tuple, f: AspirasiFilter, kode: str, day: dt.date) -> aspirasi_map_data.KelurahanPanel | None:
    return aspirasi_map_data.kelurahan_panel(data.engine(), f, kode, day)


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def detail_points(key: tuple, f: AspirasiFilter, kode: str, day: dt.date) -> pd.DataFrame:
    return aspirasi_map_data.open_points_of(data.engine(), f, kode, day, DETAIL_CAP)


def filter_bounds(f: AspirasiFilter) -> tuple[float, float, float, float] | None:
    """Bounds of the kelurahan/kecamatan chosen in the filter (None: the whole city)."""
    kel = load_boundaries().kelurahan
    chosen = kel
    if f.kelurahan:
        chosen = kel[kel.index.isin(f.kelurahan)]
    elif f.kecamatan:
        chosen = kel[kel["kecamatan_kode"].isin(f.kecamatan)]
    if chosen is kel or chosen.empty:
        return None
    return tuple(float(v) for v in chosen.total_bounds)  # type: ignore[return-value]


def csv_download(f: AspirasiFilter, label: str = "Unduh CSV (baris sesuai filter)") -> None:
    """Download of exactly the filtered rows, built on click from the same filter as the map."""
    engine = data.engine()
    st.download_button(
        label,
        data=lambda: to_csv_bytes(aspirasi_map_data.filtered_rows(engine, f)),
        file_name=f"aspirasi-{data.today().isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        help="Tanpa data pribadi pelapor. Sel yang diawali =, +, - atau @ dinetralkan.",
    )


def layers_for(
    values: pd.Series,
    label: str,
    fmt,
    titik: str,
    pts: aspirasi_map_data.Points,
    detail: pd.DataFrame | None,
    extra: dict,
) -> list[folium.FeatureGroup]:
    layers = [maps.choropleth_layer(values, label=label, fmt=fmt, extra=extra)]
    if titik in ("klaster", "heatmap") and len(pts.data):
        mode = "cluster" if titik == "klaster" else "heat"
        layers.append(maps.points_layer(pts.data, mode=mode, max_points=POINT_CAP).layer)
    if detail is not None and len(detail):
        layers.append(maps.detail_points_layer(detail))
    return [maps.layer_group(*layers)]


# Layout of the map and its panel (DESIGN.md 4b): side by side from 1280 px (the panel scrolls
# within the map's height), stacked on narrower screens; the panel's tables wrap their text
# in fixed columns, so nothing is clipped and they never scroll sideways. CSS only, no data.
PANEL_CSS = """<style>
@media (max-width: 1279.98px) {
  .st-key-peta_tata [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-peta_tata [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
    flex: 1 1 100% !important; width: 100% !important; min-width: 100% !important;
  }
}
@media (min-width: 1280px) {
  .st-key-peta_panel { max-height: calc(max(68vh, 420px) + 4rem); overflow-y: auto; overflow-x: hidden; }
}
.st-key-peta_panel [data-testid="stTable"] { overflow-x: hidden; }
.st-key-peta_panel table { table-layout: fixed; width: 100%; }
.st-key-peta_panel th, .st-key-peta_panel td, .st-key-peta_panel th *, .st-key-peta_panel td * {
  white-space: normal !important; overflow-wrap: anywhere !important; text-overflow: clip !important;
}
.st-key-peta_panel th, .st-key-peta_panel td { padding: .2rem .25rem !important; font-size: .8rem; }
.st-key-peta_terbuka th:nth-child(1) { width: 37%; }
.st-key-peta_terbuka th:nth-child(2) { width: 22%; }
.st-key-peta_terbuka th:nth-child(3) { width: 17%; }
.st-key-peta_terbuka th:nth-child(4) { width: 24%; }
</style>"""
EMPTY_TABLE = "Belum ada aspirasi yang cocok dengan filter di kelurahan ini."


def tooltip_extra(df: pd.DataFrame, metrik_label: str) -> dict[str, pd.Series]:
    """Extra tooltip rows beside the coloured metric, without repeating the metric itself."""
    extra = {"Jumlah aspirasi": df["jumlah"], "Terbuka": df["terbuka"]}
    return {label: series for label, series in extra.items() if label != metrik_label}


@st.fragment
def map_and_panel(
    f: AspirasiFilter, metrik: aspirasi_map_data.Metric, titik: str, basemap: bool, key: tuple, today: dt.date
) -> None:
    """The map beside its legend and the clicked kelurahan's panel; reruns alone on a click."""
    df = metrics(key, f, today)
    selected = st.session_state.get(SELECTED_KEY)
    pts = points(key, f, POINT_CAP) if titik != "sembunyi" else aspirasi_map_data.Points(pd.DataFrame(), 0, False)
    detail = detail_points(key, f, selected, today) if selected else None
    extra = tooltip_extra(df, metrik.label)

    def build():  # only when this view was not drawn yet with these values
        layers = layers_for(df[metrik.kode], metrik.label, maps.format_legend_number, titik, pts, detail, extra)
        return maps.base_map(filter_bounds(f), basemap=basemap), layers

    # Keyed on what the map draws, not on the data version: after a write elsewhere in the city a filtered
    # map's numbers and points are the same, and building it again was a tenth of a loaded process's time.
    shown = content_key(df[metrik.kode], *extra.values(), pts.data if titik in ("klaster", "heatmap") else None,
                        detail, f, metrik.kode, titik, basemap)  # fmt: skip

    st.html(PANEL_CSS)
    with st.container(key="peta_tata"):
        map_col, side = st.columns([3, 2], gap="medium")
    with map_col:
        clicked = folium_map(
            build, key="peta_utama", viewport_height=VIEWPORT_HEIGHT,
            cache_key=shown,
        )  # fmt: skip
        if pts.sampled:
            st.caption(
                f"Titik: sampel merata {format_number(len(pts.data))} dari {format_number(pts.total)} aspirasi berlokasi. "  # noqa: E501
                "Klik kelurahan untuk melihat semua aspirasi terbukanya."
            )
        elif titik != "sembunyi":
            st.caption(f"Titik: {format_number(pts.total)} aspirasi berlokasi.")
    if selected_after_click(clicked, st.session_state) != selected:
        st.rerun(scope="fragment")
    with side, st.container(key="peta_panel"):
        legend(maps.legend_entries(df[metrik.kode]), metrik.label, metrik.definisi)
        if selected:
            kelurahan_panel(panel(key, f, selected, today))
        else:
            st.info("Klik sebuah kelurahan di peta untuk melihat rinciannya.", icon=":material/touch_app:")


def _table(df: pd.DataFrame, key: str | None = None) -> None:
    """A small table whose cells wrap (never clipped, no sideways scroll), or a clear empty state.

    st.table renders each cell as Markdown: every cell goes through plain_markdown first.
    """
    if df.empty:
        st.caption(EMPTY_TABLE)
        return
    shown = df.apply(
        lambda col: col.map(format_number) if pd.api.types.is_numeric_dtype(col) else col.map(plain_markdown)
    )
    with st.container(key=key) if key else contextlib.nullcontext():
        st.table(shown, hide_index=True)


def kelurahan_panel(p: aspirasi_map_data.KelurahanPanel | None) -> None:
    if p is None:
        return
    head = st.container(horizontal=True, vertical_alignment="center")
    head.subheader(f"{p.nama}")
    head.button("Tutup", key="tutup_panel", on_click=lambda: st.session_state.pop(SELECTED_KEY, None))
    st.caption(f"Kecamatan {p.kecamatan} · kode {p.kode}")
    # Plain lines, not st.metric: a metric cuts long dates ("26 September 2…") in a narrow panel.
    berikutnya = format_date(p.rembuk_berikutnya, with_weekday=False) if p.rembuk_berikutnya else "belum dijadwalkan"
    terakhir = format_date(p.rembuk_terakhir, with_weekday=False) if p.rembuk_terakhir else "belum pernah"
    st.markdown(f"Rembuk terakhir: **{terakhir}**  \nRembuk berikutnya: **{berikutnya}**")
    st.markdown(f"**Aspirasi terbuka: {format_number(p.terbuka_total)}** (tertua lebih dulu)")
    if p.terbuka.empty:
        st.caption("Tidak ada aspirasi terbuka yang cocok dengan filter.")
    else:
        t = p.terbuka
        shown = pd.DataFrame(
            {
                "Aspirasi": t["nomor"] + " · " + t["judul"],
                "Kategori · OPD": t["kategori"] + " · " + t["opd"].fillna("–"),
                "Umur (hari)": t["umur_hari"].map(format_number),
                "Status": t["status_label"],
            }
        )
        _table(shown, key="peta_terbuka")
        if p.terbuka_total > len(shown):
            st.caption(f"Menampilkan {format_number(len(shown))} tertua dari {format_number(p.terbuka_total)}.")
        foto_ui.panel_thumbnails(p.terbuka["nomor"].tolist())  # issue 15
    lacak.unresolved_panel(p.kode)
    tab_kat, tab_status = st.tabs(["Per kategori", "Per status"])
    with tab_kat:
        _table(labels.shown(p.per_kategori, labels.PANEL_KATEGORI))
    with tab_status:
        _table(labels.shown(p.per_status, labels.PANEL_STATUS))
