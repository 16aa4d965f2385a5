from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, TranslatableMixin
from wagtail.snippets.models import register_snippet


class HomePage(Page):
    """The site root in each locale: "How can we help?"."""

    heading = models.CharField(_("heading"), max_length=200, default="How can we help?")
    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("heading"), FieldPanel("intro")]
    parent_page_types: ClassVar[list[str]] = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        # Imported here: home.highlights imports this module's ServiceNotice.
        from home import highlights

        context = super().get_context(request, *args, **kwargs)
        context["now"] = timezone.now()
        context["notices"] = highlights.current_notices(self.locale, at=context["now"])
        context["popular_articles"] = highlights.popular_articles(self.locale, request=request)
        context["solved_threads"] = highlights.recently_solved_threads(request, self.locale.language_code)
        return context


class ServiceNoticeQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(is_active=True, starts_at__lte=at).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=at)
        )


@register_snippet
class ServiceNotice(TranslatableMixin, models.Model):
    """Maintenance windows and outages, shown on the home page and before customers ask."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Scheduled maintenance")
        OUTAGE = "outage", _("Service disruption")
        INFO = "info", _("Information")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MAINTENANCE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated words; the notice is shown when a customer's question contains one."),
    )
    site_wide = models.BooleanField(_("show everywhere"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    objects = ServiceNoticeQuerySet.as_manager()

    panels: ClassVar[list] = [
        FieldPanel("kind"),
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("keywords"),
        FieldPanel("site_wide"),
        FieldPanel("is_active"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("service notice")
        ordering: ClassVar[list[str]] = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    def keyword_list(self) -> list[str]:
        return [k.strip().casefold() for k in self.keywords.split(",") if k.strip()]
