"""Ask before you ticket: the Contact support form suggests answers (no-JS step and the events
the live script sends), "This solved my problem" creates nothing, and the event chain of a
session that still ends in a ticket. Real search index, real KB pages and forum topics."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale

from home.models import ServiceNotice
from search import outbox
from search.models import SearchEvent
from tests.kb.factories import make_article
from tests.search.factories import make_forum, make_topic
from tickets.deflection import keyword_in
from tickets.models import EmailOutbox, Ticket

pytestmark = pytest.mark.django_db

CONTACT = "/en/support/"
QUESTION = {
    "subject": "Email stopped arriving after DNS change",
    "description": "Since I moved my DNS yesterday no email arrives in my mailbox.",
    "severity": "high",
    "product": "example.com",
    "language": "en",
}


@pytest.fixture
def answers(site_pages):
    """One KB article, one solved thread and one unsolved thread about email and DNS, indexed."""
    from forum.permissions import sync_global_permissions
    from kb.setup import ensure_kb_indexes

    sync_global_permissions()
    kb = ensure_kb_indexes(site_pages)
    article = make_article(
        kb["en"], "Email stopped arriving after a DNS change", "email-dns-change",
        summary="Point your MX records at our mail servers again.", tags=("email",),
    )
    forum = make_forum("Email and DNS", parent=make_forum("Hosting"))
    solved = make_topic(
        forum, "No email arriving since DNS move", "Since I moved my DNS no email arrives.",
        replies=["Your MX records still point to the old host."], accept=0,
    )
    unsolved = make_topic(forum, "Email arriving late after DNS change", "Email takes hours to arrive.")
    report = outbox.drain()
    assert not report.failed, report.failed
    return {"article": f"kb:{article.pk}", "solved": f"topic:{solved.pk}", "unsolved": f"topic:{unsolved.pk}"}


def events(event_type=None):
    rows = SearchEvent.objects.filter(source=SearchEvent.Source.TICKET_FORM)
    return rows.filter(event_type=event_type) if event_type else rows


def test_without_javascript_the_first_submit_shows_suggestions_and_creates_nothing(client, customer, answers):
    client.force_login(customer)
    response = client.post(CONTACT, QUESTION)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Did one of these answer your question?" in html
    assert "Email stopped arriving after a DNS change" in html  # the article
    assert "No email arriving since DNS move" in html  # the solved thread
    assert "Email arriving late" not in html  # an unsolved thread is not an answer
    assert 'target="_blank"' in html  # opening one keeps the draft
    # Everything typed travels with the step, so continuing loses nothing.
    assert 'value="Email stopped arriving after DNS change"' in html
    assert "no email arrives in my mailbox" in html
    assert not Ticket.objects.exists()
    shown = set(events(SearchEvent.Type.SUGGESTIONS_SHOWN).values_list("doc_id", flat=True))
    assert shown == {answers["article"], answers["solved"]}
    assert events(SearchEvent.Type.SEARCH).count() == 1


def test_continuing_from_the_step_opens_the_ticket_and_completes_the_event_chain(
    client, customer, answers, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    client.post(CONTACT, QUESTION)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, {**QUESTION, "confirmed": "1"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    chain = list(events().order_by("pk").values_list("event_type", "doc_id", "session_hash", "user_id"))
    assert [row[0] for row in chain] == ["search", "shown", "shown", "ticket"]
    assert chain[-1][1] == f"ticket:{ticket.reference}"
    assert len({row[2] for row in chain}) == 1 and chain[0][2]  # one visit, one session hash
    assert {row[3] for row in chain} == {customer.pk}


def test_this_solved_my_problem_records_a_deflection_and_creates_nothing(client, customer, answers):
    client.force_login(customer)
    client.post(CONTACT, QUESTION)
    response = client.post(reverse("tickets:deflected"), {**QUESTION, "solved_doc": answers["article"]})
    assert response.status_code == 302
    assert response["Location"] == CONTACT
    solved = events(SearchEvent.Type.SOLVED).get()
    assert solved.doc_id == answers["article"]
    assert solved.query.startswith("Email stopped arriving after DNS change")
    assert not Ticket.objects.exists()
    assert not EmailOutbox.objects.exists()
    # Back on an empty form: nothing half-submitted is kept.
    page = client.get(response["Location"]).content.decode()
    assert "Glad you found the answer" in page
    assert "no email arrives in my mailbox" not in page


def test_solved_rejects_bogus_document_ids(client, customer):
    client.force_login(customer)
    client.post(reverse("tickets:deflected"), {**QUESTION, "solved_doc": "javascript:alert(1)"})
    assert events(SearchEvent.Type.SOLVED).get().doc_id == ""


def test_customers_who_saw_live_suggestions_skip_the_step(client, customer, answers):
    client.force_login(customer)
    response = client.post(CONTACT, {**QUESTION, "js_suggestions": "1"})
    assert response.status_code == 302
    assert Ticket.objects.count() == 1


def test_no_match_means_no_step(client, customer, answers):
    client.force_login(customer)
    response = client.post(
        CONTACT, {**QUESTION, "subject": "Invoice address wrong", "description": "Please fix my postcode."}
    )
    assert response.status_code == 302
    assert Ticket.objects.count() == 1


def test_edit_my_question_returns_to_the_filled_form(client, customer, answers):
    client.force_login(customer)
    response = client.post(CONTACT, {**QUESTION, "edit": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="ticket-form"' in html
    assert 'value="Email stopped arriving after DNS change"' in html
    assert not Ticket.objects.exists()


def test_matching_service_notices_come_first(client, customer, site_pages):
    locale = Locale.objects.get(language_code="en")
    ServiceNotice.objects.create(
        locale=locale, kind="outage", title="Mail delays on cluster 3", keywords="email, smtp", site_wide=False
    )
    ServiceNotice.objects.create(
        locale=locale, kind="maintenance", title="Billing system upgrade", keywords="invoice", site_wide=False
    )
    client.force_login(customer)
    html = client.post(CONTACT, QUESTION).content.decode()
    assert "Did one of these answer your question?" in html
    assert "Mail delays on cluster 3" in html
    assert "Billing system upgrade" not in html
    # On the form page every active notice is there for the script, the keyword ones hidden.
    form_page = client.get(CONTACT).content.decode()
    assert 'data-keywords="email,smtp" hidden' in form_page


def test_contact_page_carries_the_live_suggestion_panel(client, customer):
    client.force_login(customer)
    html = client.get(CONTACT).content.decode()
    assert 'id="deflect-panel"' in html
    assert f'data-event-url="{reverse("tickets:deflection_event")}"' in html
    assert "tickets/deflect.js" in html


def test_live_events_are_recorded(client, customer, answers):
    client.force_login(customer)
    url = reverse("tickets:deflection_event")
    query = "email dns change"
    response = client.post(url, {"type": "shown", "query": query, "doc": [answers["article"], answers["solved"]]})
    assert response.status_code == 201
    assert client.post(url, {"type": "click", "query": query, "doc": answers["solved"]}).status_code == 201
    rows = list(events().order_by("pk").values_list("event_type", "doc_id", "result_count"))
    assert rows == [
        ("shown", answers["article"], 2),
        ("shown", answers["solved"], 2),
        ("click", answers["solved"], None),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"type": "solved", "doc": "kb:1"},  # "solved" goes through the form, not the beacon
        {"type": "shown", "doc": "http://evil.example"},
        {"type": "shown"},
    ],
)
def test_bad_events_are_refused(client, customer, data):
    client.force_login(customer)
    response = client.post(reverse("tickets:deflection_event"), data)
    assert response.status_code == 400
    assert "message" in response.json()
    assert not events().exists()


def test_event_endpoint_needs_csrf_and_post(customer):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(customer)
    url = reverse("tickets:deflection_event")
    assert csrf_client.post(url, {"type": "shown", "doc": "kb:1"}).status_code == 403
    assert csrf_client.get(url).status_code == 405
    assert not events().exists()


def test_a_typed_query_without_results_is_recorded_once(client, customer):
    # deflect.js sends a settled query that found nothing as a "shown" without documents; the same
    # query again (a resent beacon, a reload) is not a second question.
    client.force_login(customer)
    url = reverse("tickets:deflection_event")
    for _ in range(2):
        response = client.post(url, {"type": "shown", "query": "Invoice  address wrong"})
        assert response.status_code in (200, 201)
    row = events().get()
    assert (row.event_type, row.doc_id, row.result_count) == ("shown", "", 0)
    assert (row.query, row.normalized_query) == ("Invoice address wrong", "invoice address wrong")
    # A different query, then the first one again, are new questions.
    client.post(url, {"type": "shown", "query": "postcode wrong"})
    client.post(url, {"type": "shown", "query": "Invoice address wrong"})
    assert events().count() == 3


def test_the_step_lists_an_article_once_in_the_readers_language_with_its_other_languages(
    client, customer, answers
):
    from kb.models import ArticlePage
    from tests.kb.factories import translate

    english = ArticlePage.objects.get(pk=int(answers["article"].removeprefix("kb:")))
    welsh = translate(english, "cy", "Ebost wedi peidio â chyrraedd ar ôl newid DNS")
    translate(english, "tr", "DNS değişikliğinden sonra e-posta gelmiyor")
    report = outbox.drain()
    assert not report.failed, report.failed
    client.force_login(customer)
    html = client.post("/cy/support/", {**QUESTION, "language": "cy"}).content.decode()
    assert html.count("Ebost wedi peidio â chyrraedd") == 1  # the reader's version, listed once
    assert "Email stopped arriving after a DNS change" not in html
    assert "DNS değişikliğinden" not in html
    assert f'href="{welsh.url}"' in html
    assert f'href="{english.url}" lang="en" hreflang="en"' in html  # its other languages, as links
    assert 'lang="tr" hreflang="tr"' in html
    # Without a Nepali version, a Nepali reader sees the best match, labelled with its language.
    html = client.post("/ne/support/", {**QUESTION, "language": "ne"}).content.decode()
    assert html.count("Email stopped arriving after a DNS change") == 1
    assert '<span class="deflect-language"' in html and "English</span>" in html


@pytest.mark.parametrize("keyword,text,found", [
    ("mail", "my mailbox is full", True),  # the start of a word: inflections and compounds
    ("mail", "mail stopped arriving", True),
    ("mail", "my site redirects to a gmail login page", False),  # inside another word
    ("posta", "postam dolu", True),  # Turkish inflection
    ("dns", "after the dns change", True),
    ("domain", "a subdomain redirects to the main site", False),
    ("ອີເມວ", "ຮັບອີເມວບໍ່ໄດ້", True),  # Lao is written without spaces: anywhere
])
def test_notice_keywords_match_where_a_word_starts(keyword, text, found):
    assert keyword_in(keyword, text) is found


def test_a_mail_notice_stays_away_from_an_unrelated_question(client, customer, site_pages):
    locale = Locale.objects.get(language_code="en")
    ServiceNotice.objects.create(
        locale=locale, kind="maintenance", title="Webmail maintenance tonight", keywords="mail, email", site_wide=False
    )
    client.force_login(customer)
    question = {**QUESTION, "subject": "WordPress redirects visitors to a Gmail login page",
                "description": "Every page of my site sends people to a fake Gmail sign-in."}
    assert "Webmail maintenance tonight" not in client.post(CONTACT, question).content.decode()
    question = {**QUESTION, "subject": "Mailbox full", "description": "I cannot receive anything."}
    assert "Webmail maintenance tonight" in client.post(CONTACT, question).content.decode()
