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
    assert list(out.sites["name"]) == ["Open Org office", "Initiative office", "Lincoln Community School"]
    assert list(out.activities["contact"]) == ["a@open.example.org", ""]
    text = out.partners.to_csv() + out.sites.to_csv() + out.activities.to_csv()
    assert "Quiet" not in text and "quiet" not in text


def test_unknown_role_is_refused(frames):
    with pytest.raises(ValueError, match="viewer_role must be one of"):
        visible_partners(frames.partners, "admin")
