"""Withheld partners stay anonymous for the public and visible to everyone else."""
from __future__ import annotations

import pandas as pd
import pytest

from geo import schema
from geo.visibility import visible_frames, visible_partners


@pytest.fixture
def frames() -> schema.Frames:
    partners = pd.DataFrame({
        "partner_id": [1, 2], "name": ["Open Org", "Quiet Org"], "type": ["nonprofit"] * 2,
        "website": ["https://open.example.org", "https://quiet.example.org"],
        "email": ["a@open.example.org", "b@quiet.example.org"], "expertise": ["x", "y"],
        "principles": ["Equity"] * 2, "public": [True, False],
        "consent_by": ["staff@example.org", ""], "consent_at": ["2024-01-01T00:00:00+00:00", ""],
    })
    sites = pd.DataFrame({
        "site_id": [1, 2, 3], "partner_id": [1, 2, 2],
        "name": ["Open Org office", "Quiet Org office", "Lincoln Community School"],
        "site_kind": ["office", "office", "community_school"],
    })
    activities = pd.DataFrame({"activity_id": [1, 2], "partner_id": [1, 2],
                               "contact": ["a@open.example.org", "b@quiet.example.org"]})
    return schema.Frames(partners, sites, activities)


def test_public_sees_only_approved_identities(frames):
    out = visible_partners(frames.partners, "public")
    assert list(out["name"]) == ["Open Org", schema.ANONYMOUS_PARTNER]
    assert list(out["website"]) == ["https://open.example.org", ""]
    assert list(out["email"]) == ["a@open.example.org", ""]
    assert list(out["expertise"]) == ["x", "y"]  # what they do stays visible
    assert frames.partners.loc[1, "name"] == "Quiet Org"  # the input is untouched


@pytest.mark.parametrize("role", ["partner", "staff", "committee"])
def test_signed_in_roles_see_everyone(frames, role):
    out = visible_frames(frames, role)
    assert list(out.partners["name"]) == ["Open Org", "Quiet Org"]
    assert list(out.sites["name"]) == list(frames.sites["name"])


def test_public_frames_hide_names_in_sites_and_contacts(frames):
    out = visible_frames(frames, "public")
    assert list(out.sites["name"]) == ["Open Org office", "Initiative office",
                                       "Lincoln Community School"]
    assert list(out.activities["contact"]) == ["a@open.example.org", ""]
    text = out.partners.to_csv() + out.sites.to_csv() + out.activities.to_csv()
    assert "Quiet" not in text and "quiet" not in text


def test_a_school_that_is_no_community_school_keeps_its_name_like_one(frames):
    sites = pd.concat([frames.sites, pd.DataFrame({
        "site_id": [4], "partner_id": [2], "name": ["Roosevelt Middle School"],
        "site_kind": ["school"]})], ignore_index=True)
    out = visible_frames(schema.Frames(frames.partners, sites, frames.activities), "public")
    assert out.sites["name"].iloc[3] == "Roosevelt Middle School"


def test_unknown_role_is_refused(frames):
    with pytest.raises(ValueError, match="viewer_role must be one of"):
        visible_partners(frames.partners, "admin")


@pytest.fixture
def spelled() -> schema.Frames:
    """Two withheld partners whose names come back spelled differently in free text."""
    partners = pd.DataFrame({
        "partner_id": [1, 2],
        "name": ["Zephyrine Orchard Alliance", "Harborlight Youth Services, Inc."],
        "type": ["nonprofit"] * 2, "website": ["", ""], "email": ["", ""],
        "expertise": ["ZOA mentors; call 850-555-0100", "Harborlight youth services mentoring"],
        "principles": [""] * 2, "public": [False, False], "consent_by": ["", ""],
        "consent_at": ["", ""],
    })
    sites = pd.DataFrame({
        "site_id": [1, 2, 3, 4], "partner_id": [1, 1, 2, 2],
        "name": ["Zephyrine  Orchard  Alliance Elementary",
                 "zephyrine\u00a0orchard-alliance Middle",
                 "Harborlight Youth Services Academy", "HARBORLIGHT-YOUTH SERVICES Inc. Hub"],
        "site_kind": ["community_school"] * 4,
    })
    activities = pd.DataFrame({
        "activity_id": [1, 2], "partner_id": [1, 2], "contact": ["", ""],
        "notes": ["Ask ZOA staff on (850) 555 0101 or +1 850.555.0102",
                  "Run by Harborlight Youth Services since 2019, grades 3-5"],
    })
    return schema.Frames(partners, sites, activities)


def test_withheld_names_are_hidden_however_spelled(spelled):
    out = visible_frames(spelled, "public")
    text = " ".join(out.partners["expertise"]) + " " + " ".join(out.sites["name"]) + " " \
        + " ".join(out.activities["notes"])
    for leak in ("Zephyrine", "zephyrine", "Harborlight", "HARBORLIGHT", "ZOA", "555"):
        assert leak not in text
    assert list(out.sites["name"]) == [
        f"{schema.ANONYMOUS_PARTNER} Elementary", f"{schema.ANONYMOUS_PARTNER} Middle",
        f"{schema.ANONYMOUS_PARTNER} Academy", f"{schema.ANONYMOUS_PARTNER} Inc. Hub"]
    # What is not the name stays: years, grades, the word "youth" alone.
    assert out.activities["notes"].iloc[1].endswith("since 2019, grades 3-5")
    assert out.partners["expertise"].iloc[1] == f"{schema.ANONYMOUS_PARTNER} mentoring"


def test_site_contacts_of_withheld_partners_are_blanked_for_the_public_and_other_partners(frames):
    from geo.auth import Viewer
    from geo.visibility import export_frames

    sites = frames.sites.assign(contact=["a@open.example.org", "Pat at Quiet", "Lee 850-555-0100"])
    both = schema.Frames(frames.partners, sites, frames.activities)
    assert list(visible_frames(both, "public").sites["contact"]) == ["a@open.example.org", "", ""]
    assert list(visible_frames(both, "staff").sites["contact"]) == list(sites["contact"])
    other = export_frames(visible_frames(both, "partner"),
                          Viewer("p@x.org", "partner", partner_id=1))
    assert list(other.sites["contact"]) == ["a@open.example.org", "", ""]
    own = export_frames(visible_frames(both, "partner"), Viewer("q@x.org", "partner", partner_id=2))
    assert list(own.sites["contact"]) == list(sites["contact"])
