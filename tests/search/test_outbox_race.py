"""The outbox race: a worker that runs while a save is in flight (its outbox row visible, the
change itself not yet) must not apply the old state and clear the row. Saves here run in
autocommit, as machina's views do, with SEARCH_APPLY_IMMEDIATELY off so only the worker indexes.
Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import threading

import pytest
from django.db import connections
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
