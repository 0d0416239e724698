"""Kinerja: the OPD scorecard and its reporting periods."""
