"""The built app loads in Chromium from the live service: no console errors (a CSP
violation is one), no request to any other host, and deep links answer the app."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from tests.browser.helpers import axe_violations, web_app_built

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)


def test_the_app_loads_with_no_errors_and_no_other_host(page, live_url: str) -> None:
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request", lambda r: hosts.add(urlsplit(r.url).netloc) if r.url.startswith("http") else None
    )
    response = page.goto("/")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page.wait_for_load_state("networkidle")
    assert page.locator("#root, body").first.inner_html().strip()  # something rendered
    assert errors == []
    assert hosts == {urlsplit(live_url).netloc}


def test_a_deep_link_answers_the_app(page, live_url: str) -> None:
    path = f"/app/jobs/{uuid.uuid4()}"
    direct = httpx.get(live_url + path)
    assert direct.status_code == 200
    assert direct.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-security-policy" in direct.headers
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert page.locator("script[src^='/assets/']").count() >= 1  # the app's page, not a 404


def test_the_first_page_has_no_serious_accessibility_violations(page) -> None:
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
