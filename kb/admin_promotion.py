"""Wagtail admin for articles promoted from forum answers: the "Promoted answers" listing
("Source thread changed" first), a dashboard panel listing the flagged ones, and the warning on a
flagged article's edit page, so staff see which articles need a review after new replies on their
thread. Staff clear the flag by editing the row (untick "source thread changed")."""

from __future__ import annotations

import django_filters
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from kb.models import PromotedAnswer


class PromotedAnswerFilterSet(WagtailFilterSet):
    source_changed = django_filters.BooleanFilter(label=_("Source thread changed"))

    class Meta:
        model = PromotedAnswer
        fields = ("source_changed",)


class PromotedAnswerIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("article", "promoted_by", "author")


def _article_edit_url(promoted: PromotedAnswer) -> str:
    return reverse("wagtailadmin_pages:edit", args=[promoted.article_id])


class PromotedAnswerViewSet(ModelViewSet):
    model = PromotedAnswer
    index_view_class = PromotedAnswerIndexView
    icon = "doc-full"
    menu_label = _("Promoted answers")
    menu_order = 260
    add_to_admin_menu = True
    add_view_enabled = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = (
        TitleColumn("article", label=_("Article"), accessor="article.title", get_url=_article_edit_url),
        BooleanColumn("source_changed", label=_("Source thread changed")),
        Column("topic_subject", label=_("Topic")),
        Column("author_name", label=_("Author")),
        Column("promoted_by", label=_("Promoted by")),
        DateColumn("promoted_at", label=_("Promoted"), sort_key="promoted_at"),
    )
    filterset_class = PromotedAnswerFilterSet
    search_fields = ("article__title", "topic_subject", "author_name")
    search_backend_name = None
    ordering = ("-source_changed", "-promoted_at")
    form_fields = ("show_credit", "source_changed")


def can_review(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.has_perm("kb.view_promotedanswer")


def can_clear(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.has_perm("kb.change_promotedanswer")


def flagged() -> QuerySet[PromotedAnswer]:
    return PromotedAnswer.objects.filter(source_changed=True).order_by("-source_changed_at", "-pk")


def review_url(promoted: PromotedAnswer) -> str:
    """Where staff clear the flag after reviewing (the row's edit form)."""
    return reverse("kb_promoted:edit", args=[promoted.pk])


class PromotedReviewPanel(Component):
    """On the admin home page, only while some exist: promoted articles whose thread changed."""

    name = "kb_promoted_review"
    template_name = "kb/admin/promoted_review_panel.html"
    order = 95  # under the tickets panel, above Wagtail's own panels
    LIMIT = 10

    def __init__(self, request: HttpRequest):
        self.request = request

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        rows = list(flagged().select_related("article")[: self.LIMIT])
        for row in rows:
            row.review_url = review_url(row) if can_clear(self.request.user) else ""
        context.update(
            rows=rows,
            count=flagged().count(),
            listing_url=reverse("kb_promoted:index") + "?source_changed=true",
        )
        return context
