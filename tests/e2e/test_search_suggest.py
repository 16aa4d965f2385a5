"""Browser journey: the header search box suggests as you type, and a suggestion is picked with
the keyboard. Without JavaScript the same box is a plain search form."""

import re

import pytest

from search import outbox
from tests.kb.factories import make_article


@pytest.fixture
def wagtail_root(transactional_db):
    """A live-server test flushes the database, migration-made rows included (Wagtail's root page):
    put the root back if an earlier transactional test removed it."""
    from wagtail.models import Locale, Page

    if Page.get_first_root_node() is None:
        locale, _created = Locale.objects.get_or_create(language_code="en")
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


@pytest.fixture
def searchable(wagtail_root, site_pages):
    from forum.permissions import sync_global_permissions
    from kb.setup import ensure_kb_indexes
    from tests.search.factories import make_forum, make_topic

    indexes = ensure_kb_indexes(site_pages)
    article = make_article(indexes["en"], "Set up email on your phone", "email-phone",
                           summary="IMAP and SMTP settings for iPhone and Android.", tags=("email",))
    sync_global_permissions()
    forum = make_forum("Email", parent=make_forum("Hosting"))
    topic = make_topic(forum, "Email on my phone stopped syncing", "Since yesterday my phone gets no email.",
                       replies=["Re-enter the IMAP password on the phone."], accept=0)
    outbox.drain()
    return article, topic


def test_suggest_journey(live_server, browser, page, screenshot, searchable):
    """One journey (a live server flushes the database between tests): type, see suggestions,
    move with the arrows, open one with Enter; Escape closes; Enter without a choice searches;
    without JavaScript the box is a plain form."""
    article, topic = searchable
    page.goto(f"{live_server.url}/en/search/")
    box = page.locator("#header-q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"

    box.press_sequentially("email on my pho", delay=40)
    listbox = page.locator("#header-suggest")
    listbox.locator("[role=option]").first.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.get_attribute("role") == "listbox"
    titles = listbox.locator(".suggest-title").all_inner_texts()
    assert topic.subject in titles and article.title in titles
    assert listbox.locator("mark").count() > 0  # highlighted words in the snippets
    screenshot(page, "search-suggest-open")

    box.press("ArrowDown")
    first = listbox.locator("[role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("ArrowDown")
    second = listbox.locator("[role=option]").nth(1)
    assert second.get_attribute("aria-selected") == "true"
    assert first.get_attribute("aria-selected") == "false"
    box.press("ArrowUp")
    chosen_title = first.locator(".suggest-title").inner_text()
    screenshot(page, "search-suggest-highlighted")
    box.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text().strip() == chosen_title
    screenshot(page, "search-suggest-chosen")

    # Escape closes the list; Enter with nothing highlighted submits the search form.
    page.goto(f"{live_server.url}/en/search/")
    box = page.locator("#header-q")
    box.press_sequentially("email", delay=40)
    page.locator("#header-suggest [role=option]").first.wait_for(state="visible")
    box.press("Escape")
    assert page.locator("#header-suggest").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    box.press("Enter")
    page.wait_for_url(re.compile(r"/en/search/\?q=email"))
    assert "2 results for “email”" in page.locator(".search-summary").inner_text()

    # Without JavaScript: a plain GET form.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    try:
        plain.goto(f"{live_server.url}/en/search/")
        plain.fill("#header-q", "phone email")
        plain.press("#header-q", "Enter")
        plain.wait_for_url(re.compile(r"q=phone\+email"))
        assert plain.locator(".search-result").count() == 2
        screenshot(plain, "search-results-no-js")
    finally:
        context.close()
