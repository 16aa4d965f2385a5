"""A topic awaiting moderation (or disapproved) exists only for its author and moderators:
anyone else gets a 404 for the topic and its reply form, never its title."""

import re

import pytest
from django.urls import reverse

from forum import services

SUBJECT = "Queued question about my invoice"


@pytest.fixture
def queued(email_forum, customer):
    # As machina's moderation queue leaves it: topic and first post unapproved, no counted posts.
    topic = services.create_topic(email_forum, customer, SUBJECT, "Why was I charged twice?", "en", approved=False)
    topic.refresh_from_db()
    assert not topic.approved and topic.posts_count == 0
    return topic


def _urls(topic):
    forum = topic.forum
    return [
        reverse("forum_conversation:topic", kwargs={
            "forum_slug": forum.slug, "forum_pk": forum.pk, "slug": "anything", "pk": topic.pk}),
        reverse("forum_conversation:post_create", kwargs={
            "forum_slug": forum.slug, "forum_pk": forum.pk, "topic_slug": "x", "topic_pk": topic.pk}),
    ]


@pytest.mark.parametrize("who", ["anonymous", "other_customer"])
def test_others_get_404_without_the_title(client, queued, other_customer, who):
    if who == "other_customer":
        client.force_login(other_customer)
    for url in _urls(queued):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SUBJECT not in response.content.decode()


def test_author_and_moderator_see_it_without_negative_replies(client, queued, customer, moderator):
    for user in (customer, moderator):
        client.force_login(user)
        response = client.get(_urls(queued)[0])
        assert response.status_code == 200
        page = response.content.decode()
        assert SUBJECT in page
        assert not re.search(r"-\d+\s+repl", page)
