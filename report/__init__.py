"""Presentation without Streamlit: PDF and XLSX rendering of briefs, report cards and QR sheets."""
