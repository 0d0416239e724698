"""geo.assets and scripts/install_assets.sh: the map's JS/CSS are local files at pinned versions."""

from __future__ import annotations

import re
import shutil
import subprocess

import folium
import folium.plugins
import pytest

from geo import assets

SCRIPT = assets.ROOT / "scripts" / "install_assets.sh"


def script_text() -> str:
    return SCRIPT.read_text(encoding="utf-8")


def script_destinations() -> set[str]:
    """'package/file' paths the install script copies into static/vendor/."""
    text = script_text()
    block = re.search(r"^FILES=\((.*?)^\)", text, re.MULTILINE | re.DOTALL)
    assert block, "FILES not found in install_assets.sh"
    entries = re.findall(r'"([\w.]+):([^:"]+):([^:"]+)"', block.group(1))
    files = {f"{pkg}/{dest}" for pkg, _, dest in entries}
    assert len(files) == 11
    images = re.search(r"LEAFLET_IMAGES=\(([^)]*)\)", text)
    assert images, "LEAFLET_IMAGES not found in install_assets.sh"
    return files | {f"leaflet/images/{name}" for name in images.group(1).split()}


def test_script_pins_the_versions_of_geo_assets():
    packages = re.search(r"PACKAGES=\(([^)]*)\)", script_text())
    assert packages
    assert packages.group(1).split() == [f"{p}@{v}" for p, v in assets.VERSIONS.items()]
    assert assets.expected_stamp() == "leaflet@1.9.4\nleaflet.markercluster@1.5.3\nleaflet.heat@0.2.0\n"


def test_script_installs_every_required_file():
    wanted = {p.relative_to(assets.VENDOR_DIR).as_posix() for p in assets.required_files()}
    assert wanted <= script_destinations()
    # Licences are kept next to the assets of each package.
    assert {"leaflet/LICENSE", "leaflet.markercluster/MIT-LICENCE.txt", "leaflet.heat/LICENSE"} <= wanted


def test_urls_point_at_streamlit_static_serving():
    assert assets.VENDOR_URL == "/app/static/vendor"
    assert assets.LEAFLET.js_links() == [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
    assert assets.MARKERCLUSTER.css_links() == [
        ("markerclustercss", "/app/static/vendor/leaflet.markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", "/app/static/vendor/leaflet.markercluster/MarkerCluster.Default.css"),
    ]
    assert assets.HEAT.js_links() == [("leaflet-heat.js", "/app/static/vendor/leaflet.heat/leaflet-heat.js")]


def test_use_local_assets_sets_instance_attributes_only():
    cdn_map_js = list(folium.Map.default_js)
    m = assets.use_local_assets(folium.Map(tiles=None))
    assert m.default_js == assets.LEAFLET.js_links()
    assert m.default_css == assets.LEAFLET.css_links()
    # The class lists (shared by every folium.Map in the process) are untouched.
    assert folium.Map.default_js == cdn_map_js
    assert "cdn.jsdelivr.net" in folium.Map.default_js[0][1]

    cluster = assets.use_local_assets(folium.plugins.FastMarkerCluster([]))
    assert cluster.default_js == assets.MARKERCLUSTER.js_links()
    assert len(cluster.default_css) == 2
    heat = assets.use_local_assets(folium.plugins.HeatMap([[0.0, 0.0]]))
    assert heat.default_js == assets.HEAT.js_links() and heat.default_css == []
    assert folium.plugins.HeatMap.default_js[0][1].startswith("https://")


def test_unsupported_elements_are_refused():
    with pytest.raises(ValueError):
        assets.use_local_assets(folium.plugins.Fullscreen())
    m = folium.Map(tiles=None)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="Fullscreen"):
        assets.localize_tree(m)


def test_localize_tree_rewrites_nested_elements():
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup().add_to(m)
    folium.plugins.HeatMap([[0.0, 0.0]]).add_to(group)
    js, css = assets.asset_links(assets.localize_tree(m))
    assert js == [
        "/app/static/vendor/leaflet/leaflet.js",
        "/app/static/vendor/leaflet.heat/leaflet-heat.js",
    ]
    assert css == ["/app/static/vendor/leaflet/leaflet.css"]


def test_install_script_produced_the_files():
    if not assets.assets_installed():
        if shutil.which("npm") is None:
            pytest.skip("npm tidak tersedia dan static/vendor/ belum terpasang: jalankan scripts/install_assets.sh")
        run = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    assert assets.assets_installed(), assets.missing_files()
    assert assets.STAMP_FILE.read_text(encoding="utf-8") == assets.expected_stamp()
    leaflet_js = (assets.VENDOR_DIR / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert 'version="1.9.4"' in leaflet_js.replace(" ", "")
    heat_js = (assets.VENDOR_DIR / "leaflet.heat" / "leaflet-heat.js").read_text(encoding="utf-8")
    assert "L.heatLayer=" in heat_js
    cluster_js = (assets.VENDOR_DIR / "leaflet.markercluster" / "leaflet.markercluster.js").read_text(encoding="utf-8")
    assert "markerClusterGroup" in cluster_js
    assert "MIT" in (assets.VENDOR_DIR / "leaflet.markercluster" / "MIT-LICENCE.txt").read_text(encoding="utf-8")
    for rel in script_destinations():
        assert (assets.VENDOR_DIR / rel).is_file(), rel


def test_install_script_is_idempotent_offline(tmp_path):
    if not assets.assets_installed():
        pytest.skip("static/vendor/ belum terpasang: jalankan scripts/install_assets.sh")
    # With everything in place the script must not need npm (nor the network): run it with a
    # PATH holding the basic tools only.
    for tool in ("bash", "dirname", "cat", "paste", "grep", "tr", "mkdir", "rm", "cp", "mv"):
        if found := shutil.which(tool):
            (tmp_path / tool).symlink_to(found)
    assert not (tmp_path / "npm").exists()
    run = subprocess.run(
        [str(tmp_path / "bash"), str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr
    assert "sudah terpasang" in run.stdout
