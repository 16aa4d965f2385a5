"""Ticket mail goes through the outbox: sent once after commit, never before, retried when the
mail server fails, never lost. The failing server is a real email backend class (below) that
refuses every message, like an SMTP server that is down."""

import itertools
from datetime import timedelta
from io import StringIO
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts import roles
from tests.factories import UserFactory
from tests.tickets.factories import TicketFactory
from tickets import mail as outbox
from tickets import services
from tickets.models import EmailOutbox, Status

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.tickets.test_emails.DownMailServerBackend"


class DownMailServerBackend(BaseEmailBackend):
    """A mail server that is down: every send raises, nothing is delivered."""

    attempts = 0

    def send_messages(self, email_messages):
        DownMailServerBackend.attempts += 1
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def open_ticket(customer, **kwargs):
    fields = {"subject": "Site down", "description": "502 everywhere", "severity": "critical"}
    fields.update(kwargs)
    return services.open_ticket(customer, **fields)


def test_new_ticket_mails_staff_once_after_commit(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = open_ticket(customer)
        # Queued in the transaction, not sent yet.
        assert EmailOutbox.objects.pending().count() == 1
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["support@example.com"]
    assert message.subject.startswith(f"[{ticket.reference}]")
    assert "502 everywhere" in message.body
    assert f"/admin/support_tickets/{ticket.pk}/" in message.body
    # Delivered rows are not sent again, neither by a second callback run nor by the worker.
    for callback in callbacks:
        callback()
    call_command("tickets_send_emails", stdout=StringIO())
    assert len(mail.outbox) == 1
    row = EmailOutbox.objects.get()
    assert row.sent_at is not None and row.attempts == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(customer, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        open_ticket(customer)
        raise RuntimeError("something later in the request failed")
    assert mail.outbox == []
    assert not EmailOutbox.objects.exists()


def test_staff_reply_mails_the_customer_in_the_ticket_language(customer, staff, django_capture_on_commit_callbacks):
    customer.email = "amira@example.net"
    customer.save()
    ticket = TicketFactory(customer=customer, language="tr")
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_reply(ticket, staff, "Disk quota raised to 20 GB.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amira@example.net"]
    assert "Disk quota raised to 20 GB." in mail.outbox[0].body
    assert f"/tr/support/tickets/{ticket.reference}/" in mail.outbox[0].body


def test_internal_note_mails_nobody(customer, staff, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_reply(ticket, staff, "Looks like abuse; check the logs", internal=True)
    assert mail.outbox == []
    assert not EmailOutbox.objects.exists()


def test_customer_reply_mails_support_and_the_assignee(customer, staff, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer=customer, assignee=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_reply(ticket, customer, "Still broken")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["support@example.com", staff.email]


def test_failing_mail_server_never_breaks_the_ticket_and_the_mail_is_retried(
    client, customer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    DownMailServerBackend.attempts = 0
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/support/",
            {"subject": "Site down", "description": "502", "severity": "critical", "language": "en"},
        )
    # The ticket is there; the mail waits in the outbox with the error recorded.
    assert response.status_code == 302
    row = EmailOutbox.objects.get()
    assert DownMailServerBackend.attempts == 1
    assert row.sent_at is None
    assert row.attempts == 1
    assert "Connection unexpectedly closed" in row.last_error
    assert row.next_attempt_at > timezone.now()

    # Not due yet: the worker leaves it alone.
    out = StringIO()
    call_command("tickets_send_emails", stdout=out)
    assert DownMailServerBackend.attempts == 1

    # Due, server still down: another attempt, a longer wait.
    first_wait = row.next_attempt_at - row.created_at
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        call_command("tickets_send_emails", stdout=out)
    row.refresh_from_db()
    assert DownMailServerBackend.attempts == 2
    assert row.attempts == 2 and row.sent_at is None
    assert row.next_attempt_at - timezone.now() > first_wait

    # The server is back: the next run delivers it, exactly once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        call_command("tickets_send_emails", stdout=out)
        call_command("tickets_send_emails", stdout=out)
    row.refresh_from_db()
    assert row.sent_at is not None
    assert len(mail.outbox) == 1
    assert "Site down" in mail.outbox[0].subject


def test_backoff_grows_and_is_capped():
    waits = [outbox.backoff(n) for n in range(1, 15)]
    assert waits[0] == timedelta(minutes=1)
    assert waits[1] == timedelta(minutes=2)
    assert all(a <= b for a, b in itertools.pairwise(waits))
    assert waits[-1] == outbox.BACKOFF_MAX


def test_a_claimed_row_is_not_sent_by_a_second_worker(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        open_ticket(customer)
    row = EmailOutbox.objects.get()
    # Another worker holds the row.
    EmailOutbox.objects.filter(pk=row.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert outbox.deliver(row.pk) == outbox.SKIPPED
    assert mail.outbox == []
    # Its lease ran out (it died): the row is taken over and sent.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert outbox.deliver(row.pk) == outbox.SENT
    assert len(mail.outbox) == 1


def test_command_reports_what_it_did(customer, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=False):
        open_ticket(customer)
        open_ticket(customer)
    out = StringIO()
    call_command("tickets_send_emails", stdout=out)
    assert "0 sent, 2 failed" in out.getvalue()
    assert "2 waiting" in out.getvalue()


def test_customer_resolving_sends_no_mail(customer, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_resolve(ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert mail.outbox == []


def test_assigning_mails_the_new_assignee(customer, staff, django_capture_on_commit_callbacks):
    colleague = UserFactory(username="colleague")
    colleague.groups.add(Group.objects.get(name=roles.SUPPORT_STAFF))
    ticket = TicketFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        changes = services.staff_update(
            ticket, staff, status=Status.OPEN, assignee=colleague, severity=ticket.severity
        )
    assert set(changes) == {"status", "assignee"}
    assert [m.to for m in mail.outbox] == [[colleague.email]]
