"""Analyses behind the Partner Map's views: pure functions over :class:`geo.schema.Frames`.

- :mod:`.filters`: narrow the frames (partner, type, kind of work, principle, status, dates)
- :mod:`.places`: which states, counties and districts each activity touches
- :mod:`.lookup`: find a place (state, county, district, ZIP, point) by id or typed text
- :mod:`.scan`: who works in and around a place; :mod:`.fit`: who fits its needs
- :mod:`.overlaps`: shared places, partner pairs, introductions, nearby sites
- :mod:`.coverage`: counts for every place, gaps against need, summaries
- :mod:`.classify`: choropleth classes with "none" kept apart
- :mod:`.columns`: human column names for display

Nothing here imports streamlit or touches a database.
"""
from geo.analysis.classify import Classes, classify
from geo.analysis.columns import LABELS, for_display
from geo.analysis.coverage import (
    activities_by_start_year,
    activities_per_state,
    coverage,
    gaps,
    partners_by_place,
    summary,
)
from geo.analysis.filters import filter_activities
from geo.analysis.fit import rank_fit
from geo.analysis.lookup import (
    Place,
    PlaceNotFound,
    Suggestion,
    best_match,
    find_places,
    resolve_place,
)
from geo.analysis.overlaps import introductions, nearby_pairs, overlap_places, partner_pairs
from geo.analysis.places import activity_places
from geo.analysis.scan import ScanResult, scan
from geo.analysis.vocabulary import Needs, UnknownTermError, parse_needs

__all__ = [
    "Classes", "LABELS", "Needs", "Place", "PlaceNotFound", "ScanResult", "Suggestion",
    "UnknownTermError",
    "activities_by_start_year", "activities_per_state", "activity_places", "best_match",
    "classify", "coverage",
    "filter_activities", "find_places", "for_display", "gaps", "introductions", "nearby_pairs",
    "overlap_places", "parse_needs", "partner_pairs", "partners_by_place", "rank_fit",
    "resolve_place", "scan", "summary",
]
