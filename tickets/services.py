"""What happens when a ticket is opened, answered or updated: the model change plus the mail
it triggers, in one transaction. Mail goes through the outbox (tickets.mail), so it is sent
only after the change commits and a failing mail server never breaks the request."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tickets import mail
from tickets.models import Status, Ticket, TicketMessage


def absolute_url(path: str) -> str:
    """Links in emails: the site's public base URL plus a path."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def customer_ticket_url(ticket: Ticket) -> str:
    with translation.override(ticket.language):
        return absolute_url(ticket.get_absolute_url())


def staff_ticket_url(ticket: Ticket) -> str:
    return absolute_url(reverse("support_tickets:edit", args=[ticket.pk]))


def _staff_recipients(ticket: Ticket) -> list[str]:
    recipients = [settings.SUPPORT_EMAIL]
    if ticket.assignee_id and ticket.assignee.email:
        recipients.append(ticket.assignee.email)
    return recipients


def _queue_staff_mail(ticket: Ticket, template: str, subject: str, message: TicketMessage | None) -> None:
    # Staff mail is in the site's default language; the customer's text is quoted as written.
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            f"tickets/email/{template}.txt",
            {"ticket": ticket, "message": message, "url": staff_ticket_url(ticket)},
        )
        subject = f"[{ticket.reference}] {subject} {ticket.subject}"
    mail.queue_email(_staff_recipients(ticket), subject, body, purpose=f"ticket {ticket.reference}: {template}")


def _queue_customer_mail(ticket: Ticket, template: str, message: TicketMessage | None) -> None:
    customer = ticket.customer
    with translation.override(ticket.language):
        body = render_to_string(
            f"tickets/email/{template}.txt",
            {"ticket": ticket, "message": message, "url": customer_ticket_url(ticket), "customer": customer},
        )
        subject = gettext("[%(reference)s] New reply: %(subject)s") % {
            "reference": ticket.reference,
            "subject": ticket.subject,
        }
    mail.queue_email([customer.email], subject, body, purpose=f"ticket {ticket.reference}: {template}")


def _locked(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: two replies at once must not overwrite each other."""
    # No select_related: PostgreSQL refuses FOR UPDATE across the nullable assignee join.
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def open_ticket(
    customer,
    *,
    subject: str,
    description: str,
    severity: str,
    product: str = "",
    language: str | None = None,
) -> Ticket:
    """A customer opens a ticket; due times follow from its severity; staff are mailed."""
    with transaction.atomic():
        ticket = Ticket(
            customer=customer,
            subject=subject,
            description=description,
            severity=severity,
            product=product,
        )
        if language:
            ticket.language = language
        ticket.save()
        _queue_staff_mail(ticket, "new_ticket", gettext("New ticket:"), None)
    return ticket


def customer_reply(ticket: Ticket, author, body: str) -> TicketMessage:
    """The customer answers: the ticket goes back to staff, and staff are mailed."""
    with transaction.atomic():
        ticket = _locked(ticket)
        message = ticket.add_message(author, body)
        _queue_staff_mail(ticket, "customer_reply", gettext("Customer replied:"), message)
    return message


def staff_reply(
    ticket: Ticket, author, body: str, *, internal: bool = False, new_status: str | None = None
) -> TicketMessage:
    """Staff answer (the customer is mailed) or add an internal note (nobody is mailed)."""
    with transaction.atomic():
        ticket = _locked(ticket)
        message = ticket.add_message(author, body, internal=internal, new_status=new_status)
        if not internal:
            _queue_customer_mail(ticket, "staff_reply", message)
    return message


def customer_resolve(ticket: Ticket) -> Ticket:
    """The customer says their problem is solved."""
    with transaction.atomic():
        ticket = _locked(ticket)
        ticket.transition_to(Status.RESOLVED)
        ticket.save()
    return ticket


def staff_update(ticket: Ticket, by, *, status: str, assignee, severity: str) -> list[str]:
    """Staff change status, assignee or severity. Returns what changed, for the message shown.

    A new assignee (other than the one making the change) is mailed.
    """
    changes: list[str] = []
    with transaction.atomic():
        ticket = _locked(ticket)
        if status != ticket.status:
            ticket.transition_to(status)
            changes.append("status")
        if severity != ticket.severity:
            ticket.change_severity(severity)
            changes.append("severity")
        new_assignee_id = assignee.pk if assignee else None
        if new_assignee_id != ticket.assignee_id:
            ticket.assignee = assignee
            changes.append("assignee")
        if not changes:
            return changes
        ticket.save()
        if "assignee" in changes and assignee is not None and assignee.pk != getattr(by, "pk", None):
            with translation.override(settings.LANGUAGE_CODE):
                body = render_to_string(
                    "tickets/email/assigned.txt",
                    {"ticket": ticket, "by": by, "url": staff_ticket_url(ticket)},
                )
                subject = f"[{ticket.reference}] " + gettext("Assigned to you:") + f" {ticket.subject}"
            mail.queue_email([assignee.email], subject, body, purpose=f"ticket {ticket.reference}: assigned")
    return changes
