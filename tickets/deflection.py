"""Ask before you ticket: what the Contact support form shows while a customer describes their
problem (matching articles, solved threads and service notices), and the analytics events the
deflection dashboard counts.

Suggestions come from our search (search.services, the same engine as /api/suggest); events are
search.models.SearchEvent rows with source "ticket_form", tied together by a hash of the session
key. Recording an event never breaks the customer's request.
"""

import logging
import re
from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from search import services as search_services
from search.models import SearchEvent

logger = logging.getLogger(__name__)

SOURCE = SearchEvent.Source.TICKET_FORM
SUGGESTION_LIMIT = 5
# Subject plus the start of the description: enough words to match, few enough to stay precise.
DESCRIPTION_CHARS = 200
DOC_ID_RE = re.compile(r"^(kb|topic):\d{1,12}$")


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


def suggestions(request: HttpRequest, text: str, limit: int = SUGGESTION_LIMIT) -> list[dict]:
    """Articles and solved threads for the text, as the API returns them (records the search)."""
    if not text.strip():
        return []
    ensure_session(request)
    query = search_services.build_query(request, text, solved=True, limit=limit)
    try:
        run = search_services.run_search(request, query, source=SOURCE)
    except Exception:
        logger.exception("tickets: suggestions for the contact form failed")
        return []
    return run.results.as_dict()["results"]


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
        if notice.site_wide or any(keyword in words for keyword in notice.keyword_list())
    ]
    order = {ServiceNotice.Kind.OUTAGE: 0, ServiceNotice.Kind.MAINTENANCE: 1}
    return sorted(matched, key=lambda notice: order.get(notice.kind, 2))


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
    query: str = "",
    doc_ids: Iterable[str] = ("",),
    result_count: int | None = None,
) -> int:
    """Write one event row per document (or one without a document). Returns rows written."""
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
            source=SOURCE,
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
        logger.exception("tickets: could not record %s events", event_type)
        return 0
    return len(rows)
