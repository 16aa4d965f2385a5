"""Creating and updating articles from code (import, demo content, promoting a forum answer).

Everything goes through Wagtail's revisions: a new article is a page with a first revision; an
update is a new revision; publishing publishes that revision, so Wagtail's page signals (which
search listens to) fire exactly as when staff publish in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Page

from kb.models import ArticlePage, ArticleRelatedLink

CREATED, UPDATED, UNCHANGED, PUBLISHED = "created", "updated", "unchanged", "published"


@dataclass
class ArticleContent:
    title: str
    summary: str
    body: list[dict]  # raw StreamField data: [{"type": ..., "value": ...}]
    tags: tuple[str, ...] | None = None  # None: leave tags alone
    applies_to: list[str] | None = None
    search_description: str | None = None
    related: list[ArticlePage] | None = None  # None: leave related articles alone


def normalised_body(raw: list[dict]) -> list[tuple[str, object]]:
    """Body data as stored (block types and prepared values, without block ids), for comparing."""
    stream_block = ArticlePage._meta.get_field("body").stream_block
    prepared = stream_block.get_prep_value(stream_block.to_python(list(raw)))
    return [(item["type"], item["value"]) for item in prepared]


def unique_slug(parent: Page, base: str, page: Page | None = None) -> str:
    base = (slugify(base) or "article")[:200]
    slug, n = base, 2
    while not Page._slug_is_available(slug, parent, page):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _differs(article: ArticlePage, content: ArticleContent) -> bool:
    if article.title != content.title or article.summary != content.summary:
        return True
    if content.applies_to is not None and list(article.applies_to or []) != list(content.applies_to):
        return True
    if content.search_description is not None and article.search_description != content.search_description:
        return True
    if content.tags is not None and sorted(article.tag_names()) != sorted(content.tags):
        return True
    if content.related is not None:
        current = [link.target_id for link in article.related_links.all()]
        if current != [target.pk for target in content.related]:
            return True
    return normalised_body(article.body.raw_data) != normalised_body(content.body)


def _apply(article: ArticlePage, content: ArticleContent) -> None:
    article.title = content.title
    article.summary = content.summary
    article.body = content.body
    if content.applies_to is not None:
        article.applies_to = list(content.applies_to)
    if content.search_description is not None:
        article.search_description = content.search_description
    if content.tags is not None:
        article.tags.set(list(content.tags))
    if content.related is not None:
        article.related_links = [
            ArticleRelatedLink(target=target, sort_order=n) for n, target in enumerate(content.related)
        ]


@transaction.atomic
def create_article(
    parent: Page, content: ArticleContent, *, slug: str, publish: bool, user=None, import_source: str = ""
) -> ArticlePage:
    article = ArticlePage(
        title=content.title,
        slug=unique_slug(parent, slug),
        summary=content.summary,
        body=content.body,
        locale=parent.locale,
        live=False,
        owner=user,
        import_source=import_source,
    )
    if content.applies_to is not None:
        article.applies_to = list(content.applies_to)
    if content.search_description is not None:
        article.search_description = content.search_description
    parent.add_child(instance=article)
    if content.tags:
        article.tags.set(list(content.tags))
    if content.related:
        article.related_links = [
            ArticleRelatedLink(target=target, sort_order=n) for n, target in enumerate(content.related)
        ]
    revision = article.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
        article.refresh_from_db()
    return article


@transaction.atomic
def update_article(article: ArticlePage, content: ArticleContent, *, publish: bool, user=None) -> str:
    """Save `content` as a new revision of `article` if it differs from the latest revision.
    Returns UPDATED, UNCHANGED, or PUBLISHED (unchanged content, but a draft was published)."""
    article = ArticlePage.objects.get(pk=article.pk)  # callers may hold a stale copy
    draft = article.get_latest_revision_as_object()
    if not _differs(draft, content):
        if publish and (not article.live or article.has_unpublished_changes) and article.latest_revision:
            article.latest_revision.publish(user=user)
            return PUBLISHED
        return UNCHANGED
    _apply(draft, content)
    revision = draft.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return UPDATED
