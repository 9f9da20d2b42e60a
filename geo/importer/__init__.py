"""Importing partners' spreadsheets: sites, and activities at sites or across areas.

The import format
=================
One row per site (``kind="sites"``) or per piece of work (``kind="activities"``).
Columns (any order; other names are mapped, common synonyms are recognised; see
:data:`TEMPLATE_COLUMNS` for the help text of each):

``partner``
    The organization. Matched to stored partners ignoring case, spacing and
    punctuation; a close but not exact match must be confirmed; a new name creates a
    partner **without** public-listing consent. May be left out when the caller names
    one partner for the whole file (``partner=`` / ``--partner``), which also fills
    empty cells.
``site_name``
    The school or place; required for every row placed at a point.
``kind_of_work`` (activities, required)
    A code or label of :data:`geo.schema.KINDS_OF_WORK`, any case.
``principles``
    Names of :data:`geo.schema.PRINCIPLES` separated by ``;``.
``status``
    ``planned``, ``active`` (default) or ``ended``.
``start_date``, ``end_date``
    ``YYYY-MM-DD`` (spreadsheet date cells work too); the end not before the start.
``contact``, ``notes``
    Free text. For sites, ``contact`` is who to reach at the site (``notes`` is not
    used); for activities, who to reach about the work.
The place, most specific first: ``latitude`` + ``longitude`` (decimal degrees), or
``zip`` (placed at the ZIP centroid, marked approximate): both give a site, new unless
the partner already has it (same NCES ID, or same name within ~11 m), and for activities
an activity at that site (``area_level`` ``site``). For activities only, ``district_geoid``
(7-digit NCES LEAID) -> district-wide, ``county_fips`` (5 digits) -> county-wide,
``state`` (postal code) -> state-wide work. With a point, ``state`` is only checked
against it.
Optional: ``site_kind`` (:data:`geo.schema.SITE_KINDS`, default ``community_school``),
``community_school`` (Yes/No, Y/N, TRUE/FALSE, 1/0, or x with empty for no: Yes makes a
community school, No a ``school`` that is not one unless ``site_kind`` names an office or
affiliate; in a column that never says No an empty cell means No, elsewhere it is
warned and left to ``site_kind``), ``nces_id`` (12 digits), ``website`` (stored on a new
partner when its rows agree).

Rules: every row is checked and every problem reported (row numbers as in a
spreadsheet: header = row 1); repeated rows, sites or activities already stored, and
formula-like text (``=``, ``@``, ``+``/``-`` not followed by a number, see
:mod:`geo.importer.cells`) are errors; a preview with errors is not written unless the
caller asks for the valid rows only; the write is one transaction.

API: :func:`prepare_import` -> :class:`ImportPreview` -> :func:`commit_import`;
:func:`suggest_mapping`, :func:`apply_mapping`; :func:`template_csv`,
:func:`template_xlsx`.
"""
from geo.importer.commit import ImportRefused, commit_import
from geo.importer.dedupe import PartnerMatch
from geo.importer.mapping import (
    IMPORT_KINDS,
    TEMPLATE_COLUMNS,
    MappingError,
    apply_mapping,
    merge_mapping,
    required_targets,
    suggest_mapping,
)
from geo.importer.preview import ImportPreview, prepare_import
from geo.importer.template import template_csv, template_xlsx

__all__ = [
    "IMPORT_KINDS",
    "TEMPLATE_COLUMNS",
    "ImportPreview",
    "ImportRefused",
    "MappingError",
    "PartnerMatch",
    "apply_mapping",
    "commit_import",
    "merge_mapping",
    "prepare_import",
    "required_targets",
    "suggest_mapping",
    "template_csv",
    "template_xlsx",
]
