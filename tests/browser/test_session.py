"""The session in the browser: an access token about to expire is refreshed silently (the
refresh token rotates, the spent one stops working), and a refresh token that was already
spent (reused, as after a leak) ends the session: the app goes back to sign-in."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import make_user, web_app_built
from tests.browser.shortcuts import SESSION_KEY, login, storage_script

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)


def stored_session(page: Page) -> dict | None:
    raw = page.evaluate(f"() => localStorage.getItem({SESSION_KEY!r})")
    return json.loads(raw) if raw else None


def test_an_expiring_access_token_is_refreshed_silently(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    session = login(live_url, user.email, user.password)
    # The access token still works, but the app sees it expire within its margin: it refreshes.
    session["expires_at"] = int(time.time() * 1000) + 5_000
    page.context.add_init_script(storage_script({SESSION_KEY: session}))
    refreshes: list[str] = []
    page.on(
        "request", lambda r: refreshes.append(r.url) if r.url.endswith("/auth/refresh") else None
    )

    page.goto("/app")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="No transcripts yet")).to_be_visible()
    page.wait_for_function(
        "([key, old]) => JSON.parse(localStorage.getItem(key) || '{}').refresh_token !== old",
        arg=[SESSION_KEY, session["refresh_token"]],
    )
    assert len(refreshes) == 1  # one refresh, however many requests wanted a token
    fresh = stored_session(page)
    assert fresh is not None and fresh["expires_at"] > session["expires_at"] + 60_000
    with httpx.Client(base_url=live_url, timeout=30) as http:
        me = http.get("/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
        assert me.status_code == 200 and me.json()["email"] == user.email
        spent = http.post("/auth/refresh", json={"refresh_token": session["refresh_token"]})
        assert spent.status_code == 401  # rotated: the old one is spent


def test_a_reused_refresh_token_ends_the_session(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    session = login(live_url, user.email, user.password)
    with httpx.Client(base_url=live_url, timeout=30) as http:  # someone else spends it first
        assert (
            http.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code
            == 200
        )
    session["expires_at"] = int(time.time() * 1000) - 1_000
    page.context.add_init_script(
        "if (!sessionStorage.getItem('seeded')) { sessionStorage.setItem('seeded', '1'); "
        + storage_script({SESSION_KEY: session})
        + " }"
    )

    page.goto("/app/settings")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fapp%2Fsettings$"))
    assert stored_session(page) is None
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
