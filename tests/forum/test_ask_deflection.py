"""Ask before you post: the forum's Ask the community form suggests answers like Contact support
does (tickets/deflection.py, source "ask_form"): the no-JS step, "Continue" posting exactly what
was typed, "Edit", "This solved my problem" creating nothing, the event chain of a session that
ends in a topic, typed queries without results, permissions and rate limits. Real search index,
real KB pages and forum topics."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from machina.core.db.models import get_model
from wagtail.models import Locale

from forum.models import TopicInfo
from home.models import ServiceNotice
from search import outbox
from search.models import SearchEvent
from tests.forum.factories import make_topic as make_question
from tests.kb.factories import make_article
from tests.search.factories import make_topic
from tickets import analytics

Topic = get_model("forum_conversation", "Topic")

pytestmark = pytest.mark.django_db

STEP_TITLE = "Did one of these answer your question?"
QUESTION = {
    "subject": "Email stopped arriving after DNS change",
    # Markup, quotes, angle brackets and blank lines: all must survive the step unchanged.
    "content": 'Since I moved my DNS yesterday no email arrives.\r\n\r\n**Tried:** "dig MX" <nothing>',
    "language": "cy",
}


def create_url(forum) -> str:
    return reverse("forum_conversation:topic_create", kwargs={"forum_slug": forum.slug, "forum_pk": forum.pk})


def events(event_type=None):
    rows = SearchEvent.objects.filter(source=SearchEvent.Source.ASK_FORM)
    return rows.filter(event_type=event_type) if event_type else rows


class _StepForm(HTMLParser):
    """The fields the step's form would send, as a browser reads them from the page."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "deflect-step":
            self.inside = True
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.fields.append((attrs["name"], attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def step_fields(html: str) -> dict[str, list[str]]:
    parser = _StepForm()
    parser.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


@pytest.fixture
def answers(site_pages, forums):
    """One KB article, one solved thread and one unsolved thread about email and DNS, indexed."""
    from kb.setup import ensure_kb_indexes

    kb = ensure_kb_indexes(site_pages)
    article = make_article(
        kb["en"], "Email stopped arriving after a DNS change", "email-dns-change",
        summary="Point your MX records at our mail servers again.", tags=("email",),
    )
    solved = make_topic(
        forums["email"], "No email arriving since DNS move", "Since I moved my DNS no email arrives.",
        replies=["Your MX records still point to the old host."], accept=0,
    )
    unsolved = make_topic(forums["email"], "Email arriving late after DNS change", "Email takes hours to arrive.")
    report = outbox.drain()
    assert not report.failed, report.failed
    return {"article": f"kb:{article.pk}", "solved": f"topic:{solved.pk}", "unsolved": f"topic:{unsolved.pk}"}


def test_without_javascript_posting_first_shows_suggestions_and_creates_nothing(
    client, customer, email_forum, answers
):
    client.force_login(customer)
    topics_before = Topic.objects.count()
    response = client.post(create_url(email_forum), QUESTION)
    assert response.status_code == 200
    html = response.content.decode()
    assert STEP_TITLE in html
    assert "Email stopped arriving after a DNS change" in html  # the article
    assert "No email arriving since DNS move" in html  # the solved thread
    assert "Email arriving late" not in html  # an unsolved thread is not an answer
    assert 'target="_blank"' in html  # opening one keeps the draft
    assert "Continue and post my question" in html and ">Edit<" in html
    assert Topic.objects.count() == topics_before
    shown = list(events(SearchEvent.Type.SUGGESTIONS_SHOWN).order_by("pk").values_list("doc_id", "result_count"))
    assert {doc for doc, _count in shown} == {answers["article"], answers["solved"]}
    assert {count for _doc, count in shown} == {2}
    assert events(SearchEvent.Type.SEARCH).count() == 1
    assert not SearchEvent.objects.filter(source=SearchEvent.Source.TICKET_FORM).exists()


def test_continue_posts_exactly_what_was_typed_and_completes_the_event_chain(
    client, customer, email_forum, answers
):
    client.force_login(customer)
    step = client.post(create_url(email_forum), {**QUESTION, "enable_signature": "on"}).content.decode()
    fields = step_fields(step)
    # The draft travels whole; the buttons are not part of it.
    assert fields["subject"] == [QUESTION["subject"]]
    assert fields["content"] == [QUESTION["content"]]
    assert fields["language"] == ["cy"]
    assert fields["enable_signature"] == ["on"]
    assert "confirmed" not in fields and "edit" not in fields

    response = client.post(create_url(email_forum), {**fields, "confirmed": "1"})
    assert response.status_code == 302
    topic = Topic.objects.get(subject=QUESTION["subject"])
    assert response["Location"].endswith(f"-{topic.pk}/")
    first_post = topic.first_post
    assert first_post.content.raw == QUESTION["content"]
    assert first_post.enable_signature is True
    assert first_post.poster == customer
    assert TopicInfo.objects.get(topic=topic).language == "cy"

    chain = list(events().order_by("pk").values_list("event_type", "doc_id", "session_hash", "user_id", "query"))
    assert [row[0] for row in chain] == ["search", "shown", "shown", "topic"]
    assert chain[-1][1] == f"topic:{topic.pk}"
    assert chain[-1][4].startswith(QUESTION["subject"])  # the question text, for the dashboard
    assert len({row[2] for row in chain}) == 1 and chain[0][2]  # one visit, one session hash
    assert {row[3] for row in chain} == {customer.pk}


def test_continue_keeps_staff_options_and_the_poll(client, staff, email_forum, answers):
    # Staff see more of the TopicForm (topic type, poll): nothing of it may be lost on the way.
    client.force_login(staff)
    draft = {
        **QUESTION,
        "topic_type": str(Topic.TOPIC_STICKY),
        "poll_question": "Which DNS host do you use?",
        "poll_max_options": "1",
        "poll_duration": "0",
        "poll-TOTAL_FORMS": "2",
        "poll-INITIAL_FORMS": "0",
        "poll-MIN_NUM_FORMS": "0",
        "poll-MAX_NUM_FORMS": "1000",
        "poll-0-text": "Ours",
        "poll-1-text": "Someone else's",
    }
    step = client.post(create_url(email_forum), draft)
    assert STEP_TITLE in step.content.decode()
    fields = step_fields(step.content.decode())
    response = client.post(create_url(email_forum), {**fields, "confirmed": "1"})
    assert response.status_code == 302
    topic = Topic.objects.get(subject=QUESTION["subject"])
    assert topic.type == Topic.TOPIC_STICKY
    assert topic.poll.question == "Which DNS host do you use?"
    assert sorted(topic.poll.options.values_list("text", flat=True)) == ["Ours", "Someone else's"]


def test_edit_returns_to_the_filled_form(client, customer, email_forum, answers):
    client.force_login(customer)
    fields = step_fields(client.post(create_url(email_forum), QUESTION).content.decode())
    response = client.post(create_url(email_forum), {**fields, "edit": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert STEP_TITLE not in html
    assert 'id="topic-form"' in html and 'id="deflect-panel"' in html
    form = response.context["post_form"]
    assert (form["subject"].value(), form["content"].value(), form["language"].value()) == (
        QUESTION["subject"], QUESTION["content"], "cy",
    )
    assert 'value="Email stopped arriving after DNS change"' in html
    assert '<option value="cy" selected>' in html
    assert not Topic.objects.filter(subject=QUESTION["subject"]).exists()
    assert not events(SearchEvent.Type.TOPIC_CREATED).exists()


def test_this_solved_my_problem_records_a_deflection_and_creates_nothing(client, customer, email_forum, answers):
    client.force_login(customer)
    fields = step_fields(client.post(create_url(email_forum), QUESTION).content.decode())
    topics_before = Topic.objects.count()
    url = reverse("support_forum:ask_solved", kwargs={"forum_pk": email_forum.pk})
    response = client.post(url, {**fields, "solved_doc": answers["article"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk})
    solved = events(SearchEvent.Type.SOLVED).get()
    assert solved.doc_id == answers["article"]
    assert solved.query.startswith(QUESTION["subject"])
    assert Topic.objects.count() == topics_before
    assert not events(SearchEvent.Type.TOPIC_CREATED).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Glad you found the answer" in page
    assert QUESTION["subject"] not in page  # nothing half-submitted is kept
    # The session counts as deflected on the dashboard.
    now = timezone.now()
    summary = analytics.deflection_summary(analytics.Period(now - timedelta(hours=1), now + timedelta(minutes=1)))
    assert (summary["sessions"], summary["deflected"], summary["topics"]) == (1, 1, 0)


def test_solved_rejects_bogus_document_ids(client, customer, email_forum):
    client.force_login(customer)
    url = reverse("support_forum:ask_solved", kwargs={"forum_pk": email_forum.pk})
    client.post(url, {**QUESTION, "solved_doc": "javascript:alert(1)"})
    assert events(SearchEvent.Type.SOLVED).get().doc_id == ""


def test_no_match_posts_directly(client, customer, email_forum, answers):
    client.force_login(customer)
    response = client.post(
        create_url(email_forum), {"subject": "Invoice address wrong", "content": "Please fix my postcode.", "language": "en"}
    )
    assert response.status_code == 302
    topic = Topic.objects.get(subject="Invoice address wrong")
    rows = list(events().order_by("pk").values_list("event_type", "result_count", "doc_id"))
    assert rows == [("search", 0, ""), ("topic", None, f"topic:{topic.pk}")]


def test_askers_who_saw_live_suggestions_skip_the_step(client, customer, email_forum, answers):
    client.force_login(customer)
    response = client.post(create_url(email_forum), {**QUESTION, "js_suggestions": "1"})
    assert response.status_code == 302
    assert Topic.objects.filter(subject=QUESTION["subject"]).count() == 1
    assert list(events().values_list("event_type", flat=True)) == ["topic"]


def test_preview_shows_no_step(client, customer, email_forum, answers):
    client.force_login(customer)
    response = client.post(create_url(email_forum), {**QUESTION, "preview": "1"})
    assert response.status_code == 200
    assert STEP_TITLE not in response.content.decode()
    assert not events().exists()


def test_matching_service_notices_come_first(client, customer, email_forum, site_pages):
    locale = Locale.objects.get(language_code="en")
    ServiceNotice.objects.create(
        locale=locale, kind="outage", title="Mail delays on cluster 3", keywords="email, smtp", site_wide=False
    )
    ServiceNotice.objects.create(
        locale=locale, kind="maintenance", title="Billing system upgrade", keywords="invoice", site_wide=False
    )
    client.force_login(customer)
    html = client.post(create_url(email_forum), QUESTION).content.decode()
    assert STEP_TITLE in html
    assert "Mail delays on cluster 3" in html
    assert "Billing system upgrade" not in html
    form_page = client.get(create_url(email_forum)).content.decode()
    assert 'data-keywords="email,smtp" hidden' in form_page


def test_the_ask_form_carries_the_live_panel_and_the_edit_form_does_not(client, customer, email_forum):
    client.force_login(customer)
    html = client.get(create_url(email_forum)).content.decode()
    assert 'id="deflect-panel"' in html
    assert 'data-form="topic-form"' in html and 'id="topic-form"' in html
    assert 'data-fields="subject content"' in html and 'data-source="ask_form"' in html
    assert f'data-event-url="{reverse("support_forum:ask_event", kwargs={"forum_pk": email_forum.pk})}"' in html
    assert f'data-solved-url="{reverse("support_forum:ask_solved", kwargs={"forum_pk": email_forum.pk})}"' in html
    assert "tickets/deflect.js" in html and "tickets/deflect.css" in html
    topic = make_question(email_forum, customer, subject="My own question")
    edit_url = reverse(
        "forum_conversation:topic_update",
        kwargs={"forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "slug": topic.slug, "pk": topic.pk},
    )
    assert 'id="deflect-panel"' not in client.get(edit_url).content.decode()


def test_live_events_are_recorded_as_ask_form_events(client, customer, email_forum, answers):
    client.force_login(customer)
    url = reverse("support_forum:ask_event", kwargs={"forum_pk": email_forum.pk})
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
    now = timezone.now()
    period = analytics.Period(now - timedelta(hours=1), now + timedelta(minutes=1))
    assert [(r["position"], r["clicks"]) for r in analytics.click_positions(period)] == [(2, 1)]


def test_a_typed_query_without_results_is_recorded_once(client, customer, email_forum):
    client.force_login(customer)
    url = reverse("support_forum:ask_event", kwargs={"forum_pk": email_forum.pk})
    for _ in range(3):  # the same settled query again (a resent beacon, a reload): one question
        assert client.post(url, {"type": "shown", "query": "Cron job never runs"}).status_code in (200, 201)
    row = events().get()
    assert (row.event_type, row.doc_id, row.result_count, row.normalized_query) == (
        "shown", "", 0, "cron job never runs",
    )
    # It reaches the dashboard's zero-result figure and content gaps, and is not a deflection session.
    now = timezone.now()
    period = analytics.Period(now - timedelta(hours=1), now + timedelta(minutes=1))
    assert analytics.search_counts(period) == {"searches": 1, "zero_results": 1, "no_click": 0}
    assert [(g["query"], g["no_results"]) for g in analytics.content_gaps(period)] == [("cron job never runs", 1)]
    assert analytics.deflection_summary(period)["sessions"] == 0


@pytest.mark.parametrize("name", ["ask_solved", "ask_event"])
def test_anonymous_visitors_are_sent_to_log_in_as_machina_does(client, email_forum, name):
    url = reverse(f"support_forum:{name}", kwargs={"forum_pk": email_forum.pk})
    response = client.post(url, {**QUESTION, "type": "shown", "query": "email", "doc": "kb:1", "solved_doc": "kb:1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not events().exists()
    # machina's own topic form answers the same way.
    create = client.post(create_url(email_forum), QUESTION)
    assert create.status_code == 302 and "/accounts/login/" in create["Location"]


def test_without_the_start_topics_permission_everything_is_refused(client, customer, staff_forum, staff, answers):
    # The private Staff lounge: customers may not start topics there (nor read it).
    client.force_login(customer)
    data = {**QUESTION, "type": "shown", "query": "email", "doc": answers["article"], "solved_doc": answers["article"]}
    assert client.post(create_url(staff_forum), QUESTION).status_code == 403
    for name in ("ask_solved", "ask_event"):
        assert client.post(reverse(f"support_forum:{name}", kwargs={"forum_pk": staff_forum.pk}), data).status_code == 403
    assert not events().exists()
    # Staff may, and get the same flow there.
    client.force_login(staff)
    url = reverse("support_forum:ask_solved", kwargs={"forum_pk": staff_forum.pk})
    assert client.post(url, data).status_code == 302
    assert events(SearchEvent.Type.SOLVED).count() == 1


def test_unknown_forum_is_not_found(client, customer, forums):
    client.force_login(customer)
    assert client.post(reverse("support_forum:ask_solved", kwargs={"forum_pk": 999999}), QUESTION).status_code == 404


def test_endpoints_need_post_and_csrf(customer, email_forum):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(customer)
    url = reverse("support_forum:ask_event", kwargs={"forum_pk": email_forum.pk})
    assert csrf_client.post(url, {"type": "shown", "doc": "kb:1"}).status_code == 403
    assert csrf_client.get(url).status_code == 405
    assert not events().exists()


def test_posting_limits_apply_after_the_step_and_keep_the_draft(client, customer, email_forum, answers, settings):
    settings.FORUM_RATE_LIMITS = {"topic": (1, 3600)}
    client.force_login(customer)
    # Showing the step twice is not posting: the one allowed topic is still available.
    client.post(create_url(email_forum), QUESTION)
    fields = step_fields(client.post(create_url(email_forum), QUESTION).content.decode())
    assert client.post(create_url(email_forum), {**fields, "confirmed": "1"}).status_code == 302
    second = {**QUESTION, "subject": "Email stopped arriving again after DNS change"}
    fields = step_fields(client.post(create_url(email_forum), second).content.decode())
    response = client.post(create_url(email_forum), {**fields, "confirmed": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "You can start at most 1 topic every 60 minutes." in html
    assert 'value="Email stopped arriving again after DNS change"' in html
    assert Topic.objects.filter(subject__startswith="Email stopped arriving").count() == 1
    assert events(SearchEvent.Type.TOPIC_CREATED).count() == 1

