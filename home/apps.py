from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    label = "home"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from home import page_cache_receivers

        page_cache_receivers.connect()
