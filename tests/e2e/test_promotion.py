"""Promotion journey in a real browser: a support agent opens a solved topic, promotes
the accepted answer with "Promote to article", adjusts the form and publishes; the search outbox is
applied by the search worker, as in production; then a customer in another browser types the
question into the header search box and sees the article first with the thread nested under it,
both in the suggestions and on the search page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from forum import demo, permissions
from forum import services as forum_services
from kb.models import ArticlePage, PromotedAnswer
from kb.setup import ensure_kb_indexes
from search import outbox
from search.models import OutboxEntry
from tests.e2e.journeys import log_in_new_context
from tests.factories import UserFactory
from tests.kb.factories import make_category

QUESTION = "Mail still arrives at the old server"
ANSWER = """Your domain's MX record still points at the old host.

1. Open **DNS zone** in the control panel.
2. Change the MX record to `mail.newhost.example`.

```shell
dig +short MX example.com
```
"""


@pytest.fixture
def solved_topic(transactional_db, settings):
    """An English email topic whose answer was accepted, indexed; two KB categories; the agent."""
    from home.site_setup import ensure_home_pages

    settings.SEARCH_BACKEND = "database"
    indexes = ensure_kb_indexes(ensure_home_pages())
    suggested = make_category(indexes["en"], "Email", "email")  # same slug as the forum: prefilled
    chosen = make_category(indexes["en"], "Mail delivery", "mail-delivery")
    permissions.sync_all()
    forums = demo.ensure_forums()
    joined = timezone.now() - timedelta(days=90)
    asker = UserFactory(username="asker", display_name="Asha Asker", date_joined=joined)
    helper = UserFactory(username="helper", display_name="Hari Helper", date_joined=joined)
    casey = UserFactory(username="casey", display_name="Casey Customer", date_joined=joined)
    for user in (asker, helper, casey):
        user.groups.add(Group.objects.get(name=roles.CUSTOMERS))
    agent = UserFactory(username="agent", display_name="Sam Support", is_staff=True)
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_STAFF))
    topic = forum_services.create_topic(
        forums["email"], asker, QUESTION, "I moved my hosting last week but new mail still lands on the old server.", "en"
    )
    answer = forum_services.create_reply(topic, helper, ANSWER)
    forum_services.accept_answer(topic, answer, asker)
    outbox.drain()
    return topic, answer, suggested, chosen


def test_agent_promotes_an_accepted_answer_and_a_customer_finds_the_article_first(
    solved_topic, live_server, browser, screenshot, settings
):
    topic, answer, suggested, chosen = solved_topic
    base = live_server.url
    # The index is updated only through the outbox and the worker, as when the immediate apply
    # after a request fails: the journey must not depend on that shortcut.
    settings.SEARCH_APPLY_IMMEDIATELY = False

    # --- The agent promotes the accepted answer -------------------------------------------------
    agent = log_in_new_context(browser, base, "agent")
    agent.goto(f"{base}/en/community/forum/{topic.forum.slug}-{topic.forum_id}/")
    agent.get_by_role("link", name=QUESTION).click()
    expect(agent.locator("h1")).to_have_text(QUESTION)
    accepted = agent.locator("article.post.is-accepted")
    promote = accepted.get_by_role("link", name="Promote to article")
    expect(promote).to_have_class(re.compile(r"\bbtn-primary\b"))  # prominent on the accepted answer
    expect(agent.locator(".topic-promoted")).to_have_count(0)
    screenshot(agent, "promote-01-solved-topic")
    promote.click()

    expect(agent.locator("h1")).to_have_text("Promote to article")
    expect(agent.locator("#id_title")).to_have_value(QUESTION)
    expect(agent.locator("#id_summary")).to_have_value("Your domain's MX record still points at the old host.")
    expect(agent.locator("#id_parent")).to_have_value(str(suggested.pk))
    expect(agent.locator("#id_tags")).to_have_value("email")
    body = agent.locator("#id_body").input_value()
    assert "new mail still lands on the old server" in body and "dig +short MX example.com" in body
    expect(agent.locator("#id_show_credit")).to_be_checked()

    title = "Mail still arrives at the old server after moving hosts"
    agent.locator("#id_title").fill(title)
    agent.locator("#id_summary").fill("Point the MX record at the new host, then check it with dig.")
    agent.locator("#id_parent").select_option(label="Mail delivery")
    agent.locator("#id_tags").fill("email, mx, dns")
    screenshot(agent, "promote-02-form")
    agent.get_by_role("button", name="Publish").click()

    expect(agent.locator("body")).to_contain_text("The article is published.")
    assert re.search(r"/admin/pages/\d+/edit/", agent.url)
    screenshot(agent, "promote-03-admin-after-publish")

    article = ArticlePage.objects.get(title=title)
    assert article.live and article.get_parent().pk == chosen.pk
    assert article.source_topic_id == topic.pk and sorted(article.tag_names()) == ["dns", "email", "mx"]
    assert [b.block_type for b in article.body].count("code") == 1
    promoted = PromotedAnswer.objects.get(article=article)
    assert (promoted.post_id, promoted.author.username, promoted.promoted_by.username) == (
        answer.pk, "helper", "agent")

    # --- The search worker applies the outbox (production: `manage.py search_worker`) -----------
    queued = set(OutboxEntry.objects.values_list("doc_id", flat=True))
    assert {f"kb:{article.pk}", f"topic:{topic.pk}"} <= queued
    call_command("search_worker", "--once", verbosity=0)
    assert not OutboxEntry.objects.exists()

    # --- A customer types the question ----------------------------------------------------------
    customer = log_in_new_context(browser, base, "casey")
    try:
        customer.goto(f"{base}/en/community/")  # the home page has its own box; others the header's
        box = customer.locator("#header-q")
        box.press_sequentially("mail still arrives at the old server", delay=30)
        options = customer.locator("#header-suggest [role=option]:not(.suggest-footer)")
        options.first.wait_for(state="visible")
        expect(options.nth(0).locator(".suggest-title")).to_have_text(title)
        expect(options.nth(1).locator(".suggest-title")).to_have_text(QUESTION)
        expect(options.nth(1)).to_have_class(re.compile(r"\bsuggest-option-folded\b"))
        assert options.count() == 2  # the thread is not listed again on its own
        screenshot(customer, "promote-04-customer-suggestions")

        box.press("Enter")  # nothing highlighted: the search page
        customer.wait_for_url(re.compile(r"/en/search/\?q=mail"))
        top = customer.locator("ol.search-results > li.search-result")
        expect(top.first).to_have_attribute("data-result-id", f"kb:{article.pk}")
        expect(top.first.locator(":scope > .search-result-title")).to_have_text(title)
        assert f"topic:{topic.pk}" not in [top.nth(i).get_attribute("data-result-id") for i in range(top.count())]
        nested = top.first.locator(":scope > ul.search-results-folded > li.search-result-folded")
        expect(nested).to_have_count(1)
        expect(nested).to_have_attribute("data-result-id", f"topic:{topic.pk}")
        expect(nested.locator(".search-result-title")).to_have_text(QUESTION)
        expect(nested).to_contain_text("The community thread this article came from")
        screenshot(customer, "promote-05-customer-search-results")

        # The article credits the helper; the thread points to the article.
        top.first.locator(":scope > .search-result-title a").click()
        expect(customer.locator("h1")).to_have_text(title)
        expect(customer.locator(".kb-credit")).to_contain_text("Originally answered by Hari Helper")
        screenshot(customer, "promote-06-customer-article")
        customer.locator(".kb-credit a").click()
        expect(customer.locator("h1")).to_have_text(QUESTION)
        banner = customer.locator(".topic-promoted")
        expect(banner).to_contain_text("This answer is now a knowledge base article")
        expect(banner.get_by_role("link", name=title)).to_be_visible()
        screenshot(customer, "promote-07-customer-topic-banner")
    finally:
        customer.context.close()
        agent.context.close()
