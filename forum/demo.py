"""Demo content for the forum: the product forums, a private staff forum and the threads in
home/demo_content/forum_threads.json (format: team DEMO_FORMAT.md).

Called by `manage.py load_demo` after `home.demo` has created the demo users. Idempotent:
forums are looked up by slug and threads by their key (TopicInfo.demo_key); nothing that
exists is changed. Topics and posts are created through machina's models exactly as its forms
do, so counters and last posts stay right; notification emails are muted while loading.
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from machina.core.db.models import get_model

from forum import labels, notifications, permissions, services
from forum.models import PostVote, TopicInfo

Forum = get_model("forum", "Forum")
Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")

THREADS_FILE = Path(__file__).resolve().parent.parent / "home" / "demo_content" / "forum_threads.json"
CATEGORY_SLUG = "community"
PRODUCT_FORUMS = ("domains-dns", "email", "websites-wordpress", "vps-servers", "billing-account")
STAFF_FORUM_SLUG = "staff-lounge"
VOTERS = ("amira", "bikash", "carys", "somsak", "elif", "rasa", "mod_maya")

STAFF_THREAD = {
    "key": "staff-lounge-welcome",
    "language": "en",
    "author": "staff_sam",
    "subject": "How we pick up unanswered community questions",
    "body": (
        "Morning check, every working day:\n\n"
        "1. Open **Needs attention** (link at the top of every forum page).\n"
        "2. Answer anything older than 24 hours, or ask the customer for the missing detail.\n"
        "3. Close reports once handled; delete spam from the post's menu.\n\n"
        "If a thread shows a bug on our side, open a ticket and link it here."
    ),
    "replies": [
        {"author": "mod_maya", "body": "I'll take the Welsh and Lithuanian queues this week.", "accepted": False},
    ],
}


def _english(slug: str) -> tuple[str, str]:
    return labels.FORUMS[slug]["en"]


def _get_or_create_forum(slug: str, forum_type: int, parent=None) -> tuple["Forum", bool]:
    existing = Forum.objects.filter(slug=slug, parent=parent).first()
    if existing is not None:
        return existing, False
    name, description = _english(slug)
    forum = Forum(name=name, description=description, type=forum_type, parent=parent)
    forum.save()
    return forum, True


def ensure_forums(stdout: TextIO | None = None) -> dict[str, "Forum"]:
    """The Community category with the product forums, and the private Staff lounge."""
    category, _created = _get_or_create_forum(CATEGORY_SLUG, Forum.FORUM_CAT)
    forums = {CATEGORY_SLUG: category}
    created = 0
    for slug in PRODUCT_FORUMS:
        forums[slug], was_created = _get_or_create_forum(slug, Forum.FORUM_POST, parent=category)
        created += was_created
    staff, was_created = _get_or_create_forum(STAFF_FORUM_SLUG, Forum.FORUM_POST)
    forums[STAFF_FORUM_SLUG] = staff
    created += was_created
    if was_created:
        permissions.make_forum_private(staff)
    if stdout is not None:
        stdout.write(f"forum: {len(forums)} forums ({created} created)\n")
    return forums


def _set_created(post, when) -> None:
    # `created` is auto_now_add; backdating it needs an update. The post's content is unchanged,
    # and update_trackers() below saves the topic (and its forum) again through save().
    Post.objects.filter(pk=post.pk).update(created=when, updated=when)


def _load_thread(thread: dict, forum, users: dict, index: int) -> str:
    """Create one thread; returns "created", "exists" or a reason it was skipped."""
    key = thread["key"]
    if TopicInfo.objects.filter(demo_key=key).exists():
        return "exists"
    names = [thread["author"]] + [reply["author"] for reply in thread.get("replies", [])]
    missing = sorted({name for name in names if name not in users})
    if missing:
        return f"skipped {key}: unknown user(s) {', '.join(missing)} (run home.demo first)"

    # Deterministic, spread over the last ~2 months; threads without replies are recent.
    replies = thread.get("replies", [])
    days_ago = 3 + (index * 37) % 55 if replies else 1 + index % 3
    started = timezone.now() - timedelta(days=days_ago, hours=(index * 5) % 11)

    with transaction.atomic(), notifications.muted():
        author = users[thread["author"]]
        topic = services.create_topic(forum, author, thread["subject"][:255], thread["body"], thread["language"])
        info = services.ensure_topic_info(topic)
        info.demo_key = key
        info.save()
        _set_created(topic.first_post, started)
        accepted = None
        for position, reply in enumerate(replies, start=1):
            post = services.create_reply(topic, users[reply["author"]], reply["body"])
            _set_created(post, started + timedelta(hours=3 * position + index % 4))
            if reply.get("accepted"):
                accepted = post
        # After the replies: each reply's save() wrote the in-memory topic back.
        Topic.objects.filter(pk=topic.pk).update(created=started)
        topic.refresh_from_db()
        topic.update_trackers()
        for position, post in enumerate(topic.posts.exclude(pk=topic.first_post_id).order_by("created")):
            # A few helpful votes: more on the accepted answer.
            wanted = (3 if post == accepted else 1) - (position + index) % 2
            voters = [users[name] for name in VOTERS if name in users and users[name].pk != post.poster_id]
            for voter in voters[index % 3: index % 3 + max(wanted, 0)]:
                PostVote(post=post, user=voter).save()
        if accepted is not None:
            accepted.refresh_from_db()
            info = services.accept_answer(topic, accepted, author)
            info.solved_at = accepted.created + timedelta(hours=2)
            info.save()
    return "created"


def load(stdout: TextIO) -> None:
    permissions.sync_all()
    forums = ensure_forums(stdout)
    threads = json.loads(THREADS_FILE.read_text(encoding="utf-8")) if THREADS_FILE.exists() else []
    if not threads:
        stdout.write(f"forum: no threads file at {THREADS_FILE}; only forums created\n")
    usernames = {t["author"] for t in threads} | {r["author"] for t in threads for r in t.get("replies", [])}
    usernames |= set(VOTERS) | {STAFF_THREAD["author"]} | {r["author"] for r in STAFF_THREAD["replies"]}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}

    counts = {"created": 0, "exists": 0, "skipped": 0}
    total = len(threads) + 1
    work = [(thread, forums.get(thread.get("forum"))) for thread in threads]
    work.append((STAFF_THREAD, forums[STAFF_FORUM_SLUG]))
    for index, (thread, forum) in enumerate(work):
        if forum is None:
            outcome = f"skipped {thread.get('key')}: unknown forum {thread.get('forum')!r}"
        else:
            outcome = _load_thread(thread, forum, users, index)
        if outcome in counts:
            counts[outcome] += 1
        else:
            counts["skipped"] += 1
            stdout.write(f"forum: {outcome}\n")
        if (index + 1) % 6 == 0 or index + 1 == total:
            stdout.write(f"forum: {index + 1}/{total} threads ...\n")
    stdout.write(
        f"forum: {counts['created']} threads created, {counts['exists']} already there, "
        f"{counts['skipped']} skipped\n"
    )
