"""One base for the app's own exceptions (geo.errors) and one way to carry problems."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import geo
from geo.errors import PartnerMapError, ProblemsError
from geo.problems import Problem, Report


def _geo_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of geo/, by its dotted name."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(geo.__path__, "geo."):
        if info.name == "geo.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException)
                    and obj.__module__ == module.__name__):
                found[f"{module.__name__}.{name}"] = obj
    return found


def test_every_exception_of_geo_derives_from_partner_map_error():
    found = _geo_exceptions()
    assert "geo.read.limits.ReadError" in found and "geo.db.storage_errors.StoreError" in found
    outside = sorted(name for name, cls in found.items() if not issubclass(cls, PartnerMapError))
    assert outside == []


@pytest.mark.parametrize("name", [
    "geo.db.storage_errors.ValidationError", "geo.importer.commit.ImportRefused",
    "geo.importer.mapping.MappingError",
])
def test_the_exceptions_that_list_problems_are_problems_errors(name):
    assert issubclass(_geo_exceptions()[name], ProblemsError)


@pytest.mark.parametrize("name, base", [
    ("geo.db.storage_errors.ValidationError", ValueError),
    ("geo.db.storage_errors.NotFoundError", LookupError),
    ("geo.db.storage_errors.UnavailableError", ConnectionError),
    ("geo.auth.PasswordError", ValueError),
    ("geo.boundaries.BoundaryDataMissing", FileNotFoundError),
    ("geo.importer.cells.CellError", ValueError),
    ("geo.importer.mapping.MappingError", ValueError),
    ("geo.analysis.vocabulary.UnknownTermError", ValueError),
    ("geo.analysis.lookup.PlaceNotFound", LookupError),
])
def test_the_built_in_bases_callers_catch_are_kept(name, base):
    assert issubclass(_geo_exceptions()[name], base)


def test_problems_error_carries_its_message_and_problems():
    problem = Problem.error("the name is empty", column="name", fix="give a name")
    error = ProblemsError("1 problem", (p for p in [problem]))
    assert str(error) == "1 problem"
    assert error.problems == [problem]
    assert ProblemsError("nothing listed").problems == []


def test_a_subclass_setting_problems_before_calling_up_keeps_them():
    problem = Problem.error("no such column", column="zip")

    class Refusal(ProblemsError):
        def __init__(self, problems: list[Problem]) -> None:
            self.problems = problems
            super().__init__("; ".join(str(p) for p in problems))

    error = Refusal([problem])
    assert error.problems == [problem]
    assert str(error) == "file, column 'zip': error: no such column"


def test_problem_error_builds_an_error_as_the_report_does():
    made = Problem.error("bad date", row=4, column="start_date", fix="write 2024-09-01",
                         value="9/1/2024", suggestion="2024-09-01")
    assert made == Problem(row=4, column="start_date", severity="error", message="bad date",
                           fix="write 2024-09-01", value="9/1/2024", suggestion="2024-09-01")
    report = Report()
    report.error("bad date", row=4, column="start_date", fix="write 2024-09-01",
                 value="9/1/2024", suggestion="2024-09-01")
    assert list(report) == [made]
    assert Problem.error("empty file") == Problem(row=None, column=None, severity="error",
                                                  message="empty file", fix="")
