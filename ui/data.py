"""Streamlit caching around db/ queries: one engine per process, results cached per data version.

Every cached function takes ``key`` = (database URL, data fingerprint) first, so a change in the
data (or another database, as in tests) gives fresh results; ``ttl`` bounds staleness across
processes (DESIGN.md section 7).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from db import queries
from db.engine import make_engine
from db.kalender import today as city_today
from db.settings import database_url


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """The process-wide engine for the configured database URL."""
    return _engine_for(database_url())


def today() -> dt.date:
    return city_today()


def key() -> tuple:
    """(database URL, cheap data fingerprint): the first argument of every cached query."""
    return (database_url(), queries.data_version(engine()))


@st.cache_data(ttl=300, show_spinner=False)
def kpi(key: tuple, day: dt.date) -> queries.Kpi:
    return queries.kpi(engine(), day)


@st.cache_data(ttl=300, show_spinner=False)
def counts_per_kelurahan(key: tuple, day: dt.date) -> pd.DataFrame:
    return queries.counts_per_kelurahan(engine(), day)


@st.cache_data(ttl=60, show_spinner=False)
def rembuk_next_last(key: tuple, day: dt.date):
    return queries.next_rembuk(engine(), day), queries.last_rembuk(engine(), day)


@st.cache_data(ttl=300, show_spinner=False)
def bimtek_headline(key: tuple) -> queries.BimtekHeadline:
    return queries.bimtek_headline(engine())


@st.cache_data(ttl=60, show_spinner=False)
def demo_info(key: tuple) -> dict | None:
    return queries.demo_info(engine())


@st.cache_data(ttl=300, show_spinner=False)
def filter_options(key: tuple) -> queries.FilterOptions:
    return queries.filter_options(engine())


@st.cache_data(ttl=60, show_spinner=False)
def rembuk_untuk_dicatat(key: tuple, day: dt.date) -> dict[int, str]:
    return queries.rembuk_untuk_dicatat(engine(), day)
