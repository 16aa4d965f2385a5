"""Apply queued search index updates (the outbox) forever, or once with --once.

Run one (or several: applies of one document are serialised) next to the web processes. Failed
updates are retried with exponential back-off and never dropped; `search_status` lists them. An
error outside a document (the database down, the index table missing) is logged and the worker
backs off and carries on (helpcenter/workers.py).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from helpcenter.workers import WorkerLoop
from search import outbox
from search.backends import get_backend
from search.embeddings import EmbedderUnavailable

MAINTENANCE_EVERY = 60  # seconds: index housekeeping (segment merges) when idle
STATISTICS_EVERY = 5  # seconds: merge appended corpus statistics, busy or idle
VECTOR_BATCH = 16  # documents embedded per pass (~0.4 s of titles): index updates never wait long
EMBEDDER_RETRY = 60  # seconds before trying an unavailable embedder again


class OutboxPass:
    """One pass of the worker: apply a batch, embed a batch of documents that have no current
    vector (so saving a post never waits on the model); when idle, do the index housekeeping now
    and then."""

    def __init__(self, batch_size: int, report_to=None, verbosity: int = 1) -> None:
        self.batch_size = batch_size
        self.report_to = report_to
        self.verbosity = verbosity
        self.last_maintenance = 0.0
        self.last_statistics = 0.0
        self.embedder_failed_at: float | None = None

    def __call__(self) -> bool:
        if not connection.in_atomic_block:  # (tests run the command inside a transaction)
            close_old_connections()
        report = outbox.process(self.batch_size)
        if report and self.verbosity > 0 and self.report_to is not None:
            self.report_to.stdout.write(f"applied {len(report.applied)}, failed {len(report.failed)}")
            for doc_id, error in report.failed.items():
                self.report_to.stderr.write(f"  {doc_id}: {error} (will retry)")
        if time.monotonic() - self.last_statistics > STATISTICS_EVERY:
            self.last_statistics = time.monotonic()
            get_backend().fold_statistics()
        embedded = self._embed()
        if report.applied or embedded:
            return True
        if time.monotonic() - self.last_maintenance > MAINTENANCE_EVERY:
            self.last_maintenance = time.monotonic()
            get_backend().maintain()
        return False


    def _embed(self) -> int:
        if self.embedder_failed_at is not None and time.monotonic() - self.embedder_failed_at < EMBEDDER_RETRY:
            return 0
        try:
            embedded = get_backend().embed_pending(VECTOR_BATCH)
        except EmbedderUnavailable as exc:
            self.embedder_failed_at = time.monotonic()
            if self.report_to is not None:
                self.report_to.stderr.write(f"vectors: {exc} (search answers by words; retrying in {EMBEDDER_RETRY} s)")
            return 0
        self.embedder_failed_at = None
        if embedded and self.verbosity > 1 and self.report_to is not None:
            self.report_to.stdout.write(f"embedded {embedded}")
        return embedded


class Command(BaseCommand):
    help = "Apply pending search index updates from the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Apply what is due now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--max-backoff", type=float, default=300.0,
                            help="Longest wait after repeated errors, in seconds.")

    def handle(self, *args, once=False, interval=1.0, batch_size=200, max_backoff=300.0, verbosity=1, **options):
        step = OutboxPass(batch_size, report_to=self, verbosity=verbosity)
        if once:
            while step():
                pass
        else:
            self.stdout.write(f"search_worker: polling the outbox every {interval:g} s (Ctrl+C to stop)")
            WorkerLoop("search_worker", interval=interval, max_backoff=max_backoff, stderr=self.stderr).run(step)
        backlog = outbox.backlog()
        if verbosity > 0:
            self.stdout.write(
                f"search_worker: {backlog['rows']} rows pending ({backlog['failing']} documents failing, "
                f"{backlog['due']} due now)"
            )
