"""What each viewer may see of partners that have not approved public listing.

Coalition rule: a partner's name, links and contacts appear publicly only with the
partner's approval (``public == True``). Staff, the steering committee and signed-in
partners see everything. Pages apply :func:`visible_frames` (or
:func:`visible_partners`) *before* building any table or map, so a withheld name
never reaches the browser, not even inside a map's script.
"""
from __future__ import annotations

import pandas as pd

from geo import schema
from geo.auth import ROLES
# Roles that see partners which have not approved public listing.
_FULL_VIEW = frozenset({"partner", "staff", "committee"})


def _check_role(viewer_role: str) -> None:
    if viewer_role not in ROLES:
        raise ValueError(f"viewer_role must be one of {', '.join(ROLES)} (got {viewer_role!r})")


def _withheld(partners: pd.DataFrame, viewer_role: str) -> pd.Series:
    """True for partners whose identity this viewer may not see."""
    if viewer_role in _FULL_VIEW:
        return pd.Series(False, index=partners.index)
    return ~partners["public"].fillna(False).astype(bool)


def visible_partners(partners: pd.DataFrame, viewer_role: str) -> pd.DataFrame:
    """A copy of ``partners`` as ``viewer_role`` may see it.

    For the ``public`` role, partners without approval keep their id, type, expertise
    and principles, but their name becomes :data:`geo.schema.ANONYMOUS_PARTNER` and
    website, e-mail and consent details are blanked. Other roles get an unchanged copy.
    """
    _check_role(viewer_role)
    out = partners.copy()
    hidden = _withheld(out, viewer_role)
    if hidden.any():
        out.loc[hidden, "name"] = schema.ANONYMOUS_PARTNER
        for column in ("website", "email", "consent_by", "consent_at"):
            if column in out.columns:
                out.loc[hidden, column] = ""
    return out


def visible_frames(frames: schema.Frames, viewer_role: str) -> schema.Frames:
    """All three frames as ``viewer_role`` may see them.

    Besides :func:`visible_partners`, for the public: activity contacts of withheld
    partners are blanked, and their offices and affiliates (whose names often carry
    the organization's name) are shown by their kind ("Initiative office") instead of
    their name. Community school names are kept: they name schools, not partners.
    """
    partners = visible_partners(frames.partners, viewer_role)
    hidden_ids = set(frames.partners.loc[_withheld(frames.partners, viewer_role), "partner_id"])
    if not hidden_ids:
        return schema.Frames(partners, frames.sites.copy(), frames.activities.copy())
    sites = frames.sites.copy()
    own_place = sites["partner_id"].isin(hidden_ids) & (sites["site_kind"] != "community_school")
    sites.loc[own_place, "name"] = sites.loc[own_place, "site_kind"].map(schema.SITE_KINDS)
    activities = frames.activities.copy()
    activities.loc[activities["partner_id"].isin(hidden_ids), "contact"] = ""
    return schema.Frames(partners, sites, activities)
