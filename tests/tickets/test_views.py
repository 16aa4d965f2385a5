"""Contact support and a ticket's conversation, through the real URLs, views and templates."""

from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse

from tests.tickets.factories import TicketFactory, TicketMessageFactory
from tickets.models import Status, Ticket
from tickets.views import CREATE_LIMIT, REPLY_LIMIT

pytestmark = pytest.mark.django_db

CONTACT = "/en/support/"


def ticket_data(**overrides) -> dict:
    data = {
        "subject": "Mail to gmail.com bounces",
        "description": "Since this morning **every message** to gmail.com comes back with `550`.",
        "severity": "high",
        "product": "mail.example.com",
        "language": "en",
    }
    data.update(overrides)
    return data


def test_contact_url_is_under_the_language_prefix():
    assert reverse("tickets:contact") == CONTACT


def test_anonymous_visitor_gets_an_explanation_and_login_links(client):
    response = client.get(CONTACT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Log in to open a ticket" in html
    assert f"{reverse('accounts:login')}?next=/en/support/" in html
    assert f"{reverse('accounts:signup')}?next=/en/support/" in html
    assert 'id="id_description"' not in html  # no ticket form for visitors


def test_anonymous_post_creates_nothing(client):
    response = client.post(CONTACT, ticket_data())
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_customer_opens_a_ticket(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    form_page = client.get(CONTACT)
    assert form_page.status_code == 200
    assert 'name="subject"' in form_page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, ticket_data())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/support/tickets/{ticket.reference}/"
    assert ticket.customer == customer
    assert ticket.subject == "Mail to gmail.com bounces"
    assert ticket.severity == "high"
    assert ticket.product == "mail.example.com"
    assert ticket.status == Status.NEW
    # Staff are told about the new ticket.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["support@example.com"]
    assert ticket.reference in mail.outbox[0].subject

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert ticket.reference in html
    assert "<strong>every message</strong>" in html  # the description's Markdown is rendered


def test_language_defaults_to_the_page_language(client, customer):
    client.force_login(customer)
    response = client.get("/tr/support/")
    assert response.status_code == 200
    assert '<option value="tr" selected>' in response.content.decode()


def test_subject_is_prefilled_from_the_query_string(client, customer):
    client.force_login(customer)
    response = client.get(CONTACT, {"subject": "cannot   renew my domain"})
    assert 'value="cannot renew my domain"' in response.content.decode()


def test_invalid_form_keeps_what_was_typed(client, customer):
    client.force_login(customer)
    response = client.post(CONTACT, ticket_data(subject="   ", description="Keep this text please"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep this text please" in html
    assert "Please write a subject." in html or "This field is required." in html
    assert not Ticket.objects.exists()


def test_customer_sees_only_their_own_tickets_listed(client, customer, other_customer):
    mine = TicketFactory(customer=customer, subject="My DNS question")
    TicketFactory(customer=other_customer, subject="Someone else's billing question")
    client.force_login(customer)
    html = client.get(CONTACT).content.decode()
    assert "My DNS question" in html
    assert mine.reference in html
    assert "Someone else" not in html


def test_other_customers_ticket_is_a_404(client, customer, other_customer):
    theirs = TicketFactory(customer=other_customer)
    client.force_login(customer)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.post(theirs.get_absolute_url(), {"body": "hi"}).status_code == 404
    assert client.post(reverse("tickets:resolve", args=[theirs.reference])).status_code == 404
    assert not theirs.messages.exists()
    theirs.refresh_from_db()
    assert theirs.status == Status.NEW


def test_unknown_ticket_is_a_404(client, customer):
    client.force_login(customer)
    assert client.get("/en/support/tickets/HC-999999/").status_code == 404


def test_anonymous_ticket_url_redirects_to_login(client, customer):
    ticket = TicketFactory(customer=customer)
    response = client.get(ticket.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_customer_reply_reopens_and_mails_staff(client, customer, staff, django_capture_on_commit_callbacks):
    ticket = TicketFactory(customer=customer)
    ticket.add_message(staff, "Which domain is it?")
    assert ticket.status == Status.WAITING
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ticket.get_absolute_url(), {"body": "It is example.org"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.messages.last().body == "It is example.org"
    assert [m.to for m in mail.outbox] == [["support@example.com"]]
    assert "It is example.org" in mail.outbox[0].body


def test_internal_notes_are_hidden_from_the_customer(client, customer, staff):
    ticket = TicketFactory(customer=customer)
    ticket.add_message(staff, "Customer is on the legacy cluster", internal=True)
    ticket.add_message(staff, "We are on it.")
    client.force_login(customer)
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert "We are on it." in html
    assert "legacy cluster" not in html


def test_customer_marks_resolved(client, customer):
    ticket = TicketFactory(customer=customer)
    client.force_login(customer)
    assert client.get(reverse("tickets:resolve", args=[ticket.reference])).status_code == 405
    response = client.post(reverse("tickets:resolve", args=[ticket.reference]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at is not None


def test_closed_ticket_refuses_replies_and_keeps_the_text(client, customer):
    ticket = TicketFactory(customer=customer)
    ticket.transition_to(Status.CLOSED)
    ticket.save()
    client.force_login(customer)
    response = client.post(ticket.get_absolute_url(), {"body": "Please reopen"})
    assert response.status_code == 400
    assert "Please reopen" in response.content.decode()
    assert not ticket.messages.exists()


def test_ticket_creation_is_rate_limited_and_keeps_the_form(client, customer):
    client.force_login(customer)
    for n in range(CREATE_LIMIT.count):
        assert client.post(CONTACT, ticket_data(subject=f"Ticket {n}")).status_code == 302
    response = client.post(
        CONTACT, ticket_data(subject="One too many", description="My carefully typed description")
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "several tickets in a short time" in html
    assert 'value="One too many"' in html
    assert "My carefully typed description" in html
    assert Ticket.objects.count() == CREATE_LIMIT.count


def test_replies_are_rate_limited_and_keep_the_text(client, customer):
    ticket = TicketFactory(customer=customer)
    client.force_login(customer)
    for n in range(REPLY_LIMIT.count):
        assert client.post(ticket.get_absolute_url(), {"body": f"reply {n}"}).status_code == 302
    response = client.post(ticket.get_absolute_url(), {"body": "the reply I typed"})
    assert response.status_code == 429
    assert "the reply I typed" in response.content.decode()
    assert ticket.messages.count() == REPLY_LIMIT.count


def test_rate_limit_is_per_customer(client, customer, other_customer):
    client.force_login(customer)
    for n in range(CREATE_LIMIT.count + 1):
        client.post(CONTACT, ticket_data(subject=f"Ticket {n}"))
    client.force_login(other_customer)
    assert client.post(CONTACT, ticket_data()).status_code == 302


XSS = (
    '<script>alert("x")</script> <img src=x onerror="alert(1)"> '
    '[click](javascript:alert(1)) <a href="https://example.com" onclick="evil()">ok</a>'
)


class _Elements(HTMLParser):
    """Every element and its attributes, as a browser would build them."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _assert_sanitized(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag not in {"script", "img", "iframe", "style", "svg"}, tag
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert not (attrs.get("href") or "").strip().lower().startswith("javascript:"), attrs


def test_markdown_in_tickets_and_replies_is_sanitized(client, customer):
    client.force_login(customer)
    response = client.post(CONTACT, ticket_data(description=XSS))
    ticket = Ticket.objects.get()
    TicketMessageFactory(ticket=ticket, author=customer, body=XSS)
    html = client.get(response["Location"]).content.decode()
    thread = html[html.index('<ol class="ticket-messages">'):html.index("</ol>")]
    _assert_sanitized(thread)
    assert thread.count('href="https://example.com"') == 2  # the harmless link survives
    assert "&lt;script&gt;" in thread  # shown as text, not dropped silently
    # The raw text is stored as typed; rendering sanitizes it.
    assert ticket.description == XSS


def test_csrf_is_enforced(customer):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(customer)
    assert csrf_client.post(CONTACT, ticket_data()).status_code == 403
    assert not Ticket.objects.exists()
