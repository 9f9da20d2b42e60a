"""The sites layer: partner sites as compact arrays, clustered on a canvas in the browser
by ``L.partnerSites`` (geo/js/sites.js), and the popup text each site carries.

One ``folium.Marker`` per site is far too heavy for 100,000 sites (see ``/bench``):
coordinates travel delta-encoded as integers at 5 decimals and popup fields
dictionary-encoded; the browser clusters them for each zoom.
"""
from __future__ import annotations

from collections.abc import Mapping

import folium
import numpy as np
import pandas as pd

from geo import schema
from geo.maps.base import check_color
from geo.maps.elements import SitesLayer, script_json

COORD_DECIMALS_SITES = 5

# label -> column of the sites frame shown in a site's popup.
DEFAULT_POPUP_FIELDS: dict[str, str] = {
    "Site": "name",
    "Partner": "partner_name",
    "Kind": "site_kind_label",
}
# The same and what the site's activities say (see :func:`label_sites` with activities);
# empty values are left out of the popup.
DETAILED_POPUP_FIELDS: dict[str, str] = {
    **DEFAULT_POPUP_FIELDS,
    "District": "district_label",
    "County": "county_label",
    "ZIP": "zip",
    "Work": "work_label",
    "Status": "status_label",
    "Dates": "dates_label",
    "Contact": "contact_label",
}


def label_sites(sites: pd.DataFrame, partners: pd.DataFrame,
                activities: pd.DataFrame | None = None) -> pd.DataFrame:
    """``sites`` plus ``partner_name`` and ``site_kind_label`` for popups, and with
    ``activities`` the columns of :data:`DETAILED_POPUP_FIELDS`: district and county
    names, the kinds of work, status(es), dates (earliest start to latest end) and
    contacts: the site's own (``contact``) and those of its activities.

    Pass partners and activities already redacted for the viewer with
    :func:`geo.visibility.visible_frames`: the names and contacts given here are the ones
    the browser receives.
    """
    names = partners.set_index("partner_id")["name"]
    out = sites.copy()
    out["partner_name"] = out["partner_id"].map(names).fillna(schema.ANONYMOUS_PARTNER)
    out["site_kind_label"] = out["site_kind"].map(schema.SITE_KINDS).fillna(out["site_kind"])
    if activities is None:
        return out
    from geo.analysis import gazetteer

    for level, column in (("district", "district_geoid"), ("county", "county_fips")):
        labels = gazetteer.place_table(level).set_index("place_id")["label"]
        out[f"{level}_label"] = out[column].astype("string").map(labels).fillna("")
    if "zip" not in out.columns:
        out["zip"] = ""
    a = activities[activities["area_level"] == "site"].dropna(subset=["site_id"])
    a = a.astype({"site_id": "int64"}).sort_values(["site_id", "activity_id"])
    details = _activity_details(a)
    site_ids = out["site_id"].astype("int64")
    for column in ("work_label", "status_label", "dates_label", "contact_label"):
        out[column] = site_ids.map(details[column]).fillna("").to_numpy() if len(details) else ""
    if "contact" in out.columns:  # the site's own contact first, then its activities'
        own = out["contact"].fillna("").astype("str").str.strip().tolist()
        work = out["contact_label"].astype("str").tolist()
        out["contact_label"] = [_own_contact_first(c, w) for c, w in zip(own, work, strict=True)]
    return out


def _own_contact_first(own: str, work: str) -> str:
    """A site's contact followed by its activities' (``work``, ``"; "``-joined)."""
    if not own:
        return work
    return "; ".join([own, *(c for c in work.split("; ") if c and c != own)])


def labelled_sites(frames: schema.Frames) -> pd.DataFrame:
    """:func:`label_sites` of every site of ``frames`` with its partners and activities
    (the detailed popups), for caching once per data version and viewer role."""
    return label_sites(frames.sites, frames.partners, frames.activities)


def _activity_details(a: pd.DataFrame) -> pd.DataFrame:
    """Per site id: kinds of work, statuses, date span and contacts of its activities.
    ``a`` is sorted by site id and activity id; kinds and contacts keep that order,
    statuses go in the order of :data:`geo.schema.STATUSES`."""
    columns = ["work_label", "status_label", "dates_label", "contact_label"]
    if a.empty:
        return pd.DataFrame(columns=columns)
    site = a["site_id"].to_numpy()
    start = pd.to_datetime(a["start_date"], errors="coerce")
    end = pd.to_datetime(a["end_date"], errors="coerce")
    by_site = pd.DataFrame({"site_id": site, "start": start.to_numpy(), "end": end.to_numpy(),
                            "open": end.isna().to_numpy()}).groupby("site_id")
    first, last, ongoing = by_site["start"].min(), by_site["end"].max(), by_site["open"].any()
    lo = first.dt.strftime("%Y-%m-%d").fillna("")
    hi = last.dt.strftime("%Y-%m-%d").fillna("")
    dates = np.where(ongoing | (hi == ""), np.where(lo != "", "since " + lo, ""),
                     np.where(lo != "", lo + " to " + hi, "until " + hi))
    index = first.index
    kinds = a["kind_of_work"].map(schema.KINDS_OF_WORK).fillna(a["kind_of_work"]).astype("str")
    status = a["status"].fillna("").astype("str")
    order = {s_: i for i, s_ in enumerate(schema.STATUSES)}
    contact = (a["contact"].fillna("").astype("str") if "contact" in a.columns
               else pd.Series("", index=a.index))
    return pd.DataFrame({
        "work_label": _joined_per_site(site, kinds.to_numpy(), index, limit=3),
        "status_label": _joined_per_site(site, status.to_numpy(), index, limit=3,
                                         rank=status.map(order).fillna(9).to_numpy()),
        "dates_label": dates,
        "contact_label": _joined_per_site(site, contact.to_numpy(), index, limit=2),
    }, index=index)


def _joined_per_site(site: np.ndarray, text: np.ndarray, index: pd.Index, *, limit: int,
                     rank: np.ndarray | None = None) -> np.ndarray:
    """For each site of ``index``: its distinct non-empty ``text`` values "; "-joined,
    the first ``limit`` of them and "and N more" (in row order, or by ``rank`` then
    text), "" when it has none. Whole columns at a time: a Python join per site took
    most of a national map's build."""
    rows = pd.DataFrame({"site": site, "text": text})
    if rank is not None:
        rows["rank"] = rank
        rows = rows.sort_values(["site", "rank", "text"], kind="stable")
    rows = rows[rows["text"] != ""].drop_duplicates(["site", "text"])
    position = rows.groupby("site").cumcount().to_numpy()
    total = rows.groupby("site")["text"].transform("size").to_numpy()
    out = pd.Series("", index=index, dtype=object)
    for i in range(limit):
        at = rows.loc[position == i]
        pieces = at["text"].to_numpy(dtype=object)
        if i:
            pieces = "; " + pieces
        out.loc[at["site"].to_numpy()] += pieces
    more = rows.loc[(position == limit)]
    extra = total[position == limit] - limit
    out.loc[more["site"].to_numpy()] += "; and " + extra.astype(str).astype(object) + " more"
    return out.to_numpy(dtype=object)


def _deltas(values: np.ndarray) -> list[int]:
    return np.diff(values, prepend=np.int64(0)).tolist()


def _sites_arrays(sites: pd.DataFrame, *,
                  popup_fields: Mapping[str, str]) -> tuple[dict, list[dict], int]:
    """(points: scale, lat, lon, ids; the popup fields; number of sites placed)."""
    missing = [col for col in ("latitude", "longitude", *popup_fields.values())
               if col not in sites.columns]
    if missing:
        raise ValueError(
            f"the sites frame lacks column(s) {missing} needed by the map; "
            "use geo.maps.label_sites for partner_name and site_kind_label"
        )
    lat = pd.to_numeric(sites["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(sites["longitude"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    scale = 10**COORD_DECIMALS_SITES
    ilat = np.round(lat[ok] * scale).astype(np.int64)
    ilon = np.round(lon[ok] * scale).astype(np.int64)
    order = np.lexsort((ilon, ilat // (scale // 4)))
    rows = sites.loc[ok].iloc[order]
    fields = []
    for label, column in popup_fields.items():
        text = rows[column].astype("string").fillna("").to_numpy(dtype=object)
        codes, uniques = pd.factorize(text)
        field: dict[str, object] = {"key": column, "label": label}
        if len(uniques) == len(text):
            field.update(values=text.tolist(), codes=None)
        else:
            field.update(values=[str(u) for u in uniques], codes=codes.tolist())
        fields.append(field)
    ids = rows["site_id"].astype("int64").tolist() if "site_id" in rows.columns else None
    points = {
        "scale": scale,
        "lat": _deltas(ilat[order]),
        "lon": _deltas(ilon[order]),
        "ids": ids,
    }
    return points, fields, int(ok.sum())


def sites_payload(sites: pd.DataFrame, *, popup_fields: Mapping[str, str]) -> tuple[str, int]:
    """The compact, script-safe JSON of the sites (points and, under ``fields``, the
    popup fields), and the number of sites in it.

    Sites without coordinates are left out (count them before calling to tell users).
    Points are ordered in latitude bands so that delta-encoded coordinates stay short.
    """
    points, fields, n = _sites_arrays(sites, popup_fields=popup_fields)
    return script_json({**points, "fields": fields}), n


def add_sites_layer(
    m: folium.Map,
    sites: pd.DataFrame,
    *,
    popup_fields: Mapping[str, str] = DEFAULT_POPUP_FIELDS,
    color: str = "#1f6feb",
    single_zoom: int = 12,
) -> folium.Map:
    """Add the clustered canvas layer of ``sites`` (columns latitude, longitude, site_id
    and those named in ``popup_fields``, label -> column).

    Clusters split as the user zooms, entirely in the browser; from ``single_zoom`` on
    every site is drawn on its own. Clicking a site opens its popup and comes back from
    ``st_folium`` as ``last_active_drawing`` (a Point Feature with ``site_id`` and the
    popup columns as properties).
    """
    check_color(color, "color")
    points, fields, _ = _sites_arrays(sites, popup_fields=popup_fields)
    SitesLayer(script_json(points), script_json(fields),
               {"color": color, "singleZoom": int(single_zoom)}).add_to(m)
    return m
