"""Streamlit caching around db/ queries: one engine per process, results cached per data version.

Every cached function (here and in the other ui/ modules) takes ``key`` = ``key()`` = (database URL,
data fingerprint) first, so a change in the data (or another database, as in tests) gives fresh
results; ``ttl`` bounds staleness across processes (DESIGN.md section 7).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from streamlit.runtime.scriptrunner import get_script_run_ctx

from db.aspirasi import queries as aspirasi_queries
from db.bimtek import reports as bimtek_reports
from db.demo import generate as demo_generate
from db.engine import make_engine
from db.fingerprint import get_fingerprint
from db.rembuk import records as rembuk_records
from db.settings import database_url
from db.workdays import today as city_today


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The process-wide engine for the configured database URL."""
    return _engine_for(database_url())


def today() -> dt.date:
    return city_today()


_RUN_KEY = "_kulakan_data_key"


def key() -> tuple:
    """(database URL, data fingerprint): the first argument of every cached query in ui/.

    Computed once per script run (a full run or a fragment's rerun), however many components ask:
    the memo is stored on Streamlit's run context beside the run's ``cursors`` dict, which Streamlit
    replaces at the start of every run, so a new run always reads the database again. A write made
    during a run shows from the next run on (write forms end with ``st.rerun()`` or run in a callback).
    """
    url = database_url()
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:  # outside a script run (bench, bare mode): no memo
        return (url, get_fingerprint(engine()))
    memo = getattr(ctx, _RUN_KEY, None)
    if memo is not None and memo[0] is ctx.cursors and memo[1][0] == url:
        return memo[1]
    value = (url, get_fingerprint(engine()))
    setattr(ctx, _RUN_KEY, (ctx.cursors, value))
    return value


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
