"""Front-end assets of the map (Leaflet and plugins), served by the app itself.

folium points every element at CDNs (jsdelivr, cdnjs, code.jquery, bootstrapcdn...). The map
must work without internet, so `scripts/install_assets.sh` copies pinned npm packages into
`static/vendor/`, Streamlit serves that folder at `/app/static/vendor/`
(`server.enableStaticServing = true`), and `use_local_assets` rewrites each element's
`default_js`/`default_css` to those URLs. streamlit-folium collects exactly these two lists
from every element it walks and loads them in its iframe, so nothing else is fetched.

Pure module: no Streamlit import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import folium
import folium.elements
import folium.plugins
from branca.element import MacroElement
from jinja2 import Template

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor"
STAMP_FILE = VENDOR_DIR / ".versions"
# Where Streamlit serves <app dir>/static/ (absolute path: the component iframe is same-origin).
STATIC_URL = "/app/static"
VENDOR_URL = f"{STATIC_URL}/vendor"

# Must match PACKAGES in scripts/install_assets.sh (checked by tests/unit/test_assets.py).
VERSIONS: dict[str, str] = {
    "leaflet": "1.9.4",
    "leaflet.markercluster": "1.5.3",
    "leaflet.heat": "0.2.0",
}


@dataclass(frozen=True)
class Bundle:
    """The JS/CSS files of one npm package, keyed by the names folium uses for them."""

    package: str
    js: tuple[tuple[str, str], ...]  # (folium link name, file name under vendor/<package>/)
    css: tuple[tuple[str, str], ...] = ()
    other: tuple[str, ...] = ()  # files that must exist but are not linked (licence, images)

    def url(self, filename: str) -> str:
        return f"{VENDOR_URL}/{self.package}/{filename}"

    def js_links(self) -> list[tuple[str, str]]:
        return [(name, self.url(f)) for name, f in self.js]

    def css_links(self) -> list[tuple[str, str]]:
        return [(name, self.url(f)) for name, f in self.css]

    def files(self) -> list[Path]:
        names = [f for _, f in self.js] + [f for _, f in self.css] + list(self.other)
        return [VENDOR_DIR / self.package / n for n in names]


LEAFLET = Bundle(
    "leaflet",
    js=(("leaflet", "leaflet.js"),),
    css=(("leaflet_css", "leaflet.css"),),
    # leaflet.css refers to images/ relatively (layer control icon), so they are served too.
    other=("LICENSE", "images/layers.png", "images/layers-2x.png"),
)
MARKERCLUSTER = Bundle(
    "leaflet.markercluster",
    js=(("markerclusterjs", "leaflet.markercluster.js"),),
    css=(
        ("markerclustercss", "MarkerCluster.css"),
        ("markerclusterdefaultcss", "MarkerCluster.Default.css"),
    ),
    other=("MIT-LICENCE.txt",),
)
HEAT = Bundle(
    "leaflet.heat",
    js=(("leaflet-heat.js", "leaflet-heat.js"),),
    other=("LICENSE",),
)
BUNDLES: tuple[Bundle, ...] = (LEAFLET, MARKERCLUSTER, HEAT)


class PluginAssets(folium.elements.JSCSSMixin, MacroElement):
    """The scripts/styles of every point-layer plugin (cluster, heat), attached to the base map.

    streamlit-folium loads only the assets of the map it is given, once, when its frame first
    renders; layers passed later through ``feature_group_to_add`` (a heat map chosen after the
    first draw) bring no scripts of their own. Attaching the plugins to the base map makes
    ``L.markerClusterGroup`` and ``L.heatLayer`` exist in the frame whatever layer comes next.
    """

    _template = Template("")

    def __init__(self) -> None:
        super().__init__()
        self._name = "PluginAssets"
        self.default_js = [*MARKERCLUSTER.js_links(), *HEAT.js_links()]
        self.default_css = [*MARKERCLUSTER.css_links(), *HEAT.css_links()]


def expected_stamp() -> str:
    """Content of static/vendor/.versions written by the install script."""
    return "".join(f"{pkg}@{ver}\n" for pkg, ver in VERSIONS.items())


def required_files() -> list[Path]:
    """Every file the map needs under static/vendor/."""
    return [p for b in BUNDLES for p in b.files()]


def missing_files() -> list[Path]:
    return [p for p in required_files() if not p.is_file() or p.stat().st_size == 0]


def assets_installed() -> bool:
    """True when every asset is on disk at the pinned versions (else run install_assets.sh)."""
    if missing_files() or not STAMP_FILE.is_file():
        return False
    return STAMP_FILE.read_text(encoding="utf-8") == expected_stamp()


def bundle_for(element: object) -> Bundle | None:
    """The local bundle replacing an element's CDN assets; None for unsupported elements."""
    # MarkerCluster covers FastMarkerCluster (a subclass).
    if isinstance(element, folium.Map):
        return LEAFLET
    if isinstance(element, folium.plugins.MarkerCluster):
        return MARKERCLUSTER
    if isinstance(element, folium.plugins.HeatMap):
        return HEAT
    return None


def use_local_assets(element: folium.elements.JSCSSMixin) -> folium.elements.JSCSSMixin:
    """Point an element's assets at static/vendor/; returns the element for chaining.

    Assigns instance attributes: folium declares the lists on the class, and mutating them
    (e.g. with add_js_link) would change every map in the process. For folium.Map this drops
    jQuery, Bootstrap, awesome-markers and Font Awesome: our maps use none of them.
    """
    bundle = bundle_for(element)
    if bundle is None:
        raise ValueError(f"Tidak ada aset lokal untuk {type(element).__name__}")
    element.default_js = bundle.js_links()
    element.default_css = bundle.css_links()
    return element


def walk(element: object) -> Iterator[object]:
    """Every element below (and including) `element`, like streamlit-folium's own walk."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def localize_tree(root: folium.Map) -> folium.Map:
    """Apply `use_local_assets` to every asset-carrying element of a map (safety net).

    Raises ValueError for an element we have no local copy for, rather than letting it
    silently load from a CDN.
    """
    for element in walk(root):
        if isinstance(element, folium.elements.JSCSSMixin):
            links = [u for _, u in element.default_js] + [u for _, u in element.default_css]
            if bundle_for(element) is not None:
                use_local_assets(element)
            elif any(not u.startswith(VENDOR_URL + "/") for u in links):
                raise ValueError(f"Tidak ada aset lokal untuk {type(element).__name__}")
    return root


def asset_links(root: object) -> tuple[list[str], list[str]]:
    """(js, css) URLs streamlit-folium would load for this map, in its order, deduplicated."""
    js: list[str] = []
    css: list[str] = []
    for element in walk(root):
        if isinstance(element, folium.elements.JSCSSMixin):
            js.extend(u for _, u in element.default_js)
            css.extend(u for _, u in element.default_css)
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))
