"""Settings in the browser: change the password, API keys (shown once, working, revoked),
webhook endpoints, usage, resend verification, delete the account, Russian, axe."""

from __future__ import annotations

import json
import re

import httpx
import psycopg
import pytest
from playwright.sync_api import Page, expect

from tests.browser import shortcuts
from tests.browser.helpers import PASSWORD, LiveService, axe_violations, make_user, web_app_built

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)


def open_settings(page: Page, live_url: str, email: str, password: str = PASSWORD) -> None:
    """Signed in by the shortcut (tokens from POST /auth/login), then /app/settings."""
    page.goto("/login")
    session = shortcuts.login(live_url, email, password)
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [shortcuts.SESSION_KEY, json.dumps(session)],
    )
    page.goto("/app/settings")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()


def section(page: Page, heading: str):
    return page.get_by_role("region", name=heading, exact=True)


def test_change_password_keeps_this_browser_signed_in(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    open_settings(page, live_url, user.email)
    form = section(page, "Change password")
    form.get_by_label("Current password").fill("not my password")
    form.get_by_label("New password").fill("the new long password")
    form.get_by_role("button", name="Change password").click()
    refused = httpx.post(
        f"{live_url}/auth/password",
        headers=user.headers,
        json={"current_password": "not my password", "new_password": "the new long password"},
    )
    assert refused.status_code == 401
    expect(form.get_by_role("alert")).to_have_text(refused.json()["detail"])

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_role("status")).to_contain_text("Your password is changed")
    # Tokens from before the change stopped working; this browser signed in again by itself.
    assert httpx.get(f"{live_url}/auth/me", headers=user.headers).status_code == 401
    page.reload()
    expect(page).to_have_url(re.compile(r"/app/settings$"))
    expect(section(page, "Account")).to_contain_text(user.email)
    login = httpx.post(
        f"{live_url}/auth/login", json={"email": user.email, "password": "the new long password"}
    )
    assert login.status_code == 200


def test_an_api_key_is_shown_once_works_and_stops_when_revoked(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    open_settings(page, live_url, user.email)
    keys = section(page, "API keys")
    expect(keys.get_by_text("No API keys yet")).to_be_visible()
    keys.get_by_label("Key name").fill("nightly import")
    keys.get_by_role("button", name="Create key").click()

    shown = keys.get_by_label("New API key “nightly import”")
    expect(shown).to_have_value(re.compile(r"^trk_"))
    expect(keys).to_contain_text("it will not be shown again")
    key = shown.input_value()
    keys.get_by_role("button", name="Copy").click()
    expect(keys.get_by_role("status")).to_contain_text(re.compile("Copied|Selected"))

    with_key = {"Authorization": f"Bearer {key}"}
    me = httpx.get(f"{live_url}/auth/me", headers=with_key)
    assert me.status_code == 200 and me.json()["email"] == user.email

    keys.get_by_role("button", name="I have saved it").click()
    expect(shown).to_have_count(0)
    row = keys.get_by_role("row").filter(has_text="nightly import")
    expect(row).to_contain_text(key[:8])
    expect(page.get_by_text(key)).to_have_count(0)  # never shown again
    page.reload()
    expect(row).to_contain_text(re.compile(r"\d"))  # created, and last used just now

    keys.get_by_role("button", name="Revoke key nightly import").click()
    dialog = page.get_by_role("dialog", name="Revoke the key “nightly import”?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert httpx.get(f"{live_url}/auth/me", headers=with_key).status_code == 200

    keys.get_by_role("button", name="Revoke key nightly import").click()
    dialog.get_by_role("button", name="Revoke key").click()
    expect(keys.get_by_role("status")).to_contain_text("is revoked")
    expect(keys.get_by_text("No API keys yet")).to_be_visible()
    assert httpx.get(f"{live_url}/auth/me", headers=with_key).status_code == 401


def test_webhook_endpoints_are_added_and_deleted(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    open_settings(page, live_url, user.email)
    hooks = section(page, "Webhook endpoints")
    expect(hooks.get_by_text("No webhook endpoints")).to_be_visible()

    # The live service refuses private addresses: the API's words are shown.
    hooks.get_by_label("Endpoint URL").fill("http://127.0.0.1:9/hook")
    hooks.get_by_role("button", name="Add endpoint").click()
    expect(hooks.get_by_role("alert")).to_contain_text("private, loopback or link-local")

    # A public address (a literal IP: names do not resolve here); no job of this user ever
    # completes, so nothing is delivered to it.
    url = "https://93.184.215.14/hooks/transcribe"
    hooks.get_by_label("Endpoint URL").fill(url)
    hooks.get_by_role("checkbox", name=re.compile("job.failed")).uncheck()
    hooks.get_by_role("button", name="Add endpoint").click()
    secret = hooks.get_by_label(f"Signing secret for {url}")
    expect(secret).to_have_value(re.compile(r"^whsec_"))
    expect(hooks).to_contain_text("it will not be shown again")
    hooks.get_by_role("button", name="I have saved it").click()

    listed = httpx.get(f"{live_url}/webhook-endpoints", headers=user.headers).json()
    assert [(e["url"], e["events"]) for e in listed["items"]] == [(url, ["job.completed"])]
    expect(hooks.get_by_role("listitem").filter(has_text=url)).to_contain_text("job.completed")

    hooks.get_by_role("button", name=f"Delete endpoint {url}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete endpoint").click()
    expect(hooks.get_by_text("No webhook endpoints")).to_be_visible()
    listed = httpx.get(f"{live_url}/webhook-endpoints", headers=user.headers).json()
    assert listed["total"] == 0


def test_usage_shows_this_months_minutes_and_history(page: Page, live_service: LiveService) -> None:
    url = live_service.url
    user = make_user(url)
    shortcuts.completed_job(url, user.token, "A: Hello there.\nB: Hi.")
    # The stub engine has no audio length: give this month 12 min 34 s, and a past month.
    with psycopg.connect(live_service.database_url, autocommit=True) as conn:
        changed = conn.execute(
            "UPDATE usage_months SET audio_seconds = 754 WHERE user_id = %s", (user.id,)
        ).rowcount
        assert changed == 1
        conn.execute(
            "INSERT INTO usage_months (id, user_id, period_start, audio_seconds, jobs_completed,"
            " created_at, updated_at) VALUES (gen_random_uuid(), %s, '2025-01-01', 5400, 4,"
            " now(), now())",
            (user.id,),
        )
    usage = httpx.get(f"{url}/usage", headers=user.headers).json()
    assert (usage["audio_seconds"], usage["jobs_completed"], usage["quota_seconds"]) == (
        754,
        1,
        None,
    )

    open_settings(page, url, user.email)
    box = section(page, "Usage this month")
    expect(box).to_contain_text("13 minutes of audio")
    expect(box.get_by_text("Unlimited")).to_be_visible()
    expect(box.get_by_role("progressbar")).to_have_count(0)
    expect(box).to_contain_text("1 transcript completed")
    history = box.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(3)  # the header and two months
    january = history.get_by_role("row").filter(has_text="January 2025")
    expect(january).to_contain_text("90")
    expect(january).to_contain_text("4")

    # With a quota: the share used, as a progress bar.
    with psycopg.connect(live_service.database_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET quota_minutes = 60 WHERE id = %s", (user.id,))
    page.reload()
    expect(box).to_contain_text("13 of 60 minutes of audio used")
    bar = box.get_by_role("progressbar", name="13 of 60 minutes of audio used")
    expect(bar).to_have_attribute("value", "21")
    page.goto("/app/settings?lang=ru")
    expect(section(page, "Использование в этом месяце")).to_contain_text(
        "Использовано 13 из 60 минут звука"
    )
    expect(section(page, "Использование в этом месяце")).to_contain_text("1 расшифровка завершена")


def test_resend_verification_from_settings(page: Page, live_service: LiveService) -> None:
    user = make_user(live_service.url)
    live_service.inbox.wait_for(user.email)
    open_settings(page, live_service.url, user.email)
    account = section(page, "Account")
    expect(account).to_contain_text("Not verified")
    account.get_by_role("button", name="Resend verification email").click()
    expect(account.get_by_role("status")).to_contain_text("a new email is on its way")
    live_service.inbox.wait_for(user.email, count=2)


def test_delete_account_then_sign_in_fails(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    open_settings(page, live_url, user.email)
    page.get_by_role("button", name="Delete account…").click()
    dialog = page.get_by_role("dialog", name="Delete your account for good?")
    expect(dialog).to_contain_text("every uploaded recording")
    expect(dialog).to_contain_text("your API keys")
    dialog.get_by_label("Your password").fill("wrong password")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.get_by_role("alert")).to_contain_text("wrong")
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()

    expect(page).to_have_url(re.compile(r"/(login)?$"))
    expect(page.get_by_role("status")).to_contain_text(f"The account {user.email}")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    login = httpx.post(f"{live_url}/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 401


def test_settings_in_russian(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    open_settings(page, live_url, user.email)
    page.goto("/app/settings?lang=ru")
    expect(page.get_by_role("heading", name="Настройки", level=1)).to_be_visible()
    for heading in ("Аккаунт", "Смена пароля", "API-ключи", "Вебхуки", "Удаление аккаунта"):
        expect(page.get_by_role("heading", name=heading, level=2, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Использование в этом месяце")).to_be_visible()
    expect(page.get_by_text("0 расшифровок завершено")).to_be_visible()
    page.goto("/app/settings?lang=en")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()


def test_settings_have_no_serious_accessibility_violations(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    open_settings(page, live_url, user.email)
    expect(page.get_by_text("No API keys yet")).to_be_visible()
    expect(page.get_by_text("Unlimited")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Delete account…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert axe_violations(page) == []


def test_settings_fit_a_phone(page: Page, live_url: str) -> None:
    user = make_user(live_url)
    page.set_viewport_size({"width": 390, "height": 844})
    open_settings(page, live_url, user.email)
    keys = section(page, "API keys")
    keys.get_by_label("Key name").fill("phone")
    keys.get_by_role("button", name="Create key").click()
    expect(keys.get_by_label("New API key “phone”")).to_be_visible()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
