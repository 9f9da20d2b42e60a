"""Find where each site is: the placement service behind ``geo join``, ``geo import`` and
the Data page.

:func:`place_frame` (and its shorthand :func:`locate_frame`) takes the frame
:func:`geo.read.read_sites` returns and adds ``latitude``, ``longitude``,
``location_source``, the boundary columns (state, county, school districts) and the
school-directory match (``school_match``: ``id`` | ``name`` | ``review`` | empty,
``school_match_id``, ``school_match_name``). Each row is placed by the best thing it
holds, and ``location_source`` says which:

``coordinates``
    latitude/longitude under any usual name (``X``/``Y`` included), a WKT column
    (``POINT (lon lat)``), or a ``(lat, lon)`` pair inside a text cell such as a
    multi-line location field. Numbers that cannot be degrees are projected
    coordinates: converted from the CRS given (``crs=``), else from the State Plane or
    UTM system of the stated states that puts nearly every row in its stated state and
    ZIP (named in a warning; when none or several do, an error says how to name it);
``school_directory``
    the row's school found in the school directory (:mod:`geo.schools`) by ID or name;
``nces_id``
    a 12-digit NCES school ID or a 7-digit LEAID names the district exactly; the point
    is the ZIP centroid moved inside that district (approximate);
``address_zip``
    the ZIP code read from an address text (approximate);
``zip_centroid``
    a ZIP code column; a 4-digit ZIP gets its leading zero back, with a warning;
``none``
    an error says what is missing and how to fix it.

Every problem goes into the :class:`~geo.problems.Report`, with the spreadsheet row
number (header = row 1, first data row = row 2) and the column, so the user can fix the
file: errors (the row is not placed) and warnings (placed, but check it: approximate
places, a stated state that disagrees, a site in no school district). The shared rules
(ZIP codes, states, coordinates in text, CRSs) live in :mod:`geo.placement`.

Invariant of the result: ``latitude``/``longitude`` are filled exactly when
``location_source`` is not ``"none"``; the raw input values are always kept in their
own columns.

The package: :mod:`~geo.locate.site_columns` (which column holds what),
:mod:`~geo.locate.degrees` (coordinate columns, projected coordinates),
:mod:`~geo.locate.chain` (rows without coordinates), :mod:`~geo.locate.site_checks`
(file-wide checks) and :mod:`~geo.locate.driver` (:func:`place_frame`,
:func:`place_point`).
"""
from __future__ import annotations

from geo.locate.chain import TOP_SHOWN
from geo.locate.driver import (
    Placement,
    locate_frame,
    location_summary,
    place_frame,
    place_point,
    with_issues,
)
from geo.locate.site_columns import (
    ADDED_COLUMNS,
    BOUNDARY_COLUMNS,
    MATCH_COLUMNS,
    REVIEW_COLUMNS,
    detect_columns,
    detect_place_columns,
    recognised_names_text,
)

__all__ = [
    "ADDED_COLUMNS",
    "BOUNDARY_COLUMNS",
    "MATCH_COLUMNS",
    "REVIEW_COLUMNS",
    "TOP_SHOWN",
    "Placement",
    "detect_columns",
    "detect_place_columns",
    "locate_frame",
    "location_summary",
    "place_frame",
    "place_point",
    "recognised_names_text",
    "with_issues",
]
