"""Knowledge base pages: one KB index per locale, categories (nested one level) and articles.

Other apps rely on these names (keep them): ArticlePage.summary, .get_body_text(), .helpful_yes /
.helpful_no / .helpfulness() / .helpful_ratio, .view_count, .tag_names().

Counters (views, votes) are columns on the article so search and listings read them without a
join, but they are not content: revisions don't carry them (see with_content_json) and
translations and copies start from zero (exclude_fields_in_copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from helpcenter import page_cache
from kb.admin_panels import HelpfulnessPanel
from kb.blocks import ArticleBodyBlock
from kb.text import anchor_ids, html_to_text

ARTICLES_PER_PAGE = 20


class AppliesTo(models.TextChoices):
    """The hosting products an article is about. Stored as a list of these codes."""

    SHARED = "shared", _("Shared hosting")
    VPS = "vps", _("VPS")
    EMAIL = "email", _("Email")
    DOMAINS = "domains", _("Domains")
    RESELLER = "reseller", _("Reseller hosting")


class CategoryIcon(models.TextChoices):
    """Icons drawn by templates/kb/icons/<name>.svg."""

    BOOK = "book", _("Book (general)")
    GLOBE = "globe", _("Globe (domains, DNS)")
    MAIL = "mail", _("Envelope (email)")
    CODE = "code", _("Code (websites, development)")
    WEBSITE = "website", _("Browser window (websites)")
    PANEL = "panel", _("Sliders (control panel)")
    CARD = "card", _("Card (billing, account)")
    SERVER = "server", _("Server (VPS, hosting)")
    SHIELD = "shield", _("Shield (security, SSL)")
    DATABASE = "database", _("Database (backups, databases)")


def breadcrumbs_for(page: Page) -> list[tuple[str, str]]:
    """(label, url) of a KB page's ancestors below the tree root; the home page is called "Home"."""
    from django.utils.translation import gettext

    crumbs = []
    for ancestor in page.get_ancestors().filter(depth__gt=1):
        label = gettext("Home") if ancestor.depth == 2 else ancestor.title
        crumbs.append((label, ancestor.url))
    return crumbs


def live_articles():
    """Live, public articles: what a reader may see in any listing."""
    return ArticlePage.objects.live().public()


# --- KB index ---------------------------------------------------------------------------


class KBIndexPage(Page):
    """The knowledge base of one language, at /<lang>/kb/."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ("home.HomePage",)
    subpage_types = ("kb.KBCategoryPage", "kb.ArticlePage")
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("knowledge base")
        verbose_name_plural = _("knowledge bases")

    def breadcrumbs(self) -> list[tuple[str, str]]:
        return breadcrumbs_for(self)

    def categories(self):
        return KBCategoryPage.objects.child_of(self).live().public().specific()

    def articles(self):
        """Every live article of this knowledge base, at any depth."""
        return live_articles().descendant_of(self)

    def popular_articles(self, limit: int = 5):
        return self.articles().order_by("-view_count", "title")[:limit]

    def recently_updated(self, limit: int = 5):
        return self.articles().order_by("-last_published_at")[:limit]

    def uncategorised_articles(self):
        return live_articles().child_of(self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag", "").strip()
        if tag:
            context["tag"] = tag
            context["tagged_articles"] = self.articles().filter(tags__name=tag).distinct().order_by("title")
        return context


# --- Categories -------------------------------------------------------------------------


class KBCategoryPage(Page):
    """A category of articles. A category may hold sub-categories, which may not nest further."""

    icon = models.CharField(_("icon"), max_length=20, choices=CategoryIcon.choices, default=CategoryIcon.BOOK)
    description = models.TextField(_("description"), blank=True, max_length=500)

    content_panels = Page.content_panels + [FieldPanel("icon"), FieldPanel("description")]
    parent_page_types = ("kb.KBIndexPage", "kb.KBCategoryPage")
    subpage_types = ("kb.KBCategoryPage", "kb.ArticlePage")
    search_fields = Page.search_fields + [index.SearchField("description")]

    class Meta:
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")

    @classmethod
    def can_create_at(cls, parent) -> bool:
        # One level of nesting: no category inside a sub-category.
        if not super().can_create_at(parent):
            return False
        return not (
            isinstance(parent.specific, KBCategoryPage)
            and isinstance(parent.get_parent().specific, KBCategoryPage)
        )

    def can_move_to(self, parent) -> bool:
        if not super().can_move_to(parent):
            return False
        if isinstance(parent.specific, KBCategoryPage):
            has_subcategories = KBCategoryPage.objects.child_of(self).exists()
            parent_is_sub = isinstance(parent.get_parent().specific, KBCategoryPage)
            return not (has_subcategories or parent_is_sub)
        return True

    def breadcrumbs(self) -> list[tuple[str, str]]:
        return breadcrumbs_for(self)

    @property
    def is_subcategory(self) -> bool:
        return isinstance(self.get_parent().specific, KBCategoryPage)

    def subcategories(self):
        return KBCategoryPage.objects.child_of(self).live().public().specific()

    def articles(self):
        """Live articles directly in this category, in the order staff gave them in the admin."""
        return live_articles().child_of(self).order_by("path")

    def article_count(self) -> int:
        """Articles here and in sub-categories (for the category cards)."""
        return live_articles().descendant_of(self).count()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.articles(), ARTICLES_PER_PAGE)
        context["articles_page"] = paginator.get_page(request.GET.get("page"))
        return context


# --- Articles ---------------------------------------------------------------------------


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey("kb.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE)


class ArticleRelatedLink(Orderable):
    """A "related article" picked by staff; shown in the reader's language when translated."""

    article = ParentalKey("kb.ArticlePage", related_name="related_links", on_delete=models.CASCADE)
    target = models.ForeignKey(
        "kb.ArticlePage", verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )

    panels: ClassVar[list] = [FieldPanel("target")]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")


class ArticlePageForm(WagtailAdminPageForm):
    applies_to = forms.MultipleChoiceField(
        label=_("Applies to"),
        choices=AppliesTo.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@dataclass(frozen=True)
class Heading:
    anchor: str
    text: str
    level: str


class ArticlePage(RoutablePageMixin, Page):
    summary = models.CharField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences. Shown on article cards and in search results."),
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(_("tags"), through=ArticlePageTag, blank=True)
    applies_to = models.JSONField(_("applies to"), default=list, blank=True)
    last_reviewed = models.DateField(
        _("last reviewed"),
        null=True,
        blank=True,
        help_text=_("When staff last checked that this article is still correct."),
    )
    # Counters, not content: see the module docstring.
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    helpful_yes = models.PositiveIntegerField(_("helpful votes"), default=0, editable=False)
    helpful_no = models.PositiveIntegerField(_("not helpful votes"), default=0, editable=False)
    # Set by kb_import: "<folder>/<relative path>"; re-importing the same file updates this article.
    import_source = models.CharField(_("import source"), max_length=500, blank=True, editable=False, db_index=True)
    # Set when the article was promoted from a forum answer (kb/promotion.py); search uses it to
    # let the thread yield to the article. Details (post, author, credit, review flag): PromotedAnswer.
    source_topic = models.ForeignKey(
        "forum_conversation.Topic",
        verbose_name=_("source topic"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    COUNTER_FIELDS = ("view_count", "helpful_yes", "helpful_no")
    exclude_fields_in_copy: ClassVar[list[str]] = [*COUNTER_FIELDS, "import_source", "source_topic"]

    base_form_class = ArticlePageForm
    parent_page_types = ("kb.KBCategoryPage", "kb.KBIndexPage")
    subpage_types = ()
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("locale_id"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("tags"), FieldPanel("applies_to"), FieldPanel("last_reviewed")],
            heading=_("About this article"),
        ),
        InlinePanel("related_links", heading=_("Related articles"), label=_("Related article")),
    ]
    # The usual three tabs plus a read-only "Feedback" tab with the readers' votes and comments.
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
            ObjectList([HelpfulnessPanel()], heading=_("Feedback")),
        ]
    )

    class Meta:
        verbose_name = _("knowledge base article")
        verbose_name_plural = _("knowledge base articles")
        indexes = (models.Index(fields=["view_count"], name="kb_article_views_idx"),)

    # -- revisions keep content only ------------------------------------------------------

    def with_content_json(self, content):
        """Publishing a revision must not roll counters back to when the revision was saved."""
        obj = super().with_content_json(content)
        # Read the counters from the database: `self` may be an instance loaded before readers
        # voted or the view counter was flushed (e.g. the one save_revision() was called on).
        current = ArticlePage.objects.filter(pk=self.pk).values(*self.COUNTER_FIELDS, "import_source").first()
        for field, value in (current or {}).items():
            setattr(obj, field, value)
        return obj

    # -- the public interface other apps use ---------------------------------------------

    def helpfulness(self) -> tuple[int, int]:
        return self.helpful_yes, self.helpful_no

    @property
    def helpful_votes(self) -> int:
        return self.helpful_yes + self.helpful_no

    @property
    def helpful_ratio(self) -> float | None:
        """Share of "Yes" votes, 0.0–1.0; None before the first vote."""
        total = self.helpful_yes + self.helpful_no
        return self.helpful_yes / total if total else None

    def tag_names(self) -> list[str]:
        return sorted(tag.name for tag in self.tags.all())

    def get_body_text(self) -> str:
        """The body as plain text for search: headings, paragraphs, code, callouts, tables, captions."""
        parts: list[str] = []
        for block in self.body:
            kind, value = block.block_type, block.value
            if kind == "paragraph":
                parts.append(html_to_text(value.source))
            elif kind == "heading":
                parts.append(value["text"])
            elif kind == "code":
                parts.append(value["code"])
            elif kind == "callout":
                parts.append(html_to_text(value["text"].source))
            elif kind == "image":
                image = value["image"]
                parts.append(value["caption"] or getattr(image, "contextual_alt_text", "") or "")
            elif kind == "table":
                rows = (value or {}).get("data") or []
                parts.extend(" ".join(str(cell or "") for cell in row).strip() for row in rows)
                parts.append((value or {}).get("table_caption") or "")
        return "\n".join(part for part in parts if part and part.strip())

    # -- reading helpers for templates ----------------------------------------------------

    def applies_to_labels(self) -> list[str]:
        labels = dict(AppliesTo.choices)
        return [str(labels[code]) for code in self.applies_to or [] if code in labels]

    @cached_property
    def headings(self) -> list[Heading]:
        blocks = [b for b in self.body if b.block_type == "heading"]
        anchors = anchor_ids([b.value["text"] for b in blocks])
        return [Heading(a, b.value["text"], b.value["level"]) for a, b in zip(anchors, blocks, strict=True)]

    def body_with_anchors(self) -> list[tuple[object, str | None]]:
        """(block, anchor) for each body block; anchor is set on headings and matches the TOC."""
        anchors = iter(h.anchor for h in self.headings)
        return [(b, next(anchors) if b.block_type == "heading" else None) for b in self.body]

    @cached_property
    def kb_index(self) -> KBIndexPage | None:
        return KBIndexPage.objects.ancestor_of(self).first()

    def category(self) -> KBCategoryPage | None:
        parent = self.get_parent().specific
        return parent if isinstance(parent, KBCategoryPage) else None

    def breadcrumbs(self) -> list[tuple[str, str]]:
        """(label, url) from the home page down to the parent: Home › Knowledge base › category."""
        return breadcrumbs_for(self)

    def live_translations(self) -> list[Page]:
        """This article in other languages, only where a live translation exists."""
        return list(self.get_translations().live().public().select_related("locale").order_by("locale__language_code"))

    def related_articles(self) -> list[ArticlePage]:
        """Staff-picked related articles, shown in this article's language; untranslated ones are left out."""
        result, seen = [], {self.pk}
        for link in self.related_links.select_related("target"):
            target = link.target
            if target.locale_id != self.locale_id:
                target = target.get_translation_or_none(self.locale)
            if target is None or target.pk in seen or not target.live:
                continue
            seen.add(target.pk)
            result.append(target)
        return result

    def feedback_url(self) -> str:
        return self.url + self.reverse_subpage("feedback")

    # -- routes ---------------------------------------------------------------------------

    @path("")
    def index_route(self, request, *args, **kwargs):
        if request.method == "GET" and not getattr(request, "is_preview", False):
            from kb.counters import record_view

            record_view(self.pk)
            page_cache.on_hit(request, "kb.counters.record_view", self.pk)
        return super().index_route(request, *args, **kwargs)

    @path("feedback/", name="feedback")
    def feedback_route(self, request):
        from kb.feedback import handle_feedback

        return handle_feedback(request, self)

    def get_context(self, request, *args, **kwargs):
        from kb.feedback import current_vote

        context = super().get_context(request, *args, **kwargs)
        context["vote"] = current_vote(request, self)
        return context


# --- Feedback ---------------------------------------------------------------------------


class ArticleFeedback(models.Model):
    """One reader's answer to "Was this article helpful?". One row per article and voter;
    voting again updates the row. The counts on ArticlePage are recomputed from these rows."""

    article = models.ForeignKey(ArticlePage, verbose_name=_("article"), on_delete=models.CASCADE, related_name="feedback")
    # "user:<id>" or "session:<random token kept in the session>": one key for both kinds of reader.
    voter = models.CharField(_("voter"), max_length=80, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        ordering = ("-updated_at",)
        constraints = (models.UniqueConstraint(fields=["article", "voter"], name="kb_one_vote_per_voter"),)
        indexes = (models.Index(fields=["article", "-updated_at"], name="kb_feedback_article_idx"),)

    def __str__(self) -> str:
        return f"{self.article.title}: {self.vote_label}"

    @property
    def vote_label(self) -> str:
        return str(_("Yes") if self.helpful else _("No"))


# --- Promoted forum answers ------------------------------------------------------------------


class PromotedAnswer(models.Model):
    """Where a promoted article came from: the forum topic and post, the answer's author, who
    promoted it and when. Not page content, so revisions never roll it back (kb/promotion.py)."""

    article = models.OneToOneField(
        ArticlePage, verbose_name=_("article"), on_delete=models.CASCADE, related_name="promotion"
    )
    topic = models.ForeignKey(
        "forum_conversation.Topic", verbose_name=_("topic"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "forum_conversation.Post", verbose_name=_("post"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic_subject = models.CharField(_("topic subject"), max_length=255, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    author_name = models.CharField(_("author name"), max_length=150, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("promoted by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    promoted_at = models.DateTimeField(_("promoted at"), auto_now_add=True)
    show_credit = models.BooleanField(
        _("show credit"), default=True,
        help_text=_("Credit the answer's author on the article (never shown when the author opted out)."),
    )
    source_changed = models.BooleanField(
        _("source thread changed"), default=False,
        help_text=_("Set when the thread gets new replies after promotion; clear it once reviewed."),
    )
    source_changed_at = models.DateTimeField(_("source changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("promoted forum answer")
        verbose_name_plural = _("promoted forum answers")
        ordering = ("-source_changed", "-promoted_at")

    def __str__(self) -> str:
        return self.article.title

    @property
    def credit_shown(self) -> bool:
        """Credit only when staff kept it and the author hasn't opted out (checked on every render)."""
        if not self.show_credit or self.author_id is None:
            return False
        return bool(getattr(self.author, "credit_in_articles", True))

    def credit_name(self) -> str:
        return self.author.get_display_name() if self.author_id else self.author_name
