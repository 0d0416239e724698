"""Indonesian formatting for the pages; the one implementation lives in db/format.py (pure), so the
PDF brief and the map tooltips format exactly like the screen. Plus the one markdown escaper of the UI."""

import re

from db.format import DAYS, MONTHS, format_compact, format_date, format_number, format_percent, format_time

__all__ = [
    "DAYS",
    "MONTHS",
    "format_compact",
    "format_date",
    "format_number",
    "format_percent",
    "format_time",
    "plain_markdown",
]

_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def plain_markdown(value: object) -> str:
    """Text shown literally where Streamlit renders Markdown (st.markdown, captions, messages, badges, st.table
    cells): every ASCII punctuation character is backslash-escaped, so citizen text (or a file name) can't make
    links, images, emphasis, colours (``:red[...]``), icons, math or HTML."""
    return _MD_PUNCT.sub(r"\\\1", str(value))
