"""Accepted answers: who may mark one, changing and unmarking it, the Solved badge, the answer
shown under the question, and the solved / unsolved / unanswered list filters."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from forum.models import TopicInfo
from tests.forum.factories import make_reply, make_topic


def topic_url(topic):
    return reverse("forum_conversation:topic", kwargs={
        "forum_slug": topic.forum.slug, "forum_pk": topic.forum_id, "slug": topic.slug, "pk": topic.pk,
    })


def forum_url(forum, **query):
    url = reverse("forum:forum", kwargs={"slug": forum.slug, "pk": forum.pk})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def mark(client, topic, post=None, unmark=False):
    data = {"unmark": "1"} if unmark else {"post": post.pk}
    return client.post(reverse("support_forum:mark_solution", args=[topic.pk]), data)


def info(topic):
    return TopicInfo.objects.get(topic=topic)


def test_asker_marks_changes_and_unmarks_the_solution(client, answered, customer):
    topic, first, second = answered
    client.force_login(customer)

    response = mark(client, topic, first)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?post={first.pk}#{first.pk}")
    state = info(topic)
    assert state.accepted_post == first and state.accepted_by == customer and state.solved_at

    mark(client, topic, second)
    assert info(topic).accepted_post == second

    mark(client, topic, unmark=True)
    state = info(topic)
    assert state.accepted_post is None and state.accepted_by is None and state.solved_at is None


def test_moderator_marks_solution_for_the_asker(client, answered, moderator):
    topic, first, _second = answered
    client.force_login(moderator)
    assert mark(client, topic, first).status_code == 302
    assert info(topic).accepted_by == moderator


def test_other_customer_and_anonymous_cannot_mark(client, answered, other_customer):
    topic, first, _second = answered
    response = mark(client, topic, first)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(other_customer)
    assert mark(client, topic, first).status_code == 403
    assert mark(client, topic, unmark=True).status_code == 403
    assert info(topic).accepted_post is None


def test_question_itself_and_posts_of_other_topics_cannot_be_the_solution(client, answered, customer, email_forum):
    topic, _first, _second = answered
    client.force_login(customer)
    mark(client, topic, topic.first_post)
    assert info(topic).accepted_post is None

    elsewhere = make_topic(email_forum, customer, subject="Another question")
    foreign_reply = make_reply(elsewhere, customer, "An answer elsewhere")
    assert mark(client, topic, foreign_reply).status_code == 404
    assert info(topic).accepted_post is None


def test_marking_needs_post_and_csrf(answered, customer):
    topic, first, _second = answered
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    url = reverse("support_forum:mark_solution", args=[topic.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"post": first.pk}).status_code == 403  # no CSRF token
    assert info(topic).accepted_post is None


def test_solved_topic_shows_badge_answer_under_question_and_answer_first(client, answered, customer):
    topic, first, second = answered
    client.force_login(customer)
    mark(client, topic, second)  # the later reply, so "accepted first" is visible in the order

    page = client.get(topic_url(topic)).content.decode()
    summary = re.search(r'<aside class="accepted-summary".*?</aside>', page, re.DOTALL).group(0)
    assert "Also set mail routing to remote." in summary
    assert f'href="?post={second.pk}#{second.pk}"' in summary
    # Order on the page: question, the solution summary, then the accepted reply, then the rest.
    question_at = page.index(f'id="{topic.first_post_id}"')
    summary_at = page.index('class="accepted-summary"')
    accepted_at = page.index(f'id="{second.pk}"')
    other_at = page.index(f'id="{first.pk}"')
    assert question_at < summary_at < accepted_at < other_at
    assert "badge-solved" in page

    listing = client.get(forum_url(topic.forum)).content.decode()
    row = re.search(r'<li class="topic-row[^"]*is-solved[^"]*">.*?</li>', listing, re.DOTALL).group(0)
    assert topic.subject in row and "Solved" in row


def test_list_filters_solved_unsolved_unanswered(client, email_forum, customer, other_customer):
    solved = make_topic(email_forum, customer, subject="Solved one")
    answer = make_reply(solved, other_customer, "Here is how.")
    solved.refresh_from_db()
    from forum import services

    services.accept_answer(solved, answer, customer)
    replied = make_topic(email_forum, customer, subject="Replied but open")
    make_reply(replied, other_customer, "Maybe this?")
    lonely = make_topic(email_forum, customer, subject="Nobody answered")

    def subjects(**query):
        html = client.get(forum_url(email_forum, **query)).content.decode()
        return {s for s in ("Solved one", "Replied but open", "Nobody answered") if s in html}

    assert subjects() == {"Solved one", "Replied but open", "Nobody answered"}
    assert subjects(status="solved") == {"Solved one"}
    assert subjects(status="unsolved") == {"Replied but open", "Nobody answered"}
    assert subjects(status="unanswered") == {lonely.subject}
    # Filters combine with the topic language.
    assert subjects(status="unsolved", lang="tr") == set()


@pytest.mark.parametrize("status", ["solved", "unsolved", "unanswered", "bogus"])
def test_filters_never_fail(client, email_forum, status):
    assert client.get(forum_url(email_forum, status=status, lang="xx", page=1)).status_code == 200
