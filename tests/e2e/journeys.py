"""Steps the browser journeys share."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD


def log_in(page: Page, base_url: str, username: str) -> Page:
    """Log in through the real form and wait until the header says so."""
    page.goto(f"{base_url}/en/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("header")).to_contain_text(re.compile("Log out", re.I))
    return page


def log_in_new_context(browser: Browser, base_url: str, username: str) -> Page:
    """A separate browser context (its own cookies) for a second person in the same journey."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return log_in(page, base_url, username)
