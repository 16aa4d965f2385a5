"""Helpful votes: one per user, not on your own post or the question, toggled, counted, and
used to order replies after the accepted answer."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from forum import services
from forum.models import PostVote
from tests.forum.factories import make_reply


def vote(client, post, json=False):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(reverse("support_forum:vote", args=[post.pk]), **headers)


def topic_url(topic):
    return reverse("forum_conversation:topic", kwargs={
        "forum_slug": topic.forum.slug, "forum_pk": topic.forum_id, "slug": topic.slug, "pk": topic.pk,
    })


def test_vote_toggles_and_counts(client, answered, customer, staff):
    _topic, first, _second = answered
    client.force_login(customer)
    response = vote(client, first, json=True)
    assert response.json() == {"voted": True, "count": 1}
    client.force_login(staff)
    assert vote(client, first, json=True).json() == {"voted": True, "count": 2}
    # Voting again takes the vote back.
    assert vote(client, first, json=True).json() == {"voted": False, "count": 1}
    assert list(PostVote.objects.filter(post=first).values_list("user__username", flat=True)) == ["customer"]


def test_one_vote_per_user_in_the_database(answered, customer):
    _topic, first, _second = answered
    PostVote.objects.create(post=first, user=customer)
    with pytest.raises(IntegrityError), transaction.atomic():
        PostVote.objects.create(post=first, user=customer)


def test_no_vote_on_own_post_or_on_the_question(client, answered, other_customer, customer):
    topic, first, _second = answered
    client.force_login(other_customer)  # wrote `first`
    response = vote(client, first, json=True)
    assert response.status_code == 403 and "own post" in response.json()["error"]
    client.force_login(customer)
    assert vote(client, topic.first_post, json=True).status_code == 403
    assert not PostVote.objects.exists()


def test_anonymous_is_sent_to_login(client, answered):
    _topic, first, _second = answered
    response = vote(client, first)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PostVote.objects.exists()


def test_plain_form_vote_redirects_back_to_the_post(client, answered, customer):
    topic, first, _second = answered
    client.force_login(customer)
    response = vote(client, first)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?post={first.pk}#{first.pk}")
    page = client.get(topic_url(topic)).content.decode()
    assert 'aria-pressed="true"' in page


def test_replies_are_ordered_accepted_first_then_by_votes(client, answered, customer, staff, moderator,
                                                          django_capture_on_commit_callbacks):
    topic, first, second = answered
    third = make_reply(topic, staff, "A third answer that many found helpful.")
    for voter in (customer, moderator):
        services.toggle_vote(voter, third)
    services.toggle_vote(customer, second)

    def order():
        page = client.get(topic_url(topic)).content.decode()
        ids = [topic.first_post_id, first.pk, second.pk, third.pk]
        return sorted(ids, key=lambda pk: page.index(f'id="{pk}"'))

    assert order() == [topic.first_post_id, third.pk, second.pk, first.pk]
    topic.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # the page cache is invalidated on commit
        services.accept_answer(topic, first, customer)
    assert order() == [topic.first_post_id, first.pk, third.pk, second.pk]


def test_link_to_a_post_opens_the_page_it_is_on(client, answered, customer, other_customer):
    """?post=<id> pages by our order (machina's own code counts chronologically)."""
    topic, _first, _second = answered
    replies = [make_reply(topic, customer, f"Reply number {n}") for n in range(16)]
    services.toggle_vote(other_customer, replies[-1])
    # Posted last (chronologically on page 2), but the most helpful: shown on page 1.
    response = client.get(topic_url(topic) + f"?post={replies[-1].pk}")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert f'id="{replies[-1].pk}"' in response.content.decode()
    # An unvoted late reply is on page 2, and the link opens page 2.
    response = client.get(topic_url(topic) + f"?post={replies[14].pk}")
    assert response.context["page_obj"].number == 2
    assert f'id="{replies[14].pk}"' in response.content.decode()
