from django.apps import AppConfig


class SupportForumConfig(AppConfig):
    """Our integration with django-machina. machina owns the `forum` and `forum_*` labels."""

    name = "forum"
    label = "support_forum"
    verbose_name = "Community forum"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from forum import receivers, request_permissions, trackers  # noqa: F401  (receivers: connects the signal receivers)

        trackers.install()
        request_permissions.install()
