"""Running a search for a request: parameter validation shared by the page and the API, and the
analytics event every search writes."""

from __future__ import annotations

import contextlib
import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from search.analysis import fold, lowercase, normalize, tokenize
from search.backends import get_backend
from search.backends.base import SearchQuery, SearchResults
from search.documents import ARTICLE, TOPIC
from search.models import SearchEvent
from search.permissions import request_forum_ids

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500  # longer input is cut (analysis uses at most 32 words anyway)
MAX_OFFSET = 1000
SEARCH_MAX_LIMIT = 50
SUGGEST_MAX_LIMIT = 10
KINDS = (ARTICLE, TOPIC)


class InvalidParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def clean_query(raw: str | None) -> str:
    """The query as we search and store it: NFKC, no control characters, at most MAX_QUERY_CHARS."""
    text = normalize(raw or "")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else ch for ch in text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def normalized_query(text: str, language: str | None) -> str:
    """Words lowercased and folded, for grouping equal queries in analytics."""
    return " ".join(fold(lowercase(t.text, language)) for t in tokenize(text, language))[:500]


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def parse_language(value: str | None, parameter: str = "lang") -> str | None:
    if not value:
        return None
    if value not in language_codes():
        raise InvalidParameter(
            parameter,
            _("Unknown language “%(value)s”; use one of: %(choices)s.")
            % {"value": value[:20], "choices": ", ".join(sorted(language_codes()))},
        )
    return value


def parse_kind(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    if value not in KINDS:
        raise InvalidParameter("kind", _("“kind” must be “article” or “topic”."))
    return (value,)


def parse_int(value: str | None, parameter: str, default: int, minimum: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(parameter, _("“%(name)s” must be a whole number.") % {"name": parameter}) from None
    if not minimum <= number <= maximum:
        raise InvalidParameter(
            parameter,
            _("“%(name)s” must be between %(min)s and %(max)s.") % {"name": parameter, "min": minimum, "max": maximum},
        )
    return number


def parse_source(value: str | None, default: str) -> str:
    if value and value in SearchEvent.Source.values:
        return value
    return default


@dataclass
class SearchRun:
    query: SearchQuery
    results: SearchResults
    event: SearchEvent | None = None


def run_search(request: HttpRequest, query: SearchQuery, *, source: str, suggest: bool = False,
               record: bool = True) -> SearchRun:
    backend = get_backend()
    results = backend.suggest(query) if suggest else backend.search(query)
    results = fold_promoted_topics(results)
    event = record_search(request, query, results, source) if record else None
    return SearchRun(query, results, event)


def fold_promoted_topics(results: SearchResults) -> SearchResults:
    """Group a thread promoted into an article under that article when both are results
    (a promoted thread yields to its article): the thread moves right after the
    article and carries `folded_under` (the article's id), so the API marks it; the article carries
    `folded_hits` (its threads), so the search page nests them inside the article's entry. A thread
    is never listed as a separate result above or apart from its article."""
    # Each topic's index entry names the article it was promoted into (reindexed when the promotion
    # changes), and an unpublished article leaves the index: no query needed here.
    # An article is listed in one of its languages; the thread names the version it was promoted
    # into, which may be another one.
    shown = {doc_id: hit.id for hit in results.hits if hit.kind != TOPIC for doc_id in hit.ids()}
    folded = {hit.id: shown[hit.promoted_to] for hit in results.hits
              if hit.kind == TOPIC and hit.promoted_to in shown}
    if not folded:
        return results
    children: dict[str, list] = {}
    for hit in results.hits:
        if hit.id in folded:
            hit.folded_under = folded[hit.id]
            children.setdefault(folded[hit.id], []).append(hit)
    grouped = []
    for hit in results.hits:
        if hit.id in folded:
            continue
        hit.folded_hits = children.get(hit.id, [])
        grouped.append(hit)
        grouped.extend(hit.folded_hits)
    results.hits = grouped
    return results


def hit_dict(hit) -> dict:
    """The API's result object, plus `folded_under` (additive) for a thread grouped under its article."""
    data = hit.as_dict()
    folded_under = getattr(hit, "folded_under", "")
    if folded_under:
        data["folded_under"] = folded_under
    return data


def build_query(request: HttpRequest, text: str, **kwargs) -> SearchQuery:
    language = kwargs.pop("language", None) or get_language()
    return SearchQuery(text=text, forum_ids=request_forum_ids(request), language=language, **kwargs)


def record_search(request: HttpRequest, query: SearchQuery, results: SearchResults, source: str) -> SearchEvent | None:
    """Write the analytics row for a search. Analytics must never break searching."""
    if not query.text:
        return None
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    try:
        # Inside a transaction, a savepoint keeps a failed insert from breaking the request's
        # transaction; in autocommit a failed insert harms nothing, and BEGIN/COMMIT around it
        # would cost two more round trips on every search.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            return SearchEvent.objects.create(
                event_type=SearchEvent.Type.SEARCH,
                query=query.text[:500],
                normalized_query=normalized_query(query.text, query.language),
                language=(query.language or "")[:8],
                source=source,
                result_count=results.total,
                session_hash=SearchEvent.hash_session(session.session_key if session is not None else None),
                user=user if user is not None and user.is_authenticated else None,
            )
    except Exception:
        logger.exception("search: could not record the search event")
        return None
