"""Building searchable content for the search tests through the apps' own services (the same code
paths as the site), plus helpers to read the index the way clients do."""

from __future__ import annotations

from django.urls import reverse
from machina.core.db.models import get_model

from forum import services as forum_services
from tests.factories import UserFactory

Forum = get_model("forum", "Forum")
ForumPermission = get_model("forum_permission", "ForumPermission")
UserForumPermission = get_model("forum_permission", "UserForumPermission")
GroupForumPermission = get_model("forum_permission", "GroupForumPermission")


def make_forum(name: str, parent=None) -> Forum:
    return Forum.objects.create(name=name, type=Forum.FORUM_POST, parent=parent)


def make_private(forum: Forum) -> None:
    """Per-forum rows denying reading to anonymous and to every logged-in user (what an admin would
    click in machina's permission screens)."""
    for codename in ("can_see_forum", "can_read_forum"):
        permission = ForumPermission.objects.get(codename=codename)
        UserForumPermission.objects.update_or_create(
            forum=forum, permission=permission, anonymous_user=True, user=None, authenticated_user=False,
            defaults={"has_perm": False},
        )
        UserForumPermission.objects.update_or_create(
            forum=forum, permission=permission, anonymous_user=False, user=None, authenticated_user=True,
            defaults={"has_perm": False},
        )


def allow_user(forum: Forum, user) -> None:
    for codename in ("can_see_forum", "can_read_forum"):
        UserForumPermission.objects.update_or_create(
            forum=forum, permission=ForumPermission.objects.get(codename=codename), user=user,
            anonymous_user=False, authenticated_user=False, defaults={"has_perm": True},
        )


def make_topic(forum, subject: str, question: str, *, language: str = "en", user=None, replies=(),
               accept: int | None = None, votes: dict[int, int] | None = None):
    """A topic with replies; `accept` is the index of the reply to accept, `votes` {reply index:
    number of helpful votes}."""
    user = user or UserFactory()
    topic = forum_services.create_topic(forum, user, subject, question, language=language)
    posts = []
    for text in replies:
        posts.append(forum_services.create_reply(topic, UserFactory(), text))
    for index, count in (votes or {}).items():
        for _ in range(count):
            voter = UserFactory()
            from forum.models import PostVote

            PostVote.objects.create(post=posts[index], user=voter)
    if accept is not None:
        forum_services.accept_answer(topic, posts[accept], user)
    topic.refresh_from_db()
    return topic


def api_search(client, q: str, **params) -> dict:
    response = client.get(reverse("search_api:search"), {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def api_suggest(client, q: str, **params) -> dict:
    response = client.get(reverse("search_api:suggest"), {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def ids(payload: dict) -> list[str]:
    return [result["id"] for result in payload["results"]]
