"""The staff queue and ticket page in the Wagtail admin."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import NoReverseMatch, reverse

from accounts import roles
from tests.factories import UserFactory
from tests.tickets.factories import TicketFactory
from tickets.models import Severity, Status

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support_tickets/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def group_staff(db):
    """In the Support staff group only: not is_staff, not superuser."""
    user = UserFactory(username="agent")
    user.groups.add(Group.objects.get(name=roles.SUPPORT_STAFF))
    return user


def test_queue_url():
    assert reverse("support_tickets:index") == QUEUE


def test_staff_see_every_ticket_in_the_queue(client, staff, customer, other_customer):
    a = TicketFactory(customer=customer, subject="Customer A's SSL question")
    b = TicketFactory(customer=other_customer, subject="Customer B's FTP question")
    client.force_login(staff)
    response = client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Customer A&#x27;s SSL question" in html
    assert "Customer B&#x27;s FTP question" in html
    assert a.reference in html and b.reference in html
    assert reverse("support_tickets:edit", args=[a.pk]) in html


def test_support_staff_group_alone_is_enough(client, group_staff, customer):
    TicketFactory(customer=customer, subject="Renewal question")
    client.force_login(group_staff)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert "Renewal question" in response.content.decode()


@pytest.mark.parametrize("role", ["customer", "moderator"])
def test_non_staff_cannot_open_the_queue_or_a_ticket(client, request, role, other_customer):
    user = request.getfixturevalue(role)
    ticket = TicketFactory(customer=other_customer, subject="Private matter")
    client.force_login(user)
    for url in (QUEUE, reverse("support_tickets:edit", args=[ticket.pk])):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert "Private matter" not in response.content.decode()


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _rows(html: str, *subjects: str) -> list[str]:
    """The given subjects in the order they appear on the page."""
    return sorted((s for s in subjects if s in html), key=html.index)


def test_queue_is_sorted_by_due_time_with_finished_tickets_last(client, staff):
    with time_machine.travel(T0, tick=False):
        TicketFactory(severity=Severity.LOW, subject="Low one")
        TicketFactory(severity=Severity.CRITICAL, subject="Critical one")
        TicketFactory(severity=Severity.HIGH, subject="High one")
        done = TicketFactory(severity=Severity.CRITICAL, subject="Closed one")
        done.transition_to(Status.CLOSED)
        done.save()
    client.force_login(staff)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        html = client.get(QUEUE).content.decode()
    assert _rows(html, "Low one", "Critical one", "High one", "Closed one") == [
        "Critical one",
        "High one",
        "Low one",
        "Closed one",
    ]


def test_queue_filters(client, staff, group_staff):
    with time_machine.travel(T0, tick=False):
        TicketFactory(severity=Severity.CRITICAL, subject="Breached critical")
        TicketFactory(severity=Severity.LOW, subject="Fresh low", assignee=group_staff)
        waiting = TicketFactory(severity=Severity.CRITICAL, subject="Waiting critical", assignee=staff)
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        waiting.add_message(staff, "Please send us the logs.")
    client.force_login(staff)

    def subjects(**params) -> list[str]:
        with time_machine.travel(T0 + timedelta(hours=2), tick=False):
            html = client.get(QUEUE, params).content.decode()
        return _rows(html, "Breached critical", "Fresh low", "Waiting critical")

    assert subjects() == ["Breached critical", "Waiting critical", "Fresh low"]
    assert subjects(breached="any") == ["Breached critical"]
    assert subjects(breached="first_response") == ["Breached critical"]
    assert subjects(breached="none") == ["Waiting critical", "Fresh low"]
    assert subjects(status="waiting") == ["Waiting critical"]
    assert subjects(status=["new", "waiting"]) == ["Breached critical", "Waiting critical", "Fresh low"]
    assert subjects(severity="low") == ["Fresh low"]
    assert subjects(assignee="me") == ["Waiting critical"]
    assert subjects(assignee="none") == ["Breached critical"]
    assert subjects(assignee=str(group_staff.pk)) == ["Fresh low"]


def test_queue_shows_due_times_and_breach_flags(client, staff):
    with time_machine.travel(T0, tick=False):
        TicketFactory(severity=Severity.CRITICAL, subject="Breached critical")
    client.force_login(staff)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        html = client.get(QUEUE).content.decode()
    assert 'class="hc-tag hc-breach"' in html
    assert "overdue" in html
    assert "10:00" in html  # the first-response due time
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        html = client.get(QUEUE).content.decode()
    assert 'class="hc-tag hc-breach"' not in html
    assert "overdue" not in html


def test_search_by_reference(client, staff):
    wanted = TicketFactory(subject="The one I want")
    TicketFactory(subject="Another one")
    client.force_login(staff)
    html = client.get(QUEUE, {"q": wanted.reference}).content.decode()
    assert "The one I want" in html and "Another one" not in html


def test_staff_ticket_page_shows_internal_notes_and_due_times(client, staff, customer):
    ticket = TicketFactory(customer=customer, description="My **site** is down")
    ticket.add_message(staff, "Customer is on node 7", internal=True)
    client.force_login(staff)
    response = client.get(reverse("support_tickets:edit", args=[ticket.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Customer is on node 7" in html
    assert "Internal note" in html
    assert "My <strong>site</strong> is down" in html
    assert "First response due" in html


def test_staff_reply_from_the_admin(client, staff, customer, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer=customer)
    client.force_login(staff)
    url = reverse("support_tickets:edit", args=[ticket.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reply", "body": "Please clear your cache.", "status": ""})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert ticket.first_responded_at is not None
    assert ticket.messages.get().is_staff_reply
    assert [m.to for m in mail.outbox] == [[customer.email]]


def test_internal_note_from_the_admin(client, staff, customer, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer=customer)
    client.force_login(staff)
    url = reverse("support_tickets:edit", args=[ticket.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reply", "body": "Escalating to the network team", "internal": "on"})
    ticket.refresh_from_db()
    note = ticket.messages.get()
    assert note.is_internal_note
    assert ticket.first_responded_at is None
    assert ticket.status == Status.NEW
    assert mail.outbox == []
    client.force_login(customer)
    assert "Escalating" not in client.get(ticket.get_absolute_url()).content.decode()


def test_assign_and_change_status(client, staff, group_staff, customer):
    ticket = TicketFactory(customer=customer)
    client.force_login(staff)
    url = reverse("support_tickets:edit", args=[ticket.pk])
    response = client.post(
        url, {"action": "update", "status": "open", "assignee": group_staff.pk, "severity": "critical"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.severity) == (Status.OPEN, group_staff, "critical")
    assert ticket.first_response_due == ticket.created_at + timedelta(hours=1)


def test_invalid_transition_is_refused_with_a_message(client, staff, customer):
    ticket = TicketFactory(customer=customer)
    ticket.transition_to(Status.CLOSED)
    ticket.save()
    client.force_login(staff)
    url = reverse("support_tickets:edit", args=[ticket.pk])
    response = client.post(url, {"action": "update", "status": "open", "assignee": "", "severity": "normal"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_staff_cannot_add_or_delete_tickets_in_the_admin(client, staff):
    client.force_login(staff)
    html = client.get(QUEUE).content.decode()
    assert "/admin/support_tickets/new/" not in html
    for name in ("add", "delete", "copy", "inspect"):
        with pytest.raises(NoReverseMatch):
            reverse(f"support_tickets:{name}", args=[] if name == "add" else [1])


def test_admin_home_lists_tickets_needing_attention(client, staff, site_pages):
    with time_machine.travel(T0, tick=False):
        TicketFactory(severity=Severity.CRITICAL, subject="Breached critical")
        TicketFactory(severity=Severity.LOW, subject="Calm low")
        TicketFactory(severity=Severity.HIGH, subject="High due soon")
    client.force_login(staff)
    with time_machine.travel(T0 + timedelta(hours=3, minutes=30), tick=False):
        response = client.get("/admin/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tickets needing attention" in html
    assert _rows(html, "Breached critical", "High due soon", "Calm low") == ["Breached critical", "High due soon"]


def test_admin_home_panel_is_for_support_staff_only(client, site_pages):
    editor = UserFactory(username="editor", is_superuser=False)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Tickets needing attention" not in response.content.decode()
