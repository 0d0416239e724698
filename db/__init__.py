"""Data layer of Kulakan: schema, engine, queries, services, loaders and the CLI.

Nothing in this package imports Streamlit (DESIGN.md section 3).
"""
