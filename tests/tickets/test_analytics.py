"""The deflection dashboard: every figure on a hand-built set of events and tickets equals the
value worked out by hand (in the comments), the CSV export, and who may see it.

The data set (all UTC; "period" = Mon 2026-03-09 00:00 .. Mon 2026-03-16 00:00, i.e. the custom
range 2026-03-09 to 2026-03-15 inclusive; the clock is frozen at 2026-03-17 12:00):

sessions on the forms (source ticket_form unless said otherwise), language en unless said:
  A  03-10 10:00 search "ssl expired" (3 results), shown kb:1 kb:2, click kb:1, solved kb:1   -> deflected (kb:1)
  B  03-11 09:00 search "mail bounces" (2), shown kb:3 topic:7, click topic:7, ticket 09:30   -> not deflected
  C  03-12 08:00 search "dns propagation" (1), shown kb:4, no click, ticket 08:10            -> not deflected
  D  03-13 15:00 search "dns propagation" (1), shown kb:4, click kb:4, no ticket             -> deflected (kb:4)
  E  03-14 11:00 (tr) search "fatura" (0 results), nothing shown, ticket 11:05               -> not a deflection session
  F  03-10 search page: "php version" (5) twice, no click
  G  03-11 search page: "backup" (0)
  H  03-15 20:00 shown kb:2, click kb:2, ticket 03-16 09:00 (after the period, within 24 h)  -> not deflected
  I  03-05 shown kb:1, solved kb:1 (before the period)                                      -> only in the weekly test
  J  03-12 14:00 shown kb:5, solved without a document (the no-JS step)                      -> deflected (no doc)
  K  03-13 10:00 (lo) shown topic:7, solved topic:7, ticket 03-14 12:00 (26 h later)         -> deflected (topic:7)

ask-the-community sessions (source ask_form, fixture `ask_events`, added to the above):
  Q  03-12 10:00 typed "dns propagaton", nothing found (a "shown" row without document, count 0);
     10:01 "dns propagation" shown kb:4, click kb:4, topic posted 10:20                      -> not deflected (a topic counts like a ticket)
  R  03-13 09:00 "mail bounces" shown topic:7, solved topic:7                                -> deflected (topic:7)
  S  03-14 16:00 typed "cpanel quota", nothing found (sent twice), topic posted 16:05        -> not a deflection session
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group

from accounts import roles
from search.models import IndexedDocument, SearchEvent
from tests.factories import UserFactory
from tests.tickets.factories import TicketFactory
from tickets import analytics
from tickets.models import Severity, Status

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/deflection/"
NOW = datetime(2026, 3, 17, 12, 0, tzinfo=UTC)
START = datetime(2026, 3, 9, tzinfo=UTC)
END = datetime(2026, 3, 16, tzinfo=UTC)
CUSTOM = {"period": "custom", "date_from": "2026-03-09", "date_to": "2026-03-15"}
T = SearchEvent.Type
FORM = SearchEvent.Source.TICKET_FORM
ASK = SearchEvent.Source.ASK_FORM
PAGE = SearchEvent.Source.SEARCH_PAGE


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def ev(session, event_type, when, *, query="", doc="", count=None, source=FORM, language="en"):
    return SearchEvent.objects.create(
        event_type=event_type,
        query=query,
        normalized_query=query,
        language=language,
        source=source,
        result_count=count,
        doc_id=doc,
        session_hash=session,
        created_at=when,
    )


def session(name, when, query, count, shown, *, click=None, solved=None, ticket=None, language="en"):
    if query is not None:
        ev(name, T.SEARCH, when, query=query, count=count, language=language)
    for doc in shown:
        ev(name, T.SUGGESTIONS_SHOWN, when.replace(second=5), query=query or "", doc=doc, count=len(shown), language=language)
    if click:
        ev(name, T.CLICK, when.replace(minute=when.minute + 1), query=query or "", doc=click, language=language)
    if solved is not None:
        ev(name, T.SOLVED, when.replace(minute=when.minute + 3), query=query or "", doc=solved, language=language)
    if ticket:
        ev(name, T.TICKET_OPENED, ticket, query=query or "", doc="ticket:HC-000001", language=language)


@pytest.fixture
def events(db):
    session("A", at(10, 10), "ssl expired", 3, ["kb:1", "kb:2"], click="kb:1", solved="kb:1")
    session("B", at(11, 9), "mail bounces", 2, ["kb:3", "topic:7"], click="topic:7", ticket=at(11, 9, 30))
    session("C", at(12, 8), "dns propagation", 1, ["kb:4"], ticket=at(12, 8, 10))
    session("D", at(13, 15), "dns propagation", 1, ["kb:4"], click="kb:4")
    session("E", at(14, 11), "fatura", 0, [], ticket=at(14, 11, 5), language="tr")
    ev("F", T.SEARCH, at(10, 12), query="php version", count=5, source=PAGE)
    ev("F", T.SEARCH, at(10, 12, 1), query="php version", count=5, source=PAGE)
    ev("G", T.SEARCH, at(11, 13), query="backup", count=0, source=PAGE)
    session("H", at(15, 20), None, None, ["kb:2"], click="kb:2", ticket=at(16, 9))
    session("I", at(5, 10), None, None, ["kb:1"], solved="kb:1")
    session("J", at(12, 14), None, None, ["kb:5"], solved="")
    session("K", at(13, 10), None, None, ["topic:7"], solved="topic:7", ticket=at(14, 12), language="lo")
    for doc_id, title in (("kb:1", "Renew an SSL certificate"), ("kb:4", "How DNS propagation works")):
        IndexedDocument.objects.create(
            doc_id=doc_id, kind="article", object_id=int(doc_id[3:]), language="en", title=title,
            url=f"/en/kb/{doc_id[3:]}/", updated_at=NOW,
        )


@pytest.fixture
def ask_events(events):
    ev("Q", T.SUGGESTIONS_SHOWN, at(12, 10), query="dns propagaton", count=0, source=ASK)
    ev("Q", T.SUGGESTIONS_SHOWN, at(12, 10, 1), query="dns propagation", doc="kb:4", count=1, source=ASK)
    ev("Q", T.CLICK, at(12, 10, 2), query="dns propagation", doc="kb:4", source=ASK)
    ev("Q", T.TOPIC_CREATED, at(12, 10, 20), query="dns propagation", doc="topic:90", source=ASK)
    ev("R", T.SUGGESTIONS_SHOWN, at(13, 9), query="mail bounces", doc="topic:7", count=1, source=ASK)
    ev("R", T.SOLVED, at(13, 9, 3), query="mail bounces", doc="topic:7", source=ASK)
    ev("S", T.SUGGESTIONS_SHOWN, at(14, 16), query="cpanel quota", count=0, source=ASK)
    ev("S", T.SUGGESTIONS_SHOWN, at(14, 16, 2), query="cpanel quota", count=0, source=ASK)
    ev("S", T.TOPIC_CREATED, at(14, 16, 5), query="cpanel quota", doc="topic:91", source=ASK)


@pytest.fixture
def tickets(db, customer):
    def ticket(severity, created, first=None, resolved=None, status=Status.OPEN, language="en"):
        return TicketFactory(
            customer=customer, severity=severity, created_at=created, first_responded_at=first,
            resolved_at=resolved, status=status, language=language,
        )

    # SLA (settings): critical 1 h / 8 h, high 4 h / 24 h, normal 24 h / 72 h, low 24 h / 120 h.
    ticket(Severity.CRITICAL, at(10, 9), at(10, 9, 30), at(10, 15), Status.RESOLVED)  # T1: 0.5 h ok, 6 h ok
    ticket(Severity.HIGH, at(11, 9), at(11, 15), at(12, 9), Status.CLOSED)  # T2: 6 h late, 24 h ok (equal)
    ticket(Severity.NORMAL, at(12, 8), at(12, 10))  # T3: 2 h ok; open, resolution due 03-15 08:00 -> breached
    ticket(Severity.NORMAL, at(14, 11), status=Status.NEW, language="tr")  # T4: no reply, both past due
    ticket(Severity.LOW, at(5, 10), status=Status.NEW)  # T5: before the period, breached (first response)
    ticket(Severity.LOW, at(13, 10), at(13, 11), status=Status.WAITING)  # T6: 1 h ok; resolution due 03-18


PERIOD = analytics.Period(START, END)
PERIOD_EN = analytics.Period(START, END, "en")


def test_search_counts(events):
    # searches: A B C D E + F twice + G = 8; zero results: E "fatura", G "backup" = 2;
    # results but no click: C "dns propagation" + F "php version" twice = 3 (A, B, D clicked).
    assert analytics.search_counts(PERIOD) == {"searches": 8, "zero_results": 2, "no_click": 3}
    # en only: E (tr) drops out: 7 searches, 1 zero-result (G), 3 no click.
    assert analytics.search_counts(PERIOD_EN) == {"searches": 7, "zero_results": 1, "no_click": 3}


def test_deflection_rate(events):
    # Sessions that saw suggestions in the period: A B C D H J K = 7 (E saw none, I is before).
    # Deflected: A (solved), D (click, no ticket), J (solved), K (ticket only 26 h later) = 4.
    # H's click is followed by a ticket 13 h later, after the period ends: not deflected.
    # Ticket events in the period: B C E K = 4 (H's is after the end).
    # No topic was posted from the ask form.
    assert analytics.deflection_summary(PERIOD) == {
        "sessions": 7, "deflected": 4, "rate": 4 / 7, "tickets": 4, "topics": 0,
    }
    # en: A B C D H J = 6 sessions, deflected A D J = 3; tickets B C = 2.
    assert analytics.deflection_summary(PERIOD_EN) == {
        "sessions": 6, "deflected": 3, "rate": 0.5, "tickets": 2, "topics": 0,
    }


def test_weekly_deflection_rate(events):
    weeks = analytics.weekly_deflection(analytics.Period(datetime(2026, 3, 2, tzinfo=UTC), END))
    # Week of 03-02: only I (shown, solved) -> 1/1. Week of 03-09: as above, 4/7.
    assert [(w["week"].isoformat(), w["sessions"], w["deflected"]) for w in weeks] == [
        ("2026-03-02", 1, 1),
        ("2026-03-09", 7, 4),
    ]


def test_top_deflecting_documents(events):
    # kb:1 (A), kb:4 (D), topic:7 (K) once each; B's click on topic:7 led to a ticket; J had no doc.
    rows = analytics.top_deflecting(PERIOD)
    assert [(r["doc_id"], r["sessions"], r["title"], r["kind"]) for r in rows] == [
        ("kb:1", 1, "Renew an SSL certificate", "article"),
        ("kb:4", 1, "How DNS propagation works", "article"),
        ("topic:7", 1, "topic:7", "thread"),  # not in the index: the id stands in for the title
    ]


def test_content_gaps(events):
    # dns propagation (en): C's search, no click, ticket 10 min later -> 1 search, 1 ticket (D clicked).
    # fatura (tr): no result, ticket 5 min later -> 1 search, 1 ticket.
    # php version (en): 2 searches, no click, no ticket. backup (en): 1 search, no result.
    gaps = analytics.content_gaps(PERIOD)
    assert [(g["language"], g["query"], g["searches"], g["no_results"], g["no_click"], g["tickets"]) for g in gaps] == [
        ("en", "dns propagation", 1, 0, 1, 1),
        ("tr", "fatura", 1, 1, 0, 1),
        ("en", "php version", 2, 0, 2, 0),
        ("en", "backup", 1, 1, 0, 0),
    ]


@time_machine.travel(NOW, tick=False)
def test_response_times(tickets):
    times = analytics.response_times(PERIOD, NOW)
    # First response (hours) of T1 T2 T3 T6: 0.5, 6, 2, 1 -> sorted 0.5 1 2 6: median 1.5,
    # p90 = nearest rank ceil(0.9*4)=4th = 6. Within target: T1 T3 T6 = 3 of 4 answered + T4 overdue = 5.
    assert times["first_response"] == {
        "count": 4, "median_hours": 1.5, "p90_hours": 6.0, "within_target": 3, "measured": 5, "within_pct": 60.0,
    }
    # Resolution of T1 T2: 6, 24 -> median 15, p90 = 2nd = 24; within: both = 2, of 2 + T3 T4 overdue = 4.
    assert times["resolution"] == {
        "count": 2, "median_hours": 15.0, "p90_hours": 24.0, "within_target": 2, "measured": 4, "within_pct": 50.0,
    }


@time_machine.travel(NOW, tick=False)
def test_tickets_by_severity_and_open_breaches(tickets):
    # In the period: critical T1, high T2, normal T3 T4, low T6 (T5 is before it).
    assert [(r["severity"], r["count"]) for r in analytics.tickets_by_severity(PERIOD)] == [
        ("critical", 1), ("high", 1), ("normal", 2), ("low", 1),
    ]
    # Breached and still open, whatever the period: T3 (resolution), T4 (both), T5 (first response).
    assert analytics.open_breaches(now=NOW).count() == 3
    assert analytics.open_breaches("en", NOW).count() == 2  # T4 is in Turkish


def test_percentile_nearest_rank():
    assert analytics.percentile([], 0.9) is None
    assert analytics.percentile([5.0], 0.9) == 5.0
    assert analytics.percentile([float(n) for n in range(1, 11)], 0.9) == 9.0


def test_article_helpfulness(site_pages):
    from kb.models import ArticleFeedback
    from kb.setup import ensure_kb_indexes
    from tests.kb.factories import make_article, make_category

    category = make_category(ensure_kb_indexes(site_pages)["en"], "Mail", "mail")
    good = make_article(category, "Set up mail on a phone", "phone-mail")
    poor = make_article(category, "Mailbox quotas", "quotas")
    with time_machine.travel(at(10, 9), tick=False):
        for voter, helpful in (("a", True), ("b", True), ("c", False)):
            ArticleFeedback.objects.create(article=good, voter=f"user:{voter}", helpful=helpful)
        ArticleFeedback.objects.create(article=poor, voter="user:a", helpful=False)
    with time_machine.travel(at(1, 9), tick=False):  # before the period: not counted
        ArticleFeedback.objects.create(article=poor, voter="user:z", helpful=True)
    rows = analytics.article_helpfulness(PERIOD)
    # Least helpful first: quotas 0 yes / 1 no; phone mail 2 yes / 1 no.
    assert [(r["title"], r["yes"], r["no"], r["language"]) for r in rows] == [
        ("Mailbox quotas", 0, 1, "en"),
        ("Set up mail on a phone", 2, 1, "en"),
    ]
    assert analytics.article_helpfulness(analytics.Period(START, END, "tr")) == []


# --- The page -------------------------------------------------------------------------------


def _stat(html: str, name: str) -> str:
    start = html.index(f'data-stat="{name}"')
    dd = html.index("<dd>", start) + 4
    return html[dd : html.index("</dd>", dd)]


@time_machine.travel(NOW, tick=False)
def test_dashboard_shows_the_figures(client, staff, events, tickets):
    client.force_login(staff)
    response = client.get(DASHBOARD, CUSTOM)
    assert response.status_code == 200
    html = response.content.decode()
    assert _stat(html, "searches") == "8"
    assert _stat(html, "zero_results") == "2"
    assert _stat(html, "no_click") == "3"
    assert _stat(html, "deflection_rate") == "57%"  # 4/7
    assert _stat(html, "deflected") == "4 / 7"
    assert _stat(html, "tickets") == "4"
    assert _stat(html, "open_breaches") == "3"
    assert "ended in “solved” or a click without a ticket within 24 h" in html  # the definition
    assert "<svg" in html and "Renew an SSL certificate" in html and "dns propagation" in html
    assert "<script src=\"http" not in html  # charts are inline SVG, no CDN


@time_machine.travel(NOW, tick=False)
def test_dashboard_language_filter(client, staff, events):
    client.force_login(staff)
    html = client.get(DASHBOARD, {**CUSTOM, "language": "en"}).content.decode()
    assert _stat(html, "deflected") == "3 / 6"
    assert _stat(html, "deflection_rate") == "50%"


def test_the_period_shown_is_the_period_the_figures_cover(client, staff):
    client.force_login(staff)
    for params in ({}, {"language": "tr"}):
        html = client.get(DASHBOARD, params).content.decode()
        assert '<option value="30" selected>' in html, params
        assert '<option value="7" selected>' not in html
    assert '<option value="7" selected>' in client.get(DASHBOARD, {"period": "7"}).content.decode()


def test_dashboard_rejects_a_backwards_custom_range(client, staff):
    client.force_login(staff)
    response = client.get(DASHBOARD, {"period": "custom", "date_from": "2026-03-15", "date_to": "2026-03-09"})
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_csv_export(client, staff, events, tickets):
    client.force_login(staff)
    response = client.get(DASHBOARD, {**CUSTOM, "export": "gaps"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="deflection-gaps-20260309-20260316.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "language,query,searches,no_results,no_click,tickets_followed,topics_followed",
        "en,dns propagation,1,0,1,1,0",
        "tr,fatura,1,1,0,1,0",
        "en,php version,2,0,2,0,0",
        "en,backup,1,1,0,0,0",
    ]
    summary = client.get(DASHBOARD, {**CUSTOM, "export": "summary"}).content.decode().splitlines()
    assert "deflection_rate_pct,57%" in summary
    assert "first_response_median_hours,1.5" in summary
    assert "open_breaches,3" in summary
    severity = client.get(DASHBOARD, {**CUSTOM, "export": "severity"}).content.decode().splitlines()
    assert severity == ["severity,tickets", "critical,1", "high,1", "normal,2", "low,1"]


@time_machine.travel(NOW, tick=False)
def test_csv_neutralises_spreadsheet_formulas(client, staff):
    ev("X", T.SEARCH, at(10, 9), query="=HYPERLINK(1)", count=0, source=PAGE)
    client.force_login(staff)
    body = client.get(DASHBOARD, {**CUSTOM, "export": "gaps"}).content.decode()
    assert "'=HYPERLINK(1)" in body


@pytest.mark.parametrize("role", ["customer", "moderator"])
def test_non_staff_cannot_see_the_dashboard(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(DASHBOARD)
    # Without admin access Wagtail redirects; with it, our view says 403. Never the figures.
    assert response.status_code in (302, 403)
    assert b"Deflection rate" not in response.content
    assert client.get(DASHBOARD, {"export": "summary"}).status_code in (302, 403)


def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_support_staff_group_sees_the_dashboard_and_menu_item(client):
    agent = UserFactory(username="agent")
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_STAFF))
    client.force_login(agent)
    assert client.get(DASHBOARD).status_code == 200
    assert DASHBOARD in client.get("/admin/").content.decode()


def test_content_gaps_count_live_suggestion_queries_once(db):
    # /api/suggest records no search rows: the forms' "shown" lists stand for the query.
    # L (live): "ftp login" shown kb:2 kb:3 (two rows, one list), no click, ticket 20 min later.
    session("L", at(14, 9), None, None, [], ticket=at(14, 9, 20))
    for doc in ("kb:2", "kb:3"):
        ev("L", T.SUGGESTIONS_SHOWN, at(14, 9), query="ftp login", doc=doc, count=2)
    # M (live): "ssl expired" shown, then clicked -> not a gap.
    ev("M", T.SUGGESTIONS_SHOWN, at(14, 10), query="ssl expired", doc="kb:1", count=1)
    ev("M", T.CLICK, at(14, 10, 1), query="ssl expired", doc="kb:1")
    # N (no-JS step): the search row and the shown row of one query count once; no click, no ticket.
    ev("N", T.SEARCH, at(14, 11), query="cron job", count=1)
    ev("N", T.SUGGESTIONS_SHOWN, at(14, 11), query="cron job", doc="kb:6", count=1)
    gaps = analytics.content_gaps(PERIOD)
    assert [(g["query"], g["searches"], g["no_results"], g["no_click"], g["tickets"]) for g in gaps] == [
        ("ftp login", 1, 0, 1, 1),
        ("cron job", 1, 0, 1, 0),
    ]


def test_click_positions(events):
    # A: list kb:1 kb:2, click kb:1 -> 1. B: kb:3 topic:7, click topic:7 -> 2. D: kb:4, click kb:4 -> 1.
    # H: kb:2, click kb:2 -> 1. F/G are search-page rows: no list, not counted.
    rows = analytics.click_positions(PERIOD)
    assert [(r["position"], r["clicks"]) for r in rows] == [(1, 3), (2, 1)]
    assert rows[0]["share"] == 0.75


def test_click_position_uses_the_latest_list(db):
    # Two lists in one session: the click is on the second list's third suggestion.
    for doc in ("kb:1", "kb:2"):
        ev("P", T.SUGGESTIONS_SHOWN, at(10, 9), query="mail", doc=doc, count=2)
    for doc in ("kb:7", "kb:8", "kb:1"):
        ev("P", T.SUGGESTIONS_SHOWN, at(10, 9, 1), query="mail quota", doc=doc, count=3)
    ev("P", T.CLICK, at(10, 9, 2), query="mail quota", doc="kb:1")
    assert [(r["position"], r["clicks"]) for r in analytics.click_positions(PERIOD)] == [(3, 1)]


@time_machine.travel(NOW, tick=False)
def test_positions_csv_and_chart(client, staff, events):
    client.force_login(staff)
    body = client.get(DASHBOARD, {**CUSTOM, "export": "positions"}).content.decode().splitlines()
    assert body == ["position,clicks,share_pct", "1,3,75%", "2,1,25%"]
    html = client.get(DASHBOARD, CUSTOM).content.decode()
    assert "Clicks by position in the suggestions" in html and "<title>#1: 3</title>" in html


# --- Ask the community (source ask_form) ------------------------------------------------------


def test_ask_form_sessions_count_like_ticket_form_sessions(ask_events):
    # Sessions: A B C D H J K + Q R = 9 (S saw no suggestion: its lists were empty).
    # Deflected: A D J K as before + R (solved) = 5; Q clicked kb:4 but posted a topic 18 min later.
    # Tickets: B C E K = 4, as before; topics: Q, S = 2, shown apart from tickets.
    assert analytics.deflection_summary(PERIOD) == {
        "sessions": 9, "deflected": 5, "rate": 5 / 9, "tickets": 4, "topics": 2,
    }
    sessions = {s.session_hash: s for s in analytics.deflection_sessions(PERIOD)}
    assert (sessions["Q"].deflected, sessions["Q"].topics, sessions["Q"].tickets) == (False, 1, 0)
    assert "S" not in sessions


def test_ask_form_queries_in_searches_and_content_gaps(ask_events):
    # Queries: the 8 searches + Q "dns propagaton" (0 results) + Q "dns propagation" (1, clicked)
    # + R "mail bounces" (1, no click: "solved" is not a click) + S "cpanel quota" (0, sent twice,
    # one query) = 12. No result: E G + Q's typo + S = 4. Results but no click: C F F + R = 4.
    assert analytics.search_counts(PERIOD) == {"searches": 12, "zero_results": 4, "no_click": 4}
    # Gaps, most tickets first, then most topics, then most asked: Q's typo and S's query found
    # nothing and a topic followed each (20 and 5 min later); R's list got no click.
    gaps = analytics.content_gaps(PERIOD)
    assert [
        (g["language"], g["query"], g["searches"], g["no_results"], g["no_click"], g["tickets"], g["topics"])
        for g in gaps
    ] == [
        ("en", "dns propagation", 1, 0, 1, 1, 0),
        ("tr", "fatura", 1, 1, 0, 1, 0),
        ("en", "cpanel quota", 1, 1, 0, 0, 1),
        ("en", "dns propagaton", 1, 1, 0, 0, 1),
        ("en", "php version", 2, 0, 2, 0, 0),
        ("en", "backup", 1, 1, 0, 0, 0),
        ("en", "mail bounces", 1, 0, 1, 0, 0),
    ]


def test_ask_form_deflections_and_clicks(ask_events):
    # topic:7 ended K and R; kb:1 A; kb:4 D (Q's click on it was followed by a topic).
    assert [(r["doc_id"], r["sessions"]) for r in analytics.top_deflecting(PERIOD)] == [
        ("topic:7", 2), ("kb:1", 1), ("kb:4", 1),
    ]
    # Q's click is on the first (only) suggestion of its list; the empty list before it is no list.
    assert [(r["position"], r["clicks"]) for r in analytics.click_positions(PERIOD)] == [(1, 4), (2, 1)]


@time_machine.travel(NOW, tick=False)
def test_dashboard_shows_topics_apart_from_tickets(client, staff, ask_events):
    client.force_login(staff)
    html = client.get(DASHBOARD, CUSTOM).content.decode()
    assert _stat(html, "deflected") == "5 / 9"
    assert _stat(html, "tickets") == "4"
    assert _stat(html, "topics") == "2"
    assert _stat(html, "zero_results") == "4"
    summary = client.get(DASHBOARD, {**CUSTOM, "export": "summary"}).content.decode().splitlines()
    assert "tickets_opened_from_forms,4" in summary and "topics_posted_from_forms,2" in summary
    weekly = client.get(DASHBOARD, {**CUSTOM, "export": "weekly"}).content.decode().splitlines()
    assert weekly == ["week_starting,sessions,deflected,rate_pct,tickets,topics", "2026-03-09,9,5,56%,4,2"]


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2026-01-01", "9999-12-31", "The end date can&#x27;t be in the future."),
        ("0001-01-01", "2026-01-01", "A custom period can span at most 732 days."),
    ],
)
def test_dashboard_rejects_out_of_range_custom_periods(client, staff, date_from, date_to, message):
    """A far-future end used to overflow the date arithmetic (a 500); now a form error, and the
    CSV export answers the same way instead of failing."""
    client.force_login(staff)
    params = {"period": "custom", "date_from": date_from, "date_to": date_to}
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.get(DASHBOARD, {**params, "export": "gaps"}).status_code in (200, 400)
