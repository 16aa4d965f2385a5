"""Public pages for anonymous visitors: no session, cacheable, and fresh after every change.

Through real HTTP (Django's test client without cookies) on the real middleware stack: a
cookieless visitor must leave no session row and get no cookie, so the page can be served from the
shared cache (helpcenter/page_cache.py) and by any proxy in front; a change (a reply, a published
article, a notice) must show on the next request; signed-in users always get their own fresh page.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum.views import topic_url
from home.models import ServiceNotice
from tests.forum.factories import make_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(article, question):
    """Every kind of public page an anonymous visitor reads during an incident."""
    return {
        "home": "/en/",
        "category": article.get_parent().url,
        "article": article.url,
        "community": reverse("forum:index"),
        "forum": reverse("forum:forum", kwargs={"slug": question.forum.slug, "pk": question.forum_id}),
        "topic": topic_url(question),
    }


def anonymous() -> Client:
    return Client()  # a fresh client: no cookies at all


def test_cookieless_visits_write_no_session_and_set_no_cookie(pages):
    for name, url in [*pages.items(), ("search api", "/api/search?q=domain"), ("suggest", "/api/suggest?q=dom")]:
        for _ in range(2):  # the first visit renders, the second may come from the cache
            response = anonymous().get(url)
            assert response.status_code == 200, name
            assert not response.cookies, f"{name} sets {list(response.cookies)}"
            assert "Set-Cookie" not in response, name
    assert Session.objects.count() == 0


def test_public_pages_are_cacheable_and_come_from_the_cache(pages):
    for name, url in pages.items():
        first = anonymous().get(url)
        assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"], name
        assert "Cookie" in first["Vary"], name  # a proxy never gives it to a visitor with a cookie
        second = anonymous().get(url)
        assert second["X-Page-Cache"] == "hit", name
        assert second.content == first.content, name


def test_pages_that_differ_per_request_are_not_cached(pages):
    for url in ("/en/search/?q=domain", reverse("accounts:login"), reverse("tickets:contact")):
        anonymous().get(url)
        response = anonymous().get(url)
        assert "X-Page-Cache" not in response, url
    # Unknown query parameters bypass the cache (they would let anyone fill it).
    anonymous().get(pages["home"] + "?utm=1")
    assert "X-Page-Cache" not in anonymous().get(pages["home"] + "?utm=1")


def test_a_reply_shows_at_once_on_the_topic_and_the_forum_list(pages, question, other_customer,
                                                                django_capture_on_commit_callbacks):
    anonymous().get(pages["topic"])
    anonymous().get(pages["forum"])
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(question, other_customer, "Flush the resolver cache with the toolkit button.")
    assert b"Flush the resolver cache" in anonymous().get(pages["topic"]).content
    forum_page = anonymous().get(pages["forum"])
    assert forum_page.get("X-Page-Cache") != "hit"


def test_a_reply_elsewhere_keeps_other_topics_cached(pages, question, email_forum, customer, other_customer,
                                                     django_capture_on_commit_callbacks):
    from tests.forum.factories import make_topic

    with django_capture_on_commit_callbacks(execute=True):
        other = make_topic(email_forum, customer, "Mailbox quota warning")
    anonymous().get(pages["topic"])
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(other, other_customer, "Archive the old folders.")
    assert anonymous().get(pages["topic"])["X-Page-Cache"] == "hit"


def test_pages_change_when_the_transaction_commits_not_before(pages, question, other_customer,
                                                              django_capture_on_commit_callbacks):
    """Until the reply commits, other requests may still be served (and store) the page without
    it; the commit makes those entries unreachable. Writing to the cache inside the transaction
    would make every other reply wait for this one (a row lock with the database cache)."""
    anonymous().get(pages["topic"])
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(question, other_customer, "Renew the certificate from the SSL page.")
        assert anonymous().get(pages["topic"])["X-Page-Cache"] == "hit"
    page = anonymous().get(pages["topic"])
    assert page.get("X-Page-Cache") != "hit"
    assert b"Renew the certificate from the SSL page" in page.content


def test_publishing_an_article_changes_the_anonymous_page(pages, article, django_capture_on_commit_callbacks):
    assert b"Point a domain to your hosting" in anonymous().get(pages["article"]).content
    article.title = "Point a domain name at your hosting plan"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    page = anonymous().get(pages["article"])
    assert b"Point a domain name at your hosting plan" in page.content
    assert b"Point a domain name at your hosting plan" in anonymous().get(pages["category"]).content


def test_a_new_notice_shows_on_the_home_page(pages, site_pages, django_capture_on_commit_callbacks):
    anonymous().get(pages["home"])
    with django_capture_on_commit_callbacks(execute=True):
        ServiceNotice.objects.create(title="Mail delays in the Frankfurt data centre", kind="outage",
                                     locale=site_pages["en"].locale, starts_at=timezone.now())
    assert b"Mail delays in the Frankfurt data centre" in anonymous().get(pages["home"]).content


def test_signed_in_customers_get_their_own_fresh_page(pages, customer, client):
    for url in pages.values():
        anonymous().get(url)
    client.force_login(customer)
    for name, url in pages.items():
        response = client.get(url)
        assert "X-Page-Cache" not in response, name
        assert "private" in response["Cache-Control"], name
        assert customer.get_display_name().encode() in response.content, name


def test_anonymous_forms_fetch_their_csrf_token_on_demand(pages, article):
    page = anonymous().get(pages["article"])
    assert b"data-csrf-on-demand" in page.content
    assert b'name="csrfmiddlewaretoken" value=""' in page.content

    visitor = Client(enforce_csrf_checks=True)
    token = visitor.get("/api/csrf").json()["token"]
    assert visitor.cookies.get("csrftoken")
    response = visitor.post(article.feedback_url(), {"helpful": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert article.feedback.filter(helpful=True).count() == 1


def test_without_javascript_a_vote_is_offered_again_not_lost(article):
    visitor = Client(enforce_csrf_checks=True)
    refused = visitor.post(article.feedback_url(), {"helpful": "no", "comment": "Needs a <b>screenshot</b>",
                                                  "csrfmiddlewaretoken": ""})
    assert refused.status_code == 403
    html = refused.content.decode()
    assert 'name="comment" value="Needs a &lt;b&gt;screenshot&lt;/b&gt;"' in html
    assert f'action="{article.feedback_url()}"' in html
    token = visitor.cookies["csrftoken"].value
    sent = visitor.post(article.feedback_url(), {"helpful": "no", "comment": "Needs a <b>screenshot</b>",
                                               "csrfmiddlewaretoken": token})
    assert sent.status_code in (200, 302)
    assert article.feedback.get().comment == "Needs a <b>screenshot</b>"


def test_a_login_without_csrf_cookie_is_not_offered_again(customer):
    visitor = Client(enforce_csrf_checks=True)
    refused = visitor.post(reverse("accounts:login"), {"username": customer.username, "password": "x"})
    assert refused.status_code == 403
    assert b'name="password"' not in refused.content


def test_cached_visits_still_count_as_views(pages, article, question):
    from kb import counters

    for _ in range(3):
        anonymous().get(pages["article"])
        anonymous().get(pages["topic"])
    assert counters.pending_views(article.pk) + article.__class__.objects.get(pk=article.pk).view_count == 3
    question.refresh_from_db()
    assert question.views_count == 3
