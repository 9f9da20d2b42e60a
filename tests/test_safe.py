"""Escaping helpers: what a hostile partner name or link turns into."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from geo.safe import escape_text, json_for_script, safe_url, safe_urls, spreadsheet_cell


# --- safe_url -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://example.org",
        "http://example.org/path?q=1&r=2#frag",
        "HTTPS://Example.org/Upper",
        "https://community-schools.example.org:8443/a",
    ],
)
def test_safe_url_keeps_http_and_https_links(url):
    assert safe_url(url) == url


def test_safe_url_strips_surrounding_whitespace():
    assert safe_url("  https://example.org/ \n") == "https://example.org/"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "JAVASCRIPT:alert(document.cookie)",
        " javascript:alert(1)",
        "\tjavascript:alert(1)",
        "\x00javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "VbScript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/",
        "//evil.example.org/",          # protocol-relative: no scheme of its own
        "/relative/path",
        "example.org",
        "https:evil.example.org",        # no host
        "https://",
        "https://exa mple.org",          # whitespace inside
        "https://[::1",                  # unparseable host
        "",
        "   ",
        None,
        float("nan"),
    ],
)
def test_safe_url_refuses_everything_else(url):
    assert safe_url(url) == ""


def test_safe_urls_checks_a_column_like_safe_url():
    column = pd.Series(["https://example.org", "javascript:alert(1)", None, "https://example.org",
                        float("nan"), pd.NA, " https://b.example.org ", "java\tscript:x"] * 3)
    assert safe_urls(column) == [safe_url(v) for v in column]
    assert safe_urls([]) == []


# --- escape_text ----------------------------------------------------------------------
def test_escape_text_escapes_markup_and_quotes():
    payload = """<script>alert("x")</script><img src=x onerror='alert(1)'>"""
    out = escape_text(payload)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    assert out.startswith("&lt;script&gt;alert(&quot;x&quot;)")
    assert "&#x27;alert(1)&#x27;" in out


def test_escape_text_neutralises_template_literal_breakouts():
    # folium writes popup HTML inside `...`; these must not end it or interpolate.
    out = escape_text("`; alert(1); `${alert(2)}\\u{zz}")
    assert "`" not in out and "$" not in out and "\\" not in out
    assert out == "&#96;; alert(1); &#96;&#36;{alert(2)}&#92;u{zz}"


def test_escape_text_round_trips_through_an_html_parser():
    import html

    text = """Tom & Jerry's "Club" <b>`${x}`\\"""
    assert html.unescape(escape_text(text)) == text


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_escape_text_shows_missing_values_as_empty(missing):
    assert escape_text(missing) == ""


def test_escape_text_converts_non_text():
    assert escape_text(42) == "42"
    assert escape_text("plain name") == "plain name"


# --- json_for_script ------------------------------------------------------------------
def test_json_for_script_cannot_close_the_script_element():
    data = {"name": "</script><script>alert(1)</script>", "note": "<!-- & -->"}
    out = json_for_script(data)
    assert "</script" not in out.lower()
    assert "<" not in out and ">" not in out and "&" not in out
    # Still JSON with the very same value.
    assert json.loads(out) == data


def test_json_for_script_escapes_line_separators():
    data = ["a\u2028b", "c\u2029d"]
    out = json_for_script(data)
    assert "\u2028" not in out and "\u2029" not in out
    assert "\\u2028" in out and "\\u2029" in out
    assert json.loads(out) == data


def test_json_for_script_keeps_ordinary_text_readable():
    out = json_for_script({"name": "Escuela Comunitaria Niños", "n": 3})
    assert out == '{"name": "Escuela Comunitaria Niños", "n": 3}'


def test_json_for_script_refuses_unserialisable_values():
    with pytest.raises(TypeError):
        json_for_script({"when": object()})


# --- spreadsheet_cell -----------------------------------------------------------------
@pytest.mark.parametrize(
    "cell",
    ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"],
)
def test_spreadsheet_cell_neutralises_formulas(cell):
    assert spreadsheet_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Boys & Girls Club", "", "a=b", -5, 3.5, None])
def test_spreadsheet_cell_leaves_other_values_alone(cell):
    assert spreadsheet_cell(cell) == cell


def test_spreadsheet_cell_leaves_nan_alone():
    assert math.isnan(spreadsheet_cell(float("nan")))


@pytest.mark.parametrize(("cell", "safe"), [
    ('Leon;=HYPERLINK("http://evil","x")', 'Leon;\'=HYPERLINK("http://evil","x")'),
    ("a, -HYPERLINK(1)", "a, '-HYPERLINK(1)"),
    ("x|@SUM(A1)", "x|'@SUM(A1)"),
    ("one\n=1+1", "one\n'=1+1"),
    ('x;"=cmd"', 'x;"\'=cmd"'),
])
def test_spreadsheet_cell_neutralises_formulas_after_a_separator(cell, safe):
    # Opened with another list separator (";" in much of Europe) the cell splits there.
    assert spreadsheet_cell(cell) == safe


@pytest.mark.parametrize("cell", ["grades 3-5, -84.28", "call, +1 (850) 555-0100",
                                  "Smith, - met the principal", "Leon; Wakulla"])
def test_spreadsheet_cell_leaves_ordinary_separated_text_alone(cell):
    assert spreadsheet_cell(cell) == cell


def test_is_formula_like_refuses_formulas_keeps_numbers_and_phones() -> None:
    from geo.safe import is_formula_like

    for value in ("=1+2", "@SUM(A1)", "+cmd|' /C calc'!A0", "-HYPERLINK(\"x\")", "+A1"):
        assert is_formula_like(value), value
    for value in ("", "+", "-", "+1 (850) 555-0100", "-84.28", "- met the principal",
                  "Lincoln; =x", "a=b"):
        assert not is_formula_like(value), value
