from django.apps import AppConfig


class HelpcenterConfig(AppConfig):
    """The project package as an app: it owns the tables every app shares (rate-limit windows)."""

    name = "helpcenter"
    default_auto_field = "django.db.models.BigAutoField"
