"""Forum journey in a real browser: a customer asks, another answers, the asker marks the answer as
the solution; the topic shows the Solved badge and the accepted answer under the question."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forum import demo, permissions
from forum.models import TopicInfo
from home.site_setup import ensure_home_pages
from tests.e2e.journeys import log_in_new_context
from tests.factories import UserFactory


@pytest.fixture
def community(transactional_db):
    ensure_home_pages()
    permissions.sync_all()
    forums = demo.ensure_forums()
    joined = timezone.now() - timedelta(days=90)  # regulars, not new accounts with stricter limits
    asker = UserFactory(username="asker", display_name="Asha Asker", date_joined=joined)
    helper = UserFactory(username="helper", display_name="Hari Helper", date_joined=joined)
    return forums["email"], asker, helper


def test_ask_answer_mark_solved(community, live_server, browser, screenshot):
    email_forum, _asker, _helper = community
    base = live_server.url
    subject = "Webmail login loops back to the login page"

    asker = log_in_new_context(browser, base, "asker")
    asker.goto(f"{base}/en/community/forum/{email_forum.slug}-{email_forum.pk}/")
    asker.get_by_role("link", name="Ask a question").click()
    asker.locator("#id_subject").fill(subject)
    asker.locator("#id_language").select_option("en")
    asker.locator("#id_content").fill("After I log in to webmail I land on the login page again.")
    asker.get_by_role("button", name="Post your question").click()
    expect(asker.locator("h1")).to_have_text(subject)
    topic_url = asker.url

    helper = log_in_new_context(browser, base, "helper")
    helper.goto(topic_url)
    helper.locator("#quick-reply-content").fill("Clear the cookies for the webmail domain, then log in again.")
    helper.get_by_role("button", name="Post your answer").click()
    expect(helper.locator("article.post").nth(1)).to_contain_text("Clear the cookies")

    asker.goto(topic_url)
    asker.locator("article.post").nth(1).get_by_role("button", name=re.compile("Mark as solution")).click()
    expect(asker.locator(".topic-header .badge-solved")).to_be_visible()
    expect(asker.locator(".accepted-summary")).to_contain_text("Clear the cookies")
    screenshot(asker, "forum-solved-topic")

    info = TopicInfo.objects.get(topic__subject=subject)
    assert info.accepted_post is not None
    assert info.accepted_post.poster.username == "helper"

    asker.goto(f"{base}/en/community/forum/{email_forum.slug}-{email_forum.pk}/?status=solved")
    expect(asker.locator("li.topic-row", has_text=subject).locator(".badge-solved")).to_be_visible()
    screenshot(asker, "forum-solved-list")
