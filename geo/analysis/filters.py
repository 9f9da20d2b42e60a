"""Narrowing the frames to what a view asks for (partner, type, kind of work,
principle, status, a state, a date or a date range) before any analysis runs.

Every analysis takes :class:`~geo.schema.Frames`, so a page filters once and passes the
result to the scan, overlap and coverage functions alike. :class:`Filters` is a view's
choice as one frozen, hashable value (what the pages cache analyses on), with the codes
its URL parameters use (:data:`PRINCIPLE_CODES`), the choices a filter panel offers
(:func:`partner_options`, :func:`state_options`, :func:`date_bounds`) and the filters in
words (:func:`summary_lines`).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from geo.analysis import vocabulary
from geo.analysis.places import activity_places
from geo.codes import (  # state_options: the name the pages import from here
    postal_codes,
    state_choices as state_options,  # noqa: F401
)
from geo.schema import (
    EARLIEST_DATE,
    KINDS_OF_WORK,
    LATEST_DATE,
    PARTNER_TYPES,
    STATUSES,
    Frames,
    split_list,
)

DateLike = date | datetime | str | pd.Timestamp


def _timestamp(value: DateLike, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date like 2024-09-01 (got {value!r})") from None
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date like 2024-09-01 (got {value!r})")
    return ts.tz_localize(None) if ts.tzinfo else ts


def _partner_ids(partners: pd.DataFrame, wanted: Iterable[int | str]) -> tuple[set[int], list[str]]:
    ids = {int(i) for i in partners["partner_id"]}
    by_name = {str(n).strip().lower(): int(i)
               for i, n in zip(partners["partner_id"], partners["name"], strict=True)}
    found: set[int] = set()
    problems: list[str] = []
    for item in wanted:
        if isinstance(item, (int, np.integer)) and int(item) in ids:
            found.add(int(item))
        elif isinstance(item, str) and item.strip().isdigit() and int(item) in ids:
            found.add(int(item))
        elif isinstance(item, str) and item.strip().lower() in by_name:
            found.add(by_name[item.strip().lower()])
        else:
            problems.append(f"no partner with id or name {item!r}")
    return found, problems


def _principle_mask(cells: pd.Series, wanted: list[str]) -> np.ndarray:
    wanted_set = set(wanted)
    return np.fromiter((bool(wanted_set.intersection(split_list(c))) for c in cells),
                       bool, len(cells))


def active_mask(activities: pd.DataFrame, *, as_of: DateLike | None = None,
                date_range: tuple[DateLike | None, DateLike | None] | None = None) -> np.ndarray:
    """Which activities count at ``as_of`` or at some time within ``date_range``.

    An activity counts at a date when it started on or before it and did not end before
    it. A missing start date means "started at some unknown time" for active and ended
    activities, but "not started" for planned ones (a planned activity never counts
    before its start date).
    """
    start = pd.to_datetime(activities["start_date"])
    end = pd.to_datetime(activities["end_date"])
    planned = (activities["status"] == "planned").to_numpy()
    keep = np.ones(len(activities), dtype=bool)
    unknown_start = start.isna().to_numpy()
    if as_of is not None:
        day = _timestamp(as_of, "as_of")
        started = (start <= day).to_numpy() | (unknown_start & ~planned)
        not_over = (end.isna() | (end >= day)).to_numpy()
        keep &= started & not_over
    if date_range is not None:
        lo, hi = date_range
        if (lo is not None and hi is not None
                and _timestamp(lo, "date_range start") > _timestamp(hi, "date_range end")):
            raise ValueError(f"date_range starts after it ends ({lo} > {hi}); swap the two dates")
        if hi is not None:
            hi_ts = _timestamp(hi, "date_range end")
            keep &= (start <= hi_ts).to_numpy() | (unknown_start & ~planned)
        if lo is not None:
            lo_ts = _timestamp(lo, "date_range start")
            keep &= (end.isna() | (end >= lo_ts)).to_numpy()
    return keep


def filter_activities(
    frames: Frames,
    *,
    partners: Iterable[int | str] | None = None,
    partner_types: Iterable[str] | None = None,
    kinds: Iterable[str] | str | None = None,
    principles: Iterable[str] | str | None = None,
    statuses: Iterable[str] | str | None = None,
    as_of: DateLike | None = None,
    date_range: tuple[DateLike | None, DateLike | None] | None = None,
) -> Frames:
    """The frames restricted to the chosen partners and activities.

    - ``partners``: partner ids or names (case-insensitive); ``partner_types``: codes or
      labels of :data:`geo.schema.PARTNER_TYPES`. These narrow all three frames.
    - ``kinds`` (codes or labels), ``principles`` (an activity matches when it serves any
      of them), ``statuses``, ``as_of`` and ``date_range`` narrow the activities; see
      :func:`active_mask` for the date rules.
    - Sites are kept when their partner is kept and, if any activity filter is given, when
      at least one kept activity takes place at them.

    ``None`` means "no filter"; an empty list means "nothing". Every unknown value is
    reported in one ``ValueError``.
    """
    p, s, a = frames.partners, frames.sites, frames.activities
    problems: list[str] = []
    keep_partner = np.ones(len(p), dtype=bool)
    if partners is not None:
        ids, bad = _partner_ids(p, list(partners))
        problems += bad
        keep_partner &= p["partner_id"].isin(ids).to_numpy()
    if partner_types is not None:
        by_key = {c: c for c in PARTNER_TYPES} | {v.lower(): c for c, v in PARTNER_TYPES.items()}
        codes = []
        for t in partner_types:
            code = by_key.get(str(t).strip().lower()) or by_key.get(str(t).strip())
            if code is None:
                problems.append(
                    f"unknown partner type {t!r} (valid: "
                    + "; ".join(f"{v} ({c})" for c, v in PARTNER_TYPES.items()) + ")"
                )
            else:
                codes.append(code)
        keep_partner &= p["type"].isin(codes).to_numpy()
    keep_act = np.ones(len(a), dtype=bool)
    activity_filter = False
    for name, values, parse in (("kinds", kinds, vocabulary.kinds),
                                ("statuses", statuses, vocabulary.statuses)):
        if values is None:
            continue
        activity_filter = True
        try:
            codes = parse(values) if values != [] else []
        except vocabulary.UnknownTermError as exc:
            problems.append(str(exc))
            continue
        column = "kind_of_work" if name == "kinds" else "status"
        keep_act &= a[column].isin(codes).to_numpy()
    if principles is not None:
        activity_filter = True
        try:
            wanted = vocabulary.principles(principles)
            keep_act &= _principle_mask(a["principles"], wanted)
        except vocabulary.UnknownTermError as exc:
            problems.append(str(exc))
    if as_of is not None or date_range is not None:
        activity_filter = True
        try:
            keep_act &= active_mask(a, as_of=as_of, date_range=date_range)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError("Cannot apply the filters: " + "; ".join(problems))

    kept_partners = p[keep_partner]
    partner_ids = kept_partners["partner_id"]
    keep_act &= a["partner_id"].isin(partner_ids).to_numpy()
    kept_acts = a[keep_act]
    keep_site = np.array(s["partner_id"].isin(partner_ids).to_numpy(), dtype=bool)
    if activity_filter:
        keep_site &= s["site_id"].isin(kept_acts["site_id"].dropna()).to_numpy()
    return Frames(kept_partners.reset_index(drop=True), s[keep_site].reset_index(drop=True),
                  kept_acts.reset_index(drop=True))


# URL-friendly codes for the six principles (the labels have spaces).
PRINCIPLE_CODES: dict[str, str] = {
    "equity": "Equity",
    "learning": "Learning and Development",
    "community": "Community Engagement",
    "family": "Family Engagement",
    "youth": "Youth Leadership and Engagement",
    "results": "Results-Driven Partnership",
}
STATUS_LABELS: dict[str, str] = {s: s.capitalize() for s in STATUSES}


@dataclass(frozen=True)
class Filters:
    """What a view is narrowed to; empty tuples and None mean "no filter". Principles
    are :data:`PRINCIPLE_CODES` keys, the state a 2-digit FIPS code."""

    partners: tuple[int, ...] = ()
    partner_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    principles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    state_fips: str = ""
    as_of: date | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return self != Filters()

    def apply(self, frames: Frames) -> Frames:
        """``frames`` narrowed by :func:`filter_activities` and, with a state, to the
        sites in it and the activities that touch it (:func:`in_state`)."""
        out = frames
        if self.active:
            date_range = ((self.date_from, self.date_to) if (self.date_from or self.date_to)
                          else None)
            out = filter_activities(
                frames,
                partners=list(self.partners) or None,
                partner_types=list(self.partner_types) or None,
                kinds=list(self.kinds) or None,
                principles=[PRINCIPLE_CODES[p] for p in self.principles] or None,
                statuses=list(self.statuses) or None,
                as_of=self.as_of,
                date_range=date_range,
            )
        if self.state_fips:
            out = in_state(out, self.state_fips)
        return out


def in_state(frames: Frames, state_fips: str) -> Frames:
    """Activities touching the state (by the rules of :mod:`geo.analysis.places`) and
    the sites in it; partners are kept whole so contacts can still be looked up."""
    touched = activity_places(frames, levels=("state",))
    ids = touched.loc[touched["place_id"] == state_fips, "activity_id"]
    acts = frames.activities[frames.activities["activity_id"].isin(ids)].reset_index(drop=True)
    sites = (frames.sites[frames.sites["state_fips"].astype("str") == state_fips]
             .reset_index(drop=True))
    return Frames(frames.partners, sites, acts)


def date_bounds(frames: Frames) -> tuple[date, date]:
    """The first and last date a date filter offers: the dates forms accept
    (:data:`geo.schema.EARLIEST_DATE` to :data:`~geo.schema.LATEST_DATE`), widened to
    every start and end date in the data, so any date the data covers can be picked."""
    lo, hi = EARLIEST_DATE, LATEST_DATE
    a = frames.activities
    for col in ("start_date", "end_date"):
        if col in a.columns:
            days = pd.to_datetime(a[col], errors="coerce").dropna()
            if len(days):
                lo, hi = min(lo, days.min().date()), max(hi, days.max().date())
    return lo, hi


def partner_options(partners: pd.DataFrame) -> dict[str, str]:
    """Partner id (as text) -> name in name order; repeated names (e.g. every withheld
    partner is "A coalition partner" for the public) get their id so each is distinct."""
    rows = sorted(zip(partners["partner_id"].astype("int64").tolist(),
                      partners["name"].astype("str").tolist(), strict=True),
                  key=lambda r: (r[1].lower(), r[0]))
    counts: dict[str, int] = {}
    for _, name in rows:
        counts[name] = counts.get(name, 0) + 1
    return {str(pid): (f"{name} (#{pid})" if counts[name] > 1 else name) for pid, name in rows}


def describe(filters: Filters) -> str:
    """" with these filters" when any filter is on, else "" (for empty-result sentences)."""
    return " with these filters" if filters.active else ""


def summary_lines(filters: Filters, partners: pd.DataFrame) -> list[str]:
    """The filters in words, one line each ("Kind of work: Funding, Policy"), for what
    leaves the page (a downloaded map); ``partners`` are the viewer's (redacted), so a
    partner filter names partners as the viewer sees them. "No filters" when none is on."""
    names = dict(zip(partners["partner_id"].astype("int64"), partners["name"].astype("str"),
                     strict=True))
    lines = []
    if filters.partners:
        lines.append("Partner: " + ", ".join(names.get(p, f"#{p}") for p in filters.partners))
    if filters.partner_types:
        lines.append("Partner type: " + ", ".join(PARTNER_TYPES.get(t, t)
                                                  for t in filters.partner_types))
    if filters.kinds:
        lines.append("Kind of work: " + ", ".join(KINDS_OF_WORK.get(k, k)
                                                  for k in filters.kinds))
    if filters.principles:
        lines.append("Principle: " + ", ".join(filters.principles))
    if filters.statuses:
        lines.append("Status: " + ", ".join(STATUS_LABELS.get(s, s) for s in filters.statuses))
    if filters.state_fips:
        lines.append("State: " + postal_codes().get(filters.state_fips, filters.state_fips))
    if filters.as_of:
        lines.append(f"As of {filters.as_of.isoformat()}")
    if filters.date_from or filters.date_to:
        lines.append(f"Under way between {filters.date_from or '…'} and {filters.date_to or '…'}")
    return lines or ["No filters"]
