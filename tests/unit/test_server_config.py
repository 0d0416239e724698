"""The served app's Streamlit settings that carry the load figures of docs/PERFORMANCE.md."""

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())


def test_no_full_garbage_collection_after_every_run():
    # Streamlit's default gc.collect(2) after each run was ~70% of a loaded process's CPU (bench/load.py).
    assert CONFIG["runner"]["postScriptGC"] is False


def test_no_source_file_watcher_in_the_served_app():
    # The watcher walked every loaded module after each run (~12% of a loaded process's CPU).
    assert CONFIG["server"]["fileWatcherType"] == "none"
    assert CONFIG["server"]["runOnSave"] is False
