"""Deflection analytics: the numbers behind the support dashboard.

Pure functions over querysets (no request, no rendering), so tests can check every figure on a
hand-built set of events. Inputs are `search.models.SearchEvent` rows (searches, suggestions
shown, clicks, "solved my problem", tickets opened, forum topics posted — tied by
`session_hash`), tickets and article feedback. Definitions (also written on the dashboard, from
DESIGN.md):

- A *deflection session* is a session (session_hash) of the ask / ticket forms that saw
  suggestions (a "shown" event naming documents) in the period. It is *deflected* when it has a
  "solved" event or a click that is not followed, from the same session within 24 hours, by a
  ticket or a forum topic (both mean the customer was still stuck). The deflection rate is
  deflected sessions over all deflection sessions.
- A *query* is a `search` row, or a query typed into a form whose live suggestions were shown
  (counted once per session; a "shown" row without documents is a typed query that found
  nothing, result_count 0).
- A *content gap* is a normalised query (per language) that got no result or no click; ranked by
  the tickets, then the forum topics, that followed it (same session, within 24 hours) and then
  by how often it was asked.

Events are read into memory for the period: fine for a help desk's volume (tens of thousands of
events a month); a bigger site would pre-aggregate per day.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.db.models import QuerySet
from django.utils import timezone

from search.models import IndexedDocument, SearchEvent
from tickets.models import SEVERITY_SHORT_LABELS, Severity, Ticket

FOLLOW_WINDOW = timedelta(hours=24)
DEFLECTION_SOURCES = (SearchEvent.Source.ASK_FORM, SearchEvent.Source.TICKET_FORM)
# What a customer does when the suggestions did not help.
STILL_STUCK = (SearchEvent.Type.TICKET_OPENED, SearchEvent.Type.TOPIC_CREATED)
TOP_LIMIT = 20


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    language: str = ""  # "" = all languages

    def events(self) -> QuerySet:
        qs = SearchEvent.objects.filter(created_at__gte=self.start, created_at__lt=self.end)
        return qs.filter(language=self.language) if self.language else qs


def last_days(days: int, language: str = "", now: datetime | None = None) -> Period:
    now = now or timezone.now()
    return Period(now - timedelta(days=days), now, language)


# --- Searches -------------------------------------------------------------------------------


def _clicked_queries(events: QuerySet) -> set[tuple[str, str, str]]:
    """(session, language, normalised query) triples that got a click."""
    return set(
        events.filter(event_type=SearchEvent.Type.CLICK)
        .exclude(session_hash="")
        .values_list("session_hash", "language", "normalized_query")
    )


def search_counts(period: Period) -> dict[str, int]:
    """Queries (searches and queries typed into the forms, see `_queries`), those with no result,
    and those with results but no click from the same session on the same normalised query."""
    events = period.events()
    clicked = _clicked_queries(events)
    queries = _queries(events, blank_searches=True)
    zero = sum(1 for *_key, count, _at in queries if not count)
    no_click = sum(
        1 for session, lang, query, count, _at in queries if count and (session, lang, query) not in clicked
    )
    return {"searches": len(queries), "zero_results": zero, "no_click": no_click}


# --- Deflection -----------------------------------------------------------------------------


@dataclass
class Session:
    session_hash: str
    language: str
    first_shown: datetime
    deflected: bool = False
    deflecting_docs: list[str] = field(default_factory=list)
    tickets: int = 0
    topics: int = 0


def _followed_by(at: datetime, times: list[datetime]) -> bool:
    return any(at <= t <= at + FOLLOW_WINDOW for t in times)


def _still_stuck_times(period: Period, sessions: list[str] | None = None) -> dict[str, list[tuple[str, datetime]]]:
    """Tickets opened and topics posted from the forms per session, (event type, time); including
    the 24 hours after the period: they may still undo a deflection inside it."""
    rows = SearchEvent.objects.filter(
        event_type__in=STILL_STUCK,
        created_at__gte=period.start,
        created_at__lt=period.end + FOLLOW_WINDOW,
    ).exclude(session_hash="")
    if sessions is not None:
        rows = rows.filter(session_hash__in=sessions)
    by_session: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for session_hash, event_type, created_at in rows.values_list("session_hash", "event_type", "created_at"):
        by_session[session_hash].append((event_type, created_at))
    return by_session


def deflection_sessions(period: Period) -> list[Session]:
    """Every ask/ticket-form session that saw suggestions in the period, with its outcome."""
    events = period.events().filter(source__in=DEFLECTION_SOURCES).exclude(session_hash="")
    by_session: dict[str, list] = defaultdict(list)
    for row in events.order_by("created_at", "pk").values_list(
        "session_hash", "event_type", "created_at", "doc_id", "language"
    ):
        by_session[row[0]].append(row)
    stuck = _still_stuck_times(period, list(by_session))

    sessions = []
    for session_hash, rows in by_session.items():
        # A typed query that found nothing ("shown" without documents) showed no suggestions.
        shown = [row for row in rows if row[1] == SearchEvent.Type.SUGGESTIONS_SHOWN and row[3]]
        if not shown:
            continue
        session = Session(session_hash, shown[0][4], shown[0][2])
        outcomes = stuck.get(session_hash, [])
        stuck_times = [at for _type, at in outcomes]
        session.tickets = sum(1 for kind, at in outcomes if kind == SearchEvent.Type.TICKET_OPENED and at < period.end)
        session.topics = sum(1 for kind, at in outcomes if kind == SearchEvent.Type.TOPIC_CREATED and at < period.end)
        for _hash, event_type, at, doc_id, _lang in rows:
            if at < session.first_shown:
                continue
            if event_type in (SearchEvent.Type.SOLVED, SearchEvent.Type.CLICK) and not _followed_by(at, stuck_times):
                session.deflected = True
                if doc_id:
                    session.deflecting_docs.append(doc_id)
        sessions.append(session)
    return sessions


def deflection_summary(period: Period) -> dict:
    sessions = deflection_sessions(period)
    deflected = sum(1 for s in sessions if s.deflected)
    return {
        "sessions": len(sessions),
        "deflected": deflected,
        "rate": deflected / len(sessions) if sessions else None,
        "tickets": period.events().filter(event_type=SearchEvent.Type.TICKET_OPENED).count(),
        "topics": period.events().filter(event_type=SearchEvent.Type.TOPIC_CREATED).count(),
    }


def weekly_deflection(period: Period) -> list[dict]:
    """Deflection rate per week (weeks start on Monday, the first and last may be partial)."""
    weeks = []
    tz = timezone.get_current_timezone()
    day = timezone.localtime(period.start, tz).date()
    day -= timedelta(days=day.weekday())
    while True:
        week_start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        if week_start >= period.end:
            break
        start, end = max(period.start, week_start), min(period.end, week_start + timedelta(days=7))
        weeks.append({"week": day, **deflection_summary(Period(start, end, period.language))})
        day += timedelta(days=7)
    return weeks


def _doc_titles(doc_ids) -> dict[str, tuple[str, str]]:
    return {
        doc.doc_id: (doc.title, doc.url)
        for doc in IndexedDocument.objects.filter(doc_id__in=list(doc_ids)).only("doc_id", "title", "url")
    }


def top_deflecting(period: Period, limit: int = TOP_LIMIT) -> list[dict]:
    """Articles and threads that ended deflected sessions ("solved" on them, or opened without
    a ticket after), counted once per session."""
    counts: Counter[str] = Counter()
    for session in deflection_sessions(period):
        counts.update(set(session.deflecting_docs))
    titles = _doc_titles(counts)
    return [
        {
            "doc_id": doc_id,
            "kind": "article" if doc_id.startswith("kb:") else "thread",
            "title": titles.get(doc_id, (doc_id, ""))[0],
            "url": titles.get(doc_id, ("", ""))[1],
            "sessions": n,
        }
        for doc_id, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    ]


def _queries(events: QuerySet, *, blank_searches: bool = False) -> list[tuple]:
    """(session, language, normalised query, result count, time) of every query asked: the
    `search` rows, plus the forms' live suggestions, which /api/suggest does not record as
    searches: each suggestion list shown is one query with results (a "shown" row without
    documents, one that found nothing), unless a `search` row of the same session already has
    that query (the no-JS step writes both). `blank_searches`: keep searches whose text has no
    words (they are searches, but not a content gap)."""
    searches = events.filter(event_type=SearchEvent.Type.SEARCH)
    if not blank_searches:
        searches = searches.exclude(normalized_query="")
    rows = list(searches.values_list("session_hash", "language", "normalized_query", "result_count", "created_at"))
    searched = {(session, lang, query) for session, lang, query, _count, _at in rows}
    shown: dict[tuple[str, str, str], tuple] = {}
    for session, lang, query, count, at in (
        events.filter(event_type=SearchEvent.Type.SUGGESTIONS_SHOWN, source__in=DEFLECTION_SOURCES)
        .exclude(normalized_query="")
        .exclude(session_hash="")
        .order_by("created_at", "pk")
        .values_list("session_hash", "language", "normalized_query", "result_count", "created_at")
    ):
        key = (session, lang, query)
        if key not in searched and key not in shown:  # one row per document shown: count the list once
            shown[key] = (session, lang, query, 1 if count is None else count, at)
    return rows + list(shown.values())


def content_gaps(period: Period, limit: int = TOP_LIMIT) -> list[dict]:
    """Normalised queries per language with no result or no click, with the tickets and forum
    topics that followed them (same session, within 24 h): most tickets first, then most topics,
    then most asked."""
    events = period.events()
    clicked = _clicked_queries(events)
    stuck = _still_stuck_times(period)

    gaps: dict[tuple[str, str], dict] = {}
    followed: dict[tuple[str, str], set] = defaultdict(set)
    for session, lang, query, count, at in _queries(events):
        no_result = not count
        no_click = bool(count) and (session, lang, query) not in clicked
        if not (no_result or no_click):
            continue
        key = (lang, query)
        gap = gaps.setdefault(key, {"language": lang, "query": query, "searches": 0, "no_results": 0, "no_click": 0})
        gap["searches"] += 1
        gap["no_results"] += int(no_result)
        gap["no_click"] += int(no_click)
        for kind, then in stuck.get(session, []) if session else []:
            if at <= then <= at + FOLLOW_WINDOW:
                followed[key].add((session, kind, then))
    for key, gap in gaps.items():
        gap["tickets"] = sum(1 for _s, kind, _t in followed[key] if kind == SearchEvent.Type.TICKET_OPENED)
        gap["topics"] = sum(1 for _s, kind, _t in followed[key] if kind == SearchEvent.Type.TOPIC_CREATED)
    ranked = sorted(
        gaps.values(), key=lambda g: (-g["tickets"], -g["topics"], -g["searches"], g["language"], g["query"])
    )
    return ranked[:limit]


# --- Articles -------------------------------------------------------------------------------


def article_helpfulness(period: Period, limit: int = TOP_LIMIT) -> list[dict]:
    """"Was this helpful?" answers given (or changed) in the period, per article, least helpful
    first among those with answers."""
    from kb.models import ArticleFeedback

    feedback = ArticleFeedback.objects.filter(updated_at__gte=period.start, updated_at__lt=period.end)
    if period.language:
        feedback = feedback.filter(article__locale__language_code=period.language)
    rows: dict[int, dict] = {}
    for article_id, title, lang, helpful in feedback.values_list(
        "article_id", "article__title", "article__locale__language_code", "helpful"
    ):
        row = rows.setdefault(article_id, {"article_id": article_id, "title": title, "language": lang, "yes": 0, "no": 0})
        row["yes" if helpful else "no"] += 1
    for row in rows.values():
        row["votes"] = row["yes"] + row["no"]
        row["ratio"] = row["yes"] / row["votes"]
    return sorted(rows.values(), key=lambda r: (r["ratio"], -r["votes"], r["title"]))[:limit]


# --- Tickets --------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (p90 of 10 values is the 9th smallest): simple and explainable."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _time_stats(durations: list[float], within: int, measured: int) -> dict:
    return {
        "count": len(durations),
        "median_hours": median(durations) if durations else None,
        "p90_hours": percentile(durations, 0.9),
        "within_target": within,
        "measured": measured,
        "within_pct": within / measured * 100 if measured else None,
    }


def period_tickets(period: Period) -> QuerySet:
    tickets = Ticket.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    return tickets.filter(language=period.language) if period.language else tickets


def response_times(period: Period, now: datetime | None = None) -> dict[str, dict]:
    """First-response and resolution times (hours) of tickets opened in the period.

    Median and p90 are over tickets that got a response / were resolved. "Within target" counts
    those answered (resolved) by the due time, over those answered or already past due unanswered.
    """
    now = now or timezone.now()
    first, resolution = [], []
    first_within = first_measured = res_within = res_measured = 0
    for ticket in period_tickets(period):
        if ticket.first_responded_at is not None:
            first.append((ticket.first_responded_at - ticket.created_at).total_seconds() / 3600)
            first_measured += 1
            first_within += int(ticket.first_responded_at <= ticket.first_response_due)
        elif ticket.first_response_breached(now):
            first_measured += 1
        if ticket.resolved_at is not None and not ticket.is_active:
            resolution.append((ticket.resolved_at - ticket.created_at).total_seconds() / 3600)
            res_measured += 1
            res_within += int(ticket.resolved_at <= ticket.resolution_due)
        elif ticket.resolution_breached(now):
            res_measured += 1
    return {
        "first_response": _time_stats(first, first_within, first_measured),
        "resolution": _time_stats(resolution, res_within, res_measured),
    }


def tickets_by_severity(period: Period) -> list[dict]:
    counts = Counter(period_tickets(period).values_list("severity", flat=True))
    return [
        {"severity": value, "label": SEVERITY_SHORT_LABELS[value], "count": counts.get(value, 0)}
        for value in Severity.values
    ]


def open_breaches(language: str = "", now: datetime | None = None) -> QuerySet:
    """Active tickets past a target right now (whatever the period)."""
    tickets = Ticket.objects.active().breached(now or timezone.now())
    if language:
        tickets = tickets.filter(language=language)
    return tickets.queue_order().select_related("customer", "assignee")


def click_positions(period: Period) -> list[dict]:
    """Clicks on the forms' suggestions by position in the list shown (1 = top).

    Positions are not stored: a list of n suggestions is written as n "shown" rows in display
    order in one bulk insert (ascending ids, each with result_count = n), so a click's position is
    the index of its document among the last n "shown" rows of its session before the click.
    """
    events = period.events().filter(source__in=DEFLECTION_SOURCES).exclude(session_hash="")
    shown_by_session: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for pk, session, doc_id, count in (
        events.filter(event_type=SearchEvent.Type.SUGGESTIONS_SHOWN)
        .exclude(doc_id="")  # a typed query that found nothing: no list to click in
        .order_by("pk")
        .values_list("pk", "session_hash", "doc_id", "result_count")
    ):
        shown_by_session[session].append((pk, doc_id, count or 1))
    positions: Counter[int] = Counter()
    for pk, session, doc_id in events.filter(event_type=SearchEvent.Type.CLICK).values_list(
        "pk", "session_hash", "doc_id"
    ):
        before = [row for row in shown_by_session.get(session, []) if row[0] < pk]
        if not before:
            continue
        batch = [row[1] for row in before[-before[-1][2] :]]
        if doc_id in batch:
            positions[batch.index(doc_id) + 1] += 1
    total = sum(positions.values())
    return [
        {"position": position, "clicks": n, "share": n / total}
        for position, n in sorted(positions.items())
    ]
