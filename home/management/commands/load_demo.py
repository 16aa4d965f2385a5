"""Load the demo site: users, notices, KB articles, forum threads and tickets in six languages.

Idempotent: every app's loader looks its objects up by a stable key before creating them, so
running this twice changes nothing.
"""

import importlib
import time

from django.core.management.base import BaseCommand, CommandError

from search import outbox

# Order matters: users and home pages first, then what refers to them.
DEMO_LOADERS = ("home.demo", "kb.demo", "forum.demo", "tickets.demo")


class Command(BaseCommand):
    help = "Load demo content in all six languages (safe to run more than once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", nargs="*", choices=[m.split(".")[0] for m in DEMO_LOADERS],
            help="Load only these apps' demo content.",
        )

    def handle(self, *args, only=None, **options):
        # Index once at the end rather than after every page save; the outbox rows written with
        # each change still guarantee nothing is lost if this is interrupted.
        with outbox.batched():
            self._load(only, options)
        self.stdout.write(self.style.SUCCESS("Demo content is loaded and indexed."))

    def _load(self, only, options):
        for module_name in DEMO_LOADERS:
            app = module_name.split(".")[0]
            if only and app not in only:
                continue
            started = time.monotonic()
            self.stdout.write(self.style.MIGRATE_HEADING(f"Demo content: {app}"))
            try:
                module = importlib.import_module(module_name)
                module.load(self.stdout)
            except Exception as exc:  # name the loader at fault, keep the traceback with -v 2
                if options.get("verbosity", 1) > 1:
                    raise
                raise CommandError(f"{module_name}.load failed: {exc.__class__.__name__}: {exc}") from exc
            self.stdout.write(f"  done in {time.monotonic() - started:.1f}s")
