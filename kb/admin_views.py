"""Staff views in the Wagtail admin: every piece of reader feedback, and the least helpful articles."""

import django_filters
from django.conf import settings
from django.db.models import F, FloatField
from django.db.models.functions import Cast, NullIf
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Locale
from wagtail.permission_policies.pages import PagePermissionPolicy

from kb.models import ArticleFeedback, ArticlePage


class FeedbackFilterSet(WagtailFilterSet):
    helpful = django_filters.BooleanFilter(label=_("Helpful"))
    has_comment = django_filters.BooleanFilter(label=_("Has a comment"), method="filter_has_comment")
    locale = django_filters.ModelChoiceFilter(
        label=_("Language"), field_name="article__locale", queryset=Locale.objects.all()
    )
    article = django_filters.NumberFilter(label=_("Article ID"), field_name="article_id")

    class Meta:
        model = ArticleFeedback
        fields = ("helpful",)

    def filter_has_comment(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(comment="") if value else queryset.filter(comment="")


def _reader(feedback: ArticleFeedback) -> str:
    return feedback.user.get_display_name() if feedback.user else str(_("anonymous reader"))


def _comment(feedback: ArticleFeedback) -> str:
    return Truncator(feedback.comment).chars(300)


class FeedbackIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("article", "article__locale", "user")


def feedback_list_url(article: ArticlePage) -> str:
    return reverse("kb_feedback:index") + f"?article={article.pk}"


class ArticleFeedbackViewSet(ModelViewSet):
    model = ArticleFeedback
    index_view_class = FeedbackIndexView
    icon = "comment"
    menu_label = _("Article feedback")
    menu_order = 250
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = ("article", "helpful", "comment", "user", "created_at", "updated_at")
    list_display = (
        TitleColumn("article", label=_("Article"), accessor="article.title"),
        Column("vote_label", label=_("Helpful?")),
        Column("comment", label=_("Comment"), accessor=_comment),
        Column("reader", label=_("Reader"), accessor=_reader),
        Column("language", label=_("Language"), accessor="article.locale.language_code"),
        DateColumn("updated_at", label=_("Updated"), sort_key="updated_at"),
    )
    filterset_class = FeedbackFilterSet
    search_fields = ("comment", "article__title")
    search_backend_name = None  # plain icontains: feedback is not in the search index
    ordering = "-updated_at"
    list_export = ("article", "vote_label", "comment", "updated_at")
    form_fields = ("comment",)  # never shown: add/change are refused by the policy



def min_votes_for_report() -> int:
    return int(getattr(settings, "KB_LEAST_HELPFUL_MIN_VOTES", 3))


class LeastHelpfulFilterSet(WagtailFilterSet):
    locale = django_filters.ModelChoiceFilter(label=_("Language"), queryset=Locale.objects.all())

    class Meta:
        model = ArticlePage
        fields = ("locale",)


def _ratio(article: ArticlePage) -> str:
    return f"{round(article.helpful_ratio * 100)}%" if article.helpful_ratio is not None else ""


class LeastHelpfulArticlesView(ReportView):
    """Live articles with enough votes, the lowest share of "Yes" first (most "No" votes break ties)."""

    page_title = _("Least helpful articles")
    header_icon = "comment"
    index_url_name = "kb_least_helpful"
    index_results_url_name = "kb_least_helpful_results"
    filterset_class = LeastHelpfulFilterSet
    paginate_by = 50
    any_permission_required = ("add", "change", "publish")
    list_export = ("title", "locale", "helpful_yes", "helpful_no", "ratio")

    @property
    def permission_policy(self):
        return PagePermissionPolicy()

    @property
    def no_results_message(self):
        return _(
            "No live article has at least %(count)d votes including a \"No\" yet."
        ) % {"count": min_votes_for_report()}

    @property
    def columns(self):
        return [
            TitleColumn(
                "title", label=_("Article"),
                get_url=lambda article: reverse("wagtailadmin_pages:edit", args=[article.pk]),
            ),
            Column("language", label=_("Language"), accessor="locale.language_code"),
            Column("helpful_yes", label=_("Yes")),
            Column("helpful_no", label=_("No")),
            Column("ratio", label=_("Helpful"), accessor=_ratio),
            TitleColumn(
                "feedback", label=_("Feedback"),
                accessor=lambda article: _("Read feedback"), get_url=feedback_list_url,
            ),
        ]

    def get_base_queryset(self):
        total = F("helpful_yes") + F("helpful_no")
        return (
            ArticlePage.objects.live()
            .select_related("locale")
            .filter(helpful_no__gte=1)
            .alias(total_votes=total)
            .filter(total_votes__gte=min_votes_for_report())
            .annotate(ratio=Cast("helpful_yes", FloatField()) / NullIf(total, 0))
            .order_by("ratio", "-helpful_no", "title")
        )
