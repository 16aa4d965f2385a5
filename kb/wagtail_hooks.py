"""Wagtail admin integration: the feedback listing (menu "Article feedback"), the
"Least helpful articles" report (menu Reports) and promoted forum answers (menu "Promoted answers",
a dashboard panel and a warning on the edit page when the source thread changed)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from kb import admin_promotion
from kb.admin_promotion import PromotedAnswerViewSet
from kb.admin_views import ArticleFeedbackViewSet, LeastHelpfulArticlesView


@hooks.register("register_admin_viewset")
def register_feedback_viewset():
    return ArticleFeedbackViewSet("kb_feedback")


@hooks.register("register_admin_urls")
def register_report_urls():
    view = LeastHelpfulArticlesView
    return [
        path("reports/kb-least-helpful/", view.as_view(), name="kb_least_helpful"),
        path("reports/kb-least-helpful/results/", view.as_view(results_only=True), name="kb_least_helpful_results"),
    ]


class LeastHelpfulMenuItem(MenuItem):
    def is_shown(self, request):
        from wagtail.permission_policies.pages import PagePermissionPolicy

        return PagePermissionPolicy().user_has_any_permission(request.user, ["add", "change", "publish"])


@hooks.register("register_reports_menu_item")
def register_least_helpful_menu_item():
    return LeastHelpfulMenuItem(
        _("Least helpful articles"), reverse("kb_least_helpful"), name="kb-least-helpful", icon_name="comment", order=1300
    )


@hooks.register("register_admin_viewset")
def register_promoted_answers_viewset():
    return PromotedAnswerViewSet("kb_promoted")


@hooks.register("register_log_actions")
def register_promotion_log_action(actions):
    from kb.promotion import LOG_ACTION, LOG_LABEL, LOG_MESSAGE

    actions.register_action(LOG_ACTION, LOG_LABEL, LOG_MESSAGE)


@hooks.register("construct_homepage_panels")
def add_promoted_review_panel(request, panels):
    if admin_promotion.can_review(request.user) and admin_promotion.flagged().exists():
        panels.append(admin_promotion.PromotedReviewPanel(request))


@hooks.register("before_edit_page")
def warn_when_source_thread_changed(request, page):
    """Whoever opens a flagged article sees why it needs a review, with the thread one click away."""
    if request.method != "GET":
        return
    from kb.models import PromotedAnswer
    from search.documents import topic_url

    promoted = (
        PromotedAnswer.objects.filter(article_id=page.pk, source_changed=True)
        .select_related("topic", "topic__forum")
        .first()
    )
    if promoted is None:
        return
    buttons = []
    if promoted.topic is not None:
        buttons.append(messages.button(topic_url(promoted.topic), _("Open the thread"), new_window=True))
    if admin_promotion.can_clear(request.user):
        buttons.append(messages.button(admin_promotion.review_url(promoted), _("Mark as reviewed")))
    messages.warning(
        request,
        _("The community thread this article was promoted from has new replies: check whether the article "
          "needs an update, then mark it as reviewed."),
        buttons=buttons,
    )
