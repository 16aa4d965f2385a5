"""Ask before you ticket (or post): what the Contact support form and the forum's Ask the
community form show while a customer describes their problem (matching articles, solved threads
and service notices), and the analytics events the deflection dashboard counts.

One implementation for both forms: every function that writes events takes the form's `source`
(SearchEvent.Source.TICKET_FORM or ASK_FORM). Suggestions come from our search
(search.services, the same engine as /api/suggest); events are search.models.SearchEvent rows tied
together by a hash of the session key. Recording an event never breaks the customer's request.
"""

import logging
import re
import unicodedata
from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from helpcenter import ratelimit
from search import services as search_services
from search.analysis import written_without_spaces
from search.models import SearchEvent

logger = logging.getLogger(__name__)

SOURCES = (SearchEvent.Source.TICKET_FORM, SearchEvent.Source.ASK_FORM)
SUGGESTION_LIMIT = 5
# Subject plus the start of the description: enough words to match, few enough to stay precise.
DESCRIPTION_CHARS = 200
DOC_ID_RE = re.compile(r"^(kb|topic):\d{1,12}$")
# Per user (or address), per form: events from the live panel and "this solved my problem".
EVENT_LIMIT = ratelimit.Limit(count=300, seconds=3600)
LIVE_EVENT_TYPES = {"shown": SearchEvent.Type.SUGGESTIONS_SHOWN, "click": SearchEvent.Type.CLICK}


def deflection_query(subject: str, description: str = "") -> str:
    """The text we search for: the subject and the first words of the description."""
    text = f"{subject or ''} {(description or '')[:DESCRIPTION_CHARS]}"
    return " ".join(text.split())[:500]


def ensure_session(request: HttpRequest) -> str:
    """Events of one visit share a session; create one if this visitor has none yet."""
    session = request.session
    if session.session_key is None:
        session["deflection"] = True
        session.save()
    return session.session_key or ""


def _check_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"not a deflection form: {source!r}")
    return source


def suggestions(request: HttpRequest, text: str, *, source: str, limit: int = SUGGESTION_LIMIT) -> list[dict]:
    """Articles and solved threads for the text, as the API returns them (records the search)."""
    _check_source(source)
    if not text.strip():
        return []
    ensure_session(request)
    query = search_services.build_query(request, text, solved=True, limit=limit)
    try:
        run = search_services.run_search(request, query, source=source)
    except Exception:
        logger.exception("deflection: suggestions for the %s failed", source)
        return []
    return run.results.as_dict()["results"]


def step_suggestions(request: HttpRequest, text: str, *, source: str) -> tuple[list[dict], list] | None:
    """What the no-JavaScript "Did one of these answer your question?" step shows: suggestions
    and matching notices (the suggestions recorded as shown); None when nothing matches."""
    hits = suggestions(request, text, source=source)
    notices = matching_notices(text)
    if not hits and not notices:
        return None
    if hits:
        record(
            request,
            SearchEvent.Type.SUGGESTIONS_SHOWN,
            source=source,
            query=text,
            doc_ids=[hit["id"] for hit in hits],
            result_count=len(hits),
        )
    return hits, notices


def matching_notices(text: str, language: str | None = None, at=None) -> list:
    """Active service notices in the reader's language: site-wide ones, and those whose keywords
    appear in the text. Outages first."""
    from home.models import ServiceNotice

    language = (language or get_language() or "en").split("-")[0]
    words = text.casefold()
    notices = ServiceNotice.objects.active(at or timezone.now()).filter(locale__language_code=language)
    matched = [
        notice
        for notice in notices
        if notice.site_wide or any(keyword_in(keyword, words) for keyword in notice.keyword_list())
    ]
    order = {ServiceNotice.Kind.OUTAGE: 0, ServiceNotice.Kind.MAINTENANCE: 1}
    return sorted(matched, key=lambda notice: order.get(notice.kind, 2))


def keyword_in(keyword: str, text: str) -> bool:
    """Does the (casefolded) question hold this notice keyword where a word starts? "mail" matches
    "mail" and "mailbox" and Turkish "posta" matches "postam", as search matches words and their
    inflections, but "mail" inside "gmail" or "dns" inside "bdns" does not: a mail notice has no
    business beside a WordPress redirect question. Scripts written without spaces (Lao) have no
    word starts to find: their keywords match anywhere. deflect.js matches the same way."""
    if written_without_spaces(keyword):
        return keyword in text
    start = text.find(keyword)
    while start != -1:
        if start == 0 or unicodedata.category(text[start - 1])[0] not in "LMN":
            return True
        start = text.find(keyword, start + 1)
    return False


def notices_for_page(language: str | None = None, at=None) -> list:
    """Every active notice in the language, for the page's script to match as the customer types."""
    from home.models import ServiceNotice

    language = (language or get_language() or "en").split("-")[0]
    notices = ServiceNotice.objects.active(at or timezone.now()).filter(locale__language_code=language)
    return list(notices)


def clean_doc_ids(values: Iterable[str]) -> list[str]:
    """Only well-formed document ids ("kb:12", "topic:34"), at most the suggestion limit."""
    ids = [value.strip() for value in values if DOC_ID_RE.match((value or "").strip())]
    return ids[: SUGGESTION_LIMIT * 2]


def record(
    request: HttpRequest,
    event_type: str,
    *,
    source: str,
    query: str = "",
    doc_ids: Iterable[str] = ("",),
    result_count: int | None = None,
) -> int:
    """Write one event row per document (or one without a document). Returns rows written."""
    _check_source(source)
    session_key = ensure_session(request)
    user = request.user if request.user.is_authenticated else None
    language = (get_language() or "").split("-")[0]
    normalized = search_services.normalized_query(query, language) if query else ""
    rows = [
        SearchEvent(
            event_type=event_type,
            query=query[:500],
            normalized_query=normalized[:500],
            language=language[:8],
            source=source,
            result_count=result_count,
            doc_id=doc_id[:40],
            session_hash=SearchEvent.hash_session(session_key),
            user=user,
        )
        for doc_id in (list(doc_ids) or [""])
    ]
    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the request usable
            SearchEvent.objects.bulk_create(rows)
    except Exception:
        logger.exception("deflection: could not record %s events", event_type)
        return 0
    return len(rows)


def _events_limited(request: HttpRequest, source: str) -> bool:
    return ratelimit.is_limited(request, f"deflection:{source}", EVENT_LIMIT)


def record_solved(request: HttpRequest, *, source: str, query: str) -> None:
    """"This solved my problem" (the live panel or the step): one SOLVED event naming the
    document, if the form sent a valid one. The caller creates nothing and drops the draft."""
    if _events_limited(request, source):
        return
    doc_ids = clean_doc_ids([request.POST.get("solved_doc", "")])
    record(request, SearchEvent.Type.SOLVED, source=source, query=query, doc_ids=doc_ids or [""])


def _repeats_last_empty_list(request: HttpRequest, source: str, query: str) -> bool:
    """True when this session's last list on this form was the same query with no result: a
    resent beacon or a page reload must not count a typed query twice."""
    session_key = request.session.session_key
    if not session_key:
        return False
    last = (
        SearchEvent.objects.filter(
            session_hash=SearchEvent.hash_session(session_key),
            source=source,
            event_type=SearchEvent.Type.SUGGESTIONS_SHOWN,
        )
        .order_by("-created_at", "-pk")
        .values_list("result_count", "normalized_query")
        .first()
    )
    language = (get_language() or "").split("-")[0]
    return last is not None and last[0] == 0 and last[1] == search_services.normalized_query(query, language)


def live_event(request: HttpRequest, *, source: str) -> JsonResponse:
    """Events from the live suggestion panel (deflect.js), POSTed by the form's event URL.

    `shown` with documents is a list of suggestions in display order; `shown` without documents
    is a settled query that found nothing (recorded once, with result_count 0, so typed queries
    reach the zero-result and content-gap figures); `click` names the suggestion opened.
    """
    event_type = LIVE_EVENT_TYPES.get(request.POST.get("type", ""))
    doc_ids = clean_doc_ids(request.POST.getlist("doc"))
    query = search_services.clean_query(request.POST.get("query", ""))
    empty_list = event_type == SearchEvent.Type.SUGGESTIONS_SHOWN and not doc_ids and not request.POST.getlist("doc")
    if event_type is None or not (doc_ids or (empty_list and query)):
        return JsonResponse({"error": "invalid", "message": _("Unknown event or document.")}, status=400)
    if _events_limited(request, source):
        return JsonResponse({"error": "rate_limited", "message": _("Too many events.")}, status=429)
    if empty_list and _repeats_last_empty_list(request, source, query):
        return JsonResponse({"recorded": 0}, status=200)
    count = record(
        request,
        event_type,
        source=source,
        query=query,
        doc_ids=doc_ids or [""],
        result_count=len(doc_ids) if event_type == SearchEvent.Type.SUGGESTIONS_SHOWN else None,
    )
    return JsonResponse({"recorded": count}, status=201)
