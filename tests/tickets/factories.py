"""Ticket factories. Tickets go through the model's save(), so due times follow TICKET_SLA."""

import factory

from tests.factories import UserFactory
from tickets.models import Severity, Ticket, TicketMessage


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    customer = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"My site shows error 500 ({n})")
    description = "Since this morning **every page** shows an error."
    severity = Severity.NORMAL
    product = "example.com"
    language = "en"


class TicketMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SelfAttribute("ticket.customer")
    body = "Any news?"
