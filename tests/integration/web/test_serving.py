"""The web app served by the API process: every page of WEB.md answers index.html with a
strict CSP, hashed assets are cached for good, and the API keeps its own paths and JSON.

Served from a hand-made build in a temporary folder, so these tests need no Node."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import serve_settings
from transcribe.settings import Settings
from transcribe.web.serving import WebFiles, origin

INDEX = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<script type="module" src="/assets/index-3f9a1c.js"></script>'
    '<link rel="stylesheet" href="/assets/index-77b2e0.css"></head>'
    '<body><div id="root"></div></body></html>'
)
SCRIPT = "export const hello = () => document.title;\n" * 100  # large enough to gzip
STYLE = "body { margin: 0 }\n"

PAGES = [
    "/",
    "/login",
    "/register",
    "/verify-email?token=abc",
    "/reset-password?token=abc",
    "/s/some-share-token",
    "/app",
    "/app/",
    "/app/jobs/0b6d1f6e-2a4f-4c8e-9a51-1d2f3e4a5b6c",
    "/app/settings",
    "/app/admin",
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dist")
    (root / "assets").mkdir()
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-3f9a1c.js").write_text(SCRIPT)
    (root / "assets" / "index-77b2e0.css").write_text(STYLE)
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return root


def _with_dist(settings: Settings, dist: Path) -> Settings:
    return dataclasses.replace(settings, web_dist_dir=dist)


@pytest.fixture(scope="module")
def web_url(settings: Settings, dist: Path) -> Iterator[str]:
    with serve_settings(_with_dist(settings, dist)) as url:
        yield url


def _csp(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives = [d.split() for d in policy.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_the_app(web_url: str, path: str) -> None:
    response = httpx.get(web_url + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    # Local storage: signed URLs name PUBLIC_BASE_URL, which is this very server.
    assert set(csp["connect-src"]) <= {"'self'", web_url}
    expected = "no-referrer" if path.startswith("/s/") else "same-origin"
    assert response.headers["referrer-policy"] == expected


def test_assets_are_immutable_typed_and_gzipped(web_url: str) -> None:
    script = httpx.get(f"{web_url}/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["content-encoding"] == "gzip"
    assert script.headers["vary"] == "Accept-Encoding"
    assert script.text == SCRIPT  # httpx decodes it
    assert int(script.headers["content-length"]) < len(SCRIPT.encode())

    plain = httpx.get(f"{web_url}/assets/index-3f9a1c.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == SCRIPT.encode()
    refused = httpx.get(
        f"{web_url}/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip;q=0"}
    )
    assert "content-encoding" not in refused.headers

    style = httpx.get(f"{web_url}/assets/index-77b2e0.css")
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")
    assert style.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert style.headers["x-content-type-options"] == "nosniff"
    assert style.text == STYLE


def test_other_files_of_the_build_have_a_short_cache(web_url: str) -> None:
    icon = httpx.get(f"{web_url}/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert "immutable" not in icon.headers["cache-control"]
    assert "max-age=" in icon.headers["cache-control"]


@pytest.mark.parametrize(
    "path", ["/assets/index-000000.js", "/assets/", "/assets/%2e%2e/index.html", "/assets/.hidden"]
)
def test_unknown_assets_are_a_json_404(web_url: str, path: str) -> None:
    response = httpx.get(web_url + path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 404


def test_files_outside_the_build_are_never_served(dist: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("no")
    (dist / "assets" / "link.txt").unlink(missing_ok=True)
    (dist / "assets" / "link.txt").symlink_to(tmp_path / "secret.txt")
    files = WebFiles(dist)
    assets = dist / "assets"
    assert files.inside(assets, "index-3f9a1c.js") == assets / "index-3f9a1c.js"
    for name in ("../index.html", "link.txt", ".env", "", "sub/../../index.html"):
        assert files.inside(assets, name) is None, name


def test_the_api_is_unchanged(web_url: str) -> None:
    jobs = httpx.get(f"{web_url}/jobs")
    assert jobs.status_code == 401
    assert jobs.headers["content-type"].startswith("application/json")
    for path in ("/nope-api-path", "/jobs/not-a-uuid/nope", "/s/", "/apps", "/s/a/b"):
        unknown = httpx.get(web_url + path)
        assert unknown.status_code == 404, path
        assert unknown.headers["content-type"].startswith("application/json"), path
        assert "content-security-policy" not in unknown.headers
    assert httpx.get(f"{web_url}/health").json()
    assert "content-security-policy" not in httpx.get(f"{web_url}/health").headers


def test_the_openapi_document_has_no_page_of_the_app(web_url: str) -> None:
    paths = httpx.get(f"{web_url}/schema/openapi.json").json()["paths"]
    assert paths  # the API is there
    for path in paths:
        assert path != "/"
        assert not path.startswith(("/app", "/s/", "/assets", "/login", "/register")), path
        assert path not in ("/verify-email", "/reset-password", "/favicon.svg"), path


def test_with_s3_the_policy_names_the_store(s3_settings: Settings, dist: Path) -> None:
    with serve_settings(_with_dist(s3_settings, dist)) as url:
        response = httpx.get(f"{url}/app/jobs/x")
    store = origin(s3_settings.storage.s3_endpoint_url)
    csp = _csp(response)
    assert csp["connect-src"] == ["'self'", store]
    assert csp["media-src"] == ["'self'", "blob:", store]
    assert csp["default-src"] == ["'self'"]


def test_a_public_endpoint_is_the_one_named(s3_settings: Settings, dist: Path) -> None:
    public = dataclasses.replace(
        s3_settings,
        storage=dataclasses.replace(
            s3_settings.storage, s3_public_endpoint_url="https://Storage.Example.com/bucket/"
        ),
    )
    with serve_settings(_with_dist(public, dist)) as url:
        csp = _csp(httpx.get(f"{url}/"))
    assert csp["connect-src"] == ["'self'", "https://storage.example.com"]


def test_without_a_build_the_pages_say_how_to_build(settings: Settings, tmp_path: Path) -> None:
    with serve_settings(_with_dist(settings, tmp_path / "missing")) as url:
        for path in ("/", "/app", "/app/jobs/x", "/login", "/s/token"):
            page = httpx.get(url + path)
            assert page.status_code == 200, path
            assert page.headers["content-type"] == "text/html; charset=utf-8"
            assert "content-security-policy" in page.headers
            assert "not been built" in page.text
            assert "just setup" in page.text
            assert "npm ci &amp;&amp; npm run build" in page.text
            assert "Node.js 20" in page.text
        assert httpx.get(f"{url}/assets/index-3f9a1c.js").status_code == 404
        assert httpx.get(f"{url}/jobs").status_code == 401
        assert httpx.get(f"{url}/health").status_code == 200


def test_a_rebuild_is_served_without_a_restart(settings: Settings, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    with serve_settings(_with_dist(settings, dist)) as url:
        assert "not been built" in httpx.get(f"{url}/").text
        (dist / "assets").mkdir(parents=True)
        (dist / "index.html").write_text(INDEX)
        (dist / "assets" / "index-3f9a1c.js").write_text(SCRIPT)
        assert httpx.get(f"{url}/").text == INDEX
        asset = httpx.get(f"{url}/assets/index-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
        assert asset.headers["content-encoding"] == "gzip"
        assert asset.text == SCRIPT
