"""Page components shared by several pages (Streamlit side). Pages stay thin by calling these."""

from __future__ import annotations

import hashlib
import html
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import folium
import folium.elements
import pandas as pd
import streamlit as st
import streamlit_folium as stf

from db.bimtek.reports import BimtekHeadline
from db.rembuk.records import RembukInfo
from geo import maps
from geo.assets import assets_installed
from ui.data import frame_digest
from ui.format import format_date, format_number, format_percent, plain_markdown

MAP_HEIGHT = 560
# Projector rule (DESIGN.md 4b): the big maps take at least 65 % of the viewport height.
VIEWPORT_HEIGHT = "max(68vh, 420px)"
FLASH_KEY = "kulakan_pesan"  # the success message waiting for the next run of the page


# Static CSS (no user text), on every page with a header. Streamlit's default 6rem above the title is a fifth of a
# 1280x720 projector: the map gets that room instead. Card labels, deltas and link labels wrap instead of ending
# in "…" in the narrow columns of a 1280 px screen beside the menu. Up to 1440 px wide, 2rem at the sides instead of
# Streamlit's 5rem: the ~100 px won are what the planner and status tables need to fit without sideways scrolling.
_PAGE_CSS = (
    "<style>.stMainBlockContainer{padding-top:1.5rem}"
    "@media (max-width:1440px){.stMainBlockContainer{padding-left:2rem;padding-right:2rem}}"
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


def lazy_tabs(key: str, sections: dict[str, Callable[[], None]]) -> str:
    """Tabs whose content runs only while open (a click on a tab reruns the page with that tab): a rerun of a
    page with four heavy tabs costs the one being looked at, not all four. Returns the open tab's label.
    Open one from a test with ``at.session_state[key] = label``."""
    containers = st.tabs(list(sections), key=key, on_change="rerun")
    opened = next(iter(sections))
    for (label, render), tab in zip(sections.items(), containers, strict=True):
        if tab.open:
            opened = label
            with tab:
                render()
    return opened


def lazy_expander(label: str, key: str, render: Callable[[], None], **kwargs) -> None:
    """An expander whose content runs only while it is open (opening it reruns the page), for tables and charts
    most visits never open. In an AppTest, open it with ``state={key: True}`` before the first run."""
    box = st.expander(label, key=key, on_change="rerun", **kwargs)
    if box.open:
        with box:
            render()


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


@dataclass(frozen=True)
class MapPayload:
    """What st_folium hands to its browser component for one map: built once per what the map shows.

    Building the folium objects and rendering them to these strings is most of a map page's rerun
    (0.1-0.5 s); the strings are immutable, so one payload serves every session showing that map.
    """

    script: str
    header: str
    html: str
    id: str
    hash_key: str  # st_folium's component key: the same map keeps the same frame (no redraw)
    defaults: dict
    feature_group: str | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]

    @property
    def size(self) -> int:
        """UTF-8 bytes sent to the browser (script, feature group, header, html)."""
        return sum(len((p or "").encode()) for p in (self.script, self.feature_group, self.header, self.html))


_RETURNED = ("last_active_drawing", "last_object_clicked")


def build_payload(m: folium.Map, layers: list[folium.FeatureGroup] | None, key: str) -> MapPayload:
    """The arguments st_folium (streamlit-folium 0.27) would send for ``m`` with ``layers``, without sending.

    The same steps as ``streamlit_folium.st_folium`` (tests/unit/test_maps.py compares the two), so a
    cached payload draws exactly the map st_folium would draw.
    """
    m.get_root().render()
    m.render()
    html = stf._get_html(m)  # before _get_map_string, which alters the folium structure (as in st_folium)
    header = stf._get_header(m)
    script = stf._get_map_string(m)
    m_id = stf.get_full_id(m)
    defaults = {"last_object_clicked": None, "last_active_drawing": None}  # st_folium's, cut to _RETURNED
    feature_group = None
    if layers is not None:
        feature_group = "".join(stf._get_feature_group_string(g, map=m, idx=i) for i, g in enumerate(layers))
    css, js = [], []
    for elem in _walk(m):
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return MapPayload(
        script=script, header=header, html=html, id=m_id, hash_key=stf.generate_js_hash(script, key, False),
        defaults=defaults, feature_group=feature_group,
        css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
    )  # fmt: skip


def _walk(fig):
    if isinstance(fig, folium.elements.JSCSSMixin):
        yield fig
    for child in getattr(fig, "_children", {}).values():
        yield from _walk(child)


class _PayloadCache:
    """Process-wide, bounded (least recently used first out), shared by all sessions (thread-safe).

    One build per key at a time: after a write every session showing the map misses at once, and
    building the same map in each of them (under the GIL) would multiply the cost by the sessions; the
    others wait for the first build instead."""

    def __init__(self, max_entries: int = 64) -> None:
        self._items: OrderedDict[Hashable, MapPayload] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def _cached(self, key: Hashable) -> MapPayload | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def get(self, key: Hashable, build: Callable[[], MapPayload]) -> MapPayload:
        found = self._cached(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            found = self._cached(key)  # built by the session this one waited for
            if found is not None:
                return found
            try:
                payload = build()
            except BaseException:
                with self._lock:
                    self._building.pop(key, None)
                raise
            with self._lock:  # stored and the gate dropped at once: a later arrival finds one or the other
                self._items[key] = payload
                self._building.pop(key, None)
                while len(self._items) > self.max_entries:
                    self._items.popitem(last=False)
        return payload

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


PAYLOADS = _PayloadCache()
MapBuilder = Callable[[], tuple[folium.Map, list[folium.FeatureGroup] | None]]


def folium_map(m: folium.Map | MapBuilder, *, key: str, layers: list[folium.FeatureGroup] | None = None,
               height: int = MAP_HEIGHT, viewport_height: str | None = None,
               cache_key: Hashable | None = None) -> MapClick:  # fmt: skip
    """Render a map and report the user's last click.

    Only clicks are returned to Python, so panning and zooming never rerun the app; changing
    layers travel in ``layers`` while the base map stays identical across reruns.

    ``cache_key``: everything the map shows (e.g. the data key, the filter and the view's options);
    with it, ``m`` may be a function returning ``(map, layers)``, called only when no map was built
    for that ``cache_key`` yet: a rerun that changed nothing on the map neither rebuilds nor re-renders it.

    ``viewport_height``: a CSS height (e.g. ``VIEWPORT_HEIGHT``) that overrides the pixel
    ``height`` of the map's iframe, so the map follows the screen; the map document fills
    its iframe and refits on resize (geo.maps.FitOnResize). st_folium only takes pixels.
    """
    if not assets_installed():
        st.error("Aset peta (Leaflet) belum terpasang. Jalankan `make run` atau `bash scripts/install_assets.sh`.")
        return MapClick(None, None)

    def build() -> MapPayload:
        fig, groups = m() if callable(m) and not isinstance(m, folium.Map) else (m, layers)
        return build_payload(fig, groups, key)

    payload = build() if cache_key is None else PAYLOADS.get((key, cache_key), build)
    box = st.container(key=f"kulakan_peta_{key}")
    if viewport_height:
        # Only CSS, no user text. The iframe is the streamlit-folium component inside this container.
        st.html(
            f"<style>.st-key-kulakan_peta_{key} iframe[title='streamlit_folium.st_folium']"
            f" {{ height: {viewport_height} !important; }}</style>"
        )
    with box:
        returned = _send(payload, key, height) or {}
    where = returned.get("last_object_clicked")
    token = f"{where.get('lat')},{where.get('lng')}" if isinstance(where, dict) else None
    return MapClick(maps.kelurahan_from_click(returned.get("last_active_drawing")), token)


def _send(p: MapPayload, key: str, height: int):
    """streamlit_folium's component call, with st_folium's arguments (use_container_width=True)."""

    def on_change() -> None:  # as st_folium: the widget key holds the map's last answer
        st.session_state[key] = st.session_state.get(p.hash_key, {})

    return stf._component_func(
        script=p.script, header=p.header, html=p.html, id=p.id, key=p.hash_key, height=height, width=None,
        returned_objects=list(_RETURNED), default=dict(p.defaults), zoom=None, center=None,
        feature_group=p.feature_group, return_on_hover=False, layer_control=None, pixelated=False,
        css_links=list(p.css_links), js_links=list(p.js_links), on_change=on_change, wrap_longitude=False,
    )  # fmt: skip


def content_key(*parts) -> str:
    """A short digest of what a map shows (DataFrames and Series by value): a ``cache_key``."""
    h = hashlib.sha1()
    for part in parts:
        if isinstance(part, pd.DataFrame | pd.Series):
            h.update(frame_digest(part))
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


@st.fragment
def choropleth(counts: pd.DataFrame, *, column: str, label: str, key: str, note: str | None = None) -> None:
    """Kelurahan choropleth of ``counts[column]`` with legend and the clicked kelurahan's numbers."""
    values = counts[column] if column in counts else pd.Series(dtype=float)
    extra = {"Aspirasi total": counts["total"], "Lewat tenggat": counts["lewat_tenggat"]} if len(counts) else None

    def build():
        return maps.base_map(), [maps.layer_group(maps.choropleth_layer(values, label=label, extra=extra))]

    map_col, legend_col = st.columns([5, 1])
    with map_col:
        shown = content_key(counts, column, label)  # 57 rows: hashing them is cheaper than any build
        clicked = folium_map(build, key=key, viewport_height=VIEWPORT_HEIGHT, cache_key=shown).kelurahan
    with legend_col:
        legend(maps.legend_entries(values), label, note)
        if clicked and clicked in counts.index:
            row = counts.loc[clicked]
            st.markdown(f"**{row['nama']}**  \nKec. {row['kecamatan']}")
            st.metric(label, format_number(row[column]))
            st.caption(f"Total {format_number(row['total'])} · lewat tenggat {format_number(row['lewat_tenggat'])}")
        else:
            st.caption("Klik sebuah kelurahan untuk melihat angkanya.")


def rembuk_card(title: str, info: RembukInfo | None, empty: str) -> None:
    with st.container(border=True):
        st.caption(title)
        if info is None:
            st.write(empty)
            return
        st.markdown(f"**{format_date(info.tanggal)}**")
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
            f"{format_number(h.peserta_hadir)} kehadiran peserta dalam {format_number(h.events)} bimtek "
            f"({format_percent(h.kelurahan_terjangkau / h.kelurahan_total if h.kelurahan_total else None)} kelurahan); "
            f"terakhir {format_date(h.terakhir, with_weekday=False)}."
        )
