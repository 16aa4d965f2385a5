"""Queries per public page: pinned, and independent of how many replies, topics or articles
there are (no N+1). A cached page costs two queries on the database cache, the generations of its
tags and the page (helpcenter/page_cache.py), plus counting the view where the page counts views."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.views import topic_url
from tests.forum.factories import make_reply, make_topic
from tests.kb.factories import make_article

pytestmark = pytest.mark.django_db

# Queries to render each page for an anonymous visitor (cache empty), including storing it.
# Lower is fine: lower the pin. Higher needs a reason.
# kb.counters.record_view on the database cache: add() or incr() with its expiry and culling checks.
KB_VIEW_QUERIES = 12
# forum: 19 since the list starts in the reader's language and counts the other languages' topics.
RENDER_MAX = {"home": 29, "article": 44, "category": 32, "community": 23, "forum": 19, "topic": 24}


def queries(url: str, clear: bool = True) -> int:
    if clear:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.fixture
def urls(article, question):
    return {
        "home": "/en/",
        "article": article.url,
        "category": article.get_parent().url,
        "community": reverse("forum:index"),
        "forum": reverse("forum:forum", kwargs={"slug": question.forum.slug, "pk": question.forum_id}),
        "topic": topic_url(question),
    }


def add_content(article, question, email_forum, customer, other_customer, count: int) -> None:
    for n in range(count):
        make_reply(question, other_customer if n % 2 else customer, f"Reply number {n} with the fix.")
        make_topic(email_forum, customer, f"Another mail question {n}")
        make_article(article.get_parent(), f"Extra article {n}", f"extra-{n}")


def test_queries_per_page_are_pinned_and_do_not_grow_with_content(
        urls, article, question, email_forum, customer, other_customer):
    add_content(article, question, email_forum, customer, other_customer, 1)
    few = {name: queries(url) for name, url in urls.items()}
    add_content(article, question, email_forum, customer, other_customer, 7)
    many = {name: queries(url) for name, url in urls.items()}
    assert many == few  # 7 more replies, topics and articles: not one more query
    for name, count in few.items():
        assert count <= RENDER_MAX[name], f"{name}: {count} queries (pinned at {RENDER_MAX[name]})"


def test_a_cached_page_costs_two_queries_plus_its_view_counter(urls):
    hits = {}
    for name, url in urls.items():
        queries(url)
        hits[name] = queries(url, clear=False)
    # Article and topic views are still counted on a hit: the topic with one UPDATE, the article
    # in the shared cache (kb/counters.py), which on the database cache costs several queries.
    assert hits == {"home": 2, "article": 2 + KB_VIEW_QUERIES, "category": 2, "community": 2, "forum": 2,
                    "topic": 3}
