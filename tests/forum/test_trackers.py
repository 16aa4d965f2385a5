"""Two replies to one topic committing at the same time: the topic's and the forum's counters must
count both (forum/trackers.py). machina alone counts before it locks the row, so the reply that
commits second writes a count without the first one's post.

PostgreSQL only: SQLite lets one writer in at a time, so the second reply never counts while the
first is uncommitted."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from machina.core.db.models import get_model

from tests.forum.factories import make_reply

Topic = get_model("forum_conversation", "Topic")
Forum = get_model("forum", "Forum")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers"),
]


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def test_concurrent_replies_are_both_counted(question, other_customer, moderator):
    before = Topic.objects.get(pk=question.pk).posts_count
    forum_before = Forum.objects.get(pk=question.forum_id).direct_posts_count
    first_saved, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    replies = {}

    def first() -> None:
        try:
            with transaction.atomic():
                replies["first"] = make_reply(Topic.objects.get(pk=question.pk), other_customer, "First at once.")
                first_saved.set()
                release.wait(30)  # stay uncommitted until the second reply is waiting
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
            first_saved.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with transaction.atomic():
                replies["second"] = make_reply(Topic.objects.get(pk=question.pk), moderator, "Second at once.")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_saved.wait(30)
    threads[1].start()
    deadline = time.monotonic() + 20
    while not _waiting_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(60)
    assert not errors, errors

    topic = Topic.objects.get(pk=question.pk)
    assert topic.posts_count == before + 2 == topic.posts.filter(approved=True).count()
    assert topic.last_post_id == replies["second"].pk
    forum = Forum.objects.get(pk=question.forum_id)
    assert forum.direct_posts_count == forum_before + 2
    assert forum.last_post_id == replies["second"].pk
