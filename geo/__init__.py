"""Geography of Kota Malang: boundaries, name normalisation, spatial joins and map building.

Pure Python (no Streamlit): everything here takes and returns plain data or folium objects.
"""
