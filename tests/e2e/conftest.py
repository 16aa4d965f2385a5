"""Browser journeys: Playwright driving Debian's chromium against Django's live server.

Screenshots go to test-results/screenshots/ (one or more per journey).
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses DB calls from a thread
# with a running loop unless told it is safe. The test code itself is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _migration_made_rows(transactional_db):
    """Live-server tests flush the database after each test, rows made by migrations included.
    Put back what the site needs before each journey: Wagtail's root page and the role groups."""
    from django.contrib.auth.models import Group
    from wagtail.models import Locale, Page

    from accounts import roles

    if Page.get_first_root_node() is None:
        locale, _ = Locale.objects.get_or_create(language_code="en")
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def csp_violations(page) -> list[str]:
    """Collects every Content-Security-Policy violation the browser reports on this page."""
    found: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return found


class RequestsInFlight:
    """Counts the live server's requests between Django's request_started and request_finished.

    A journey can end while its page still has requests on the way (the Wagtail editor's
    background fetches, a beacon sent as the page closes). If the server thread is still inside
    one when the test's database is flushed, the flush fails and the next journey starts on the
    previous one's rows. So the page is closed, then the server is let finish."""

    def __init__(self) -> None:
        self.count = 0
        self.last_change = time.monotonic()
        self.lock = threading.Lock()

    def started(self, **kwargs) -> None:
        with self.lock:
            self.count += 1
            self.last_change = time.monotonic()

    def finished(self, **kwargs) -> None:
        with self.lock:
            self.count = max(0, self.count - 1)
            self.last_change = time.monotonic()

    def wait_until_quiet(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count == 0 and time.monotonic() - self.last_change >= quiet:
                    return
            time.sleep(0.05)


@pytest.fixture
def page(browser, request):
    from django.core.signals import request_finished, request_started

    in_flight = RequestsInFlight()
    request_started.connect(in_flight.started)
    request_finished.connect(in_flight.finished)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = csp_violations(page)
    yield page
    context.close()
    in_flight.wait_until_quiet()
    request_started.disconnect(in_flight.started)
    request_finished.disconnect(in_flight.finished)
    # Every journey doubles as a check that the site's own pages pass its policy.
    if "allow_csp_violations" not in request.keywords:
        assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def screenshot():
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
