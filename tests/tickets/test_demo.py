"""The demo loader: tickets in all six languages, breached ones included, idempotent."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from tests.factories import UserFactory
from tickets import demo
from tickets.models import EmailOutbox, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(db):
    for username in ("amira", "bikash", "carys", "somsak", "elif", "rasa"):
        UserFactory(username=username).groups.add(Group.objects.get(name=roles.CUSTOMERS))
    UserFactory(username=demo.STAFF_USERNAME, is_staff=True).groups.add(
        Group.objects.get(name=roles.SUPPORT_STAFF)
    )


def test_demo_tickets_cover_languages_statuses_and_breaches(demo_users):
    out = StringIO()
    demo.load(out)
    assert Ticket.objects.count() == len(demo.DEMO_TICKETS)
    assert set(Ticket.objects.values_list("language", flat=True)) == {"en", "ne", "cy", "lo", "tr", "lt"}
    assert set(Ticket.objects.values_list("severity", flat=True)) == {"critical", "high", "normal", "low"}
    assert {"new", "open", "waiting", "resolved", "closed"} <= set(Ticket.objects.values_list("status", flat=True))
    assert Ticket.objects.breached().exists()
    assert Ticket.objects.unattended().exists()
    assert TicketMessage.objects.filter(is_internal_note=True).exists()
    assert TicketMessage.objects.filter(is_staff_reply=True, is_internal_note=False).exists()
    assert not EmailOutbox.objects.exists()  # demo data mails nobody
    assert f"{len(demo.DEMO_TICKETS)} created" in out.getvalue()


def test_demo_is_idempotent(demo_users):
    demo.load(StringIO())
    before = (Ticket.objects.count(), TicketMessage.objects.count())
    out = StringIO()
    demo.load(out)
    assert (Ticket.objects.count(), TicketMessage.objects.count()) == before
    assert "0 created" in out.getvalue()


def test_demo_names_missing_users():
    out = StringIO()
    demo.load(out)
    assert not Ticket.objects.exists()
    assert "user 'amira' does not exist" in out.getvalue()
