"""Accounts in the browser, as a person uses them: sign up, sign out and in, a wrong
password, the verification link from the email, a password reset through the emailed link."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import shortcuts
from tests.browser.helpers import (
    PASSWORD,
    LiveService,
    axe_violations,
    email_link,
    make_user,
    web_app_built,
)
from tests.helpers.accounts import unique_email

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)


def signed_in(page: Page, live_url: str, email: str, password: str = PASSWORD) -> None:
    """The shortcut past the sign-in form: the tokens where the app keeps them."""
    page.goto("/login")
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [
            shortcuts.SESSION_KEY,
            json.dumps(shortcuts.login(live_url, email, password)),
        ],
    )


def api_login(live_url: str, email: str, password: str) -> httpx.Response:
    return httpx.post(f"{live_url}/auth/login", json={"email": email, "password": password})


def test_sign_up_then_sign_out_and_in_again(page: Page, live_service: LiveService) -> None:
    email = unique_email()
    page.goto("/register")
    expect(page.get_by_text("8 to 128 characters")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 8 characters")
    expect(page).to_have_url(re.compile(r"/register$"))

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/app$"))
    # The verification email went out to the new address.
    assert "verify-email?token=" in email_link(live_service.inbox, email)[0]

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app$"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_taken_email_shows_the_apis_message(page: Page, live_url: str) -> None:
    user = make_user(live_url, login=False)
    taken = httpx.post(
        f"{live_url}/auth/register", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert taken.status_code == 409
    page.goto("/register")
    page.get_by_label("Email").fill(user.email.upper())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text(taken.json()["detail"])
    expect(page).to_have_url(re.compile(r"/register$"))


def test_a_wrong_password_shows_the_apis_message(page: Page, live_url: str) -> None:
    user = make_user(live_url, login=False)
    refused = api_login(live_url, user.email, "not the password")
    assert refused.status_code == 401
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(refused.json()["detail"])
    expect(page).to_have_url(re.compile(r"/login$"))


def test_the_verification_link_from_the_email_verifies(
    page: Page, live_service: LiveService
) -> None:
    url = live_service.url
    user = make_user(url)
    link, _ = email_link(live_service.inbox, user.email)
    assert link.startswith(url + "/verify-email?token=")

    page.goto(link)
    expect(page.get_by_role("status")).to_have_text("Your email address is verified. Thank you!")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    me = httpx.get(f"{url}/auth/me", headers=user.headers).json()
    assert me["email_verified"] is True

    # The link works once: opened again (signed in now), it says why not, and offers nothing
    # to resend since the address is verified.
    signed_in(page, url, user.email)
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    expect(page.get_by_role("link", name="Go to your transcripts")).to_be_visible()
    expect(page.get_by_role("button", name="Resend verification email")).to_have_count(0)


def test_a_bad_verification_link_offers_a_new_email(page: Page, live_service: LiveService) -> None:
    url = live_service.url
    user = make_user(url)
    live_service.inbox.wait_for(user.email)
    signed_in(page, url, user.email)
    page.goto("/verify-email?token=not-a-real-token")
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    page.get_by_role("button", name="Resend verification email").click()
    expect(page.get_by_role("status")).to_contain_text("a new email is on its way")
    # A second email, whose link works.
    link, _ = email_link(live_service.inbox, user.email, after=1)
    page.goto(link)
    expect(page.get_by_role("status")).to_contain_text("is verified")


def test_password_reset_through_the_emailed_link(page: Page, live_service: LiveService) -> None:
    url = live_service.url
    user = make_user(url, login=False)
    live_service.inbox.wait_for(user.email)  # the verification email
    before = len(live_service.inbox.to(user.email))

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/reset-password$"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"If an account exists for {user.email}, an email with a link is on its way"
    )

    link, _ = email_link(live_service.inbox, user.email, after=before)
    assert link.startswith(url + "/reset-password?token=")
    page.goto(link)
    new_password = "a brand new passphrase"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill(new_password + "!")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Set the new password").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(new_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/app$"))
    assert api_login(url, user.email, user.password).status_code == 401

    # The link was spent.
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("yet another passphrase")
    page.get_by_label("New password again").fill("yet another passphrase")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")


def test_a_reset_request_for_an_unknown_address_answers_the_same(page: Page) -> None:
    page.goto("/reset-password")
    email = unique_email()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text(f"If an account exists for {email}")


@pytest.mark.parametrize("path", ["/login", "/register", "/reset-password"])
def test_the_account_pages_have_no_serious_accessibility_violations(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert axe_violations(page) == []
