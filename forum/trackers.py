"""machina's denormalised trackers (a topic's post count, first and last post; a forum's topic and
post counts and last post), counted under the row's lock and written without a full save.

machina recounts them in `Topic.update_trackers()` and `Forum.update_trackers()` every time a post
is saved or deleted: it counts first and saves the row after. Two replies committing at the same
time each count without the other's post, and the later save wins: a count one short. And the
forum row is saved through `save()`, whose signals (search's forum-rename check, the search
permission cache, the page cache) cost a reply several writes for nothing.

Installed from `SupportForumConfig.ready()` in place of those two methods:
- inside a transaction, the topic or forum row is locked first (`SELECT ... FOR UPDATE`; a no-op
  on SQLite, which serialises writers anyway), then counted: under READ COMMITTED each statement
  sees what committed before it, so the count includes every post committed by whoever held the
  lock before;
- the topic is still saved with machina's own save (a thread's first post also carries its subject
  and approval state to the topic); the forum's tracker columns are written with one UPDATE, which
  sends no signals (nothing but the trackers changed).
The lock is held until the posting transaction commits: replies to one topic still take turns for
the end of their transactions, which is why nothing slow (mail, index updates, cache writes)
happens in that transaction after the trackers (see forum/views.py and helpcenter/page_cache.py).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Sum
from machina.core.db.models import get_model

Forum = get_model("forum", "Forum")
Topic = get_model("forum_conversation", "Topic")

_machina_topic_update_trackers = Topic.update_trackers


def install() -> None:
    """Replace machina's tracker updates with the locked ones (idempotent)."""
    Topic.update_trackers = update_topic_trackers
    Forum.update_trackers = update_forum_trackers


def _lock(model, pk: int) -> None:
    if transaction.get_connection().in_atomic_block:
        list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def update_topic_trackers(topic) -> None:
    """machina's recount of the topic (and then its forum), after locking the topic row."""
    _lock(Topic, topic.pk)
    _machina_topic_update_trackers(topic)


def update_forum_trackers(forum) -> None:
    """machina's recount of the forum's direct topics and posts and its last post, after locking
    the forum row, written without save() signals."""
    _lock(Forum, forum.pk)
    topics = forum.topics.filter(approved=True)
    forum.direct_topics_count = topics.count()
    forum.direct_posts_count = topics.aggregate(total=Sum("posts_count"))["total"] or 0
    last = topics.order_by(F("last_post_on").desc(nulls_last=True)).values("last_post_id", "last_post_on").first()
    forum.last_post_id = last["last_post_id"] if last else None
    forum.last_post_on = last["last_post_on"] if last else None
    Forum.objects.filter(pk=forum.pk).update(
        direct_topics_count=forum.direct_topics_count,
        direct_posts_count=forum.direct_posts_count,
        last_post_id=forum.last_post_id,
        last_post_on=forum.last_post_on,
    )
