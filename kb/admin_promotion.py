"""Wagtail admin listing of articles promoted from forum answers; "Source thread changed" first,
so staff see which articles need a review after new replies on their thread."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
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
