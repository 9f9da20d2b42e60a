"""The Streamlit settings the app is served with (.streamlit/config.toml), read the way
Streamlit reads them, and what the pages must do for them to hold."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = [REPO / "app.py", *sorted((REPO / "pages").glob("*.py"))]


@pytest.fixture(scope="module")
def config() -> dict:
    with open(REPO / ".streamlit" / "config.toml", "rb") as fh:
        return tomllib.load(fh)


def test_no_full_garbage_collection_after_every_run(config):
    """Streamlit's default gc.collect(2) after each script run walks everything the
    server keeps (national frames, layers, shared maps): 0.15-0.4 s of CPU per page view
    at national scale (bench/README.md)."""
    assert config["runner"]["postScriptGC"] is False


def test_magic_is_off_and_no_page_relies_on_it(config):
    """With magic off a bare expression in a page shows nothing: none may be left."""
    from streamlit.runtime.scriptrunner import magic

    assert config["runner"]["magicEnabled"] is False
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8")
        rewritten = magic.add_magic(source, str(path))
        shown = [
            ast.unparse(node)[:80]
            for node in ast.walk(rewritten)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "transparent_write"
        ]
        assert not shown, f"{path.name} writes bare expressions (magic): {shown}"


def test_static_serving_stays_on_for_the_maps_files(config):
    assert config["server"]["enableStaticServing"] is True
