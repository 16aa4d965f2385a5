from django.db import models


class RateLimitWindow(models.Model):
    """One client's count of one action in one fixed window (helpcenter.ratelimit writes it with
    one upsert; rows whose window has passed are deleted now and then)."""

    window_key = models.CharField(max_length=255, primary_key=True)
    hits = models.PositiveIntegerField()
    expires = models.BigIntegerField(help_text="Unix time after which the window is over.")

    class Meta:
        db_table = "helpcenter_rate_limit_window"

    def __str__(self) -> str:
        return f"{self.window_key}: {self.hits}"


class PageGeneration(models.Model):
    """The current generation of one page-cache tag (helpcenter.page_cache): cached pages are keyed
    by the generations of their tags, and a change writes fresh ones, all in one upsert."""

    tag = models.CharField(max_length=100, primary_key=True)
    generation = models.CharField(max_length=32)

    class Meta:
        db_table = "helpcenter_page_generation"

    def __str__(self) -> str:
        return f"{self.tag}: {self.generation}"
