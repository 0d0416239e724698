"""Foto: image processing, files on disk, services (writes) and queries (reads)."""
