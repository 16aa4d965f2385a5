"""Response-time targets, breach flags and the status workflow, with a frozen clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.tickets.factories import TicketFactory
from tickets.models import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    Severity,
    Status,
    Ticket,
    parse_reference,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.mark.parametrize(
    "severity, first_hours, resolution_hours",
    [("critical", 1, 8), ("high", 4, 24), ("normal", 24, 72), ("low", 24, 120)],
)
def test_due_times_follow_the_severity_targets(severity, first_hours, resolution_hours):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=severity)
    assert ticket.created_at == T0
    assert ticket.first_response_due == at(first_hours)
    assert ticket.resolution_due == at(resolution_hours)


def test_due_times_come_from_settings(settings):
    settings.TICKET_SLA = {**settings.TICKET_SLA, "critical": {"first_response": 2, "resolution": 10}}
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.CRITICAL)
    assert ticket.first_response_due == at(2)
    assert ticket.resolution_due == at(10)


def test_reclassifying_severity_recomputes_due_times_from_creation():
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.LOW)
    with time_machine.travel(at(3), tick=False):
        ticket.change_severity(Severity.CRITICAL)
        ticket.save()
    ticket.refresh_from_db()
    assert ticket.first_response_due == at(1)
    assert ticket.resolution_due == at(8)


def _flags(ticket: Ticket, now: datetime) -> tuple[bool, bool]:
    """Model flags, checked against the QuerySet's SQL version of the same rule."""
    first = ticket.first_response_breached(now)
    resolution = ticket.resolution_breached(now)
    assert Ticket.objects.first_response_breached(now).filter(pk=ticket.pk).exists() == first
    assert Ticket.objects.resolution_breached(now).filter(pk=ticket.pk).exists() == resolution
    assert Ticket.objects.breached(now).filter(pk=ticket.pk).exists() == (first or resolution)
    return first, resolution


def test_unanswered_critical_ticket_breaches_after_one_hour(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.CRITICAL)
    assert _flags(ticket, at(0.5)) == (False, False)
    assert _flags(ticket, at(1)) == (False, False)  # exactly on time is not late
    assert _flags(ticket, at(1.01)) == (True, False)
    assert _flags(ticket, at(9)) == (True, True)


def test_timely_staff_reply_stops_the_first_response_clock(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.CRITICAL)
    with time_machine.travel(at(0.75), tick=False):
        ticket.add_message(staff, "We are looking at it.")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == at(0.75)
    # Hours later the first response is still on time; the resolution target still runs.
    assert _flags(ticket, at(5)) == (False, False)
    assert _flags(ticket, at(8.5)) == (False, True)


def test_late_staff_reply_stays_breached(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.HIGH)
    with time_machine.travel(at(6), tick=False):
        ticket.add_message(staff, "Sorry for the wait.")
    assert _flags(ticket, at(7)) == (True, False)


def test_customer_reply_and_internal_note_are_not_a_first_response(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.CRITICAL)
    with time_machine.travel(at(0.2), tick=False):
        ticket.add_message(ticket.customer, "Still down!")
        ticket.add_message(staff, "Checking the load balancer", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert _flags(ticket, at(2)) == (True, False)


def test_resolved_on_time_is_not_breached_later(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.CRITICAL)
    with time_machine.travel(at(0.5), tick=False):
        ticket.add_message(staff, "Fixed: the disk was full.", new_status=Status.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at == at(0.5)
    assert _flags(ticket, at(100)) == (False, False)


def test_resolved_late_without_any_staff_reply_counts_both_breaches():
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.CRITICAL)
    with time_machine.travel(at(10), tick=False):
        ticket.transition_to(Status.RESOLVED)
        ticket.save()
    assert _flags(ticket, at(11)) == (True, True)


def test_unattended_after_24_hours_waiting_on_staff(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory(severity=Severity.LOW)
    assert not ticket.is_unattended(at(23))
    assert ticket.is_unattended(at(25))
    assert list(Ticket.objects.unattended(at(25))) == [ticket]
    # A staff reply hands the turn to the customer: no longer unattended.
    with time_machine.travel(at(25), tick=False):
        ticket.add_message(staff, "Can you send the error message?")
    assert not ticket.is_unattended(at(60))
    assert not Ticket.objects.unattended(at(60)).exists()
    # The customer answers: staff's turn again, the clock starts from the customer's reply.
    with time_machine.travel(at(60), tick=False):
        ticket.add_message(ticket.customer, "Here it is: 421 too many connections")
    assert ticket.status == Status.OPEN
    assert not ticket.is_unattended(at(83))
    assert ticket.is_unattended(at(85))


def test_due_soon_and_queue_order():
    with time_machine.travel(T0, tick=False):
        low = TicketFactory(severity=Severity.LOW)
        critical = TicketFactory(severity=Severity.CRITICAL)
        high = TicketFactory(severity=Severity.HIGH)
        done = TicketFactory(severity=Severity.CRITICAL)
        done.transition_to(Status.CLOSED)
        done.save()
    assert list(Ticket.objects.due_soon(timedelta(hours=1), now=at(0.5))) == [critical]
    assert set(Ticket.objects.due_soon(timedelta(hours=4), now=at(0.5))) == {critical, high}
    assert list(Ticket.objects.queue_order()) == [critical, high, low, done]


@pytest.mark.parametrize("start", list(Status.values))
@pytest.mark.parametrize("target", list(Status.values))
def test_transitions_follow_the_workflow(start, target):
    ticket = TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(status=start)
    ticket.refresh_from_db()
    allowed = target == start or target in ALLOWED_TRANSITIONS[start]
    if allowed:
        ticket.transition_to(target)
        assert ticket.status == target
    else:
        with pytest.raises(InvalidTransition):
            ticket.transition_to(target)
        assert ticket.status == start


def test_workflow_shape():
    # The happy path exists, and closed is final.
    assert Status.OPEN in ALLOWED_TRANSITIONS[Status.NEW]
    assert Status.WAITING in ALLOWED_TRANSITIONS[Status.OPEN]
    assert Status.RESOLVED in ALLOWED_TRANSITIONS[Status.WAITING]
    assert Status.CLOSED in ALLOWED_TRANSITIONS[Status.RESOLVED]
    assert ALLOWED_TRANSITIONS[Status.CLOSED] == frozenset()


def test_customer_reply_reopens_a_resolved_ticket(staff):
    with time_machine.travel(T0, tick=False):
        ticket = TicketFactory()
        ticket.add_message(staff, "Done.", new_status=Status.RESOLVED)
    assert ticket.resolved_at == T0
    with time_machine.travel(at(2), tick=False):
        ticket.add_message(ticket.customer, "It broke again.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolved_at is None


def test_closed_ticket_takes_no_replies():
    ticket = TicketFactory()
    ticket.transition_to(Status.CLOSED)
    ticket.save()
    with pytest.raises(InvalidTransition):
        ticket.add_message(ticket.customer, "Hello?")
    assert not ticket.messages.exists()


def test_customers_cannot_write_internal_notes():
    ticket = TicketFactory()
    with pytest.raises(PermissionError):
        ticket.add_message(ticket.customer, "secret", internal=True)


def test_reference_round_trip():
    ticket = TicketFactory()
    assert ticket.reference == f"HC-{ticket.pk:06d}"
    assert parse_reference(ticket.reference) == ticket.pk
    assert Ticket.objects.get_by_reference(ticket.reference) == ticket
    assert parse_reference("HC-12") is None
    assert parse_reference("123") is None


def test_visible_to(customer, other_customer, staff):
    mine = TicketFactory(customer=customer)
    theirs = TicketFactory(customer=other_customer)
    assert list(Ticket.objects.visible_to(customer)) == [mine]
    assert set(Ticket.objects.visible_to(staff)) == {mine, theirs}
    from django.contrib.auth.models import AnonymousUser

    assert not Ticket.objects.visible_to(AnonymousUser()).exists()
