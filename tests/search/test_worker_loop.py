"""Workers outlive real database errors: with a table the pass needs renamed away, each pass fails
for real, is logged, backed off and retried; once the table is back the next pass works and
nothing queued was lost. The same loop runs search_worker, forum_send_notifications --loop and
tickets_send_emails --watch (helpcenter/workers.py)."""

from io import StringIO

import pytest
from django.db import connection

from forum.management.commands.forum_send_notifications import Command as NotificationsCommand
from forum.models import NotificationEmail
from helpcenter.workers import WorkerLoop, exponential_backoff
from search.management.commands.search_worker import OutboxPass
from search.models import OutboxEntry
from tests.search.factories import api_search, ids, make_topic
from tickets.management.commands.tickets_send_emails import Command as TicketMailCommand
from tickets.models import EmailOutbox

pytestmark = pytest.mark.django_db(transaction=True)


def _rename(old: str, new: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{old}" RENAME TO "{new}"')


def _run_with_table_away(table: str, step, passes: int = 5) -> tuple[int, str]:
    """Pass 1 renames `table` away, pass 3 puts it back: passes 1 and 2 fail for real."""
    calls = []
    away = f"{table}_away"

    def world_changes_then_step():
        calls.append(1)
        if len(calls) == 1:
            _rename(table, away)
        elif len(calls) == 3:
            _rename(away, table)
        return step()

    err = StringIO()
    loop = WorkerLoop("worker", interval=0.01, max_backoff=0.01, stderr=err)
    try:
        errors = loop.run(world_changes_then_step, max_passes=passes)
    finally:
        if table not in connection.introspection.table_names():
            _rename(away, table)
    return errors, err.getvalue()


def test_backoff_doubles_up_to_its_cap():
    assert [exponential_backoff(n, 1, 5) for n in range(5)] == [0, 1, 2, 4, 5]


def test_search_worker_survives_a_missing_table_and_catches_up(settings, public_forum, client):
    settings.SEARCH_APPLY_IMMEDIATELY = False
    topic = make_topic(public_forum, "Backups kestrelword missing", "Where are my nightly backups?")
    assert OutboxEntry.objects.exists()
    errors, said = _run_with_table_away(OutboxEntry._meta.db_table, OutboxPass(batch_size=50))
    assert errors == 2
    assert said.count("retrying in") == 2
    assert "working again after 2 failed pass(es)" in said
    assert ids(api_search(client, "kestrelword")) == [f"topic:{topic.pk}"]
    assert not OutboxEntry.objects.exists()


@pytest.mark.parametrize(
    ("model", "command"),
    [(NotificationEmail, NotificationsCommand), (EmailOutbox, TicketMailCommand)],
    ids=["forum_send_notifications", "tickets_send_emails"],
)
def test_mail_workers_survive_a_missing_table(model, command):
    out = StringIO()
    cmd = command(stdout=out)
    step = cmd.run_once if command is NotificationsCommand else (lambda: cmd.run_once(200))
    errors, said = _run_with_table_away(model._meta.db_table, step)
    assert errors == 2
    assert "working again" in said
    assert out.getvalue().count("\n") >= 3  # the passes after recovery reported as usual
