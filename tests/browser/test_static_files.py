"""The running app serves Streamlit's frontend and the app's Leaflet files unchanged
(answered from memory by scripts/static_memory.py, in front of Streamlit): the same
bytes as on disk, Streamlit's caching headers, gzip for the app's files when accepted,
and whatever the layer does not answer (ranges, unknown paths, traversal) as Streamlit
answers it."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from pathlib import Path

from streamlit import file_util

from tests.harness import REPO

BUNDLE = Path(file_util.get_static_dir())


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_the_pages_scripts_and_styles_are_the_files_of_streamlits_bundle(app_url: str) -> None:
    status, _, shell = _get(app_url + "/")
    assert status == 200
    assets = re.findall(r'(?:src|href)="\.?(/static/[^"]+)"', shell.decode())
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        for _ in range(2):  # the first answer and the one kept in memory
            status, head, body = _get(app_url + asset, **{"Accept-Encoding": "gzip, deflate, br"})
            assert status == 200, asset
            assert body == (BUNDLE / asset.lstrip("/")).read_bytes(), asset
            assert head["cache-control"] == "public, immutable, max-age=31536000"
            assert head["content-length"] == str(len(body)) and "content-encoding" not in head
            assert head["etag"] and head["last-modified"]


def test_leaflet_is_served_gzipped_when_accepted_and_plain_otherwise(app_url: str) -> None:
    url = app_url + "/app/static/vendor/leaflet/leaflet.js"
    on_disk = (REPO / "static" / "vendor" / "leaflet" / "leaflet.js").read_bytes()
    status, head, body = _get(url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and head["content-encoding"] == "gzip"
    assert gzip.decompress(body) == on_disk
    assert (
        head["access-control-allow-origin"] == "*" and head["x-content-type-options"] == "nosniff"
    )
    status, head, body = _get(url, **{"Accept-Encoding": "identity"})
    assert (status, body) == (200, on_disk) and "content-encoding" not in head


def test_what_the_layer_leaves_alone_is_answered_by_streamlit(app_url: str) -> None:
    asset = next(p for p in (BUNDLE / "static" / "js").iterdir() if p.stat().st_size > 1000)
    url = f"{app_url}/static/js/{asset.name}"
    status, head, body = _get(url, Range="bytes=0-99")
    assert (status, body) == (206, asset.read_bytes()[:100])
    etag = _get(url)[1]["etag"]
    assert _get(url, **{"If-None-Match": etag})[0] == 304
    # Traversal out of either folder gets no file; an unknown asset gets the page shell.
    secret = (REPO / "app.py").read_bytes()
    for path in (
        "/static/../app.py",
        "/static/%2e%2e/%2e%2e/app.py",
        "/app/static/../app.py",
        "/app/static/%2e%2e/app.py",
    ):
        status, _, body = _get(app_url + path)
        assert secret not in body and status in (200, 400, 404), path
    status, head, body = _get(app_url + "/static/js/no-such-file.js")
    assert (
        status == 200 and head["content-type"].startswith("text/html") and b"<html" in body.lower()
    )
