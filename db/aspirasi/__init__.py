"""Aspirasi: services, workflow, status rules, filters, measures, listing, map data, queries, importer."""
