"""Static files from memory: a thin ASGI layer in front of Streamlit's server that
answers plain ``GET``/``HEAD`` requests for files that never change while the server
runs, from bytes it read once, before Streamlit's middleware and routing see them.

A fresh browser fetches about 80 files of Streamlit's own frontend (``/static/...``,
content-hashed) and, on map pages, Leaflet's (``/app/static/vendor/...``). Streamlit
1.67 serves each through its full stack (path checks, session and gzip middleware, a
router of ~20 routes, then a file response that stats, opens, reads and closes the file
in worker threads): about 2 ms of server CPU per file, ~0.2 s per fresh page view, as
much as the rest of a small page (bench/README.md). From memory it is a dictionary
look-up and one ``send``.

What is answered here, with the headers Streamlit gives the same file:

* ``/static/<file>`` — a file of Streamlit's frontend bundle (``Cache-Control: public,
  immutable``, as Streamlit's static handler);
* ``/app/static/<file>`` — a file of the app's ``static/`` folder (static serving is on
  in ``.streamlit/config.toml``), gzip-compressed once when the browser accepts it (as
  Streamlit's gzip middleware would, per request), with ``Access-Control-Allow-Origin:
  *`` and ``X-Content-Type-Options: nosniff`` as Streamlit's app-static route.

Only files found when the server starts are answered (a fixed list: no path from a
request is ever joined onto a folder, so nothing outside the two folders can be
reached); their bytes are read at their first request. Everything else — an unknown
path, a ``Range`` or conditional request, another method, the WebSocket, the page
documents — goes to Streamlit unchanged. Standard library only; ``scripts/serve.py``
puts it in front of the app (:func:`install`).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from collections.abc import Awaitable, Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

IMMUTABLE = "public, immutable, max-age=31536000"  # Streamlit's, for its hashed bundle
GZIP_MINIMUM_SIZE = 1000  # Streamlit's gzip middleware: smaller bodies go as they are
GZIP_LEVEL = 9  # compressed once, so the smallest result
# Types not worth compressing (already compressed), as Starlette's gzip middleware skips.
_NO_GZIP_PREFIXES = ("image/", "audio/", "video/", "font/woff")
# Request headers that make the answer depend on more than the path: left to Streamlit.
_PASS_HEADERS = frozenset(
    {
        b"range",
        b"if-none-match",
        b"if-modified-since",
        b"if-match",
        b"if-unmodified-since",
        b"if-range",
    }
)


class Folder:
    """The files under ``root`` (walked once, not following symlinks; none larger than
    ``max_bytes``), served at ``url_prefix`` (``/static/``) with ``headers`` added,
    gzip-compressed when the browser accepts it if ``compress``."""

    def __init__(
        self,
        url_prefix: str,
        root: Path,
        *,
        headers: tuple[tuple[str, str], ...] = (),
        compress: bool = False,
        max_bytes: int = 200 * 2**20,
    ) -> None:
        self.url_prefix = url_prefix
        self.root = Path(root)
        self.headers = headers
        self.compress = compress
        self.files: dict[str, Path] = {}
        if self.root.is_dir():
            for folder, _dirs, names in os.walk(self.root):
                for name in names:
                    path = Path(folder) / name
                    if (
                        path.is_file()
                        and not path.is_symlink()
                        and path.stat().st_size <= max_bytes
                    ):
                        rel = path.relative_to(self.root).as_posix()
                        self.files[url_prefix + rel] = path


class _Entry:
    """One file's answer: headers and body, and the gzip-compressed variant if any."""

    __slots__ = ("plain", "body", "gzipped", "gz_body")

    def __init__(self, path: Path, folder: Folder) -> None:
        body = path.read_bytes()
        stat = path.stat()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/"):  # as Starlette's responses
            ctype += "; charset=utf-8"
        # The validators Starlette's file response gives the same file.
        etag = hashlib.md5(
            f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False
        ).hexdigest()
        common = [
            ("content-type", ctype),
            ("accept-ranges", "bytes"),
            ("last-modified", formatdate(stat.st_mtime, usegmt=True)),
            ("etag", f'"{etag}"'),
            *folder.headers,
        ]
        self.body = body
        self.gz_body = None
        self.gzipped = None
        compressible = (
            folder.compress
            and len(body) >= GZIP_MINIMUM_SIZE
            and not ctype.startswith(_NO_GZIP_PREFIXES)
        )
        if compressible:
            common.append(("vary", "Accept-Encoding"))
            self.gz_body = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            self.gzipped = _raw(
                [*common, ("content-encoding", "gzip"), ("content-length", str(len(self.gz_body)))]
            )
        self.plain = _raw([*common, ("content-length", str(len(body)))])


def _raw(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


class StaticFromMemory:
    """The ASGI app ``app`` with the files of ``folders`` answered from memory (see the
    module doc)."""

    def __init__(self, app: ASGIApp, folders: list[Folder]) -> None:
        self.app = app
        self.folders: dict[str, Folder] = {}
        for folder in folders:
            for url in folder.files:
                self.folders.setdefault(url, folder)
        self._entries: dict[str, _Entry] = {}

    def __getattr__(self, name: str) -> Any:  # anything else asked of the app is the app's
        return getattr(self.app, name)

    def answers(self, scope: Scope) -> bool:
        """True if the request ``scope`` is one answered from memory."""
        if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD"):
            return False
        if scope.get("root_path") or scope.get("path") not in self.folders:
            return False
        return not any(name in _PASS_HEADERS for name, _ in scope.get("headers", ()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.answers(scope):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        entry = self._entries.get(path)
        if entry is None:
            try:
                entry = _Entry(self.folders[path].files[path], self.folders[path])
            except OSError:  # gone since start-up: Streamlit answers as it would
                await self.app(scope, receive, send)
                return
            self._entries[path] = entry
        headers, body = entry.plain, entry.body
        if entry.gzipped is not None and _accepts_gzip(scope):
            headers, body = entry.gzipped, entry.gz_body
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


def folders(
    streamlit_static: Path,
    app_static: Path | None,
    base_url: str = "",
    *,
    app_static_max_bytes: int = 200 * 2**20,
) -> list[Folder]:
    """The folders answered from memory at Streamlit's URLs under ``base_url``:
    Streamlit's frontend (``streamlit_static``, its ``static/`` part) and the app's
    ``static/`` folder (``app_static``; None when static serving is off)."""
    base = "/" + base_url.strip("/") if base_url.strip("/") else ""
    out = [
        Folder(
            f"{base}/static/", streamlit_static / "static", headers=(("cache-control", IMMUTABLE),)
        )
    ]
    if app_static is not None:
        out.append(
            Folder(
                f"{base}/app/static/",
                app_static,
                compress=True,
                max_bytes=app_static_max_bytes,
                headers=(
                    ("access-control-allow-origin", "*"),
                    ("x-content-type-options", "nosniff"),
                ),
            )
        )
    return out


def install() -> None:
    """Put :class:`StaticFromMemory` in front of the app Streamlit's server creates
    (Streamlit 1.67: ``starlette_server.create_starlette_app``), with the folders and
    limits Streamlit itself would serve them from."""
    from streamlit import config, file_util
    from streamlit.web.server.starlette import starlette_routes, starlette_server

    create = starlette_server.create_starlette_app

    def create_with_static_from_memory(runtime: Any) -> Any:
        app = create(runtime)
        main_script = getattr(runtime, "_main_script_path", None)  # as Streamlit reads it
        app_static = None
        if config.get_option("server.enableStaticServing") and main_script:
            app_static = Path(os.path.realpath(file_util.get_app_static_dir(main_script)))
        served = folders(
            Path(file_util.get_static_dir()),
            app_static,
            config.get_option("server.baseUrlPath") or "",
            app_static_max_bytes=starlette_routes.MAX_APP_STATIC_FILE_SIZE,
        )
        if config.get_option("global.developmentMode"):  # Streamlit serves no bundle then
            served = served[1:]
        return StaticFromMemory(app, served)

    starlette_server.create_starlette_app = create_with_static_from_memory
