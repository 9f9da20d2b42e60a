"""Community Schools Partner Map: the geo core.

Pure functions over (Geo)DataFrames: reading and validating input, locating sites on
boundaries, analyses (scan, overlaps, coverage), storage and building folium maps.
This package never imports streamlit; the pages in ``pages/`` are thin UI over it.
"""
