"""The read-only "Feedback" tab on the article edit page: votes, ratio and the latest comments."""

from django.urls import reverse
from wagtail.admin.panels import Panel

LATEST_COMMENTS = 10


class HelpfulnessPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "kb/admin/helpfulness_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            article = self.instance
            context["article"] = article
            if article is not None and article.pk:
                context["latest_comments"] = list(
                    article.feedback.exclude(comment="").select_related("user")[:LATEST_COMMENTS]
                )
                context["all_feedback_url"] = reverse("kb_feedback:index") + f"?article={article.pk}"
            return context
