"""The shared vocabulary and the shape of the frames every module passes around.

Storage returns, analyses consume and pages show three DataFrames with exactly these
columns (more may follow; never fewer). Boundary columns on sites are the stored result
of the spatial join, so analyses never redo it.
"""
from __future__ import annotations

import datetime as dt

from geo.text import is_missing

# --- Controlled vocabularies -------------------------------------------------------
PRINCIPLES: tuple[str, ...] = (
    "Equity",
    "Learning and Development",
    "Community Engagement",
    "Family Engagement",
    "Youth Leadership and Engagement",
    "Results-Driven Partnership",
)

# code -> label. Codes are stored; labels are shown; input accepts either.
KINDS_OF_WORK: dict[str, str] = {
    "implementation": "Implementation / direct services",
    "funding": "Funding",
    "policy": "Policy and advocacy",
    "technical_assistance": "Technical assistance and coaching",
    "professional_learning": "Professional learning",
    "research": "Research and evaluation",
    "convening": "Convening / network building",
}

STATUSES: tuple[str, ...] = ("planned", "active", "ended")

PARTNER_TYPES: dict[str, str] = {
    "union": "Teachers' union",
    "nonprofit": "Youth-serving nonprofit",
    "united_way": "United Way",
    "university": "University",
    "foundation": "Foundation",
    "government": "City or county agency",
    "state_network": "State network",
    "national": "National organization",
    "other": "Other",
}

SITE_KINDS: dict[str, str] = {
    "community_school": "Community school",
    "office": "Initiative office",
    "affiliate": "Local affiliate",
    # A school where a partner works that is not (or not yet) a community school.
    "school": "School (not a community school)",
}
# Site kinds whose name is a school's, not the partner's own place (an office's or an
# affiliate's name often carries the organization's name).
SCHOOL_SITE_KINDS: tuple[str, ...] = ("community_school", "school")

# Where an activity happens: at a site (a point) or across an area.
AREA_LEVELS: tuple[str, ...] = ("site", "district", "county", "state")

# How a site was placed, best first (geo.locate): exact coordinates, a school of the
# school directory, the district an NCES ID names (point approximate), the ZIP of an
# address, a ZIP code's centroid, or not at all.
LOCATION_SOURCES: tuple[str, ...] = ("coordinates", "school_directory", "nces_id",
                                     "address_zip", "zip_centroid", "none")

# What a public viewer sees instead of the name of a partner that has not approved listing.
ANONYMOUS_PARTNER = "A coalition partner"

# The dates a form or a filter offers (activity start and end dates, "as of" dates);
# a filter widens them to any date found in the data.
EARLIEST_DATE = dt.date(1950, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

# --- Frame contracts ---------------------------------------------------------------
PARTNER_COLUMNS: tuple[str, ...] = (
    "partner_id",      # int, stable
    "name",
    "type",            # PARTNER_TYPES code
    "website",         # http(s) URL or ""
    "email",           # contact e-mail or ""
    "expertise",       # free text
    "principles",      # ";"-joined PRINCIPLES
    "public",          # bool: approved public listing
    "consent_by",      # who approved (e-mail) or ""
    "consent_at",      # ISO timestamp or ""
)

SITE_COLUMNS: tuple[str, ...] = (
    "site_id",         # int
    "partner_id",      # int
    "name",
    "site_kind",       # SITE_KINDS code
    "nces_id",         # str or ""
    "latitude",        # float (EPSG:4326)
    "longitude",       # float
    "zip",             # 5-digit str or ""
    "location_source", # LOCATION_SOURCES
    "state_fips",      # 2-digit str or ""
    "county_fips",     # 5-digit str or ""
    "district_geoid",  # 7-digit str or "" (unified or elementary district)
    "secondary_district_geoid",  # 7-digit str or "" (secondary district, when both apply)
    "contact",         # who to reach at the site (name, e-mail or phone) or ""
)

ACTIVITY_COLUMNS: tuple[str, ...] = (
    "activity_id",     # int
    "partner_id",      # int
    "site_id",         # int or <NA> (area activities)
    "area_level",      # AREA_LEVELS
    "area_id",         # state_fips / county_fips / district geoid; "" for site activities
    "kind_of_work",    # KINDS_OF_WORK code
    "principles",      # ";"-joined PRINCIPLES
    "status",          # STATUSES
    "start_date",      # datetime64 or NaT
    "end_date",        # datetime64 or NaT
    "contact",
    "notes",
)


def split_list(value: object) -> list[str]:
    """Split a ";"-joined cell into its non-empty, stripped items."""
    if is_missing(value):
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


class Frames:
    """The three record frames, as storage returns them and analyses take them."""

    __slots__ = ("partners", "sites", "activities")

    def __init__(self, partners, sites, activities):
        self.partners = partners
        self.sites = sites
        self.activities = activities

    def __iter__(self):
        return iter((self.partners, self.sites, self.activities))
