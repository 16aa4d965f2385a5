"""What is indexed: one SearchDocument per live public KB article and per approved forum topic,
always built from the current database state (so applying a change twice is harmless).

Document ids: `kb:<page id>` and `topic:<topic id>`. `build_documents(ids)` returns None for an id
whose object is gone or no longer searchable (unpublished, private, unapproved): the backend then
deletes it from the index.

A topic's body is its question (first post), then the accepted answer, then up to
BEST_REPLIES other replies with the most helpful votes. Its language is `topic.info.language`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import RFC3986_SUBDELIMS
from machina.core.db.models import get_model

from kb.text import html_to_text

ARTICLE = "article"
TOPIC = "topic"
KB_PREFIX = "kb:"
TOPIC_PREFIX = "topic:"
GROUP_PREFIX = "kbt:"
BEST_REPLIES = 3
# Snippets and body terms come from the first this-many characters: enough for any real article or
# thread, and a pasted log file cannot make one document dominate the index.
MAX_BODY_CHARS = 30_000

Topic = get_model("forum_conversation", "Topic")
Post = get_model("forum_conversation", "Post")


@dataclass
class SearchDocument:
    id: str
    kind: str  # "article" | "topic"
    object_id: int
    language: str
    title: str
    body: str
    url: str
    keywords: str = ""  # KB tags
    forum_id: int | None = None
    solved: bool = False
    votes: int = 0  # topic: helpful votes on its posts; article: feedback votes
    helpful_ratio: float | None = None  # article: share of "yes" votes
    views: int = 0
    promoted_to: str = ""  # a topic promoted into an article: that article's id
    updated_at: datetime = field(default_factory=timezone.now)
    # Translations of one article share a group and are listed as one result; a topic is a group
    # of its own (its id).
    group: str = ""

    def __post_init__(self) -> None:
        if not self.group:
            self.group = self.id


def article_id(pk: int) -> str:
    return f"{KB_PREFIX}{pk}"


def topic_id(pk: int) -> str:
    return f"{TOPIC_PREFIX}{pk}"


def translation_group(translation_key) -> str:
    """The group of every translation of one KB article (Wagtail's `translation_key`)."""
    return f"{GROUP_PREFIX}{translation_key}"


def split_id(doc_id: str) -> tuple[str, int] | None:
    """("article", 12) for "kb:12"; None for anything malformed."""
    for prefix, kind in ((KB_PREFIX, ARTICLE), (TOPIC_PREFIX, TOPIC)):
        if doc_id.startswith(prefix) and doc_id[len(prefix):].isdigit():
            return kind, int(doc_id[len(prefix):])
    return None


def build_documents(doc_ids: Iterable[str]) -> dict[str, SearchDocument | None]:
    """Current state of each id: a document, or None when it must not be (or no longer be) indexed."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    result: dict[str, SearchDocument | None] = {}
    for doc_id in doc_ids:
        result[doc_id] = None
        parsed = split_id(doc_id)
        if parsed:
            by_kind[parsed[0]].append(parsed[1])
    for doc in article_documents(by_kind[ARTICLE]):
        result[doc.id] = doc
    for doc in topic_documents(by_kind[TOPIC]):
        result[doc.id] = doc
    return result


# --- KB articles --------------------------------------------------------------------------------

def searchable_articles():
    """Live, public articles (no view restriction on them or their ancestors)."""
    from kb.models import ArticlePage

    return ArticlePage.objects.live().public().select_related("locale")


def article_documents(pks: Iterable[int]) -> Iterator[SearchDocument]:
    pks = list(pks)
    if not pks:
        return
    pages = searchable_articles().filter(pk__in=pks).prefetch_related("tags")
    for page in pages:
        yield article_document(page)


def article_document(page) -> SearchDocument:
    body = "\n".join(part for part in (page.summary, page.get_body_text()) if part)
    yes, no = page.helpful_yes, page.helpful_no
    return SearchDocument(
        id=article_id(page.pk),
        kind=ARTICLE,
        object_id=page.pk,
        language=page.locale.language_code,
        title=page.title,
        body=body[:MAX_BODY_CHARS],
        url=page.get_url(None) or page.url_path,
        keywords=" ".join(page.tag_names()),
        votes=yes + no,
        helpful_ratio=page.helpful_ratio,
        views=page.view_count,
        updated_at=page.last_published_at or page.latest_revision_created_at or timezone.now(),
        group=translation_group(page.translation_key),
    )


def iter_article_pks(after: int = 0) -> Iterator[int]:
    yield from searchable_articles().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)


# --- forum topics -------------------------------------------------------------------------------

def searchable_topics():
    return Topic.objects.filter(approved=True).select_related("forum", "info")


def topic_documents(pks: Iterable[int]) -> Iterator[SearchDocument]:
    pks = list(pks)
    if not pks:
        return
    topics = list(searchable_topics().filter(pk__in=pks))
    if not topics:
        return
    posts_by_topic: dict[int, list] = defaultdict(list)
    posts = (
        Post.objects.filter(topic_id__in=[t.pk for t in topics], approved=True)
        .annotate(vote_count=Count("helpful_votes"))
        .only("id", "topic_id", "created", "_content_rendered")
        .order_by("created", "id")
    )
    for post in posts:
        posts_by_topic[post.topic_id].append(post)
    promoted = promoted_topics([t.pk for t in topics])
    for topic in topics:
        doc = topic_document(topic, posts_by_topic[topic.pk], promoted.get(topic.pk, ""))
        if doc is not None:
            yield doc


def topic_document(topic, posts: list, promoted_to: str = "") -> SearchDocument | None:
    if not posts:  # a topic whose only post awaits moderation has nothing to show yet
        return None
    info = getattr(topic, "info", None) if _has_info(topic) else None
    accepted_id = info.accepted_post_id if info else None
    question = posts[0]
    accepted = next((p for p in posts if p.pk == accepted_id and p is not question), None)
    others = sorted(
        (p for p in posts[1:] if p is not accepted),
        key=lambda p: (-p.vote_count, p.created),
    )[:BEST_REPLIES]
    parts = [_post_text(question)]
    if accepted is not None:
        parts.append(_post_text(accepted))
    parts.extend(_post_text(p) for p in others)
    return SearchDocument(
        id=topic_id(topic.pk),
        kind=TOPIC,
        object_id=topic.pk,
        language=(info.language if info else settings.LANGUAGE_CODE),
        title=topic.subject,
        body="\n\n".join(p for p in parts if p)[:MAX_BODY_CHARS],
        url=topic_url(topic),
        forum_id=topic.forum_id,
        solved=accepted is not None,
        votes=sum(p.vote_count for p in posts),
        views=topic.views_count,
        promoted_to=promoted_to,
        updated_at=topic.last_post_on or topic.updated or topic.created,
    )


def _has_info(topic) -> bool:
    try:
        topic.info  # noqa: B018 - a missing one-to-one raises
    except ObjectDoesNotExist:
        return False
    return True


def _post_text(post) -> str:
    return html_to_text(post._content_rendered or "")


def topic_url(topic) -> str:
    """The topic's path under the site's default language; `localize_url` swaps the prefix for the
    reader's language (a topic reads the same under every UI language)."""
    return _topic_url_template().format(
        forum_slug=quote(topic.forum.slug, safe=RFC3986_SUBDELIMS + "/~:@"),
        forum_pk=topic.forum_id,
        slug=quote(topic.slug, safe=RFC3986_SUBDELIMS + "/~:@"),
        pk=topic.pk,
    )


@lru_cache(maxsize=1)
def _topic_url_template() -> str:
    """machina's topic URL reversed once with markers, as a format string: reversing per topic
    costs more than building the rest of the document."""
    with translation.override(settings.LANGUAGE_CODE):
        url = reverse(
            "forum_conversation:topic",
            kwargs={"forum_slug": "fslugmarker", "forum_pk": 987654321, "slug": "tslugmarker", "pk": 123456789},
        )
    url = url.replace("{", "{{").replace("}", "}}")
    for marker, name in (("fslugmarker", "forum_slug"), ("987654321", "forum_pk"),
                         ("tslugmarker", "slug"), ("123456789", "pk")):
        url = url.replace(marker, "{" + name + "}")
    return url


def localize_url(url: str, kind: str, language: str | None) -> str:
    prefix = f"/{settings.LANGUAGE_CODE}/"
    if kind == TOPIC and language and url.startswith(prefix):
        return f"/{language}/{url[len(prefix):]}"
    return url


def promoted_topics(topic_pks: list[int]) -> dict[int, str]:
    """{topic id: "kb:<article id>"} for topics promoted into a live article.

    The KB marks a promoted article with a `source_topic` foreign key; until that field exists no
    topic is promoted. (Live is enough here: this only groups and demotes threads.)
    """
    if not topic_pks or not _articles_have_source_topic():
        return {}
    from kb.models import ArticlePage

    rows = ArticlePage.objects.filter(live=True, source_topic_id__in=topic_pks).values_list("source_topic_id", "pk")
    return {topic_pk: article_id(page_pk) for topic_pk, page_pk in rows}


@lru_cache(maxsize=1)
def _articles_have_source_topic() -> bool:
    from kb.models import ArticlePage

    return "source_topic" in {f.name for f in ArticlePage._meta.get_fields()}


def iter_topic_pks(after: int = 0) -> Iterator[int]:
    yield from searchable_topics().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)


def count_sources() -> dict[str, int]:
    """How many documents a full rebuild should produce (for the progress bar)."""
    return {ARTICLE: searchable_articles().count(), TOPIC: searchable_topics().count()}
