"""An import's problems carry where they are as data: the table of records, the row as the
user sees it in the spreadsheet (header = row 1) and the file's own column name."""
from __future__ import annotations

import pytest

from geo.db import open_store
from geo.importer import ImportRefused, commit_import, prepare_import
from geo.importer.commit import empty_frames

ACTOR = "staff@example.org"


def test_a_problem_of_a_bad_row_carries_its_table_row_and_column():
    data = (b"Organization,School,Kind of work,Latitude,Longitude\r\n"
            b"Leon Education Foundation,Leon High School,funding,30.4456207,-84.2755025\r\n"
            b"Leon Education Foundation,Godby High School,juggling,30.4612777,-84.3167652\r\n")
    preview = prepare_import(data, filename="work.csv", kind="activities",
                             frames=empty_frames())
    [problem] = preview.report.errors()
    assert (problem.table, problem.row, problem.column) == ("activities", 3, "Kind of work")
    [new_partner] = [p for p in preview.report.warnings() if p.table == "partners"]
    assert (new_partner.row, new_partner.column) == (None, "Organization")


def test_a_row_the_database_refuses_is_pointed_back_at_its_table_and_file_row(sqlite_url):
    data = (b"partner,site_name,latitude,longitude\r\n"
            b"Leon Education Foundation,Leon High School,30.4456207,-84.2755025\r\n"
            b"Leon Education Foundation,Leon High School,30.4456207,-84.2755025\r\n"
            b"Leon Education Foundation,Godby High School,30.4612777,-84.3167652\r\n")
    store = open_store(sqlite_url)
    try:
        preview = prepare_import(data, filename="sites.csv", kind="sites", store=store)
        assert preview.frames.sites["row"].tolist() == [2, 4]
        # What the file's checks let through but the database refuses (here: made so).
        preview.frames.sites.loc[1, "latitude"] = 95.0
        with pytest.raises(ImportRefused) as refused:
            commit_import(store, preview, actor=ACTOR, valid_rows_only=True)
        [problem] = refused.value.problems
        assert (problem.table, problem.row, problem.column) == ("sites", 4, "latitude")
        assert store.frames().sites.empty
    finally:
        store.close()
