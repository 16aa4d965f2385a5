"""Create what the knowledge base needs on a fresh site: a KB index per locale (at /<lang>/kb/),
the "Knowledge base review" workflow on each, and the Support staff group's permissions.
Safe to run more than once (load_demo runs it too)."""

from django.core.management.base import BaseCommand

from kb.setup import ensure_kb_indexes


class Command(BaseCommand):
    help = "Create the per-locale knowledge base pages, review workflow and staff permissions."

    def handle(self, *args, **options):
        indexes = ensure_kb_indexes()
        for code, index in indexes.items():
            self.stdout.write(f"kb: {code}: {index.url}")
