"""Move pending article view counts from the shared cache into ArticlePage.view_count.

Views are counted in the cache and written in batches (see kb/counters.py); run this from cron
(e.g. every 10 minutes) so articles with few views get their counts written too.
"""

from django.core.management.base import BaseCommand

from kb.counters import flush_all


class Command(BaseCommand):
    help = "Write pending article view counts from the cache to the database."

    def handle(self, *args, **options):
        articles, views = flush_all()
        self.stdout.write(f"kb: flushed {views} view(s) for {articles} article(s).")
