"""The outbox race: a worker that runs while a save is in flight (its outbox row visible, the
change itself not yet) must not apply the old state and clear the row. Saves here run in
autocommit, as machina's views do, with SEARCH_APPLY_IMMEDIATELY off so only the worker indexes.
Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import threading

import pytest
from django.db import connections, transaction
from django.db.models.signals import pre_save
from django.utils import timezone
from machina.core.db.models import get_model

from search import outbox
from search.models import OutboxEntry
from tests.search.factories import api_search, ids, make_topic

Topic = get_model("forum_conversation", "Topic")
pytestmark = pytest.mark.django_db(transaction=True)


def _worker_in_another_connection() -> outbox.ProcessReport:
    result = {}

    def work():
        try:
            result["report"] = outbox.drain()
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert "report" in result, "the worker did not finish"
    return result["report"]


def test_a_worker_running_mid_save_never_leaves_the_index_stale(settings, public_forum, client):
    settings.SEARCH_APPLY_IMMEDIATELY = False
    topic = make_topic(public_forum, "Webmail shows an old quota", "Why is my quota wrong?")
    outbox.drain()
    assert ids(api_search(client, "webmail quota")) == [f"topic:{topic.pk}"]
    runs = []

    def worker_between_row_and_change(sender, instance, **kwargs):
        # Connected after the search app's receiver: whatever it wrote before the change is
        # committed (autocommit), the renamed subject is not.
        if instance.pk == topic.pk and not runs:
            runs.append(_worker_in_another_connection())

    pre_save.connect(worker_between_row_and_change, sender=Topic, dispatch_uid="test-mid-save-worker")
    try:
        topic.subject = "Webmail zanzibarquota renamed"
        topic.save()
    finally:
        pre_save.disconnect(sender=Topic, dispatch_uid="test-mid-save-worker")
    assert runs, "the worker never ran mid-save"

    outbox.drain()  # the worker's next round
    assert ids(api_search(client, "zanzibarquota")) == [f"topic:{topic.pk}"]
    # Only the crash-net row is left, not yet due; once due, applying it changes nothing.
    assert not OutboxEntry.objects.filter(next_attempt_at__lte=timezone.now()).exists()
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    assert not outbox.drain().failed
    assert not OutboxEntry.objects.exists()
    assert ids(api_search(client, "zanzibarquota")) == [f"topic:{topic.pk}"]


@pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="per-document locks are PostgreSQL's")
def test_the_apply_after_a_request_leaves_a_document_being_applied_to_the_worker(settings, public_forum, client):
    """In the thread everyone answers, each reply's request would queue to rebuild the same document:
    the apply right after a request skips a document another process holds, its outbox row stays,
    and the worker's next round applies it."""
    settings.SEARCH_APPLY_IMMEDIATELY = False
    topic = make_topic(public_forum, "Webmail shows an old quota", "Why is my quota wrong?")
    outbox.drain()
    doc_id = f"topic:{topic.pk}"
    holding, release, finished = threading.Event(), threading.Event(), threading.Event()

    def another_process_applying():
        try:
            with transaction.atomic():
                outbox._lock_documents([doc_id])
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()
            finished.set()

    holder = threading.Thread(target=another_process_applying)
    holder.start()
    try:
        assert holding.wait(30)
        topic.subject = "Webmail zanzibarquota renamed"
        topic.save()
        report = outbox.apply_now([doc_id])  # returns at once instead of waiting for the holder
        assert doc_id not in report.applied and not report.failed
        assert OutboxEntry.objects.filter(doc_id=doc_id, next_attempt_at__lte=timezone.now()).exists()
        assert ids(api_search(client, "zanzibarquota")) == []
    finally:
        release.set()
        holder.join(30)
    assert finished.is_set()
    assert doc_id in outbox.drain().applied
    assert ids(api_search(client, "zanzibarquota")) == [doc_id]
