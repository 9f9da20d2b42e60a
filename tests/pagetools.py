"""Helpers shared by the AppTest page tests: downloads a run registered, CSV bytes."""
from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest


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
