"""Bimtek: services (events, peserta, filter), reports (cakupan, partisipasi) and the peserta importer."""
