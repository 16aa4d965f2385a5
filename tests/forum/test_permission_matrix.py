"""The permission matrix: every role × every forum action, through real HTTP requests, with the
permissions `forum_sync_permissions` writes. A cell passes only if the response AND the
database agree (allowed: the change happened; denied: 403 or login redirect, nothing changed)."""

import pytest
from django.urls import reverse
from machina.core.db.models import get_model

from forum.models import PostReport, PostVote, TopicInfo
from tests.forum.factories import make_reply, make_topic

Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")

ROLES = ("anonymous", "customer", "other_customer", "moderator", "staff")
ACTIONS = (
    "view", "post", "reply", "edit_own", "edit_others", "mark_solution", "vote", "report", "moderate",
)
T, F = True, False
EXPECTED = {
    #                  view post reply edit_own edit_others mark vote report moderate
    "anonymous":      (T,   F,   F,    F,       F,          F,   F,   F,     F),
    "customer":       (T,   T,   T,    T,       F,          T,   T,   T,     F),
    "other_customer": (T,   T,   T,    T,       F,          F,   T,   T,     F),
    "moderator":      (T,   T,   T,    T,       T,          T,   T,   T,     T),
    "staff":          (T,   T,   T,    T,       T,          T,   T,   T,     T),
}


class World:
    """A customer's question in the Email forum with a reply from each other role."""

    def __init__(self, forum, users):
        self.forum = forum
        self.users = users
        self.topic = make_topic(forum, users["customer"], subject="Old mailbox still gets my mail")
        self.own = {"customer": self.topic.first_post}
        for role in ("other_customer", "moderator", "staff"):
            self.own[role] = make_reply(self.topic, users[role], f"A reply by {role}.")
        self.topic.refresh_from_db()

    def others_post(self, role):
        """A post the role did not write: the other customer's reply for the asker, else the question."""
        return self.own["other_customer"] if role == "customer" else self.topic.first_post

    def url(self, name, **kwargs):
        topic, forum = self.topic, self.forum
        base = {"forum_slug": forum.slug, "forum_pk": forum.pk}
        if name == "topic":
            return reverse("forum_conversation:topic", kwargs={**base, "slug": topic.slug, "pk": topic.pk})
        if name == "topic_create":
            return reverse("forum_conversation:topic_create", kwargs=base)
        if name == "post_create":
            return reverse(
                "forum_conversation:post_create", kwargs={**base, "topic_slug": topic.slug, "topic_pk": topic.pk}
            )
        if name == "edit":
            post = kwargs["post"]
            if post.pk == topic.first_post_id:
                return reverse(
                    "forum_conversation:topic_update", kwargs={**base, "slug": topic.slug, "pk": topic.pk}
                )
            return reverse(
                "forum_conversation:post_update",
                kwargs={**base, "topic_slug": topic.slug, "topic_pk": topic.pk, "pk": post.pk},
            )
        raise KeyError(name)


def denied(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def outcome(response, changed: bool) -> bool:
    """True when allowed and done, False when refused and nothing changed; else the test fails."""
    if changed:
        assert not denied(response), f"changed although refused ({response.status_code})"
        assert response.status_code in (200, 302), response.status_code
        return True
    assert denied(response), f"nothing changed, but status {response.status_code} is not a refusal"
    return False


def do_view(client, world, role):
    response = client.get(world.url("topic"))
    if response.status_code == 200:
        assert world.topic.subject.encode() in response.content
        return True
    assert denied(response)
    return False


def do_post(client, world, role):
    before = Topic.objects.count()
    response = client.post(
        world.url("topic_create"),
        {"subject": f"New question by {role}", "content": "Is IMAP on port 993?", "language": "en",
         "enable_signature": "on"},
    )
    return outcome(response, Topic.objects.count() == before + 1)


def do_reply(client, world, role):
    before = Post.objects.count()
    response = client.post(
        world.url("post_create"), {"subject": "Re: x", "content": f"Reply by {role}", "enable_signature": "on"}
    )
    return outcome(response, Post.objects.count() == before + 1)


def _edit(client, world, post, role):
    new_text = f"Edited by {role}"
    data = {"subject": post.subject, "content": new_text, "enable_signature": "on", "update_reason": "typo"}
    if post.pk == world.topic.first_post_id:
        data["language"] = "en"
    response = client.post(world.url("edit", post=post), data)
    post.refresh_from_db()
    return outcome(response, post.content.raw == new_text)


def do_edit_own(client, world, role):
    post = world.own.get(role, world.topic.first_post)  # anonymous owns nothing: try the question
    return _edit(client, world, post, role)


def do_edit_others(client, world, role):
    return _edit(client, world, world.others_post(role), role)


def do_mark_solution(client, world, role):
    answer = world.own["other_customer"]
    response = client.post(
        reverse("support_forum:mark_solution", args=[world.topic.pk]), {"post": answer.pk}
    )
    return outcome(response, TopicInfo.objects.filter(topic=world.topic, accepted_post=answer).exists())


def _target_reply(world, role):
    return world.own["moderator"] if role == "other_customer" else world.own["other_customer"]


def do_vote(client, world, role):
    post = _target_reply(world, role)
    response = client.post(reverse("support_forum:vote", args=[post.pk]))
    return outcome(response, PostVote.objects.filter(post=post).exists())


def do_report(client, world, role):
    post = _target_reply(world, role)
    response = client.post(reverse("support_forum:report", args=[post.pk]), {"reason": "spam"})
    return outcome(response, PostReport.objects.filter(post=post).exists())


def do_moderate(client, world, role):
    queue = client.get(reverse("forum_moderation:queue"))
    response = client.post(
        reverse("forum_moderation:topic_lock", kwargs={"slug": world.topic.slug, "pk": world.topic.pk})
    )
    world.topic.refresh_from_db()
    allowed = outcome(response, world.topic.is_locked)
    assert (queue.status_code == 200) == allowed, queue.status_code
    return allowed


@pytest.fixture
def world(email_forum, customer, other_customer, moderator, staff):
    users = {"customer": customer, "other_customer": other_customer, "moderator": moderator, "staff": staff}
    return World(email_forum, users)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(client, world, role, action):
    if role != "anonymous":
        client.force_login(world.users[role])
    allowed = globals()[f"do_{action}"](client, world, role)
    expected = EXPECTED[role][ACTIONS.index(action)]
    assert allowed is expected, f"{role} {action}: expected {'allowed' if expected else 'refused'}"


# --- private forums -------------------------------------------------------------------------


PRIVATE_VISIBLE = {"anonymous": F, "customer": F, "other_customer": F, "moderator": T, "staff": T}


@pytest.mark.parametrize("role", ROLES)
def test_private_forum_is_invisible_to_those_who_cannot_read_it(client, world, staff_forum, role):
    topic = make_topic(staff_forum, world.users["staff"], subject="Escalation rota for next week")
    if role != "anonymous":
        client.force_login(world.users[role])
    can_read = PRIVATE_VISIBLE[role]

    index = client.get(reverse("forum:index"))
    assert index.status_code == 200
    assert (b"Staff lounge" in index.content) is can_read
    # Nor does it leak through the index's "waiting for an answer" list.
    assert (b"Escalation rota" in index.content) is can_read

    forum_page = client.get(reverse("forum:forum", kwargs={"slug": staff_forum.slug, "pk": staff_forum.pk}))
    topic_page = client.get(
        reverse("forum_conversation:topic", kwargs={
            "forum_slug": staff_forum.slug, "forum_pk": staff_forum.pk, "slug": topic.slug, "pk": topic.pk,
        })
    )
    create = client.post(
        reverse("forum_conversation:topic_create", kwargs={"forum_slug": staff_forum.slug, "forum_pk": staff_forum.pk}),
        {"subject": "Sneaky", "content": "Let me in", "language": "en", "enable_signature": "on"},
    )
    if can_read:
        assert forum_page.status_code == 200 and b"Escalation rota" in forum_page.content
        assert topic_page.status_code == 200
        assert create.status_code == 302 and Topic.objects.filter(subject="Sneaky").exists()
    else:
        assert denied(forum_page) and denied(topic_page) and denied(create)
        assert not Topic.objects.filter(subject="Sneaky").exists()
        # Replying, voting and reporting in it are refused too.
        reply = make_reply(topic, world.users["moderator"], "Noted.")
        assert denied(client.post(reverse("support_forum:vote", args=[reply.pk])))
        assert denied(client.post(reverse("support_forum:report", args=[reply.pk]), {"reason": "spam"}))
        assert not PostVote.objects.filter(post=reply).exists()


def test_private_forum_can_admit_another_group(client, staff_forum, customer, other_customer, staff):
    from django.contrib.auth.models import Group

    from forum import permissions

    beta = Group.objects.create(name="Beta testers")
    other_customer.groups.add(beta)
    permissions.make_forum_private(staff_forum, [beta])
    topic = make_topic(staff_forum, staff, subject="Beta feedback thread")
    url = reverse("forum_conversation:topic", kwargs={
        "forum_slug": staff_forum.slug, "forum_pk": staff_forum.pk, "slug": topic.slug, "pk": topic.pk,
    })
    client.force_login(other_customer)
    assert client.get(url).status_code == 200
    client.force_login(customer)
    assert client.get(url).status_code == 403

    permissions.make_forum_public(staff_forum)
    assert client.get(url).status_code == 200
