"""Anonymous pages from the shared cache: the support surge reads the same few pages.

During an incident hundreds of customers without an account open the home page, the maintenance
notice, a few articles and the incident thread. Rendering each of those per request is what limits
the site, so a cookieless anonymous GET of a public page (home, knowledge base, forum) is answered
from the shared cache (Redis or the database cache: every app process shares it) when it is there,
and stored after rendering when it is not.

What is cached: 200 responses to GET/HEAD by visitors with no session or messages cookie, on paths
under a language prefix, except the search page, accounts, support and staff tools (see
`UNCACHED`), with no query string other than `page` and `post`. A response that sets a cookie (a
CSRF token was rendered, a message was consumed) is never stored. Logged-in users always get a
fresh page with `Cache-Control: private`.

Freshness: each page depends on tags whose generation numbers (a database table, read with one
query per request) are part of its key. A change bumps the generation (`invalidate`), so every
page that shows it is re-rendered on its next request:
- "site": knowledge base and home pages published, unpublished, moved or deleted; notices changed;
- "forum": any topic or post (forum lists and the home page's solved threads);
- "topic:<id>": that topic's own page (a reply re-renders its page, not every other topic's).
Entries also expire after `PAGE_CACHE_SECONDS` (default 60): a notice that starts at a set time,
view counts and vote tallies show up within that time.

Headers: cacheable anonymous pages send `Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE`
(default 60) and `Vary: Cookie`, so a proxy or CDN in front may keep them too (and never serves
them to a visitor who has a cookie); it does not receive our invalidations, so keep its time short.

Limits: a visitor who has cookies (a CSRF cookie after voting, a language cookie is fine) renders
pages fresh; the cache holds one entry per page, language and page number.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection as db_connection
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Paths (after the language prefix) that are never cached: per-request results, forms, staff tools.
UNCACHED = ("search/", "accounts/", "support/", "community/staff/", "community/moderation/",
            "community/member/", "community/tracking/", "community/promote/")
ALLOWED_QUERY = {"page", "post"}
# Cookies that don't change what an anonymous page shows.
NEUTRAL_COOKIES = {"django_language"}
GENERATIONS_TABLE = "helpcenter_page_generation"  # helpcenter.models.PageGeneration
PENDING_ATTRIBUTE = "_page_cache_pending_tags"  # on the database connection: tags to bump at commit
# machina's topic URL: community/forum/<slug>-<id>/topic/<slug>-<id>/
TOPIC_PATH = re.compile(r"community/forum/[^/]*-\d+/topic/[^/]*-(\d+)/$")


def timeout() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 60))


def max_age() -> int:
    return int(getattr(settings, "PAGE_CACHE_MAX_AGE", 60))


def invalidate(*tags: str) -> None:
    """Every cached page that depends on one of these tags is re-rendered on its next request.

    Outside a transaction the tags are bumped at once. Inside one, they are collected and bumped
    together when it commits: a page another request renders meanwhile from the old data is stored
    under a generation the commit replaces; and a cache write inside the transaction would cost
    every reply several writes and, with the database cache, lock the generation row until commit
    (every other reply on the site would wait for it)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump(set(tags))
        return
    pending = connection.__dict__.setdefault(PENDING_ATTRIBUTE, set())
    pending.update(tags)
    # Registered on every call (a savepoint rolled back drops its callbacks); the first one to run
    # bumps everything collected, the others find nothing left. Tags of a transaction rolled back
    # are bumped with the next commit: one needless re-render, never a stale page.
    transaction.on_commit(lambda: _flush(connection))


def _flush(connection) -> None:
    pending = connection.__dict__.get(PENDING_ATTRIBUTE)
    if pending:
        tags = set(pending)
        pending.clear()
        _bump(tags)


def _bump(tags: set[str]) -> None:
    # A fresh random value, not a counter: it only has to differ from every earlier one. All tags in
    # one statement, in a fixed order (two commits bumping the same tags never deadlock); the
    # database cache would take five statements per tag.
    ordered = sorted(tags)
    if not ordered:
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {GENERATIONS_TABLE} (tag, generation) VALUES {', '.join(['(%s, %s)'] * len(ordered))} "
            "ON CONFLICT (tag) DO UPDATE SET generation = excluded.generation",
            [value for tag in ordered for value in (tag, uuid.uuid4().hex)],
        )


def on_hit(request: HttpRequest, action: str, *args: object) -> None:
    """What the view does on every visit that a cached answer must still do (count a view):
    `action` is the dotted path of a function, called with `args` on each cache hit. Stored with
    the page, so keep the arguments small and picklable."""
    request.page_cache_on_hit = [*getattr(request, "page_cache_on_hit", []), (action, args)]


def _run_hit_actions(actions: list[tuple[str, tuple]]) -> None:
    for action, args in actions:
        try:
            import_string(action)(*args)
        except Exception:  # a counter must never cost the visitor the page
            logger.exception("page cache: %s%r failed on a cache hit", action, args)


def page_tags(path: str) -> tuple[str, ...]:
    """The tags a page depends on, from its path (known before the view runs, so a hit needs no
    view code at all)."""
    rest = _after_language(path) or ""
    topic = TOPIC_PATH.match(rest)
    if topic:
        return ("site", f"topic:{topic.group(1)}")
    if rest == "" or rest.startswith("community/"):
        return ("site", "forum")  # the home page shows recently solved threads
    return ("site",)


def _after_language(path: str) -> str | None:
    """The path after /<language>/, or None when it has no language prefix."""
    languages = {code for code, _name in settings.LANGUAGES}
    parts = path.lstrip("/").split("/", 1)
    if parts[0] not in languages:
        return None
    return parts[1] if len(parts) > 1 else ""


def is_cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if set(request.COOKIES) - NEUTRAL_COOKIES:
        return False
    if set(request.GET) - ALLOWED_QUERY:
        return False
    rest = _after_language(request.path)
    return rest is not None and not rest.startswith(UNCACHED)


def _key(request: HttpRequest, tags: tuple[str, ...]) -> str:
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, generation FROM {GENERATIONS_TABLE} WHERE tag IN ({', '.join(['%s'] * len(tags))})",
            list(tags),
        )
        generations = dict(cursor.fetchall())
    stamp = ":".join(f"{tag}={generations.get(tag, 0)}" for tag in tags)
    digest = hashlib.sha256(f"{request.get_full_path()}|{stamp}".encode()).hexdigest()
    return f"pagecache:page:{digest}"


class AnonymousPageCacheMiddleware:
    """Place after SecurityMiddleware, the CSP middleware and WhiteNoise (their headers go on cached
    answers too) and before SessionMiddleware (a cached answer needs no session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_cacheable_request(request):
            response = self.get_response(request)
            self._mark_private(request, response)
            return response
        key = _key(request, page_tags(request.path))
        cached = cache.get(key)
        if cached is not None:
            response, actions = cached
            _run_hit_actions(actions)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._storable(request, response):
            patch_cache_control(response, public=True, max_age=max_age())
            patch_vary_headers(response, ["Cookie"])
            response["X-Page-Cache"] = "miss"
            # Stored under the key computed before rendering: if a change bumped a generation
            # meanwhile, this page (perhaps rendered from the old data) is never served.
            cache.set(key, (response, getattr(request, "page_cache_on_hit", [])), timeout=timeout())
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and (user is None or not user.is_authenticated)
            and "private" not in response.get("Cache-Control", "")
            and "no-store" not in response.get("Cache-Control", "")
        )

    @staticmethod
    def _mark_private(request: HttpRequest, response: HttpResponse) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
