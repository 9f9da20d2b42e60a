"""The import template, as CSV and XLSX bytes for a download button or a file.

Both have the columns of :data:`~geo.importer.mapping.TEMPLATE_COLUMNS` and three
example rows (a school placed by coordinates, an office placed by ZIP code, district-wide
work) that import cleanly as activities, so a user can see each way to give a place.
The workbook adds what a spreadsheet can: each header's help as a comment, code columns
stored as text (leading zeros survive), and drop-down lists for the controlled fields.
"""
from __future__ import annotations

import csv
import io

from geo.importer.mapping import TARGETS, TEMPLATE_COLUMNS
from geo.schema import KINDS_OF_WORK, SITE_KINDS, STATUSES

EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {"partner": "Example Youth Partnership", "site_name": "Leon High School",
     "kind_of_work": "implementation", "principles": "Equity; Family Engagement",
     "status": "active", "start_date": "2023-08-01", "contact": "coordinator@example.org",
     "notes": "Full-time site coordinator", "latitude": "30.4456207",
     "longitude": "-84.2755025", "site_kind": "community_school", "nces_id": "120111001162",
     "website": "https://www.example.org"},
    {"partner": "Example Youth Partnership", "site_name": "Quincy office",
     "kind_of_work": "convening", "status": "planned", "start_date": "2025-01-15",
     "zip": "32351", "site_kind": "office"},
    {"partner": "Example Youth Partnership", "kind_of_work": "technical_assistance",
     "principles": "Results-Driven Partnership", "status": "ended",
     "start_date": "2022-09-01", "end_date": "2024-06-30", "district_geoid": "1201110",
     "notes": "Coaching for all community schools in the district"},
)
_TEXT_COLUMNS = ("zip", "district_geoid", "county_fips", "nces_id", "start_date", "end_date")
_CHOICES = {"kind_of_work": tuple(KINDS_OF_WORK), "status": STATUSES,
            "site_kind": tuple(SITE_KINDS), "community_school": ("Yes", "No")}
_FORMATTED_ROWS = 1000


def template_csv() -> bytes:
    """The template as UTF-8 CSV: the header and the example rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TARGETS)
    for example in EXAMPLE_ROWS:
        writer.writerow([example.get(t, "") for t in TARGETS])
    return buffer.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The template as an Excel workbook (one sheet, so importing it reads that sheet)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on its one empty worksheet
    sheet.title = "import"
    sheet.append(list(TARGETS))
    for index, target in enumerate(TARGETS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.comment = Comment(TEMPLATE_COLUMNS[target], "Partner Map", width=320, height=160)
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(target) + 4)
    for example in EXAMPLE_ROWS:
        sheet.append([_value(t, example.get(t, "")) for t in TARGETS])
    for target in _TEXT_COLUMNS:
        letter = get_column_letter(TARGETS.index(target) + 1)
        for row in range(2, _FORMATTED_ROWS + 2):
            sheet[f"{letter}{row}"].number_format = "@"
    for target, choices in _CHOICES.items():
        letter = get_column_letter(TARGETS.index(target) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"',
                              allow_blank=True, showErrorMessage=False)
        rule.add(f"{letter}2:{letter}{_FORMATTED_ROWS + 1}")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _value(target: str, text: str) -> object:
    """Coordinates as numbers (a spreadsheet can check them); everything else as text."""
    if text and target in ("latitude", "longitude"):
        return float(text)
    return text or None
