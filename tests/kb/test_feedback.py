"""'Was this article helpful?': one vote per reader, changeable, CSRF-protected, rate limited,
with and without JavaScript."""

import pytest
from django.test import Client, override_settings

from kb.feedback import SESSION_KEY
from kb.models import ArticleFeedback, ArticlePage
from kb.signals import article_feedback_changed
from tests.factories import PASSWORD

JSON = {"HTTP_ACCEPT": "application/json"}


def vote(client, article, helpful, comment=None, **extra):
    data = {"helpful": helpful}
    if comment is not None:
        data["comment"] = comment
    return client.post(article.feedback_url(), data, **extra)


def counts(article):
    return ArticlePage.objects.get(pk=article.pk).helpfulness()


def test_logged_in_vote_is_stored_and_counted(client, customer, article):
    client.login(username=customer.username, password=PASSWORD)
    response = vote(client, article, "yes", **JSON)
    assert response.status_code == 200
    assert response.json()["vote"] == "yes"
    assert counts(article) == (1, 0)
    row = ArticleFeedback.objects.get(article=article)
    assert row.user == customer and row.voter == f"user:{customer.pk}" and row.helpful


def test_changing_your_mind_updates_the_vote(client, customer, article):
    client.login(username=customer.username, password=PASSWORD)
    vote(client, article, "yes", **JSON)
    response = vote(client, article, "no", comment="The cPanel steps are missing.", **JSON)
    assert response.json()["vote"] == "no"
    assert ArticleFeedback.objects.filter(article=article).count() == 1
    assert counts(article) == (0, 1)
    assert ArticleFeedback.objects.get(article=article).comment == "The cPanel steps are missing."
    assert ArticlePage.objects.get(pk=article.pk).helpful_ratio == 0.0


def test_anonymous_votes_are_one_per_session(article):
    first, second = Client(), Client()
    vote(first, article, "yes", **JSON)
    vote(first, article, "yes", **JSON)  # repeat in the same session: still one vote
    assert counts(article) == (1, 0)
    assert SESSION_KEY in first.session
    vote(second, article, "no", **JSON)  # another anonymous reader
    assert counts(article) == (1, 1)
    vote(first, article, "no", **JSON)  # the first reader changes their mind
    assert counts(article) == (0, 2)
    assert ArticleFeedback.objects.filter(article=article, user__isnull=True).count() == 2


def test_users_and_sessions_do_not_share_votes(client, customer, other_customer, article):
    client.login(username=customer.username, password=PASSWORD)
    vote(client, article, "yes", **JSON)
    other = Client()
    other.login(username=other_customer.username, password=PASSWORD)
    vote(other, article, "yes", **JSON)
    assert counts(article) == (2, 0)


def test_vote_without_javascript_redirects_back_with_thanks(client, article):
    response = vote(client, article, "no")
    assert response.status_code == 302
    assert response["Location"] == article.url + "#kb-feedback"
    page = client.get(article.url).content.decode()
    assert "Thank you for your feedback" in page
    # The comment form is shown (not hidden) now that the vote is "No".
    assert 'data-kb-feedback-comment hidden' not in page and "data-kb-feedback-comment" in page
    response = vote(client, article, "no", comment="Which record type?")
    assert response.status_code == 302
    page = client.get(article.url).content.decode()
    assert "Thank you for telling us what was missing" in page
    assert "Which record type?" in page  # shown back in the textarea for editing
    assert ArticleFeedback.objects.get(article=article).comment == "Which record type?"


def test_page_shows_the_readers_current_vote(client, article):
    vote(client, article, "yes", **JSON)
    page = client.get(article.url).content.decode()
    assert 'value="yes" aria-pressed="true"' in page
    assert 'value="no" aria-pressed="false"' in page


def test_comment_is_ignored_on_yes_and_length_is_limited(client, article):
    vote(client, article, "yes", comment="great", **JSON)
    assert ArticleFeedback.objects.get(article=article).comment == ""
    response = vote(client, article, "no", comment="x" * 1001, **JSON)
    assert response.status_code == 400
    assert "1000" in response.json()["message"]
    assert counts(article) == (1, 0)  # the rejected request changed nothing


def test_invalid_choice_is_rejected(client, article):
    response = vote(client, article, "maybe", **JSON)
    assert response.status_code == 400
    assert ArticleFeedback.objects.count() == 0


def test_get_is_not_allowed(client, article):
    assert client.get(article.feedback_url()).status_code == 405


def test_csrf_is_enforced(article):
    client = Client(enforce_csrf_checks=True)
    assert vote(client, article, "yes").status_code == 403
    assert ArticleFeedback.objects.count() == 0
    client.get(article.url)  # the page sets the CSRF cookie and puts the token in the form
    token = client.cookies["csrftoken"].value
    response = client.post(article.feedback_url(), {"helpful": "yes", "csrfmiddlewaretoken": token}, **JSON)
    assert response.status_code == 200
    assert counts(article) == (1, 0)


@override_settings(KB_FEEDBACK_RATE_LIMIT=(3, 600))
def test_votes_are_rate_limited(client, article):
    for _ in range(3):
        assert vote(client, article, "yes", **JSON).status_code == 200
    response = vote(client, article, "no", **JSON)
    assert response.status_code == 429
    assert "try again" in response.json()["message"]
    assert counts(article) == (1, 0)  # the refused vote did not change anything
    # Without JavaScript the reader is sent back with the message.
    response = vote(client, article, "no")
    assert response.status_code == 302
    assert "try again" in client.get(article.url).content.decode()


def test_feedback_on_unpublished_article_is_not_found(client, article):
    article.unpublish()
    assert vote(client, article, "yes", **JSON).status_code == 404


def test_signal_tells_search_about_new_helpfulness(client, article, django_capture_on_commit_callbacks):
    received = []

    def listener(sender, article, **kwargs):
        received.append((article.pk, article.helpful_yes, article.helpful_no))

    article_feedback_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            vote(client, article, "no", **JSON)
    finally:
        article_feedback_changed.disconnect(listener)
    assert received == [(article.pk, 0, 1)]


@pytest.mark.parametrize("votes,ratio", [((), None), ((True, True, False, True), 0.75)])
def test_helpful_ratio(article, votes, ratio):
    for n, helpful in enumerate(votes):
        ArticleFeedback.objects.create(article=article, voter=f"session:{n}", helpful=helpful)
    from kb.feedback import recount

    recount(article)
    assert ArticlePage.objects.get(pk=article.pk).helpful_ratio == ratio
