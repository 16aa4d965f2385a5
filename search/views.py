"""The search page (/<lang>/search/) and the JSON API (/api/search, /api/suggest).

API (stable; see the README):
  GET /api/search?q=&lang=&kind=&limit=&offset=   limit 1-50 (default 10), offset 0-1000
  GET /api/suggest?q=&lang=&limit=                 limit 1-10 (default 5); the last word is a prefix
  -> {"query", "total", "results": [{"id", "kind", "title", "url", "language", "snippet", "solved",
      "score"}]}
`lang` is the reader's language (a ranking boost, default: the request's language), not a filter;
`kind` ("article" or "topic") is a filter. Errors: {"error": <code>, "message", "parameter"} with
400 (bad parameter), 405 (not GET) or 429 (rate limited). Any `q` is valid.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helpcenter.ratelimit import Limit, is_limited
from search import conf, services
from search.embeddings import is_whole_question
from search.models import SearchEvent
from search.services import InvalidParameter

PAGE_SIZE = 10


def _error(status: int, code: str, message: str, parameter: str | None = None) -> JsonResponse:
    payload = {"error": code, "message": message}
    if parameter:
        payload["parameter"] = parameter
    return JsonResponse(payload, status=status)


def _rate_limited(request: HttpRequest, scope: str) -> bool:
    count, seconds = conf.rate_limit(scope)
    return is_limited(request, f"search-{scope}", Limit(count=count, seconds=seconds))


def _api(request: HttpRequest, suggest: bool) -> JsonResponse:
    if request.method != "GET":
        response = _error(405, "method_not_allowed", _("Use GET."))
        response["Allow"] = "GET"
        return response
    scope = "suggest" if suggest else "search"
    if _rate_limited(request, scope):
        return _error(429, "rate_limited", _("Too many searches; wait a minute and try again."))
    params = request.GET
    try:
        text = services.clean_query(params.get("q"))
        language = services.parse_language(params.get("lang")) or get_language()
        if suggest:
            kinds = services.parse_kind(params.get("kind"))
            limit = services.parse_int(params.get("limit"), "limit", 5, 1, services.SUGGEST_MAX_LIMIT)
            offset = 0
        else:
            kinds = services.parse_kind(params.get("kind"))
            limit = services.parse_int(params.get("limit"), "limit", 10, 1, services.SEARCH_MAX_LIMIT)
            offset = services.parse_int(params.get("offset"), "offset", 0, 0, services.MAX_OFFSET)
    except InvalidParameter as exc:
        return _error(400, "invalid_parameter", exc.message, exc.parameter)
    # Suggest: a whole question is also looked up by meaning. The deflecting forms say so with
    # `complete=1` once the customer has left the subject; the search box's text says so itself
    # (three words or more, the last one followed by a space or punctuation).
    complete = suggest and (params.get("complete") == "1" or is_whole_question(params.get("q") or ""))
    query = services.build_query(request, text, language=language, kinds=kinds, limit=limit, offset=offset,
                                 complete=complete)
    source = services.parse_source(params.get("source"), SearchEvent.Source.API)
    # Suggestions fire on every keystroke: they are not searches to count (the deflecting forms
    # record "suggestions shown" as their own events).
    run = services.run_search(request, query, source=source, suggest=suggest, record=not suggest)
    payload = run.results.as_dict()
    payload["results"] = [services.hit_dict(hit) for hit in run.results.hits]
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, max-age=0"
    return response


def api_search(request: HttpRequest) -> JsonResponse:
    return _api(request, suggest=False)


def api_suggest(request: HttpRequest) -> JsonResponse:
    return _api(request, suggest=True)


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    text = services.clean_query(params.get("q"))
    errors: list[str] = []

    def parsed(parser, *args, default=None):
        try:
            return parser(*args)
        except InvalidParameter as exc:
            errors.append(exc.message)
            return default

    kinds = parsed(services.parse_kind, params.get("kind"), default=())
    language_filter = parsed(services.parse_language, params.get("language"), "language")
    solved = params.get("solved") in ("1", "on", "true")
    page = parsed(services.parse_int, params.get("page"), "page", 1, 1, services.MAX_OFFSET // PAGE_SIZE, default=1)

    context = {
        "q": text,
        "kind": kinds[0] if kinds else "",
        "language_filter": language_filter or "",
        "solved": solved,
        "errors": errors,
        "languages": [(code, settings.LANGUAGE_NAMES_LOCAL.get(code, name)) for code, name in settings.LANGUAGES],
        "results": None,
    }
    if text and _rate_limited(request, "search"):
        # The page and /api/search share one limit: the page is the same search, and each run
        # writes a search event.
        context["errors"] = [*errors, _("Too many searches; wait a minute and try again.")]
        return render(request, "search/search.html", context, status=429)
    if text:
        if request.session.session_key is None:
            # Analytics tie a visit's searches together by (a hash of) the session key.
            request.session["search_visitor"] = True
            request.session.save()
        query = services.build_query(
            request,
            text,
            kinds=kinds,
            languages=(language_filter,) if language_filter else (),
            solved=solved or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            facets=True,
        )
        source = services.parse_source(params.get("source"), SearchEvent.Source.SEARCH_PAGE)
        run = services.run_search(request, query, source=source)
        results = run.results
        last_page = max(1, min((results.total + PAGE_SIZE - 1) // PAGE_SIZE, services.MAX_OFFSET // PAGE_SIZE))
        context.update(
            results=results,
            page=page,
            last_page=last_page,
            page_links=_page_links(params, page, last_page),
            first_index=(page - 1) * PAGE_SIZE + 1,
            last_index=(page - 1) * PAGE_SIZE + len(results.hits),
            did_you_mean_query=urlencode({"q": results.did_you_mean}) if results.did_you_mean else "",
            ask_url_query=urlencode({"subject": text}),
            contact_query=urlencode({"subject": text}),
            kind_counts=results.facets.get("kind", {}),
            language_counts=results.facets.get("language", {}),
        )
    return render(request, "search/search.html", context)


def _page_links(params, page: int, last_page: int) -> dict:
    """Query strings for previous/next and a window of page numbers, keeping the other filters."""

    def link(number: int) -> str:
        query = params.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    window = range(max(1, page - 3), min(last_page, page + 3) + 1)
    return {
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < last_page else None,
        "pages": [(number, link(number)) for number in window],
    }
