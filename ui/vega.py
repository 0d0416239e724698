"""Indonesian numbers and dates on Altair/Vega charts ("1.600", "59,4", "Oktober 2025").

Vega formats axis labels and tooltips with a page-wide d3 locale that is English by default. vega-embed could
switch it (``formatLocale``/``timeFormatLocale`` embed options), but Streamlit 1.67 keeps only ``theme``,
``renderer`` and ``padding`` of a spec's ``usermeta.embedOptions`` and drops the rest. So the labels are written
by Vega expressions here (``labelExpr`` on axes, calculated text fields for tooltips), which render the same in
every browser whatever its language.
"""

from __future__ import annotations

import altair as alt

from db.format import MONTHS

SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def _js_list(items: list[str]) -> str:
    return "[" + ",".join(f"'{x}'" for x in items) + "]"


def number_expr(value: str = "datum.value", spec: str = ",~f") -> str:
    """Vega expression: ``value`` formatted with a dot for thousands and a comma for decimals."""
    text = f"format({value}, '{spec}')"
    swap = f"replace(replace({text}, regexp(',', 'g'), '_'), regexp('[.]', 'g'), ',')"
    return f"replace({swap}, regexp('_', 'g'), '.')"


def date_expr(value: str = "datum.value") -> str:
    """Vega expression for time-axis ticks: '2025' on a new year, 'Oktober' on a new month, else '5 Okt'."""
    m = f"month({value})"
    return (
        f"(month({value}) == 0 && date({value}) == 1) ? '' + year({value}) : "
        f"date({value}) == 1 ? {_js_list(MONTHS)}[{m}] : "
        f"date({value}) + ' ' + {_js_list(SHORT_MONTHS)}[{m}]"
    )


def number_axis(**kwargs) -> alt.Axis:
    """A quantitative axis with Indonesian tick labels (``1.600``)."""
    return alt.Axis(labelExpr=number_expr(), **kwargs)


def date_axis(**kwargs) -> alt.Axis:
    """A time axis with Indonesian month names."""
    return alt.Axis(labelExpr=date_expr(), **kwargs)


def number_text(chart: alt.Chart, **fields: str) -> alt.Chart:
    """Add text fields ``name=source`` holding ``source`` formatted the Indonesian way (for tooltips)."""
    for name, source in fields.items():
        chart = chart.transform_calculate(**{name: number_expr(f"datum['{source}']")})
    return chart
