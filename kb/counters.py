"""Article view counts without a database write to the article row on every page view.

A view increments a per-article counter in the shared Django cache (the database cache by
default, Redis when REDIS_URL is set: either way every app process sees the same counter).
When an article's pending count reaches KB_VIEW_FLUSH_EVERY (default 25) the request that hit
the threshold adds the pending views to `ArticlePage.view_count` with one UPDATE; `manage.py
kb_flush_views` (run it from cron, e.g. every 10 minutes) flushes whatever is left below the
threshold. `view_count` therefore lags the true count by less than one batch per article.

Limits, accepted for a popularity signal: the database cache's incr() is a read-then-write, so
two simultaneous views of the same article may count once; a cache cull or flush can drop at most
one unflushed batch per article. With Redis, incr() is atomic.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

DEFAULT_FLUSH_EVERY = 25
_PENDING = "kb:views:{}"
_LOCK = "kb:views-flush:{}"


def flush_every() -> int:
    return max(1, int(getattr(settings, "KB_VIEW_FLUSH_EVERY", DEFAULT_FLUSH_EVERY)))


def pending_views(article_id: int) -> int:
    return int(cache.get(_PENDING.format(article_id)) or 0)


def record_view(article_id: int) -> None:
    """Count one view of an article (called on the page's hot path)."""
    key = _PENDING.format(article_id)
    if cache.add(key, 1, timeout=None):
        pending = 1
    else:
        try:
            pending = cache.incr(key)
        except ValueError:  # the key vanished (culled or flushed) between add() and incr()
            cache.add(key, 1, timeout=None)
            pending = 1
    if pending >= flush_every():
        flush_article(article_id)


def flush_article(article_id: int) -> int:
    """Move an article's pending views into view_count. Returns how many were moved."""
    from kb.models import ArticlePage

    lock = _LOCK.format(article_id)
    if not cache.add(lock, 1, timeout=60):  # another process is flushing this article
        return 0
    try:
        key = _PENDING.format(article_id)
        pending = int(cache.get(key) or 0)
        if pending <= 0:
            return 0
        # decr, not delete: views counted since the get() stay pending.
        try:
            cache.decr(key, pending)
        except ValueError:
            pass
        ArticlePage.objects.filter(pk=article_id).update(view_count=F("view_count") + pending)
        return pending
    finally:
        cache.delete(lock)


def flush_all(batch_size: int = 500) -> tuple[int, int]:
    """Flush every article's pending views. Returns (articles updated, views moved)."""
    from kb.models import ArticlePage

    ids = list(ArticlePage.objects.order_by("pk").values_list("pk", flat=True))
    articles = views = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        found = cache.get_many([_PENDING.format(pk) for pk in chunk])
        for pk in chunk:
            if int(found.get(_PENDING.format(pk)) or 0) > 0:
                moved = flush_article(pk)
                if moved:
                    articles += 1
                    views += moved
    return articles, views
