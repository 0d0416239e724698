"""Hostile strings that citizens' text may contain; every page must store them exactly and show them inert."""

from __future__ import annotations

HOSTILE = [
    "<img src=x onerror=alert('xss-img')>",
    "${alert('xss-template')}",
    "`);alert('xss-backtick');//",
    "\\`${alert('xss-backslash')}\\`",
    "</script><script>alert('xss-script')</script>",
    "' OR 1=1 --",
    '=HYPERLINK("http://evil.example","klik")',
    "\u202eKIRI-KE-KANAN\u200b tersembunyi",
    "🚧 jalan rusak 🚧",
]

# Substrings whose raw presence in rendered HTML/JS would mean the text was not neutralised.
RAW_MARKERS = ["<img src=x onerror", "</script><script>", "<script>alert"]
