"""Bad input to the import, on SQLite and PostgreSQL: each case gets a clear message,
and the database is checked unchanged afterwards (its frames and data_version)."""
from __future__ import annotations

from pathlib import Path

import pytest

from geo.db import open_store
from geo.importer import ImportRefused, commit_import, prepare_import

FIXTURES = Path(__file__).resolve().parent / "fixtures"
IMPORT = FIXTURES / "import"
INGEST_BAD = FIXTURES / "ingest" / "bad"
ACTOR = "staff@example.org"
HEADER = "partner,site_name,kind_of_work,start_date,end_date,latitude,longitude,state\r\n"
GOOD_ROW = "Leon Education Foundation,Leon High School,implementation,2023-08-01,,30.4456207," \
    "-84.2755025,FL\r\n"


def snapshot(store) -> tuple[int, list[str]]:
    """Everything a user could see change: data_version and every stored row."""
    frames = store.frames(include_deleted=True)
    return store.data_version(), [f.to_csv(index=False) for f in frames]


@pytest.fixture
def store(db_url):
    store = open_store(db_url)
    seed = prepare_import(IMPORT / "activities_good.csv", kind="activities", store=store)
    commit_import(store, seed, actor=ACTOR)
    yield store
    store.close()


def _refused(store, source, *, kind="activities", filename=None, **options):
    """Prepare and try to commit; assert nothing changed; return the preview."""
    before = snapshot(store)
    preview = prepare_import(source, kind=kind, filename=filename, store=store, **options)
    assert preview.has_errors
    assert not preview.can_commit()
    with pytest.raises(ImportRefused):
        commit_import(store, preview, actor=ACTOR)
    assert snapshot(store) == before
    return preview


def _messages(preview) -> str:
    return "\n".join(str(p) for p in preview.report)


def test_empty_file(store):
    preview = _refused(store, b"", filename="work.csv")
    assert "work.csv is empty (0 bytes)" in _messages(preview)


def test_headers_only(store):
    preview = _refused(store, HEADER.encode(), filename="work.csv")
    assert "has column headers but no data rows" in _messages(preview)


def test_wrong_delimiter_gets_a_hint(store):
    data = b'"partner;site_name;kind_of_work;state"\r\nLeon Education Foundation;;policy;FL\r\n'
    preview = _refused(store, data, filename="work.csv")
    text = _messages(preview)
    assert "seem to be separated by ';'" in text and "check the header row is not in quotes" \
        in text
    assert set(preview.missing) == {"partner", "kind_of_work"}
    caret = HEADER.replace(",", "^") + GOOD_ROW.replace(",", "^")
    assert "separated by '^'" in _messages(_refused(store, caret.encode(), filename="w.csv"))


def test_cp1252_file_is_read_with_a_warning(store):
    data = (HEADER + "Leon Education Foundation,Escuela José Martí,funding,2023-08-01,,"
            "30.4456207,-84.2755025,FL\r\n").encode("cp1252")
    preview = prepare_import(data, filename="work.csv", kind="activities", store=store)
    assert not preview.has_errors
    assert any("Windows-1252" in p.message for p in preview.report.warnings())
    commit_import(store, preview, actor=ACTOR)
    assert "Escuela José Martí" in set(store.frames().sites["name"])


def test_bytes_that_are_no_text_in_any_encoding(store):
    # 0x81 is undefined in cp1252 and invalid in UTF-8.
    data = HEADER.encode() + b"Leon Education Foundation,Caf\x81 School,funding,2023-08-01,," \
        b"30.4456207,-84.2755025,FL\r\n"
    preview = _refused(store, data, filename="work.csv")
    [problem] = preview.report.errors()
    assert (problem.row, problem.column) == (2, "site_name")
    assert "could not be read" in problem.message and "CSV UTF-8" in problem.fix


def test_missing_required_columns_are_named(store):
    data = b"site_name,latitude,longitude\r\nLeon High School,30.4456207,-84.2755025\r\n"
    preview = _refused(store, data, filename="work.csv")
    text = _messages(preview)
    assert "no 'partner' column" in text and "no 'kind_of_work' column" in text
    assert preview.missing == ["partner", "kind_of_work"]
    # A partner for the whole file satisfies the partner column; kind_of_work still missing.
    preview = _refused(store, data, filename="work.csv", partner="Leon Education Foundation")
    assert preview.missing == ["kind_of_work"]


def test_row_problems_are_all_reported_with_row_column_and_fix(store):
    preview = _refused(store, IMPORT / "activities_bad_rows.csv")
    found = {(p.row, p.column) for p in preview.report.errors()}
    expected = {
        (3, None),                  # repeats row 2
        (4, "start_date"),          # 09/01/2024
        (5, "end_date"),            # before the start
        (6, "latitude"),            # 95.1: out of range
        (7, "latitude"),            # swapped
        (8, "latitude"),            # London
        (9, "kind_of_work"),        # Polcy
        (10, "status"), (10, "principles"),
        (11, "contact"), (12, "contact"),  # formulas
        (13, "district_geoid"),     # no such district
        (14, "latitude"),           # no place at all
        (15, "site_name"),          # a point without a name
    }
    assert found == expected
    by_row = {(p.row, p.column): p for p in preview.report.errors()}
    assert "YYYY-MM-DD" in by_row[(4, "start_date")].message
    assert "2024-09-01" in by_row[(4, "start_date")].fix
    assert "before the start date 2024-06-30" in by_row[(5, "end_date")].message
    assert "between -90 and 90" in by_row[(6, "latitude")].message
    assert "swapped" in by_row[(7, "latitude")].message
    assert "outside the United States" in by_row[(8, "latitude")].message
    assert "Did you mean policy (Policy and advocacy)?" in by_row[(9, "kind_of_work")].fix
    assert "Did you mean active?" in by_row[(10, "status")].fix
    assert "Did you mean Equity?" in by_row[(10, "principles")].fix
    assert "repeats row 2" in by_row[(3, None)].message
    assert all(p.fix for p in preview.report.errors())
    # Row 2 is fine: only the bad rows are rejected, with their reasons.
    assert preview.counts["rows_valid"] == 1 and preview.counts["rows_rejected"] == 13
    assert list(preview.rejected["row"]) == list(range(3, 16))


def test_formula_cells_are_rejected_not_stored(store):
    data = (HEADER + 'Leon Education Foundation,"=HYPERLINK(""http://evil.example"",""x"")",'
            "funding,2023-08-01,,30.4456207,-84.2755025,FL\r\n"
            "+cmd|' /C calc'!A0,Leon High School,funding,2023-08-01,,30.4456207,-84.2755025,FL\r\n"
            "-2+3+cmd|'x'!A0,Leon High School,funding,2023-08-01,,30.4456207,-84.2755025,FL\r\n"
            "Leon Education Foundation,@SUM(A1),funding,2023-08-01,,30.4456207,-84.2755025,FL\r\n")
    preview = _refused(store, data.encode(), filename="work.csv")
    found = {(p.row, p.column) for p in preview.report.errors() if "formula" in p.message}
    assert found == {(2, "site_name"), (3, "partner"), (4, "partner"), (5, "site_name")}
    stored = store.frames()
    names = [*stored.partners["name"], *stored.sites["name"]]
    assert not any(str(n).startswith(("=", "+", "@", "-2")) for n in names)
    # The rejected-rows download neutralises them for spreadsheets.
    csv_text = preview.rejected_csv().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'+cmd" in csv_text and "'@SUM" in csv_text


def test_phone_numbers_negative_numbers_and_bullets_are_not_formulas(store):
    frames = store.frames()
    contacts = set(frames.activities["contact"])
    notes = set(frames.activities["notes"])
    assert "+1 (850) 555-0100" in contacts and "- site coordinator on campus" in notes


@pytest.mark.parametrize("name, expected", [
    ("no_shp.zip", "holds no Shapefile"),
    ("absolute_shp.zip", "unsafe path"),
    ("traversal_shp.zip", "unsafe path"),
])
def test_bad_zips(store, name, expected):
    data = (INGEST_BAD / name).read_bytes()
    preview = _refused(store, data, filename=name, kind="sites",
                       partner="Leon Education Foundation")
    assert expected in _messages(preview)


def test_file_over_the_size_limit(store, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes((HEADER + GOOD_ROW * 40).encode())
    size = path.stat().st_size
    preview = _refused(store, path, max_bytes=2048)
    [problem] = preview.report.errors()
    assert f"big.csv is {size / 1024:.1f} KB, more than the import limit of 2 KB" \
        in problem.message
    assert "Split the file" in problem.fix


def test_duplicate_sites_and_reimport_are_refused(store):
    # The seed already holds the activities of activities_good.csv: importing again
    # would duplicate every activity.
    preview = _refused(store, IMPORT / "activities_good.csv")
    assert preview.counts["rows_rejected"] == 7
    assert all("already in the database" in p.message for p in preview.report.errors())
    data = b"partner,site_name,latitude,longitude,nces_id\r\n" \
        b"Leon Education Foundation,Leon High School,30.4456207,-84.2755025,120111001162\r\n" \
        b"Leon Education Foundation,Leon High,30.4456,-84.2755,120111001162\r\n"
    preview = _refused(store, data, filename="sites.csv", kind="sites")
    [problem] = preview.report.errors()
    assert (problem.row, problem.column) == (3, "nces_id")
    assert "The same site as row 2 (same NCES ID)" in problem.message


def test_coordinates_errors_on_a_sites_import(store):
    data = b"partner,site_name,latitude,longitude\r\n" \
        b"Leon Education Foundation,Far,95,-84.2\r\n" \
        b"Leon Education Foundation,Swapped,-84.2755025,30.4456207\r\n" \
        b"Leon Education Foundation,Paris,48.8566,2.3522\r\n"
    preview = _refused(store, data, filename="sites.csv", kind="sites")
    assert preview.counts["rows_rejected"] == 3


def test_a_row_with_only_a_state_is_state_wide_said_in_the_preview(store):
    """A file that places work at schools, with one row holding only State=NJ: the
    preview warns (row and column) and shows that row as state-wide work."""
    before = snapshot(store)
    data = (HEADER + GOOD_ROW
            + "Leon Education Foundation,,implementation,2023-08-01,,,,NJ\r\n").encode()
    preview = prepare_import(data, kind="activities", filename="nj.csv", store=store)
    assert not preview.has_errors
    warned = [p for p in preview.report.warnings() if p.row == 3]
    assert len(warned) == 1 and warned[0].column == "state"
    assert "state-wide work across New Jersey" in warned[0].message
    assert "latitude" in warned[0].fix
    assert preview.rows["place"].tolist()[1] == "state-wide: New Jersey (34)"
    assert not [p for p in preview.report.warnings() if p.row == 2]
    assert snapshot(store) == before
