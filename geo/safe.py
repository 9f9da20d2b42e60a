"""Helpers that make untrusted text safe in the places the app shows it.

Partner names, notes, contacts and uploaded values are written by people we do not
control, so every one of them passes through this module before it reaches a page, a
map, a script block or a spreadsheet:

* :func:`escape_text` for HTML text and attribute values. Besides what
  :func:`html.escape` does, it also encodes the backtick, ``$`` and backslash, because
  folium places popup and tooltip HTML inside JavaScript template literals
  (`` `...` ``) where those three characters would end the literal, start a
  ``${...}`` expression or form an escape sequence. Encoded, they still *look* the same
  in the browser.
* :func:`safe_url` for ``href`` values: only ``http`` and ``https`` links survive.
* :func:`json_for_script` for data embedded in a ``<script>`` element.
* :func:`markdown_text` for text placed in Streamlit markdown (labels, messages,
  radio options): no link, image, HTML or emphasis starts.
* :func:`spreadsheet_cell` for CSV/Excel exports (formula injection), and
  :func:`is_formula_like`, the stricter-to-trigger test an import uses to refuse a cell
  (see :mod:`geo.importer.cells`).
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from geo.text import is_missing

_ALLOWED_SCHEMES = frozenset({"http", "https"})

# Characters html.escape leaves alone but that are live inside a JS template literal.
_TEMPLATE_LITERAL_ENTITIES = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})

# Characters json.dumps leaves alone but that end or confuse a <script> element:
# "</script>" and "<!--" close or change the element; U+2028/U+2029 end a line in
# older JavaScript parsers; "&" is escaped so the text is also safe in XHTML.
# (Replaced one character at a time: str.replace scans in C at memory speed, where
# str.translate looks every character up; 0.02 s instead of 0.15 s for 2 MB of JSON.)
_SCRIPT_ESCAPES: tuple[tuple[str, str], ...] = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)

# ASCII punctuation: CommonMark lets every one of them be backslash-escaped.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula starting inside a cell, after a list separator (see spreadsheet_cell).
_INNER_FORMULA = re.compile(r"([,;\t|\r\n][ \"']*)(?=[=@]|[+\-](?![\d\s(.]))")
# A signed number or phone number: "+1 (850) 555-0100", "-84.28" (see is_formula_like).
_NUMBER_OR_PHONE = re.compile(r"^[+-][\d\s().+\-/]*\d[\d\s().+\-/]*$")


def escape_text(value: object) -> str:
    """Return ``value`` as text that is inert in HTML, in attributes and in folium popups.

    ``None``, NaN and ``pandas.NA`` become ``""`` so an empty cell never shows as
    "nan". Everything else is converted with ``str`` and escaped: ``& < > " '`` as
    :func:`html.escape` with ``quote=True`` does, plus `` ` ``, ``$`` and ``\\`` (see
    the module docstring for why).
    """
    if is_missing(value):
        return ""
    return html.escape(str(value), quote=True).translate(_TEMPLATE_LITERAL_ENTITIES)


def markdown_text(value: object) -> str:
    """``value`` shown literally inside Streamlit markdown.

    Every ASCII punctuation character is backslash-escaped, so no link, image, HTML,
    emphasis, ``:color[...]`` directive or ``$`` maths starts; line breaks become
    spaces; and an escaped colon gets a zero-width space after it so ``:name:`` is not
    an emoji or icon. ``None`` and NaN become ``""``.
    """
    if is_missing(value):
        return ""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\\:", "\\:\u200b")


def safe_url(url: object) -> str:
    """Return ``url`` when it is an absolute ``http``/``https`` link, else ``""``.

    Surrounding whitespace is removed first (browsers ignore it too, which is how
    ``" javascript:..."`` tricks work). A URL that still contains whitespace or a
    control character anywhere is refused, because browsers silently drop tabs and
    newlines inside a scheme (``"java\\tscript:"``). The scheme is compared without
    regard to case and the link must name a host. The result is not HTML-escaped:
    pass it through :func:`escape_text` when writing it into an attribute.
    """
    if is_missing(url):
        return ""
    text = str(url).strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return ""
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not parts.hostname:
        return ""
    return text


def safe_urls(values: Iterable[object]) -> list[str]:
    """:func:`safe_url` of every value, each distinct value checked once: for a table
    column in which a partner's website repeats on every row (40,000 introductions
    carry 500 websites at national scale)."""
    if hasattr(values, "to_numpy"):  # a pandas column: plain objects (no per-item Arrow access)
        values = values.to_numpy(dtype=object)
    checked: dict[object, str] = {}
    out = []
    for value in values:
        if is_missing(value):
            out.append("")
            continue
        try:
            url = checked.get(value)
        except TypeError:  # not hashable: checked on its own
            out.append(safe_url(value))
            continue
        if url is None:
            url = checked[value] = safe_url(value)
        out.append(url)
    return out


def json_for_script(obj: object, *, compact: bool = False) -> str:
    """Serialise ``obj`` as JSON that can be placed inside a ``<script>`` element.

    The output is still valid JSON and a valid JavaScript expression with the same
    value; only ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX``
    escapes, so a string such as ``"</script><script>alert(1)</script>"`` cannot end
    the element. Values JSON cannot represent raise :class:`TypeError` as in
    :func:`json.dumps`. ``compact`` leaves out the spaces after ``,`` and ``:`` (the
    maps' payloads, where they would add megabytes).
    """
    separators = (",", ":") if compact else None
    text = json.dumps(obj, separators=separators, ensure_ascii=False)
    for char, escape in _SCRIPT_ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return text


def spreadsheet_cell(value: object) -> object:
    """Neutralise a text cell that a spreadsheet program would run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, which spreadsheet programs show as plain text. So does a
    formula that starts *inside* the text right after a separator (``,`` ``;`` tab
    ``|`` or a line break, then optional spaces or quotes): a spreadsheet set up for
    another list separator (``;`` in much of Europe) splits the cell there and would
    run the rest, so ``Lincoln;=HYPERLINK(...)`` is written ``Lincoln;'=HYPERLINK(...)``.
    Inside the text, ``+``/``-`` count only when not followed by a digit, a space, a
    bracket or a dot (``3-5, -84.28``, ``call, +1 (850) ...`` stay as they are).
    Numbers, dates and other non-text values are returned unchanged (a real ``-5``
    stays a number).
    """
    if not isinstance(value, str):
        return value
    out = value[:1] + _INNER_FORMULA.sub(r"\1'", value[1:])  # the first character: below
    if out.startswith(_FORMULA_STARTS):
        return "'" + out
    return out


def is_formula_like(text: str) -> bool:
    """True for text an import refuses because a spreadsheet would run it as a formula.

    Text starting with ``=`` or ``@``, or with ``+``/``-`` followed by something that is
    not a number, a phone number or a space (``+cmd|...``, ``-HYPERLINK(...)``).
    ``+1 (850) 555-0100``, ``-84.28`` and ``- met the principal`` are ordinary text.
    Exports neutralise more (:func:`spreadsheet_cell`): there an apostrophe costs little.
    """
    if not text:
        return False
    first = text[0]
    if first in "=@":
        return True
    if first in "+-":
        if len(text) == 1 or text[1].isspace():
            return False
        return not _NUMBER_OR_PHONE.match(text)
    return False
