"""Apply queued search index updates (the outbox) forever, or once with --once.

Run one (or several: each claims distinct batches on PostgreSQL) next to the web processes. Failed
updates are retried with exponential back-off and never dropped; `search_status` lists them.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from search import outbox
from search.backends import get_backend

MAINTENANCE_EVERY = 60  # seconds: index housekeeping (segment merges) when idle


class Command(BaseCommand):
    help = "Apply pending search index updates from the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Apply what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, once=False, interval=1.0, batch_size=200, verbosity=1, **options):
        self.stopping = False

        def stop(signum, frame):
            self.stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write(f"search_worker: polling the outbox every {interval:g} s (Ctrl+C to stop)")
        last_maintenance = 0.0
        while not self.stopping:
            if not connection.in_atomic_block:  # (tests run the command inside a transaction)
                close_old_connections()
            report = outbox.process(batch_size)
            if report and verbosity > 0:
                self.stdout.write(f"applied {len(report.applied)}, failed {len(report.failed)}")
                for doc_id, error in report.failed.items():
                    self.stderr.write(f"  {doc_id}: {error} (will retry)")
            if once and not report.applied:
                break
            if not report.applied:
                if time.monotonic() - last_maintenance > MAINTENANCE_EVERY:
                    get_backend().maintain()
                    last_maintenance = time.monotonic()
                time.sleep(interval)
        backlog = outbox.backlog()
        if verbosity > 0:
            self.stdout.write(
                f"search_worker: {backlog['rows']} rows pending ({backlog['failing']} documents failing, "
                f"{backlog['due']} due now)"
            )
