"""What each viewer may see of partners that have not approved public listing.

Coalition rule: a partner's name, links and contacts appear publicly only with the
partner's approval (``public == True``). Who sees every partner is decided in one
place, :func:`geo.auth.can_see_all_names`; this module only applies that rule to the
frames. Pages apply :func:`visible_frames` (or :func:`visible_partners`) *before*
building any table, map, brief or download, so a withheld identity never reaches the
browser, not even inside a map's script.

For a withheld partner the public sees what it does (type, expertise, principles, its
activities and their places) but not who it is: the name becomes
:data:`geo.schema.ANONYMOUS_PARTNER`; website, e-mail and consent details are blanked;
activity contacts are blanked; its offices and affiliates are shown by their kind; and
free text written about it (expertise, activity notes, site names) has the partner's
name, website, web host and any e-mail address taken out, since such text often
repeats them.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd

from geo import schema
from geo.auth import ROLES, Viewer, can_see_all_names

WITHHELD = "[withheld]"
_EMAIL = re.compile(r"[^\s@<>\"'`]+@[^\s@<>\"'`]+\.[^\s@<>\"'`]+")
_PARTNER_FIELDS = ("website", "email", "consent_by", "consent_at")


def _check_role(viewer_role: str) -> None:
    if viewer_role not in ROLES:
        raise ValueError(f"viewer_role must be one of {', '.join(ROLES)} (got {viewer_role!r})")


def sees_all_names(viewer_role: str) -> bool:
    """Whether a viewer with ``viewer_role`` sees every partner (rule: geo.auth)."""
    _check_role(viewer_role)
    # A stand-in viewer of that role; the partner role needs some partner id.
    stand_in = Viewer(email="", role=viewer_role,
                      partner_id=0 if viewer_role == "partner" else None)
    return can_see_all_names(stand_in)


def _withheld(partners: pd.DataFrame, viewer_role: str) -> pd.Series:
    """True for partners whose identity this viewer may not see."""
    if sees_all_names(viewer_role):
        return pd.Series(False, index=partners.index)
    return ~partners["public"].fillna(False).astype(bool)


def _identity_patterns(partners: pd.DataFrame) -> dict[int, re.Pattern[str]]:
    """Per withheld partner id: a pattern matching its name, website and web host."""
    patterns: dict[int, re.Pattern[str]] = {}
    for row in partners.itertuples(index=False):
        words = [str(row.name)]
        website = str(getattr(row, "website", "") or "")
        if website:
            words.append(website)
            host = urlsplit(website).hostname or ""
            words += [host, host.removeprefix("www.")]
        words = sorted({w.strip() for w in words if len(w.strip()) >= 3}, key=len, reverse=True)
        if words:
            patterns[int(row.partner_id)] = re.compile(
                "|".join(re.escape(w) for w in words), re.IGNORECASE)
    return patterns


def _scrub(text: object, pattern: re.Pattern[str] | None) -> object:
    """``text`` without e-mail addresses and without what ``pattern`` matches."""
    if not isinstance(text, str) or not text:
        return text
    out = _EMAIL.sub(WITHHELD, text)
    if pattern is not None:
        out = pattern.sub(schema.ANONYMOUS_PARTNER, out)
    return out


def _scrub_column(frame: pd.DataFrame, column: str, owners: pd.Series,
                  patterns: dict[int, re.Pattern[str]]) -> None:
    """Scrub ``frame[column]`` in place on the rows whose owner has a pattern."""
    if column not in frame.columns:
        return
    rows = owners.isin(list(patterns))
    if not rows.any():
        return
    frame.loc[rows, column] = [
        _scrub(text, patterns.get(int(owner)))
        for text, owner in zip(frame.loc[rows, column], owners[rows])
    ]


def visible_partners(partners: pd.DataFrame, viewer_role: str) -> pd.DataFrame:
    """A copy of ``partners`` as ``viewer_role`` may see it.

    For the public, partners without approval keep their id, type, expertise (scrubbed
    of their name, links and e-mail addresses) and principles, but their name becomes
    :data:`geo.schema.ANONYMOUS_PARTNER` and website, e-mail and consent details are
    blanked. Roles that see all names get an unchanged copy.
    """
    out = partners.copy()
    hidden = _withheld(out, viewer_role)
    if hidden.any():
        patterns = _identity_patterns(partners[hidden])
        _scrub_column(out, "expertise", out["partner_id"], patterns)
        out.loc[hidden, "name"] = schema.ANONYMOUS_PARTNER
        for column in _PARTNER_FIELDS:
            if column in out.columns:
                out.loc[hidden, column] = ""
    return out


def visible_frames(frames: schema.Frames, viewer_role: str) -> schema.Frames:
    """All three frames as ``viewer_role`` may see them.

    Besides :func:`visible_partners`, for the public: activity contacts of withheld
    partners are blanked and their notes scrubbed; their offices and affiliates (whose
    names often carry the organization's name) are shown by their kind ("Initiative
    office") instead of their name, and their community schools keep the school's name
    with the partner's name taken out.
    """
    partners = visible_partners(frames.partners, viewer_role)
    hidden = _withheld(frames.partners, viewer_role)
    if not hidden.any():
        return schema.Frames(partners, frames.sites.copy(), frames.activities.copy())
    patterns = _identity_patterns(frames.partners[hidden])
    hidden_ids = [int(i) for i in frames.partners.loc[hidden, "partner_id"]]

    sites = frames.sites.copy()
    theirs = sites["partner_id"].isin(hidden_ids)
    own_place = theirs & (sites["site_kind"] != "community_school")
    sites.loc[own_place, "name"] = sites.loc[own_place, "site_kind"].map(schema.SITE_KINDS)
    _scrub_column(sites, "name", sites["partner_id"].where(theirs & ~own_place, -1), patterns)

    activities = frames.activities.copy()
    if "contact" in activities.columns:
        activities.loc[activities["partner_id"].isin(hidden_ids), "contact"] = ""
    _scrub_column(activities, "notes", activities["partner_id"], patterns)
    return schema.Frames(partners, sites, activities)
