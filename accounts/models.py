from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Our user: Django's, plus what the profile page edits."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    credit_in_articles = models.BooleanField(
        _("credit me in knowledge base articles"),
        default=True,
        help_text=_("When staff turn one of your forum answers into an article, show your name on it."),
    )

    def get_display_name(self) -> str:
        return self.display_name or self.get_username()

    def __str__(self) -> str:
        return self.get_display_name()
