"""The shared code rules of geo.codes: which forms are accepted and which refused."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geo import codes


@pytest.mark.parametrize("value, code, restored", [
    ("32301", "32301", False),
    (" 32301 ", "32301", False),
    ("32301-1234", "32301", False),
    ("32301 1234", "32301", False),
    ("323011234", "32301", False),
    (32301, "32301", False),
    (32301.0, "32301", False),
    (np.float64(32301.0), "32301", False),
    ("2134", "02134", True),
    (2134, "02134", True),
    ("501", "00501", True),
])
def test_read_zip_accepts(value: object, code: str, restored: bool) -> None:
    assert codes.read_zip(value) == codes.ZipRead(code, restored)


@pytest.mark.parametrize("value", [
    None, pd.NA, math.nan, "", "   ", "3230A", "12", "21", "3230112", "32301-12",
    "32301--1234", "32301-12345", "3230112345", 3.5, math.inf, "ZIP 32301",
])
def test_read_zip_refuses(value: object) -> None:
    assert codes.read_zip(value) is None


def test_is_zip5_only_five_ascii_digits() -> None:
    assert codes.is_zip5("32301") and codes.is_zip5("02134")
    for text in ("3230", "323011", "32301-1234", " 32301", "\u0663\u0662\u0663\u0660\u0661",
                 32301, None):
        assert not codes.is_zip5(text), text


def test_place_ids_by_level() -> None:
    assert codes.PLACE_ID_DIGITS == {"state": 2, "county": 5, "district": 7}
    assert codes.level_of_id("12") == "state"
    assert codes.level_of_id("12073") == "county"
    assert codes.level_of_id("1201110") == "district"
    for text in ("1", "123", "1234", "123456", "12345678", "12a", "", "\u0661\u0662", 12.0):
        assert codes.level_of_id(text) is None, text
    assert codes.is_place_id("county", "12073")
    assert not codes.is_place_id("county", "1207")
    assert not codes.is_place_id("district", "12073")
    assert not codes.is_place_id("zip", "32301")  # not a Census place level
    assert not codes.is_place_id("state", 12)


def test_find_state_by_postal_name_or_fips() -> None:
    for value in ("FL", "fl", " Fl ", "Florida", "FLORIDA", "12", 12, 12.0):
        found = codes.find_state(value)
        assert found == codes.State("12", "FL", "Florida"), value
    assert codes.find_state("1").postal == "AL"  # a FIPS code that lost its zero
    assert codes.find_state("DC").name == "District of Columbia"
    assert codes.find_state("PR").fips == "72"
    for value in ("Flordia", "F", "123", "12.5", 12.5, "", None, math.nan):
        assert codes.find_state(value) is None, value


def test_state_lists() -> None:
    postal = codes.postal_codes()
    assert postal["12"] == "FL" and postal["06"] == "CA"
    assert len(postal) == len(codes.states()) >= 51
    choices = codes.state_choices()
    assert choices["FL"] == "Florida (FL)"
    names = [label.rsplit(" (", 1)[0] for label in choices.values()]
    assert names == sorted(names)


def test_vocab_key() -> None:
    for typed in ("Technical assistance", " technical_ASSISTANCE ", "Technical-Assistance",
                  "technical  /  assistance"):
        assert codes.vocab_key(typed) == "technical assistance", typed
    assert codes.vocab_key("STRASSE") == codes.vocab_key("stra\u00dfe")  # case folded


def test_code_lookup_codes_labels_and_label_parts() -> None:
    table = codes.code_lookup({"implementation": "Implementation / direct services",
                               "policy": "Policy and advocacy"})
    assert table[codes.vocab_key("IMPLEMENTATION")] == "implementation"
    assert table[codes.vocab_key("Implementation / direct services")] == "implementation"
    assert table[codes.vocab_key("direct services")] == "implementation"
    assert table[codes.vocab_key("policy and advocacy")] == "policy"
    assert codes.vocab_key("advocacy") not in table
    plain = codes.code_lookup(("planned", "active"))
    assert plain == {"planned": "planned", "active": "active"}


@pytest.mark.parametrize("typed, code", [
    ("technical_assistance", "technical_assistance"),
    ("Technical Assistance", "technical_assistance"),
    ("technical-assistance", "technical_assistance"),
    ("Technical assistance and coaching", "technical_assistance"),
    ("direct services", "implementation"),
    ("Convening / network building", "convening"),
])
def test_every_reader_of_kind_of_work_matches_the_same_spellings(typed: str, code: str) -> None:
    """The import, the analysis filters and the store's checks read a typed kind of work
    through the one rule (geo.codes.vocab_key), so they accept the same spellings."""
    from geo.analysis.vocabulary import kinds
    from geo.db.validation import check_activities
    from geo.importer.terms import VOCABULARIES

    assert VOCABULARIES["kind_of_work"].read(typed) == code
    assert kinds([typed]) == [code]
    row = pd.DataFrame([{"activity_id": 1, "partner_id": 1, "site_id": None,
                         "area_level": "state", "area_id": "12", "kind_of_work": typed,
                         "principles": "", "status": "active", "start_date": None,
                         "end_date": None, "contact": "", "notes": ""}])
    checked, problems = check_activities(row)
    assert problems == [] and checked.loc[0, "kind_of_work"] == code
