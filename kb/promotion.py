"""Promote a forum answer into a knowledge base article.

The question and the answer are rendered with the one Markdown renderer (helpcenter.markup, which
sanitises with bleach) and turned into StreamField blocks by the KB importer's HTML walker, so
headings, lists, links and code blocks survive and nothing unsafe crosses over. The article is
created through kb.services (Wagtail revisions); publishing either publishes the revision (staff
who may publish) or submits it to the KB's moderation workflow. Provenance lives in
PromotedAnswer, and an entry in Wagtail's log records who promoted what and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.db import transaction
from django.http.request import validate_host
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from machina.core.db.models import get_model
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Page, Site

from helpcenter.markup import render_markdown
from kb.importing import SUMMARY_MAX, TITLE_MAX, _BlockBuilder
from kb.models import ArticlePage, KBCategoryPage, KBIndexPage, PromotedAnswer
from kb.services import ArticleContent, create_article
from kb.text import html_to_text, truncate_words

Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")

LOG_ACTION = "kb.promote_answer"
LOG_LABEL = _("Promote forum answer")
LOG_MESSAGE = _("Promoted from a forum answer")

DRAFT, PUBLISH = "draft", "publish"
# Outcomes of promote(): what happened to the new article.
SAVED_DRAFT, PUBLISHED, SUBMITTED = "draft", "published", "submitted"

_SENTENCE_END = re.compile(r"(?<=[.!?。।])\s")


def html_to_blocks(html: str, image_urls: frozenset[tuple[str, str]] = frozenset()) -> list[dict]:
    """Sanitised HTML to raw StreamField data, with the importer's walker (headings, code, tables,
    rich-text paragraphs cleaned again by clean_html). A line that is only a link that was one of
    the Markdown images `image_urls` (see markdown_image_urls), showing one of our own Wagtail
    images, becomes an image block."""
    builder = _PromotionBlocks(image_urls)
    builder.walk(BeautifulSoup(html, "html.parser"))
    return builder.finish()


def markdown_to_blocks(text: str) -> list[dict]:
    text = text or ""
    return html_to_blocks(str(render_markdown(text)), image_urls=markdown_image_urls(text))


# `![alt](url` in the Markdown: the renderer turns an image into a link showing its alt text (or its
# URL) (helpcenter.markup), so the (URL, text) pairs tell such a link apart from one written as a link.
_MARKDOWN_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^\s)>]+)")


def markdown_image_urls(text: str) -> frozenset[tuple[str, str]]:
    """(URL, link text) of every Markdown image, as the renderer's link for it will read."""
    pairs = set()
    for alt, url in _MARKDOWN_IMAGE.findall(text or ""):
        url = unquote(unescape(url))
        pairs.add((url, " ".join(unescape(alt).split()) or url))
    return frozenset(pairs)


def own_image(url: str):
    """The Wagtail image that `url` shows, when it is on our own media (the original file or a
    rendition under MEDIA_URL, relative or on one of our hosts); else None. Only our database is
    consulted: a remote URL is never fetched."""
    parts = urlsplit(url.strip())
    media = urlsplit(settings.MEDIA_URL)
    if parts.scheme not in ("", "http", "https"):
        return None
    if media.netloc:  # media served from another host (a CDN): the URL must be under it
        if (parts.netloc or "").lower() != media.netloc.lower():
            return None
    elif parts.netloc and not _is_our_host(parts.hostname or ""):
        return None
    path = unquote(parts.path)
    if not media.path or not path.startswith(media.path):
        return None
    name = path[len(media.path):]
    if not name or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    image_model = get_image_model()
    image = image_model.objects.filter(file=name).first()
    if image is None:
        rendition = image_model.get_rendition_model().objects.filter(file=name).select_related("image").first()
        image = rendition.image if rendition else None
    return image


def _is_our_host(host: str) -> bool:
    # ALLOWED_HOSTS' "*" would make every host ours; the Wagtail sites and the admin base URL
    # name our hosts even then.
    patterns = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    patterns += [site.hostname for site in Site.objects.all()]
    base = urlsplit(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").hostname
    if base:
        patterns.append(base)
    return bool(host) and validate_host(host.lower(), patterns)


class _PromotionBlocks(_BlockBuilder):
    """The importer's walker, plus: in a top-level paragraph, a line (between <br>s) that is only a
    link that was a Markdown image of one of our own Wagtail images becomes an image block. Images
    inside lists, tables or sentences, and external images, stay links with their alt text."""

    def __init__(self, image_urls: frozenset[tuple[str, str]]):
        super().__init__()
        self.image_urls = image_urls

    def element(self, tag) -> bool:
        if tag.name.lower() != "p" or not self.image_urls or not tag.find("a"):
            return False
        lines: list[list] = [[]]
        for child in tag.contents:
            if getattr(child, "name", None) == "br":
                lines.append([])
            else:
                lines[-1].append(child)
        found = [self._image_block(line) for line in lines]
        if not any(found):
            return False
        text: list[str] = []
        for line, block in zip(lines, found, strict=True):
            if block is None:
                if text and "".join(str(node) for node in line).strip():
                    text.append("<br>")
                text.extend(str(node) for node in line)
                continue
            if "".join(text).strip():
                self.buffer.append("<p>" + "".join(text).strip() + "</p>")
            text = []
            self.flush()
            self.blocks.append(block)
        if "".join(text).strip():
            self.buffer.append("<p>" + "".join(text).strip() + "</p>")
        return True

    def _image_block(self, line: list) -> dict | None:
        nodes = [node for node in line if not (isinstance(node, str) and not node.strip())]
        if len(nodes) != 1 or getattr(nodes[0], "name", None) != "a":
            return None
        link = nodes[0]
        url = unquote(link.get("href", ""))
        text = " ".join(link.get_text(" ").split())
        if (url, unquote(text)) not in self.image_urls and (url, text) not in self.image_urls:
            return None
        image = own_image(url)
        if image is None:
            return None
        alt = text if text and unquote(text) != url else image.default_alt_text
        image_value = {"image": image.pk, "decorative": False, "alt_text": alt[:255]}
        return {"type": "image", "value": {"image": image_value, "caption": ""}}


def topic_language(topic) -> str:
    info = getattr(topic, "info", None) if _has_info(topic) else None
    return info.language if info else translation.get_language() or "en"


def _has_info(topic) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        topic.info  # noqa: B018 - a missing one-to-one raises
    except ObjectDoesNotExist:
        return False
    return True


def kb_index_for(language: str) -> KBIndexPage | None:
    return KBIndexPage.objects.filter(locale__language_code=language).first()


def can_promote(user, language: str | None = None) -> bool:
    """Staff who may add pages to the KB index of `language` (or of any language when None).
    Wagtail's page permissions decide: superusers, Support staff, KB writers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    indexes = KBIndexPage.objects.all()
    if language:
        indexes = indexes.filter(locale__language_code=language)
    return any(index.permissions_for_user(user).can_add_subpage() for index in indexes)


def first_sentence(text: str, limit: int = SUMMARY_MAX) -> str:
    text = " ".join(text.split())
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""
    return truncate_words(sentence, limit)


def suggested_parent(index: KBIndexPage, forum) -> Page:
    """The KB category whose slug matches the forum's slug, else the KB index itself."""
    category = KBCategoryPage.objects.descendant_of(index).filter(slug=forum.slug).first()
    return category or index


def parent_choices(index: KBIndexPage) -> list[tuple[int, str]]:
    choices = [(index.pk, gettext("(No category)"))]
    for category in KBCategoryPage.objects.descendant_of(index).order_by("path"):
        prefix = "— " if category.depth > index.depth + 1 else ""
        choices.append((category.pk, prefix + category.title))
    return choices


@dataclass
class Draft:
    """The prefilled form: what staff see before they edit."""

    title: str
    summary: str
    body_markdown: str
    language: str
    parent_id: int | None
    tags: list[str] = field(default_factory=list)


def draft_for(post) -> Draft:
    topic = post.topic
    language = topic_language(topic)
    question = topic.first_post
    with translation.override(language):
        parts = []
        if question is not None and question.pk != post.pk:
            parts += [f"## {gettext('Question')}", question.content.raw or ""]
            parts += [f"## {gettext('Answer')}", post.content.raw or ""]
        else:
            parts.append(post.content.raw or "")
    answer_text = html_to_text(str(render_markdown(post.content.raw or "")))
    index = kb_index_for(language)
    parent = suggested_parent(index, topic.forum) if index else None
    return Draft(
        title=truncate_words(topic.subject, TITLE_MAX),
        summary=first_sentence(answer_text) or truncate_words(topic.subject, SUMMARY_MAX),
        body_markdown="\n\n".join(parts).strip(),
        language=language,
        parent_id=parent.pk if parent else None,
        tags=[topic.forum.slug][:1] if topic.forum.slug else [],
    )


def promoted_article_for_topic(topic_pk: int, *, live_only: bool = True) -> ArticlePage | None:
    articles = ArticlePage.objects.filter(source_topic_id=topic_pk)
    if live_only:
        articles = articles.live().public()
    return articles.order_by("-first_published_at", "-pk").first()


@transaction.atomic
def promote(
    post,
    *,
    user,
    parent: Page,
    title: str,
    summary: str,
    body_markdown: str,
    tags: list[str],
    action: str,
    show_credit: bool = True,
) -> tuple[ArticlePage, str]:
    """Create the article from `post` under `parent`; returns (article, SAVED_DRAFT | PUBLISHED | SUBMITTED)."""
    topic = post.topic
    body = markdown_to_blocks(body_markdown)
    content = ArticleContent(title=title, summary=summary, body=body, tags=tuple(tags))
    can_publish = parent.permissions_for_user(user).can_publish_subpage()
    publish_now = action == PUBLISH and can_publish
    article = create_article(parent, content, slug=title, publish=False, user=user)
    # Provenance before the first revision is published, so every revision carries source_topic.
    ArticlePage.objects.filter(pk=article.pk).update(source_topic=topic)
    article.source_topic = topic
    author = post.poster
    PromotedAnswer.objects.create(
        article=article,
        topic=topic,
        post=post,
        topic_subject=topic.subject[:255],
        author=author,
        author_name=(author.get_display_name() if author else post.username or "")[:150],
        promoted_by=user,
        show_credit=show_credit,
    )
    revision = article.save_revision(user=user)
    outcome = SAVED_DRAFT
    if publish_now:
        revision.publish(user=user)
        outcome = PUBLISHED
    elif action == PUBLISH:
        workflow = article.get_workflow()
        if workflow is not None:
            workflow.start(article, user)
            outcome = SUBMITTED
    article = ArticlePage.objects.get(pk=article.pk)
    log(
        instance=article,
        action=LOG_ACTION,
        user=user,
        data={
            "topic_id": topic.pk,
            "post_id": post.pk,
            "author_id": author.pk if author else None,
            "outcome": outcome,
        },
    )
    return article, outcome


def flag_source_changed(post) -> int:
    """A reply just became visible on a promoted thread (a new approved reply, or a queued one
    approved by a moderator): flag the thread's articles for review. Held (unapproved) posts don't
    count: readers can't see them, and spam must not send staff to re-check an article.
    Returns how many articles were flagged."""
    if post.topic_id is None or not post.approved or post.topic.first_post_id == post.pk:
        return 0
    return PromotedAnswer.objects.filter(topic_id=post.topic_id).update(
        source_changed=True, source_changed_at=timezone.now()
    )
