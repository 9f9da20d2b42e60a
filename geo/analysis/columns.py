"""Human column names for the tables analyses return.

Analyses return tidy frames with short machine names (stable for code and CSV files);
pages and printed briefs show them through :func:`for_display`.
"""
from __future__ import annotations

import pandas as pd

LABELS: dict[str, str] = {
    "partner_id": "Partner ID",
    "partner": "Partner",
    "name": "Name",
    "type": "Type",
    "presence": "Presence",
    "kinds_of_work": "Kinds of work",
    "principles": "Principles",
    "status": "Status",
    "since": "Since",
    "sites_here": "Sites here",
    "sites_nearby": "Sites nearby",
    "nearest_mi": "Nearest site (mi)",
    "website": "Website",
    "email": "E-mail",
    "contact": "Contact",
    "score": "Fit score",
    "fit_score": "Fit score",
    "fit_reasons": "Why",
    "reasons": "Why",
    "expertise_points": "Expertise points",
    "presence_points": "Presence points",
    "needs_matched": "Needs matched",
    "site_id": "Site ID",
    "site": "Site",
    "site_kind": "Kind of site",
    "community_school": "Community school",
    "distance_mi": "Distance (mi)",
    "nces_id": "NCES ID",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "location_source": "Location from",
    "place_id": "Place ID",
    "place": "Place",
    "level": "Level",
    "state_fips": "State FIPS",
    "state": "State",
    "county_fips": "County FIPS",
    "district_geoid": "District GEOID",
    "district": "District",
    "geoid": "GEOID",
    "partners": "Partners",
    "activities": "Activities",
    "sites": "Sites",
    "community_schools": "Community schools",
    "value": "Value",
    "partner_names": "Partner names",
    "kinds": "Kinds of work",
    "shared_kinds": "Same kind of work (2+ partners)",
    "overlap": "Overlap",
    "n_shared_kinds": "Shared kinds",
    "children_5_17": "Children 5-17",
    "pct_poverty": "Children in poverty (%)",
    "children_in_poverty": "Children in poverty",
    "partner_a": "Partner A",
    "partner_b": "Partner B",
    "partner_a_id": "Partner A ID",
    "partner_b_id": "Partner B ID",
    "places": "Shared places",
    "place_names": "Where",
    "same_kinds": "Same kinds of work",
    "site_a": "Site A",
    "site_b": "Site B",
    "site_a_id": "Site A ID",
    "site_b_id": "Site B ID",
    "a_website": "A website",
    "a_email": "A e-mail",
    "a_contacts": "A contacts",
    "b_website": "B website",
    "b_email": "B e-mail",
    "b_contacts": "B contacts",
    "why": "Why introduce them",
    "start_year": "Start year",
    "rank": "Rank",
}


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with human column names (unknown columns keep their name)."""
    out = df.rename(columns={c: LABELS.get(c, c) for c in df.columns})
    if out.index.name in LABELS:
        out.index.name = LABELS[out.index.name]
    return out


def display_csv(df: pd.DataFrame, partners: pd.DataFrame | None = None,
                viewer_role: str | None = None) -> bytes:
    """``df`` as a CSV download, as the page shows it (:func:`for_display` column names),
    safe to open in a spreadsheet program (:func:`geo.spreadsheet.neutralise_frame`),
    UTF-8 with a byte-order mark for Excel. With ``partners`` and ``viewer_role``, the
    ids of partners withheld from that viewer are emptied first
    (:func:`geo.visibility.public_download`)."""
    from geo.spreadsheet import neutralise_frame

    if partners is not None and viewer_role is not None:
        from geo.visibility import public_download

        df = public_download(df, partners, viewer_role)
    return neutralise_frame(for_display(df)).to_csv(index=False).encode("utf-8-sig")
