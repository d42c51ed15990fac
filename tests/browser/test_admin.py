"""The admin page in the browser: the first admin made with the CLI, users searched,
disabled (their sign-in refused) and enabled, quotas set, nobody demoting themselves,
everyone's jobs with a failed one retried; non-admins turned away; axe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import shortcuts
from tests.browser.helpers import PASSWORD, LiveService, axe_violations, make_user, web_app_built
from tests.helpers.accounts import SignedInUser

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)


def promote(service: LiveService, email: str) -> None:
    """`python -m transcribe admin promote EMAIL` against the live service's database."""
    env = {**os.environ, "ENV_FILE": "/nonexistent/.env", "DATABASE_URL": service.database_url}
    done = subprocess.run(
        [sys.executable, "-m", "transcribe", "admin", "promote", email],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "now an admin" in done.stdout


def sign_in(page: Page, live_url: str, user: SignedInUser, path: str) -> None:
    page.goto("/login")
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [shortcuts.SESSION_KEY, json.dumps(shortcuts.login(live_url, user.email, user.password))],
    )
    page.goto(path)


@pytest.fixture
def admin(live_service: LiveService) -> SignedInUser:
    user = make_user(live_service.url)
    promote(live_service, user.email)
    return user


def user_row(page: Page, email: str):
    return page.get_by_role("region", name="Users").get_by_role("row").filter(has_text=email)


def search_user(page: Page, email: str) -> None:
    page.get_by_role("searchbox", name="Search users by email").fill(email)
    expect(page.get_by_role("region", name="Users").get_by_role("row")).to_have_count(2)
    expect(user_row(page, email)).to_be_visible()


def test_an_admin_disables_a_user_whose_sign_in_is_then_refused(
    page: Page, browser: Browser, live_service: LiveService, admin: SignedInUser
) -> None:
    url = live_service.url
    victim = make_user(url)
    sign_in(page, url, admin, "/app")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page).to_have_url(re.compile(r"/app/admin$"))
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()

    search_user(page, victim.email)
    row = user_row(page, victim.email)
    expect(row).to_contain_text("Not verified")
    row.get_by_role("button", name=f"Disable {victim.email}").click()
    dialog = page.get_by_role("dialog", name=f"Disable {victim.email}?")
    expect(dialog).to_contain_text("signed out everywhere")
    dialog.get_by_role("button", name="Disable user").click()
    expect(page.get_by_role("status")).to_have_text(f"{victim.email} is disabled.")
    expect(row).to_contain_text("Disabled")
    assert httpx.get(f"{url}/auth/me", headers=victim.headers).status_code in (401, 403)

    # The victim, in a browser of their own, is refused with the API's words.
    refused = httpx.post(f"{url}/auth/login", json={"email": victim.email, "password": PASSWORD})
    assert refused.status_code == 403
    context = browser.new_context(base_url=url, locale="en-US")
    try:
        theirs = context.new_page()
        theirs.goto("/login")
        theirs.get_by_label("Email").fill(victim.email)
        theirs.get_by_label("Password", exact=True).fill(PASSWORD)
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("alert")).to_have_text(refused.json()["detail"])
    finally:
        context.close()

    row.get_by_role("button", name=f"Enable {victim.email}").click()
    expect(page.get_by_role("status")).to_have_text(f"{victim.email} can sign in again.")
    login = httpx.post(f"{url}/auth/login", json={"email": victim.email, "password": PASSWORD})
    assert login.status_code == 200


def test_quota_promote_demote_and_never_oneself(
    page: Page, live_service: LiveService, admin: SignedInUser
) -> None:
    url = live_service.url
    other = make_user(url)
    sign_in(page, url, admin, "/app/admin")

    search_user(page, admin.email)
    mine = user_row(page, admin.email)
    expect(mine).to_contain_text("This is you")
    expect(mine.get_by_role("button", name=re.compile("^(Disable|Remove admin)"))).to_have_count(0)

    search_user(page, other.email)
    row = user_row(page, other.email)
    expect(row).to_contain_text("Default")
    row.get_by_role("button", name=f"Set quota of {other.email}").click()
    dialog = page.get_by_role("dialog", name=f"Monthly quota of {other.email}")
    dialog.get_by_label("Quota (audio minutes a month)").fill("90")
    dialog.get_by_role("button", name="Save quota").click()
    expect(row).to_contain_text("90 minutes")
    assert httpx.get(f"{url}/usage", headers=other.headers).json()["quota_seconds"] == 90 * 60

    row.get_by_role("button", name=f"Set quota of {other.email}").click()
    dialog.get_by_label("Quota (audio minutes a month)").fill("")
    dialog.get_by_role("button", name="Save quota").click()
    expect(row).to_contain_text("Default")
    assert httpx.get(f"{url}/usage", headers=other.headers).json()["quota_seconds"] is None

    row.get_by_role("button", name=f"Make admin {other.email}").click()
    expect(row).to_contain_text("Admin")
    assert httpx.get(f"{url}/auth/me", headers=other.headers).json()["is_admin"] is True
    row.get_by_role("button", name=f"Remove admin {other.email}").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove admin").click()
    expect(row.get_by_role("button", name=f"Make admin {other.email}")).to_be_visible()
    assert httpx.get(f"{url}/auth/me", headers=other.headers).json()["is_admin"] is False


def test_everyones_jobs_with_a_failed_one_retried(
    page: Page, live_service: LiveService, admin: SignedInUser
) -> None:
    url = live_service.url
    owner = make_user(url)
    job = shortcuts.completed_job(
        url, owner.token, "A: Hello from the admin test.", filename="failing.txt"
    )
    with psycopg.connect(live_service.database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE transcription_jobs SET status = 'failed', error_message = %s WHERE id = %s",
            ("The engine gave up on this one", job["id"]),
        )
    sign_in(page, url, admin, "/app/admin")
    jobs = page.get_by_role("region", name="Jobs of everyone")
    jobs.get_by_label("Status").select_option("failed")
    row = jobs.get_by_role("row").filter(has_text="failing.txt")
    expect(row).to_contain_text("The engine gave up on this one")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "failed")
    row.get_by_role("button", name="Retry failing.txt").click()
    expect(jobs.get_by_role("status")).to_have_text("failing.txt is queued again.")
    jobs.get_by_label("Status").select_option("")
    expect(row.locator("[data-status]")).to_have_attribute(
        "data-status", re.compile("pending|processing|completed")
    )

    # The owner's jobs only, picked from the users table.
    search_user(page, owner.email)
    user_row(page, owner.email).get_by_role("button", name=f"Jobs of {owner.email}").click()
    expect(jobs).to_contain_text(f"Jobs of {owner.email}.")
    expect(jobs.get_by_role("row")).to_have_count(2)


def test_a_non_admin_gets_no_admin_page(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    sign_in(page, live_url, user, "/app")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    page.goto("/app/admin")
    expect(page.get_by_role("alert")).to_have_text("This page is for administrators.")
    expect(page.get_by_role("searchbox")).to_have_count(0)


def test_the_admin_page_has_no_serious_accessibility_violations(
    page: Page, live_service: LiveService, admin: SignedInUser
) -> None:
    sign_in(page, live_service.url, admin, "/app/admin")
    expect(user_row(page, admin.email)).to_be_visible()
    expect(
        page.get_by_role("region", name="Jobs of everyone").get_by_label("Status")
    ).to_be_visible()
    assert axe_violations(page) == []
