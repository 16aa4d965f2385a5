"""What the home page lists: service notices, popular articles, recently solved threads.

Articles and threads come from the kb and forum apps. Each lookup degrades to an empty list
when that app's models aren't there (a trimmed install, or an app still being built), so
the home page always renders.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.models import Locale

from home.models import ServiceNotice

UPCOMING_NOTICE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Highlight:
    """One line in a home page list."""

    title: str
    url: str
    summary: str = ""
    date: datetime | None = None


def current_notices(locale: Locale, at: datetime | None = None) -> list[ServiceNotice]:
    """Site-wide notices in `locale` that are running now or start within a week."""
    at = at or timezone.now()
    notices = ServiceNotice.objects.filter(locale=locale, is_active=True, site_wide=True).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        starts_at__lte=at + UPCOMING_NOTICE_WINDOW,
    )
    # Outages first, then whatever started or starts soonest.
    kind_order = {ServiceNotice.Kind.OUTAGE: 0, ServiceNotice.Kind.MAINTENANCE: 1}
    return sorted(notices, key=lambda n: (kind_order.get(n.kind, 2), n.starts_at))


def popular_articles(locale: Locale, limit: int = 6, request: HttpRequest | None = None) -> list[Highlight]:
    """Live, public KB articles in `locale`: most viewed when views are counted, else newest.
    With the request, Wagtail looks the site's root paths up once per request, not per article."""
    try:
        from kb.models import ArticlePage
    except ImportError:
        return []
    field_names = {f.name for f in ArticlePage._meta.get_fields()}
    ordering = ["-view_count"] if "view_count" in field_names else []
    ordering += ["-first_published_at", "-pk"]
    articles = ArticlePage.objects.live().public().filter(locale=locale).order_by(*ordering)[:limit]
    return [
        Highlight(
            title=article.title,
            url=article.get_url(request),
            summary=getattr(article, "summary", "") or "",
            date=article.last_published_at,
        )
        for article in articles
    ]


def _topic_url(topic) -> str:
    try:
        return reverse(
            "forum_conversation:topic",
            kwargs={
                "forum_slug": topic.forum.slug,
                "forum_pk": topic.forum.pk,
                "slug": topic.slug,
                "pk": topic.pk,
            },
        )
    except NoReverseMatch:
        return ""


def recently_solved_threads(request: HttpRequest, language: str, limit: int = 6) -> list[Highlight]:
    """Approved topics in `language` with an accepted answer, newest solution first, from
    forums the current user may read (machina's permission handler)."""
    try:
        from machina.apps.forum.models import Forum
        from machina.core.loading import get_class

        from forum.models import TopicInfo
    except ImportError:
        return []
    permission_handler = get_class("forum_permission.handler", "PermissionHandler")()
    readable = permission_handler.get_readable_forums(Forum.objects.all(), request.user)
    infos = (
        TopicInfo.objects.filter(
            accepted_post__isnull=False,
            language=language,
            topic__approved=True,
            topic__forum__in=readable,
        )
        .select_related("topic", "topic__forum")
        .order_by("-solved_at", "-topic__last_post_on")[:limit]
    )
    threads = []
    for info in infos:
        url = _topic_url(info.topic)
        if url:
            threads.append(
                Highlight(title=info.topic.subject, url=url, date=info.solved_at or info.topic.last_post_on)
            )
    return threads
