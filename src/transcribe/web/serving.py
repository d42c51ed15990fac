"""The single-page app, served by the API process on the API's origin.

- Every page of the app (../shared/WEB.md: `/`, `/login`, `/register`, `/verify-email`,
  `/reset-password`, `/s/{token}`, `/app`, `/app/...`) answers the built `index.html`, so a
  deep link or a reload works; the router in the browser takes it from there. These paths
  are the app's only: the API keeps its own, and an unknown path is still the API's JSON 404
  (there is no catch-all).
- `/assets/...` are Vite's content-hashed files: cached for a year as immutable, gzipped
  when the client accepts it (compressed once, kept in memory: the set is small and fixed).
- Other top-level files of the build (favicon, robots.txt) found at startup: a short cache.
- Pages carry a strict Content-Security-Policy: everything from this origin, plus the
  storage endpoint that uploads are PUT to and recordings played from.
- Without a build, the pages say in plain words how to make one; the API is unaffected.
"""

from __future__ import annotations

import gzip
import html
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from transcribe.lib.compression import accepts_gzip
from transcribe.settings import Settings

PAGE_PATHS = [
    "/",
    "/login",
    "/register",
    "/verify-email",
    "/reset-password",
    "/app",
    "/app/{path:path}",
]
SHARE_PATH = "/s/{token:str}"
ASSETS_PATH = "/assets/{name:path}"

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"
NO_CACHE = "no-cache"  # the page names the current assets: always revalidated

# Browsers are strict about a few types; the platform's mime.types varies, so these are fixed.
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain",
    ".wasm": "application/wasm",
}
_COMPRESSIBLE = {".js", ".mjs", ".css", ".html", ".json", ".map", ".webmanifest", ".svg", ".txt"}
_MIN_GZIP_BYTES = 1024
_PUBLIC: dict[str, Any] = {"exclude_from_auth": True, "include_in_schema": False}
_MAX_CACHED_BYTES = 64 * 1024 * 1024  # a build is a few MB; past this, files are read each time

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transcribe: the web app is not built</title>
</head>
<body>
<h1>Transcribe</h1>
<p>The API is running, but the web app has not been built, so there is no page to show here.</p>
<p>To build it you need Node.js 20 or newer. Then either run <code>just setup</code>
in the project folder, or run <code>cd src/web &amp;&amp; npm ci &amp;&amp; npm run build</code>.
The build goes to <code>{dist}</code>; reload this page when it is done.</p>
<p>The API works without it: its documentation is at <a href="/schema">/schema</a>.</p>
</body>
</html>
"""


def origin(url: str) -> str:
    """`scheme://host[:port]` of a URL (no user info, path or query)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host.lower()}{port}"


def storage_origin(settings: Settings) -> str | None:
    """Where the browser sends uploads and fetches recordings, when not this origin.

    S3: the public endpoint presigned URLs name (path-style; AWS's regional endpoint when none
    is set). Local storage: the signed URLs name PUBLIC_BASE_URL, which is this service but
    may be another spelling of it than the one in the browser (`localhost` vs `127.0.0.1`).
    """
    storage = settings.storage
    if storage.backend == "s3":
        endpoint = storage.s3_public_endpoint_url or storage.s3_endpoint_url
        return origin(endpoint) if endpoint else f"https://s3.{storage.s3_region}.amazonaws.com"
    if storage.backend == "local" and settings.public_base_url:
        return origin(settings.public_base_url)
    return None


def content_security_policy(settings: Settings) -> str:
    extra = storage_origin(settings)
    also = f" {extra}" if extra else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            f"media-src 'self' blob:{also}",
            f"connect-src 'self'{also}",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def _media_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass
class _Cached:
    stamp: tuple[int, int]  # mtime_ns, size: a rebuilt file is read again
    body: bytes
    gzipped: bytes | None


class WebFiles:
    """The built files, read on demand and kept while unchanged (a rebuild needs no restart)."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self._cache: dict[Path, _Cached] = {}
        self._cached_bytes = 0

    def index(self) -> bytes | None:
        found = self.read(self.dist / "index.html")
        return found.body if found else None

    def inside(self, folder: Path, name: str) -> Path | None:
        """`folder/name` if that is a file within `folder` (no `..`, no hidden files)."""
        if not name or any(part.startswith(".") for part in name.split("/")):
            return None
        path = folder / name
        try:
            resolved, root = path.resolve(strict=True), folder.resolve(strict=True)
        except OSError:
            return None
        return path if resolved.is_relative_to(root) and resolved.is_file() else None

    def read(self, path: Path) -> _Cached | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        try:
            body = path.read_bytes()
        except OSError:
            return None
        gzipped = None
        if path.suffix.lower() in _COMPRESSIBLE and len(body) >= _MIN_GZIP_BYTES:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        found = _Cached(stamp, body, gzipped)
        size = len(body) + len(gzipped or b"")
        if cached is not None:
            self._cached_bytes -= len(cached.body) + len(cached.gzipped or b"")
        if self._cached_bytes + size <= _MAX_CACHED_BYTES:
            self._cache[path] = found
            self._cached_bytes += size
        else:
            self._cache.pop(path, None)
        return found

    def top_level_files(self) -> list[str]:
        """Files beside index.html (favicon.svg, robots.txt...): names with a dot only, so
        none can take an API path."""
        if not self.dist.is_dir():
            return []
        return sorted(
            p.name
            for p in self.dist.iterdir()
            if p.is_file()
            and "." in p.name
            and not p.name.startswith(".")
            and p.name != "index.html"
        )


def _file_response(
    files: WebFiles, request: Request[Any, Any, Any], path: Path | None, cache: str
) -> Response[bytes]:
    found = files.read(path) if path is not None else None
    if found is None:
        raise NotFoundException()
    headers = {"Cache-Control": cache}
    body = found.body
    if found.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
        if accepts_gzip(request):
            body = found.gzipped
            headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type=_media_type(path), headers=headers)  # type: ignore[arg-type]


def top_level_file(files: WebFiles, file_name: str) -> HTTPRouteHandler:
    @get(f"/{file_name}", name=f"web:file:{file_name}", sync_to_thread=False, **_PUBLIC)
    def top_level(request: Request[Any, Any, Any]) -> Response[bytes]:
        return _file_response(files, request, files.inside(files.dist, file_name), SHORT)

    return top_level


def web_router(settings: Settings) -> Router:
    """The app's pages and files, public and left out of the OpenAPI document."""
    dist = Path(settings.web_dist_dir)
    files = WebFiles(dist)
    page_headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "Cache-Control": NO_CACHE,
        "Referrer-Policy": "same-origin",
    }
    # A shared page's path holds its token: no Referer at all, not even to this origin.
    share_headers = {**page_headers, "Referrer-Policy": "no-referrer"}
    not_built = NOT_BUILT_PAGE.replace("{dist}", html.escape(str(dist))).encode()

    def page(headers: dict[str, str]) -> Response[bytes]:
        body = files.index()
        return Response(
            content=not_built if body is None else body,
            media_type="text/html",
            headers=headers,
        )

    @get(PAGE_PATHS, name="web:page", sync_to_thread=False, **_PUBLIC)
    def app_page() -> Response[bytes]:
        return page(page_headers)

    @get(SHARE_PATH, name="web:share", sync_to_thread=False, **_PUBLIC)
    def share_page() -> Response[bytes]:
        return page(share_headers)

    @get(ASSETS_PATH, name="web:asset", sync_to_thread=False, **_PUBLIC)
    def asset(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
        assets = dist / "assets"
        return _file_response(files, request, files.inside(assets, name.lstrip("/")), IMMUTABLE)

    handlers: list[HTTPRouteHandler] = [app_page, share_page, asset]
    handlers += [top_level_file(files, name) for name in files.top_level_files()]
    return Router(path="/", route_handlers=handlers)
