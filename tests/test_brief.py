"""The printable brief (geo/brief.py) on real scans of the sample data."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from shapely.geometry import box

from geo import schema
from geo.analysis import resolve_place, scan
from geo.brief import MAX_PARTNER_ROWS, brief_html, static_map_svg
from geo.sample import make_sample
from geo.visibility import visible_frames

CHICAGO = "1709930"  # Chicago Public School District 299: many sample partners
LEON = "1201110"     # Leon County, FL: no sample partner works there
EVIL = "<script>alert('x')</script>"
DAY = dt.date(2025, 3, 14)


@pytest.fixture(scope="module")
def frames() -> schema.Frames:
    return make_sample()


def _with_evil_partner(frames: schema.Frames) -> tuple[schema.Frames, int]:
    """The sample with the first partner present in Chicago renamed to a script and
    given a javascript: website."""
    place = resolve_place(district=CHICAGO)
    pid = int(scan(frames, place).partners["partner_id"].iloc[0])
    partners = frames.partners.copy()
    hit = partners["partner_id"] == pid
    partners.loc[hit, "name"] = EVIL
    partners.loc[hit, "website"] = "javascript:alert(1)"
    partners.loc[hit, "public"] = True
    return schema.Frames(partners, frames.sites, frames.activities), pid


def test_untrusted_names_are_escaped_and_bad_links_dropped(frames):
    evil_frames, _ = _with_evil_partner(frames)
    result = scan(evil_frames, resolve_place(district=CHICAGO), radius_mi=3)
    html = brief_html(result, generated=DAY)
    assert "<script" not in html.lower()  # the brief has no script at all, and the name is inert
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "javascript:" not in html
    # Good links survive as links.
    good = result.partners.loc[result.partners["partner"] != EVIL, "website"].iloc[0]
    assert f'href="{good}"' in html


def test_brief_holds_map_partners_need_date_and_choices(frames):
    place = resolve_place(district=CHICAGO)
    result = scan(frames, place, radius_mi=5, needs=["Family Engagement", "funding"])
    html = brief_html(result, generated=DAY, sample_data=True)
    assert html.startswith("<!DOCTYPE html>") and "@page" in html and "@media print" in html
    assert re.search(r"<svg[^>]*viewBox=", html) and "</svg>" in html
    # One dot per site found, drawn on the map.
    assert html.count('r="3" fill=') == len(result.sites) > 0
    assert len(result.partners) < MAX_PARTNER_ROWS
    # every partner found
    assert all(f"<b>{name}</b>" in html for name in result.partners["partner"])
    assert " more partner" not in html
    assert "Chicago Public School District 299, IL" in html
    assert "Urban Institute" in html
    need = result.need.iloc[0]
    assert f"{need['children_5_17']:,.0f}" in html and f"{need['pct_poverty']:.1f}%" in html
    assert "2025-03-14" in html
    assert "Radius: 5 mi" in html and "Needs: Family Engagement, Funding" in html
    assert "Sample data" in html
    assert "Best fit for the needs ticked" in html
    # Self-contained: nothing is fetched when it opens.
    assert not re.search(r"""(src|href)=["']?(?!https?://[^"']*example\.org)[^"'#]*//""", html)
    assert "<link" not in html and "<img" not in html


def test_public_brief_never_names_a_withheld_partner(frames):
    public = visible_frames(frames, "public")
    result = scan(public, resolve_place(state="IL"))
    html = brief_html(result, generated=DAY, max_partners=100)
    withheld = frames.partners.loc[~frames.partners["public"], "name"]
    assert schema.ANONYMOUS_PARTNER in html
    assert not [n for n in withheld if n in html]


def test_empty_scan_says_so_in_plain_words(frames):
    result = scan(frames, resolve_place(district=LEON))
    html = brief_html(result, generated=DAY)
    assert "No partner works in this district yet." in html
    assert "No partner works here yet." in html
    assert "Sample data" not in html


def test_long_partner_lists_are_cut_with_a_count(frames):
    result = scan(frames, resolve_place(state="IL"))
    assert len(result.partners) > 3
    html = brief_html(result, generated=DAY, max_partners=3)
    assert f"and {len(result.partners) - 3} more partners" in html


def test_svg_projects_the_place_into_the_box_and_sites_where_they_are():
    square = box(-90.0, 40.0, -89.0, 41.0)
    sites = pd.DataFrame({"latitude": [40.5, 40.9], "longitude": [-89.5, -89.1],
                          "community_school": [True, False]})
    svg = static_map_svg(square, sites=sites, width=400, height=300)
    dots = [(float(x), float(y), fill) for x, y, fill in
            re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="3" fill="(#\w+)"', svg)]
    assert len(dots) == 2
    by_fill = {fill: (x, y) for x, y, fill in dots}
    cx, cy = by_fill["#b3261e"]       # the community school, filled, at the square's centre
    assert abs(cx - 200) < 1 and abs(cy - 150) < 1
    nx, ny = by_fill["#ffffff"]       # north-east of the centre: right of it and higher up
    assert nx > cx and ny < cy
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d",
                                            svg.split('fill="#cfe3fb"')[0].split("<path d=")[-1])]
    assert numbers and min(numbers) >= 0 and max(numbers) <= 400
    assert "mi</text>" in svg  # a scale bar


def test_svg_radius_circle_and_point_marker():
    from shapely.geometry import Point

    svg = static_map_svg(Point(-87.63, 41.88), center=(41.88, -87.63), radius_mi=5, width=300,
                         height=300)
    circle = re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" fill="none"', svg)
    assert circle, svg
    r = float(circle.group(3))
    assert 100 < r <= 150  # the 5-mile circle fills most of the square view
    assert 'stroke="#b3261e" stroke-width="2.2"' in svg  # the point's cross


def test_brief_is_a_handout_every_partner_contact_school_and_the_ranking_of_the_app(frames):
    place = resolve_place(district=CHICAGO)
    result = scan(frames, place, radius_mi=5, needs=["Equity", "funding"])
    html = brief_html(result, generated=DAY)
    # Every contact of every partner, not "+2 more".
    for _, row in result.partners.iterrows():
        for contact in {c.strip() for c in f"{row['email']};{row['contact']}".split(";")
                        if c.strip()}:
            assert contact in html, contact
    assert "more</span>" not in html
    # Community schools by name and where they are, not only a count.
    schools = result.sites[result.sites["community_school"]]
    assert len(schools) > 10
    assert all(f"<b>{name}</b>" in html for name in schools["site"].head(50))
    assert f"ZIP {schools['zip'].iloc[0]}" in html
    # The best fit: the same ranking as the Best fit tab (one function), absent partners included.
    best = result.best_fit(10)
    ranked = re.findall(r"<tr><td class=num>(\d+)</td><td><b>([^<]+)</b></td>"
                        r"<td class=num><b>([\d.]+)</b>", html)
    assert [(int(r), n, float(sc)) for r, n, sc in ranked] == [
        (int(rank), name, float(score))
        for rank, name, score in zip(best.index, best["name"], best["score"], strict=True)]
    # partners elsewhere that fit are ranked with the rest
    assert "not here" in set(best["presence"])
    # What, when, sources.
    assert "What this brief shows:" in html and "records as of 2025-03-14" in html
    assert "US Census Bureau" in html and "Urban Institute" in html


def test_radius_is_drawn_around_a_district_and_unlisted_partners_can_be_reached(frames):
    public = visible_frames(frames, "public")
    result = scan(public, resolve_place(district=CHICAGO), radius_mi=5)
    html = brief_html(result, generated=DAY)
    ring = re.search(r'<path class="radius" d="M([^"]+)"', html)
    assert ring, "a dashed line 5 miles beyond the district"
    assert "dashed line: 5 mi beyond its edge" in html
    state = scan(public, resolve_place(state="IL"))
    assert schema.ANONYMOUS_PARTNER in set(state.partners["partner"])
    assert "write to the coalition" in brief_html(state, generated=DAY)
    assert "write to the coalition" not in brief_html(scan(frames, resolve_place(state="IL")),
                                                      generated=DAY)
    # Without a radius, no ring.
    assert 'class="radius"' not in brief_html(scan(public, resolve_place(district=CHICAGO)),
                                              generated=DAY)
