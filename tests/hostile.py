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

# Direction overrides/isolates and zero-width characters: invisible on screen, able to reorder a line
# or hide text; exports and the PDF must show them as a visible mark, never drop or apply them.
BIDI_ZERO_WIDTH = [
    "\u202eKIRI-KE-KANAN\u202c biasa",  # right-to-left override ... pop
    "RW \u202d03\u202c RT \u202e20\u202c",  # left-to-right override inside numbers
    "nama\u2066isolasi\u2069\u2067kanan\u2069",  # LRI/RLI ... PDI
    "\u200fmark\u200e kanan-kiri",  # RLM, LRM
    "tak\u200bter\u200clihat\u200d\ufeffdi sini",  # zero-width space, non-joiner, joiner, BOM
    "Gading\u2060Kasri\u00ad",  # word joiner, soft hyphen
    "file\u202egpj.exe",  # the classic extension spoof
]

# Emoji: single, sequences joined by ZWJ, skin tones, flags, keycaps, variation selectors.
EMOJI = [
    "🚧 jalan rusak 🚧",
    "👨\u200d👩\u200d👧 keluarga",
    "👍🏽 setuju",
    "🇮🇩 merdeka",
    "❤️ peduli",
    "☕ warung 🍜🍚",
    "💩" * 20,
]

HOSTILE += BIDI_ZERO_WIDTH + EMOJI
