from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _prepare_new_kb_index(sender, instance, created, raw=False, **kwargs):
    # A KB index made in the admin or by "Translate" gets the review workflow and staff
    # permissions at once, like the ones kb.setup creates.
    if created and not raw:
        from kb.setup import prepare_kb_index

        prepare_kb_index(instance)


def _flag_promoted_source(sender, instance, created, raw=False, **kwargs):
    # A reply that readers can now see (new and approved, or approved from the moderation queue) on
    # a thread promoted into an article: flag the article for review. The forum's pre_save receiver
    # works out "just became visible" once for notifications; reuse its answer.
    if raw:
        return
    if getattr(instance, "_support_forum_published", created and instance.approved):
        from kb.promotion import flag_source_changed

        flag_source_changed(instance)


class KbConfig(AppConfig):
    name = "kb"
    label = "kb"
    verbose_name = _("Knowledge base")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from kb.models import ArticleFeedback, KBIndexPage
        from kb.permissions import FeedbackPermissionPolicy

        post_save.connect(_prepare_new_kb_index, sender=KBIndexPage, dispatch_uid="kb-prepare-index")
        from machina.core.db.models import get_model

        post_save.connect(
            _flag_promoted_source, sender=get_model("forum_conversation", "Post"), dispatch_uid="kb-promoted-source"
        )
        register_permission_policy(ArticleFeedback, FeedbackPermissionPolicy(ArticleFeedback))
