"""Indonesian number and date formats for Altair/Vega charts ("1.600", "59,4", "Oktober").

Vega formats axis labels, legends and tooltips with a process-wide d3 locale (English by default). vega-embed,
which Streamlit uses to draw ``st.altair_chart``, reads embed options from the spec's ``usermeta.embedOptions``:
``formatLocale`` and ``timeFormatLocale`` there switch the chart to Indonesian in the browser, whatever the
browser's own language is.
"""

from __future__ import annotations

import altair as alt

from db.format import BULAN, HARI

FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]}
TIME_FORMAT_LOCALE = {
    "dateTime": "%A, %e %B %Y %H.%M.%S",
    "date": "%d/%m/%Y",
    "time": "%H.%M.%S",
    "periods": ["AM", "PM"],
    "days": [HARI[6], *HARI[:6]],  # d3 weeks start on Sunday
    "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
    "months": BULAN,
    "shortMonths": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
}
EMBED_OPTIONS = {"formatLocale": FORMAT_LOCALE, "timeFormatLocale": TIME_FORMAT_LOCALE}


def indonesia(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The chart with Indonesian number and time formats (set where vega-embed reads them)."""
    return chart.properties(usermeta={"embedOptions": EMBED_OPTIONS})
