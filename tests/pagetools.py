"""Helpers shared by the AppTest page tests: downloads a run registered, CSV bytes, what a
map sends to the browser."""
from __future__ import annotations

import io
import json
import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from pages import _mapview

# A layer's data left out of the map's script: {"url": ...} (geo.maps.fetch_large_data).
_FETCHED = re.compile(r'\{"url":"([^"]+)"\}')


def download_bytes(at: AppTest, files: dict[str, object], label: str, name: str) -> bytes:
    """The bytes behind the download button labelled ``label`` (file ``name``), from the
    ``downloads`` fixture's ``files``."""
    buttons = [b for b in at.get("download_button") if b.label == label]
    assert buttons, (f"no download button {label!r}; "
                     f"have {[b.label for b in at.get('download_button')]}")
    assert name in files, f"{label!r} registered no file {name}; have {list(files)}"
    data = files[name]
    data = data() if callable(data) else data
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def csv_frame(data: bytes) -> pd.DataFrame:
    """A downloaded CSV as text columns (BOM and empty cells kept as written)."""
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def app_env(mp, repo_root, database_url: str) -> None:
    """Point AppTest runs at ``database_url`` (``mp``: a ``pytest.MonkeyPatch``): run from
    the repository, no sample data, no online tiles."""
    mp.chdir(repo_root)
    mp.setenv("DATABASE_URL", database_url)
    mp.setenv("PARTNERMAP_SAMPLE_DATA", "0")
    mp.setenv("PARTNERMAP_TILES", "none")


def metric(at: AppTest, label: str) -> str:
    """The value shown by the metric labelled ``label``."""
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; metrics: {[m.label for m in at.metric]}"
    return found[0]


def fetched_payloads(component) -> list[str]:  # noqa: ANN001  (a component_instance)
    """The text of every layer a map component fetches, as served and as decoded JSON (so
    escaped characters compare as written)."""
    out = []
    for url in _FETCHED.findall(json.loads(component.proto.json_args)["script"]):
        data = _mapview.payload_at(url)
        assert data is not None, f"the map fetches {url}, which nothing serves"
        out += [data.decode("utf-8"), json.dumps(json.loads(data), ensure_ascii=False)]
    return out


def map_args(component) -> dict:  # noqa: ANN001  (an AppTest component_instance)
    """The arguments a map component receives, its ``script`` with every layer it fetches
    (:func:`pages._mapview.payload_at`) put back in place of the layer's ``{"url": ...}``:
    all the browser gets for that map."""
    args = json.loads(component.proto.json_args)

    def inline(match: re.Match[str]) -> str:
        data = _mapview.payload_at(match.group(1))
        assert data is not None, f"the map fetches {match.group(1)}, which nothing serves"
        return data.decode("utf-8")

    args["script"] = _FETCHED.sub(inline, args["script"])
    return args


def map_script(component) -> str:  # noqa: ANN001
    """:func:`map_args`' script."""
    return map_args(component)["script"]
