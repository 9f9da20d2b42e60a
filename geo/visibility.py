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
site and activity contacts are blanked; its offices and affiliates are shown by their
kind; and free text written about it (expertise, activity notes, site names) has the
partner's name, website, web host, any e-mail address and any phone number taken out,
since such text often repeats them.

The name is matched the way partner de-duplication compares names
(:func:`geo.importer.dedupe.loose_words`): whatever the case, spacing (double or
non-breaking spaces), punctuation or hyphens between the words, and with or without a
legal suffix ("Inc.", "LLC", "Corp", "Foundation"), so "Harborlight Youth Services,
Inc." also hides "Harborlight Youth Services Academy". Its acronym (the initials of
those words, three letters or more, in capitals: "ZOA") is taken out too.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from geo import schema
from geo.auth import ROLES, Viewer, can_see_all_names
from geo.importer.dedupe import loose_words

WITHHELD = "[withheld]"
_EMAIL = re.compile(r"[^\s@<>\"'`]+@[^\s@<>\"'`]+\.[^\s@<>\"'`]+")
# A North American phone number, however written: +1 (850) 555-0100, 850.555.0100, ...
_PHONE = re.compile(r"(?<![\w+])(?:\+?1[\s.\-\u00a0]*)?\(?\d{3}\)?[\s.\-\u00a0]*\d{3}"
                    r"[\s.\-\u00a0]*\d{4}(?:\s*(?:x|ext\.?)\s*\d{1,6})?(?!\w)", re.IGNORECASE)
# Words that do not make a name: they are left out of a withheld partner's pattern.
_NOT_NAME = frozenset({"foundation", "fund", "association"})
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


def _name_pattern(name: str) -> tuple[str, str]:
    """Regex sources matching ``name`` however spaced or punctuated (case ignored), and
    its capital-letter acronym (``""`` when shorter than three letters)."""
    words = loose_words(name)
    while len(words) > 1 and words[-1] in _NOT_NAME:
        words = words[:-1]
    if not words or sum(len(w) for w in words) < 3:
        return "", ""
    # Between two words: anything that is not a letter or digit (spaces of any kind,
    # hyphens, commas, underscores).
    source = r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?![^\W_])"
    initials = "".join(w[0] for w in words if w[0].isalpha()).upper()
    acronym = rf"\b{re.escape(initials)}\b" if len(initials) >= 3 and len(words) >= 3 else ""
    return source, acronym


def _identity_patterns(partners: pd.DataFrame) -> dict[int, re.Pattern[str]]:
    """Per withheld partner id: a pattern matching its name (loosely, see the module
    docstring), its acronym, website and web host."""
    patterns: dict[int, re.Pattern[str]] = {}
    for row in partners.to_dict("records"):
        literal = []
        website = str(row.get("website", "") or "")
        if website:
            host = urlsplit(website).hostname or ""
            literal += [website, host, host.removeprefix("www.")]
        literal = sorted({w.strip() for w in literal if len(w.strip()) >= 3}, key=len, reverse=True)
        name, acronym = _name_pattern(str(row["name"]))
        parts = [f"(?i:{re.escape(w)})" for w in literal]
        parts += [f"(?i:{name})"] if name else []
        parts += [acronym] if acronym else []
        if parts:
            patterns[int(row["partner_id"])] = re.compile("|".join(parts))
    return patterns


def _scrub(text: object, pattern: re.Pattern[str] | None) -> object:
    """``text`` without e-mail addresses, phone numbers and what ``pattern`` matches."""
    if not isinstance(text, str) or not text:
        return text
    out = _PHONE.sub(WITHHELD, _EMAIL.sub(WITHHELD, text))
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
    scrubbed: list[Any] = [  # cell values: text scrubbed, anything else as it was
        _scrub(text, patterns.get(int(owner)))
        for text, owner in zip(frame.loc[rows, column], owners[rows], strict=True)
    ]
    frame.loc[rows, column] = scrubbed


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

    Besides :func:`visible_partners`, for the public: site and activity contacts of
    withheld partners are blanked and their notes scrubbed; their offices and affiliates
    (whose names often carry the organization's name) are shown by their kind ("Initiative
    office") instead of their name, and their schools (community schools or not) keep
    the school's name with the partner's name taken out.
    """
    partners = visible_partners(frames.partners, viewer_role)
    hidden = _withheld(frames.partners, viewer_role)
    if not hidden.any():
        return schema.Frames(partners, frames.sites.copy(), frames.activities.copy())
    patterns = _identity_patterns(frames.partners[hidden])
    hidden_ids = [int(i) for i in frames.partners.loc[hidden, "partner_id"]]

    sites = frames.sites.copy()
    theirs = sites["partner_id"].isin(hidden_ids)
    own_place = theirs & ~sites["site_kind"].isin(schema.SCHOOL_SITE_KINDS)
    sites.loc[own_place, "name"] = sites.loc[own_place, "site_kind"].map(schema.SITE_KINDS)
    _scrub_column(sites, "name", sites["partner_id"].where(theirs & ~own_place, -1), patterns)
    if "contact" in sites.columns:
        sites.loc[theirs, "contact"] = ""

    activities = frames.activities.copy()
    if "contact" in activities.columns:
        activities.loc[activities["partner_id"].isin(hidden_ids), "contact"] = ""
    _scrub_column(activities, "notes", activities["partner_id"], patterns)
    return schema.Frames(partners, sites, activities)


def export_frames(frames: schema.Frames, viewer: Viewer) -> schema.Frames:
    """``frames`` (already :func:`visible_frames` for the viewer) as ``viewer`` may
    download them.

    A partner user sees every partner's name, but the private fields of *other*
    partners travel in its exports only where that partner approved public listing:
    for the others, the partner's e-mail and consent details, its sites' contacts and
    its activities' contacts and notes, are blanked. Its own records are complete. Other
    roles get the frames unchanged (the public's are already redacted; staff and committee see all).
    """
    if viewer.role != "partner":
        return frames
    own = viewer.partner_id
    partners = frames.partners.copy()
    private = (~partners["public"].fillna(False).astype(bool)) & (partners["partner_id"] != own)
    for column in ("email", "consent_by", "consent_at"):
        if column in partners.columns:
            partners.loc[private, column] = ""
    hidden = set(int(p) for p in partners.loc[private, "partner_id"])
    activities = frames.activities.copy()
    theirs = activities["partner_id"].isin(hidden)
    for column in ("contact", "notes"):
        if column in activities.columns:
            activities.loc[theirs, column] = ""
    sites = frames.sites.copy()
    if "contact" in sites.columns:
        sites.loc[sites["partner_id"].isin(hidden), "contact"] = ""
    return schema.Frames(partners, sites, activities)


# Columns of analysis tables that carry a partner's id ("partner_id", "partner_a_id").
_PARTNER_ID_COLUMN = re.compile(r"^(?:partner_id|partner_[a-z]_id|[a-z]_partner_id)$")


def public_download(table: pd.DataFrame, partners: pd.DataFrame, viewer_role: str) -> pd.DataFrame:
    """``table`` as a download for ``viewer_role``: for the public, the partner-id
    columns are emptied on the rows of withheld partners, so their rows cannot be
    linked to each other (their work stays in the table under
    :data:`geo.schema.ANONYMOUS_PARTNER`). Other roles get ``table`` unchanged."""
    hidden = _withheld(partners, viewer_role)
    if not hidden.any():
        return table
    hidden_ids = {int(p) for p in partners.loc[hidden, "partner_id"]}
    out = table.copy()
    for column in [c for c in out.columns if _PARTNER_ID_COLUMN.match(str(c))]:
        ids = pd.to_numeric(out[column], errors="coerce")
        withheld = ids.isin(hidden_ids)
        if withheld.any():
            out[column] = out[column].astype("object").where(~withheld, None)
    return out


def pickable_partners(partners: pd.DataFrame, viewer_role: str) -> pd.DataFrame:
    """The partners ``viewer_role`` may pick one by one (filters, ``?partner=``): for
    the public only the approved ones, so no withheld partner's footprint can be
    singled out; every partner for the other roles."""
    return partners[~_withheld(partners, viewer_role)]


def viewer_note(role: str) -> str:
    """The line saying whose view a brief is: for the public, that unlisted partners show
    as "A coalition partner"; for a signed-in role, not to share it beyond the coalition."""
    if role == "public":
        return ("Public view: partners that have not approved public listing appear as "
                f"“{schema.ANONYMOUS_PARTNER}”.")
    return (f"Prepared for a signed-in {role}: includes partners not listed publicly; "
            "do not share beyond the coalition.")
