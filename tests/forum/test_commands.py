"""Management commands and the demo loader: forum_sync_permissions, forum_rerender,
forum_send_notifications and forum.demo.load (idempotent)."""

import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from machina.core.db.models import get_model

from accounts import roles
from forum import demo, permissions
from forum.models import PostVote, PrivateForum, TopicInfo
from tests.factories import UserFactory
from tests.forum.factories import make_topic

Forum = get_model("forum", "Forum")
Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")
GroupForumPermission = get_model("forum_permission", "GroupForumPermission")
UserForumPermission = get_model("forum_permission", "UserForumPermission")


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_sync_permissions_is_idempotent_and_prunes_stray_global_grants():
    first = run("forum_sync_permissions")
    assert "created" in first
    assert "0 created, 0 updated, 0 removed" in run("forum_sync_permissions")

    # An extra global grant for anonymous visitors (say, made in the admin) is removed again.
    from machina.core.db.models import get_model as machina_model

    permission = machina_model("forum_permission", "ForumPermission").objects.get(codename="can_reply_to_topics")
    UserForumPermission.objects.create(permission=permission, anonymous_user=True, has_perm=True)
    assert "1 removed" in run("forum_sync_permissions")
    assert not UserForumPermission.objects.filter(anonymous_user=True, permission=permission).exists()


@pytest.mark.django_db
def test_sync_permissions_private_and_public_options(forums):
    email = forums["email"]
    beta = Group.objects.create(name="Beta testers")
    out = run("forum_sync_permissions", "--private", "email", "--group", "Beta testers")
    assert "'Email' is now private" in out
    privacy = PrivateForum.objects.get(forum=email)
    assert list(privacy.groups.all()) == [beta]
    assert UserForumPermission.objects.filter(forum=email, authenticated_user=True, has_perm=False).exists()
    assert GroupForumPermission.objects.filter(forum=email, group=beta, has_perm=True).exists()

    run("forum_sync_permissions", "--public", str(email.pk))
    assert not PrivateForum.objects.filter(forum=email).exists()
    assert not UserForumPermission.objects.filter(forum=email).exists()

    with pytest.raises(CommandError, match="No forum with slug"):
        run("forum_sync_permissions", "--private", "no-such-forum")
    with pytest.raises(CommandError, match="No group named"):
        run("forum_sync_permissions", "--private", "email", "--group", "Nobody")


def test_rerender_updates_stale_html(email_forum, customer):
    topic = make_topic(email_forum, customer, content="Use `dig`")
    post = topic.first_post
    Post.objects.filter(pk=post.pk).update(_content_rendered="<p>stale <script>x</script></p>")
    Forum.objects.filter(pk=email_forum.pk).update(_description_rendered="stale")

    out = run("forum_rerender", "--dry-run")
    assert "Post: 1/1 rendered, 1 would change" in out
    post.refresh_from_db()
    assert "stale" in post.content.rendered

    out = run("forum_rerender")
    assert "Post: 1/1 rendered, 1 changed" in out
    post.refresh_from_db()
    assert post.content.rendered == "<p>Use <code>dig</code></p>"
    email_forum.refresh_from_db()
    assert "stale" not in email_forum.description.rendered
    assert "Post: 1/1 rendered, 0 changed" in run("forum_rerender")


def test_send_notifications_command_reports(question, other_customer, settings):
    settings.FORUM_NOTIFICATIONS_SEND_ON_COMMIT = False
    from tests.forum.factories import make_reply

    make_reply(question, other_customer, "An answer")
    assert "1 sent" in run("forum_send_notifications")
    assert "0 sent" in run("forum_send_notifications")


@pytest.fixture
def demo_users(db):
    users = {}
    for name in ("amira", "bikash", "carys", "somsak", "elif", "rasa"):
        users[name] = UserFactory(username=name)
        users[name].groups.add(Group.objects.get(name=roles.CUSTOMERS))
    users["mod_maya"] = UserFactory(username="mod_maya")
    users["mod_maya"].groups.add(Group.objects.get(name=roles.MODERATORS))
    users["staff_sam"] = UserFactory(username="staff_sam", is_staff=True)
    users["staff_sam"].groups.add(Group.objects.get(name=roles.SUPPORT_STAFF))
    return users


def test_demo_load_is_idempotent_and_complete(demo_users):
    threads = json.loads(demo.THREADS_FILE.read_text(encoding="utf-8"))
    out = io.StringIO()
    demo.load(out)
    assert f"{len(threads) + 1} threads created, 0 already there, 0 skipped" in out.getvalue()

    counts = (Forum.objects.count(), Topic.objects.count(), Post.objects.count(), PostVote.objects.count())
    expected_posts = sum(1 + len(t["replies"]) for t in threads) + 1 + len(demo.STAFF_THREAD["replies"])
    assert counts[1] == len(threads) + 1 and counts[2] == expected_posts
    solved = sum(1 for t in threads if any(r.get("accepted") for r in t["replies"]))
    assert TopicInfo.objects.filter(accepted_post__isnull=False).count() == solved
    assert set(TopicInfo.objects.values_list("language", flat=True)) == {"en", "ne", "cy", "lo", "tr", "lt"}
    # machina's counters are right after loading.
    for forum in Forum.objects.filter(type=Forum.FORUM_POST):
        topics = Topic.objects.filter(forum=forum, approved=True)
        assert forum.direct_topics_count == topics.count()
        assert forum.direct_posts_count == Post.objects.filter(topic__forum=forum, approved=True).count()
    for topic in Topic.objects.all():
        assert topic.posts_count == topic.posts.count()
        assert topic.last_post_id == topic.posts.order_by("-created").first().pk
    assert PrivateForum.objects.filter(forum__slug="staff-lounge").exists()

    again = io.StringIO()
    demo.load(again)
    assert f"0 threads created, {len(threads) + 1} already there" in again.getvalue()
    assert counts == (Forum.objects.count(), Topic.objects.count(), Post.objects.count(), PostVote.objects.count())


def test_demo_skips_threads_whose_users_are_missing(db):
    out = io.StringIO()
    demo.load(out)
    assert "unknown user(s)" in out.getvalue() and "0 threads created" in out.getvalue()
    assert Forum.objects.filter(slug="domains-dns").exists()


def test_sync_keeps_private_forum_private(forums, customer, client):
    staff_forum = forums["staff-lounge"]
    permissions.sync_all()
    permissions.sync_all()
    client.force_login(customer)
    from django.urls import reverse

    assert client.get(reverse("forum:forum", kwargs={"slug": staff_forum.slug, "pk": staff_forum.pk})).status_code == 403
