"""The interface's language and theme: the browser's language by default, the "Interface
language" picker remembered; the system's colour scheme by default, the "Theme" toggle
remembered; the sign-in page usable on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import web_app_built

pytestmark = pytest.mark.skipif(
    not web_app_built(),
    reason="the web app is not built (src/transcribe/web/dist): `just setup` with Node 20.19+",
)


def fresh_page(browser: Browser, live_url: str, **options: object) -> Page:
    return browser.new_context(base_url=live_url, **options).new_page()  # type: ignore[arg-type]


def test_the_browsers_language_is_the_default_and_the_choice_is_remembered(
    browser: Browser, live_url: str
) -> None:
    russian = fresh_page(browser, live_url, locale="ru-RU")
    try:
        russian.goto("/login")
        expect(russian.get_by_role("button", name="Войти")).to_be_visible()
        expect(russian.locator("html")).to_have_attribute("lang", "ru")
    finally:
        russian.context.close()

    page = fresh_page(browser, live_url, locale="en-US")
    try:
        page.goto("/login")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        page.get_by_role("combobox", name="Interface language").select_option("ru")
        expect(page.get_by_role("button", name="Войти")).to_be_visible()
        expect(page.get_by_role("textbox", name="Электронная почта")).to_be_visible()
        page.reload()  # remembered, over the browser's English
        expect(page.get_by_role("button", name="Войти")).to_be_visible()
        page.get_by_role("combobox", name="Язык интерфейса").select_option("en")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        page.goto("/login?lang=ru")  # a link may choose too, and that is remembered
        expect(page.get_by_role("button", name="Войти")).to_be_visible()
        page.goto("/login")
        expect(page.get_by_role("button", name="Войти")).to_be_visible()
    finally:
        page.context.close()


def test_the_theme_follows_the_system_until_toggled(browser: Browser, live_url: str) -> None:
    page = fresh_page(browser, live_url, locale="en-US", color_scheme="dark")
    try:
        page.goto("/login")
        html = page.locator("html")
        expect(html).to_have_attribute("data-theme", "dark")
        dark_background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        page.get_by_role("button", name="Theme").click()
        expect(html).to_have_attribute("data-theme", "light")
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
            dark_background
        )
        page.reload()  # the choice outlives the system's preference
        expect(html).to_have_attribute("data-theme", "light")
    finally:
        page.context.close()

    light = fresh_page(browser, live_url, locale="en-US", color_scheme="light")
    try:
        light.goto("/login")
        expect(light.locator("html")).to_have_attribute("data-theme", "light")
    finally:
        light.context.close()


def test_sign_in_fits_a_phone(browser: Browser, live_url: str) -> None:
    page = fresh_page(
        browser, live_url, locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        page.goto("/login")
        expect(page.get_by_role("button", name="Sign in")).to_be_in_viewport()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        page.context.close()
