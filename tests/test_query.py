"""Strict parsing of URL query values (pages/_query.py): bad values are refused."""
import datetime as dt

from pages import _query as q


def test_choice_accepts_only_listed_values():
    assert q.parse_choice("district", ["state", "district"]) == "district"
    assert q.parse_choice("District", ["state", "district"]) is None
    assert q.parse_choice("__import__('os')", ["state"]) is None


def test_list_refuses_any_unknown_item():
    assert q.parse_list("funding,policy",
                        ["funding", "policy", "research"]) == ["funding", "policy"]
    assert q.parse_list("funding,evil", ["funding", "policy"]) is None
    assert q.parse_list("", ["funding"]) is None


def test_pattern_must_match_whole_value():
    assert q.parse_pattern("1201110", r"\d{7}") == "1201110"
    assert q.parse_pattern("1201110;drop", r"\d{7}") is None


def test_numbers_and_dates_are_bounded():
    assert q.parse_float("2.5", lo=0, hi=50) == 2.5
    assert q.parse_float("500", lo=0, hi=50) is None
    assert q.parse_float("1e308", lo=0, hi=50) is None
    assert q.parse_float("nan", lo=0, hi=50) is None
    assert q.parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert q.parse_date("2023-02-29") is None
    assert q.parse_date("yesterday") is None
