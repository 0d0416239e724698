"""The cached map payload (ui.components.build_payload) is exactly what st_folium would send."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import folium
import numpy as np
import pandas as pd
import pytest
import streamlit_folium

from geo import maps
from geo.boundaries import load_boundaries
from ui import components


def _points(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(112.58, 112.68, n), rng.uniform(-8.04, -7.92, n)
    return pd.DataFrame({"id": np.arange(n), "lon": lon, "lat": lat, "status": rng.choice(["diterima", "selesai"], n)})


def _peta():
    values = pd.Series(range(57), index=load_boundaries().kelurahan.index, dtype=float)
    layer = maps.layer_group(
        maps.choropleth_layer(values, label="Jumlah aspirasi", extra={"Terbuka": values}),
        maps.points_layer(_points(300), mode="cluster").layer,
    )
    return maps.base_map((112.6, -8.0, 112.65, -7.95), basemap=True), [layer]


def _mode_rembuk():
    base = maps.base_map()
    base.get_root().header.add_child(folium.Element("<style>.x{color:red}</style>"))
    return base, [maps.layer_group(maps.points_layer(_points(50), mode="heat").layer)]


def _capture(monkeypatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.append(kw) or None)
    return sent


@pytest.mark.parametrize("build", [_peta, _mode_rembuk, lambda: (maps.base_map(), None)])
def test_payload_equals_what_st_folium_sends(monkeypatch, build):
    sent = _capture(monkeypatch)
    m, layers = build()
    streamlit_folium.st_folium(m, key="peta_uji", height=420, use_container_width=True,
                               returned_objects=["last_active_drawing", "last_object_clicked"],
                               feature_group_to_add=layers)  # fmt: skip
    m, layers = build()
    components._send(components.build_payload(m, layers, "peta_uji"), "peta_uji", 420)
    direct, cached = ({k: v for k, v in kw.items() if k != "on_change"} for kw in sent)
    assert direct["script"] and direct["feature_group"] != ""
    assert cached == direct


def test_a_cached_map_is_built_once_per_cache_key():
    cache = components._PayloadCache(max_entries=2)
    built = []

    def build():
        built.append(1)
        return components.build_payload(maps.base_map(), None, "k")

    first = cache.get(("k", 1), build)
    assert cache.get(("k", 1), build) is first and len(built) == 1
    cache.get(("k", 2), build)
    cache.get(("k", 3), build)  # the least recently used entry (1) leaves
    cache.get(("k", 1), build)
    assert len(built) == 4


def test_sessions_missing_the_same_map_at_once_build_it_once():
    cache = components._PayloadCache()
    built, started = [], threading.Event()

    def build():
        built.append(1)
        started.set()
        time.sleep(0.2)  # a slow build: the other sessions arrive while it runs
        return components.build_payload(maps.base_map(), None, "k")

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(cache.get, ("k", 1), build)
        assert started.wait(5)
        others = [pool.submit(cache.get, ("k", 1), build) for _ in range(7)]
        got = [f.result() for f in [first, *others]]
    assert len(built) == 1 and all(p is got[0] for p in got)


def test_a_failed_build_is_not_cached_and_the_next_session_builds():
    cache = components._PayloadCache()

    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get(("k", 1), broken)
    payload = cache.get(("k", 1), lambda: components.build_payload(maps.base_map(), None, "k"))
    assert payload.script


def test_content_key_follows_the_values():
    a = pd.Series([1, 2], index=["x", "y"], name="terbuka")
    assert components.content_key(a, "terbuka") == components.content_key(a.copy(), "terbuka")
    assert components.content_key(a, "terbuka") != components.content_key(a + 1, "terbuka")
    assert components.content_key(a, "terbuka") != components.content_key(a, "jumlah")
