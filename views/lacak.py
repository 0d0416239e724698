"""Lacak aspirasi: the one page without login (/lacak?t=TOKEN) — one aspiration, no personal data."""

from __future__ import annotations

from ui import lacak

lacak.page()
