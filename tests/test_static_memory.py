"""scripts/static_memory.py: unchanging files answered from memory in front of Streamlit.

The layer is an ASGI app around another one; here the other one is a small ASGI app of
our own that answers 418 and records what reached it, so each test can see which
requests the layer answered and which it left to Streamlit. The files are real ones in
a temporary folder. tests/browser/test_static_files.py checks the same against the
running app.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import hashlib
import importlib.util
import os
from email.utils import formatdate
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location(
        "partnermap_static_memory", REPO / "scripts" / "static_memory.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


sm = _module()


@pytest.fixture(autouse=True, scope="module")
def _mime_types_as_in_the_server():
    """Streamlit registers these types when its server starts (``.js`` is
    ``application/javascript`` there, whatever /etc/mime.types says)."""
    from streamlit.web import bootstrap

    bootstrap._initialize_mimetypes()


class Inner:
    """The app behind the layer (Streamlit's, in the server): answers 418, keeps paths."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        self.seen.append(scope.get("path", scope["type"]))
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 418, "headers": []})
            await send({"type": "http.response.body", "body": b"inner"})


def _request(
    app,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    kind: str = "http",
    root_path: str = "",
) -> tuple[int, dict[str, str], bytes]:
    scope = {
        "type": kind,
        "method": method,
        "path": path,
        "root_path": root_path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    sent: list[dict] = []

    async def receive():  # noqa: ANN202
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message) -> None:  # noqa: ANN001
        sent.append(message)

    # A loop of its own in a thread of its own: in the whole suite the session's browser
    # (Playwright's sync API) keeps an event loop running in this thread, and
    # asyncio.run() refuses to start inside one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    if not sent:
        return 0, {}, b""
    start = sent[0]
    head = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], head, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def folders(tmp_path: Path):
    bundle = tmp_path / "streamlit_static"
    (bundle / "static" / "js").mkdir(parents=True)
    (bundle / "static" / "js" / "main.abc123.js").write_text("console.log('x');" * 200)
    (bundle / "static" / "media").mkdir()
    (bundle / "static" / "media" / "font.woff2").write_bytes(os.urandom(3000))
    (bundle / "index.html").write_text("<html></html>")
    app_static = tmp_path / "app_static"
    (app_static / "vendor" / "leaflet").mkdir(parents=True)
    (app_static / "vendor" / "leaflet" / "leaflet.js").write_text(
        "/* Leaflet */ var L = {};\n" * 400
    )
    (app_static / "vendor" / "leaflet" / "leaflet.css").write_text(".a{}")  # under 1,000 bytes
    (app_static / "vendor" / "leaflet" / "marker.png").write_bytes(b"\x89PNG" + os.urandom(2000))
    (tmp_path / "secret.txt").write_text("not served")
    return tmp_path, bundle, app_static


def _layer(folders, base_url: str = ""):
    _, bundle, app_static = folders
    inner = Inner()
    return sm.StaticFromMemory(inner, sm.folders(bundle, app_static, base_url)), inner


def test_a_bundle_file_is_answered_with_streamlits_headers(folders):
    layer, inner = _layer(folders)
    path = folders[1] / "static" / "js" / "main.abc123.js"
    status, head, body = _request(
        layer, "/static/js/main.abc123.js", headers={"Accept-Encoding": "gzip"}
    )
    assert (status, body) == (200, path.read_bytes())
    stat = path.stat()
    etag = hashlib.md5(
        f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False
    ).hexdigest()
    assert head == {
        "content-type": "application/javascript",
        "accept-ranges": "bytes",
        "last-modified": formatdate(stat.st_mtime, usegmt=True),
        "etag": f'"{etag}"',
        "cache-control": "public, immutable, max-age=31536000",
        "content-length": str(stat.st_size),
    }
    assert inner.seen == []  # never reached Streamlit
    # Again, and as HEAD: the same answer, HEAD without the body.
    assert _request(layer, "/static/js/main.abc123.js")[2] == path.read_bytes()
    status, head_again, body = _request(layer, "/static/js/main.abc123.js", method="HEAD")
    assert (status, body, head_again["content-length"]) == (200, b"", str(stat.st_size))
    assert inner.seen == []


def test_app_static_files_are_gzipped_once_when_the_browser_accepts_it(folders):
    layer, inner = _layer(folders)
    path = folders[2] / "vendor" / "leaflet" / "leaflet.js"
    status, head, body = _request(
        layer,
        "/app/static/vendor/leaflet/leaflet.js",
        headers={"Accept-Encoding": "gzip, deflate, br"},
    )
    assert (
        status == 200 and head["content-encoding"] == "gzip" and head["vary"] == "Accept-Encoding"
    )
    assert gzip.decompress(body) == path.read_bytes() and head["content-length"] == str(len(body))
    assert (
        head["access-control-allow-origin"] == "*" and head["x-content-type-options"] == "nosniff"
    )
    status, head, body = _request(layer, "/app/static/vendor/leaflet/leaflet.js")  # no gzip asked
    assert body == path.read_bytes() and "content-encoding" not in head
    # Small files and images go as they are.
    for name in ("leaflet.css", "marker.png"):
        status, head, body = _request(
            layer, f"/app/static/vendor/leaflet/{name}", headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200 and "content-encoding" not in head
        assert body == (folders[2] / "vendor" / "leaflet" / name).read_bytes()
    assert (
        _request(layer, "/app/static/vendor/leaflet/leaflet.css")[1]["content-type"]
        == "text/css; charset=utf-8"
    )
    assert inner.seen == []


@pytest.mark.parametrize(
    "path",
    [
        "/static/js/missing.js",  # not a file of the bundle: Streamlit's page shell
        "/static/../secret.txt",  # traversal, as sent and normalised: never joined
        "/static/js/../../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/js/main.abc123.js/",  # Streamlit redirects a trailing slash
        "/static/js",
        "/static/",
        "/index.html",  # outside the two folders
        "/app/static/../../secret.txt",
        "/app/static/vendor/leaflet",
        "/STATIC/js/main.abc123.js",
        "/scan",  # a page
        "/_stcore/health",
    ],
)
def test_everything_else_goes_to_streamlit(folders, path):
    layer, inner = _layer(folders)
    status, _, body = _request(layer, path)
    assert (status, body) == (418, b"inner") and inner.seen == [path]


@pytest.mark.parametrize(
    "method, headers",
    [
        ("POST", {}),
        ("OPTIONS", {}),
        ("GET", {"Range": "bytes=0-9"}),
        ("GET", {"If-None-Match": '"abc"'}),
        ("GET", {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"}),
    ],
)
def test_ranges_conditions_and_other_methods_go_to_streamlit(folders, method, headers):
    layer, inner = _layer(folders)
    status, _, _ = _request(layer, "/static/js/main.abc123.js", method=method, headers=headers)
    assert status == 418 and inner.seen == ["/static/js/main.abc123.js"]


def test_websockets_and_mounted_apps_go_to_streamlit(folders):
    layer, inner = _layer(folders)
    _request(layer, "/_stcore/stream", kind="websocket")
    assert _request(layer, "/static/js/main.abc123.js", root_path="/mounted")[0] == 418
    assert inner.seen == ["/_stcore/stream", "/static/js/main.abc123.js"]


def test_only_files_there_at_start_and_inside_the_folder_are_answered(folders):
    tmp, bundle, _ = folders
    (bundle / "static" / "js" / "link.js").symlink_to(tmp / "secret.txt")
    layer, inner = _layer(folders)
    (bundle / "static" / "js" / "later.js").write_text("added after start")
    assert _request(layer, "/static/js/link.js")[0] == 418
    assert _request(layer, "/static/js/later.js")[0] == 418
    assert inner.seen == ["/static/js/link.js", "/static/js/later.js"]


def test_a_base_url_moves_both_folders(folders):
    layer, inner = _layer(folders, base_url="/partners/")
    assert _request(layer, "/partners/static/js/main.abc123.js")[0] == 200
    assert _request(layer, "/partners/app/static/vendor/leaflet/leaflet.js")[0] == 200
    assert _request(layer, "/static/js/main.abc123.js")[0] == 418


def test_without_app_static_serving_only_the_bundle_is_answered(folders):
    _, bundle, _ = folders
    inner = Inner()
    layer = sm.StaticFromMemory(inner, sm.folders(bundle, None))
    assert _request(layer, "/static/js/main.abc123.js")[0] == 200
    assert _request(layer, "/app/static/vendor/leaflet/leaflet.js")[0] == 418


def test_serve_py_puts_the_layer_in_front_of_streamlits_app():
    """Against Streamlit itself: the function serve.py patches exists and, once patched,
    returns the layer around Streamlit's own app (installed the same way serve.py does)."""
    from streamlit.web.server.starlette import starlette_server

    original = starlette_server.create_starlette_app
    try:
        sm.install()
        assert starlette_server.create_starlette_app is not original
        assert starlette_server.create_starlette_app.__name__ == "create_with_static_from_memory"
    finally:
        starlette_server.create_starlette_app = original
