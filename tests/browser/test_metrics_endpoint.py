"""Streamlit's /_stcore/metrics (server statistics, no sign-in) is not served by the app."""
from __future__ import annotations

import urllib.error
import urllib.request


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_metrics_are_not_served(app_url: str) -> None:
    status, body = _get(f"{app_url}/_stcore/health")
    assert status == 200 and body.strip() == "ok"
    try:
        _, body = _get(f"{app_url}/_stcore/metrics")
    except urllib.error.HTTPError as exc:  # a 404 is as good as the page shell
        assert exc.code == 404
        return
    # Unknown paths get the app's page shell; never the OpenMetrics text.
    assert "# TYPE" not in body and "session_events" not in body and "cache_memory" not in body
    assert "<html" in body.lower() or "<!doctype" in body.lower()
