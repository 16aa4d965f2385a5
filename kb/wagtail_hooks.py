"""Wagtail admin integration: the feedback listing (menu "Article feedback") and the
"Least helpful articles" report (menu Reports)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

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
