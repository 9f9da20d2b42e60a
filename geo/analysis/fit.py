"""Which partners best fit a place's needs.

Scoring (out of 100), for every partner in the frames:

``score = expertise + presence``

- **expertise** (up to 60) = 60 x (needs matched / needs ticked). A ticked principle is
  matched when the partner lists it or any of its current (not ended) activities serves
  it; a ticked kind of work is matched when the partner has a current activity of that
  kind anywhere. With no needs ticked, expertise is 0 and the ranking is by presence.
- **presence** (up to 40), the closest tier of the partner's current work (see
  :mod:`geo.analysis.presence`): 40 in the place itself (its district(s); for a county
  or state, the county or state), 25 elsewhere in the same county or county-wide work
  covering the place, 10 elsewhere in the same state or state-wide work, 0 otherwise.

Ties are broken by the number of the partner's current activities in the place, then by
name. Each score comes with plain reasons ("works on Family Engagement; 3 sites in this
district") and the needs it does not cover ("no Funding work").
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.analysis.lookup import Place
from geo.analysis.presence import activity_tiers, site_tier
from geo.analysis.vocabulary import Needs, parse_needs
from geo.schema import KINDS_OF_WORK, Frames, split_list

EXPERTISE_POINTS = 60
PRESENCE_POINTS = {"here": 40, "county": 25, "state": 10, "none": 0}

FIT_COLUMNS = ("partner_id", "name", "score", "expertise_points", "presence_points",
               "needs_matched", "reasons")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _presence_reason(tier: str, n_sites: dict[str, int], reaches: dict[str, set[str]],
                     place: Place) -> str:
    noun = "this district" if place.is_point else place.noun
    if tier == "here":
        parts = []
        if n_sites.get("here"):
            parts.append(f"{_plural(n_sites['here'], 'site')} in {noun}")
        parts += [f"{r} here" for r in sorted(reaches.get("here", set()) - {"site"})]
        parts += [f"{r} covering this place"
                  for r in sorted(reaches.get("covers", set()) & {"district-wide work"})]
        return "; ".join(parts) or f"works in {noun}"
    if tier == "county":
        parts = []
        if n_sites.get("county"):
            parts.append(f"{_plural(n_sites['county'], 'site')} elsewhere in the same county")
        parts += [f"{r} covering this place"
                  for r in sorted(reaches.get("covers", set()) & {"county-wide work"})]
        return "; ".join(parts) or "works in the same county"
    if tier == "state":
        state = place.state or "the state"
        parts = [f"{r} in {state}"
                 for r in sorted(reaches.get("covers", set()) & {"state-wide work"})]
        if n_sites.get("state") or reaches.get("state"):
            parts.append(f"other work in {state}")
        return "; ".join(parts) or f"works in {state}"
    return (f"no current work in {place.state or 'this state'}" if place.level != "state"
            else "no current work in this state")


def rank_fit(frames: Frames, place: Place, needs=()) -> pd.DataFrame:
    """Every partner ranked by fit to ``place`` and ``needs`` (see the module docstring).

    ``needs``: principle names and kind-of-work codes or labels, as a list, a
    ";"-joined string or :class:`~geo.analysis.vocabulary.Needs`.
    Columns: ``partner_id, name, score, expertise_points, presence_points, needs_matched,
    reasons`` (plain language, ";"-separated), best first.
    """
    wanted: Needs = parse_needs(needs)
    partners = frames.partners
    acts = activity_tiers(frames, place)
    current = acts[acts["status"] != "ended"]

    # Expertise: principles from the partner record and current activities; kinds from activities.
    own_principles = {int(pid): set(split_list(p))
                      for pid, p in zip(partners["partner_id"], partners["principles"],
                                        strict=True)}
    act_principles: dict[int, set[str]] = {}
    pairs = current[["partner_id", "principles"]].drop_duplicates()
    for pid, cell in zip(pairs["partner_id"].tolist(), pairs["principles"].tolist(), strict=True):
        if cell:
            act_principles.setdefault(int(pid), set()).update(split_list(cell))
    kinds_by_partner: dict[int, set[str]] = {}
    pairs = current[["partner_id", "kind_of_work"]].drop_duplicates()
    for pid, kind in zip(pairs["partner_id"].tolist(), pairs["kind_of_work"].tolist(), strict=True):
        kinds_by_partner.setdefault(int(pid), set()).add(kind)

    # Presence: best tier of current activities, plus sites (a site is presence too).
    site_rows = frames.sites.assign(tier=site_tier(frames.sites, place))
    tiers = pd.concat([
        current[["partner_id", "tier", "reach"]],
        site_rows[["partner_id", "tier"]].assign(reach="site"),
    ], ignore_index=True)
    here_acts = current[current["tier"] == "here"].groupby("partner_id").size().to_dict()
    site_counts = site_rows.groupby(["partner_id", "tier"]).size().to_dict()
    reach_by: dict[tuple[int, str], set[str]] = {}
    triples = tiers.drop_duplicates()
    for pid, tier, reach in zip(triples["partner_id"].tolist(), triples["tier"].tolist(),
                                triples["reach"].tolist(), strict=True):
        reach_by.setdefault((int(pid), tier), set()).add(reach)

    rows = []
    for pid, name in zip(partners["partner_id"], partners["name"], strict=True):
        pid = int(pid)
        matched: list[str] = []
        missing: list[str] = []
        principles_known = own_principles.get(pid, set()) | act_principles.get(pid, set())
        for p in wanted.principles:
            (matched if p in principles_known else missing).append(p)
        for k in wanted.kinds:
            (matched if k in kinds_by_partner.get(pid, set()) else missing).append(KINDS_OF_WORK[k])
        expertise = EXPERTISE_POINTS * len(matched) / len(wanted) if wanted else 0.0

        reaches = {t: reach_by.get((pid, t), set()) for t in ("here", "covers", "county", "state")}
        n_sites = {t: int(site_counts.get((pid, t), 0)) for t in ("here", "county", "state")}
        if (reaches["here"]
                or "district-wide work" in reaches["covers"]):  # (a ZIP code in the district)
            tier = "here"
        elif reaches["county"] or "county-wide work" in reaches["covers"]:
            tier = "county"
        elif reaches["state"] or "state-wide work" in reaches["covers"]:
            tier = "state"
        else:
            tier = "none"
        presence = PRESENCE_POINTS[tier]
        reasons = []
        if matched:
            reasons.append("works on " + ", ".join(matched))
        reasons.append(_presence_reason(tier, n_sites, reaches, place))
        if missing:
            reasons.append("no " + ", ".join(missing) + " listed")
        rows.append((pid, str(name), round(expertise + presence, 1), round(expertise, 1), presence,
                     len(matched), "; ".join(reasons), here_acts.get(pid, 0)))
    out = pd.DataFrame(rows, columns=[*FIT_COLUMNS, "_here"])
    out = out.sort_values(["score", "_here", "name"], ascending=[False, False, True], kind="stable")
    out = out.drop(columns="_here").reset_index(drop=True)
    out["score"] = out["score"].astype("float64")
    out.index = np.arange(1, len(out) + 1)
    out.index.name = "rank"
    return out
