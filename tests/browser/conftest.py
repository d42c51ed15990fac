"""Browser tests: Playwright (pytest-playwright) driving Debian's Chromium against the real
service, run as a process (`live_service`, `live_url`).

`page.goto("/app")` goes to the live service: `base_url` is overridden here (the root
conftest's `base_url` is the in-process API server of the other tests). Never run
`playwright install`: it downloads browsers; /usr/bin/chromium is the one used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser import helpers
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, LiveService, make_user
from tests.browser.shortcuts import SESSION_KEY, login, storage_script
from tests.helpers.accounts import SignedInUser

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps its own event loop marked as
    running in this thread from the first page to the end of the session, and an async
    test after it could not run pytest-asyncio's loop. (So browser tests are plain `def`s.)
    trylast: after pytest's own reordering by parametrized fixtures, which would otherwise
    put the unit tests collected after tests/browser behind the browser tests again."""
    browser = [item for item in items if item.path.is_relative_to(HERE)]
    items[:] = [item for item in items if not item.path.is_relative_to(HERE)] + browser
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(
            reason=f"{CHROMIUM} is missing: `apt-get install chromium` (CI does)"
        )
        for item in browser:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_service() -> Iterator[LiveService]:
    with helpers.live_service() as service:
        yield service


@pytest.fixture(scope="session")
def live_url(live_service: LiveService) -> str:
    return live_service.url


@pytest.fixture(scope="session")
def base_url(live_url: str) -> str:
    return live_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        "headless": True,  # --headed still wins: it sets headless=False
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def user(live_url: str) -> SignedInUser:
    """A new account (as after sign-up), made through the API."""
    return make_user(live_url)


@pytest.fixture
def app(page: Page, live_url: str, user: SignedInUser) -> Page:
    """The page, signed in as `user` (the API's login written where the app keeps it)."""
    page.context.add_init_script(
        storage_script({SESSION_KEY: login(live_url, user.email, user.password)})
    )
    return page
