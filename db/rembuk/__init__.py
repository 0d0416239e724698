"""Rembuk Jumat: records, janji, the host brief and the Mode Rembuk data."""
