"""Streamlit caching around db/ queries: one engine per process, results cached per data version.

Every cached function (here and in the other ui/ modules) takes ``key`` = ``key()`` = (database URL,
data fingerprint) first, so a change in the data (or another database, as in tests) gives fresh
results; ``ttl`` bounds staleness across processes (DESIGN.md section 7).

The fingerprint is shared by the sessions of a process for ``KULAKAN_SEGAR_DETIK`` seconds (default 5):
with one write per second city-wide, reading it on every run would make nearly every click a cold
rebuild of its page for every session. A session that wrote through the app (any INSERT, UPDATE or
DELETE on the process engine from its script thread, login bookkeeping aside) or opens the app (a new
session: also every browser reload) reads it at once, so staff always see their own changes on the
next run; others see them within the window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import re
import threading
import time

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, event
from streamlit.runtime.scriptrunner import get_script_run_ctx

from db.aspirasi import queries as aspirasi_queries
from db.bimtek import reports as bimtek_reports
from db.demo import generate as demo_generate
from db.engine import make_engine
from db.fingerprint import TABLES_WITHOUT_DATA, get_fingerprint
from db.rembuk import records as rembuk_records
from db.settings import database_url, fresh_seconds
from db.workdays import today as city_today


def frame_digest(obj: pd.DataFrame | pd.Series) -> bytes:
    """A digest of a frame's whole content (values, index, columns, dtypes, attrs), for cache keys.

    Streamlit hashes a DataFrame argument of a cached function with hash_pandas_object, ~1.3 ms for a 57-row
    table, and every rerun pays it for every cached table and chart (~6% of one process's time under the
    50-session load); hashing the frame's pickle takes ~0.06 ms. Equal frames built differently may pickle
    differently: a cache miss, never a wrong hit."""
    return hashlib.sha1(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)).digest()


# hash_funcs of the cached functions that take frames (ui/tabel.py, ui/charts.py).
FRAME_HASH = {pd.DataFrame: frame_digest, pd.Series: frame_digest}


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    event.listen(engine, "after_cursor_execute", _note_write)
    return engine


_WRITE = re.compile(r"\s*(?:INSERT\b.*?\bINTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE | re.DOTALL)
_WROTE_KEY = "_kulakan_menulis"  # session_state: this session wrote since it last read the fingerprint
_READ_KEY = "_kulakan_sidik_dibaca"  # session_state: this session read the fingerprint once


def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    found = _WRITE.match(statement)
    if found and found.group(1).lower() not in TABLES_WITHOUT_DATA and get_script_run_ctx(suppress_warning=True):
        st.session_state[_WROTE_KEY] = True


def engine() -> Engine:
    """The process-wide engine for the configured database URL."""
    return _engine_for(database_url())


def today() -> dt.date:
    return city_today()


def this_run(name: str) -> dict | None:
    """A dict that lives for the current script run only (a full run or a fragment's rerun), or None outside a
    run (bench, bare mode): the memo of work done once per run however many components ask. It is kept on
    Streamlit's run context beside the run's ``cursors`` dict, which Streamlit replaces at the start of every
    run, so a new run always starts empty."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    held = getattr(ctx, name, None)
    if held is None or held[0] is not ctx.cursors:
        held = (ctx.cursors, {})
        setattr(ctx, name, held)
    return held[1]


def key() -> tuple:
    """(database URL, data fingerprint): the first argument of every cached query in ui/.

    Computed once per script run (``this_run``), however many components ask, so a new run always reads
    the database again. A write made during a run shows from the next run on (write forms end with
    ``st.rerun()`` or run in a callback).
    """
    url = database_url()
    memo = this_run("_kulakan_data_key")
    if memo is None:
        return (url, get_fingerprint(engine()))
    if url not in memo:
        memo[url] = (url, _shared_fingerprint(url))
    return memo[url]


_SHARED: dict[str, tuple[float, tuple]] = {}  # database URL -> (_clock() when read, fingerprint)
_SHARED_LOCK = threading.Lock()
_clock = time.monotonic


def _shared_fingerprint(url: str) -> tuple:
    """The process's fingerprint if read less than ``fresh_seconds()`` ago, unless this session wrote
    or has never read it; else read now (and share)."""
    state = st.session_state
    window = fresh_seconds()
    now = _clock()
    with _SHARED_LOCK:
        held = _SHARED.get(url)
    own = state.get(_WROTE_KEY, False) or not state.get(_READ_KEY, False)
    if held is not None and not own and now - held[0] < window:
        return held[1]
    state[_WROTE_KEY] = False  # before the read: a write after it marks the session again
    fingerprint = get_fingerprint(engine())
    state[_READ_KEY] = True
    with _SHARED_LOCK:
        if url not in _SHARED or _SHARED[url][0] <= now:
            _SHARED[url] = (now, fingerprint)
    return fingerprint


@st.cache_data(ttl=300, show_spinner=False)
def kpi(key: tuple, day: dt.date) -> aspirasi_queries.Kpi:
    return aspirasi_queries.kpi(engine(), day)


@st.cache_data(ttl=300, show_spinner=False)
def counts_per_kelurahan(key: tuple, day: dt.date) -> pd.DataFrame:
    return aspirasi_queries.counts_per_kelurahan(engine(), day)


@st.cache_data(ttl=60, show_spinner=False)
def rembuk_next_last(key: tuple, day: dt.date):
    return rembuk_records.next_rembuk(engine(), day), rembuk_records.last_rembuk(engine(), day)


@st.cache_data(ttl=300, show_spinner=False)
def bimtek_headline(key: tuple) -> bimtek_reports.BimtekHeadline:
    return bimtek_reports.bimtek_headline(engine())


@st.cache_data(ttl=60, show_spinner=False)
def demo_info(key: tuple) -> dict | None:
    return demo_generate.demo_info(engine())


@st.cache_data(ttl=300, show_spinner=False)
def filter_options(key: tuple) -> aspirasi_queries.FilterOptions:
    return aspirasi_queries.filter_options(engine())


@st.cache_data(ttl=60, show_spinner=False)
def rembuk_to_record(key: tuple, day: dt.date) -> dict[int, str]:
    return rembuk_records.rembuk_to_record(engine(), day)
