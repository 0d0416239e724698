"""Page components shared by several pages (Streamlit side). Pages stay thin by calling these."""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from db.queries import BimtekHeadline, RembukInfo
from geo import maps
from geo.assets import assets_installed
from ui.format import angka, persen, plain_markdown, tanggal

MAP_HEIGHT = 560
# Projector rule (DESIGN.md 4b): the big maps take at least 65 % of the viewport height.
VIEWPORT_HEIGHT = "max(68vh, 420px)"
FLASH_KEY = "kulakan_pesan"  # the success message waiting for the next run of the page


# Static CSS (no user text), on every page with a header. Streamlit's default 6rem above the title is a fifth of a
# 1280x720 projector: the map gets that room instead. Card labels, deltas and link labels wrap instead of ending
# in "…" in the narrow columns of a 1280 px screen beside the menu.
_PAGE_CSS = (
    "<style>.stMainBlockContainer{padding-top:1.5rem}"
    "[data-testid='stMetricLabel'], [data-testid='stMetricLabel'] *, [data-testid='stMetricDelta'] *,"
    "[data-testid='stPageLink'] *"
    "{white-space:normal !important;overflow:visible !important;text-overflow:clip !important}</style>"
)


def header(title: str, subtitle: str, demo: dict | None) -> None:
    """Page title, a subtitle, and the 'data demo' badge while synthetic demo data is loaded."""
    st.html(_PAGE_CSS)
    st.title(title)
    line = st.container(horizontal=True, vertical_alignment="center")
    line.caption(subtitle)
    if demo:
        line.badge(
            "Data demo (sintetis)",
            icon=":material/science:",
            color="orange",
            help=f"Data contoh buatan, bukan data warga sebenarnya (seed {demo.get('seed')}). "
            "Hapus dengan `python -m db clear-demo`.",
        )


def flash(message: str, *, rerun: bool = False, clear: tuple[str, ...] = ()) -> None:
    """Queue a success message for the top of the page's next run (after a save, so every section below shows the
    new data). ``clear`` empties form fields; ``rerun`` starts that run now (not inside a widget callback, which
    reruns anyway)."""
    for k in clear:
        st.session_state.pop(k, None)
    st.session_state[FLASH_KEY] = message
    if rerun:
        st.rerun()


def show_flash() -> None:
    """The queued message, if any, in a slot that exists on every run: nothing below it shifts when a message comes
    or goes (a shifted element is remounted by Streamlit, e.g. a map frame drawn anew)."""
    slot = st.empty()
    if message := st.session_state.pop(FLASH_KEY, None):
        slot.success(plain_markdown(message), icon=":material/check_circle:")


def legend(entries: list[tuple[str, str]], title: str, note: str | None = None) -> None:
    """The choropleth legend, drawn in Streamlit (no branca/d3 from a CDN)."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:.5rem;margin:.15rem 0">'
        f'<span style="width:1.4rem;height:1rem;background:{html.escape(colour)};'
        f'border:1px solid #999;display:inline-block"></span>{html.escape(label)}</div>'
        for label, colour in entries
    )
    note_html = f'<div style="color:#555;font-size:.85rem;margin-top:.3rem">{html.escape(note)}</div>' if note else ""
    st.html(f'<div style="font-size:1rem"><strong>{html.escape(title)}</strong>{rows}{note_html}</div>')


@dataclass(frozen=True)
class MapClick:
    kelurahan: str | None  # code of the clicked kelurahan polygon, if the click was on one
    token: str | None  # changes with every click (not with pan or zoom): tells a new click apart


def folium_map(m: folium.Map, *, key: str, layers: list[folium.FeatureGroup] | None = None,
               height: int = MAP_HEIGHT, viewport_height: str | None = None) -> MapClick:  # fmt: skip
    """Render a map and report the user's last click.

    Only clicks are returned to Python, so panning and zooming never rerun the app; changing
    layers travel in ``layers`` while the base map stays identical across reruns.

    ``viewport_height``: a CSS height (e.g. ``VIEWPORT_HEIGHT``) that overrides the pixel
    ``height`` of the map's iframe, so the map follows the screen; the map document fills
    its iframe and refits on resize (geo.maps.FitOnResize). st_folium only takes pixels.
    """
    if not assets_installed():
        st.error("Aset peta (Leaflet) belum terpasang. Jalankan `make run` atau `bash scripts/install_assets.sh`.")
        return MapClick(None, None)
    box = st.container(key=f"kulakan_peta_{key}")
    if viewport_height:
        # Only CSS, no user text. The iframe is the streamlit-folium component inside this container.
        st.html(
            f"<style>.st-key-kulakan_peta_{key} iframe[title='streamlit_folium.st_folium']"
            f" {{ height: {viewport_height} !important; }}</style>"
        )
    with box:
        returned = (
            st_folium(
                m,
                key=key,
                height=height,
                use_container_width=True,
                returned_objects=["last_active_drawing", "last_object_clicked"],
                feature_group_to_add=layers,
            )
            or {}
        )
    where = returned.get("last_object_clicked")
    token = f"{where.get('lat')},{where.get('lng')}" if isinstance(where, dict) else None
    return MapClick(maps.kelurahan_from_click(returned.get("last_active_drawing")), token)


@st.fragment
def choropleth(counts: pd.DataFrame, *, column: str, label: str, key: str, note: str | None = None) -> None:
    """Kelurahan choropleth of ``counts[column]`` with legend and the clicked kelurahan's numbers."""
    values = counts[column] if column in counts else pd.Series(dtype=float)
    extra = {"Aspirasi total": counts["total"], "Lewat tenggat": counts["lewat_tenggat"]} if len(counts) else None
    layer = maps.layer_group(maps.choropleth_layer(values, label=label, extra=extra))
    map_col, legend_col = st.columns([5, 1])
    with map_col:
        clicked = folium_map(maps.base_map(), key=key, layers=[layer], viewport_height=VIEWPORT_HEIGHT).kelurahan
    with legend_col:
        legend(maps.legend_entries(values), label, note)
        if clicked and clicked in counts.index:
            row = counts.loc[clicked]
            st.markdown(f"**{row['nama']}**  \nKec. {row['kecamatan']}")
            st.metric(label, angka(row[column]))
            st.caption(f"Total {angka(row['total'])} · lewat tenggat {angka(row['lewat_tenggat'])}")
        else:
            st.caption("Klik sebuah kelurahan untuk melihat angkanya.")


def rembuk_card(title: str, info: RembukInfo | None, empty: str) -> None:
    with st.container(border=True):
        st.caption(title)
        if info is None:
            st.write(empty)
            return
        st.markdown(f"**{tanggal(info.tanggal)}**")
        st.write("Kelurahan " + ", ".join(info.kelurahan))


def bimtek_headline(h: BimtekHeadline) -> None:
    with st.container(border=True):
        if h.events == 0:
            st.write("Belum ada bimtek yang tercatat.")
            return
        st.metric(
            "Kelurahan terjangkau bimtek",
            f"{h.kelurahan_terjangkau}/{h.kelurahan_total}",
            help="Kelurahan dengan sedikitnya satu peserta hadir dari RT, RW atau LPMK-nya, di semua bimtek.",
        )
        st.caption(
            f"{angka(h.peserta_hadir)} kehadiran peserta dalam {angka(h.events)} bimtek "
            f"({persen(h.kelurahan_terjangkau / h.kelurahan_total if h.kelurahan_total else None)} kelurahan); "
            f"terakhir {tanggal(h.terakhir, with_weekday=False)}."
        )
