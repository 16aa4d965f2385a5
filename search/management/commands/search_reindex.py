"""Rebuild the search index from the database, with a progress bar; resumable.

    manage.py search_reindex                  resume an interrupted rebuild, else start a new one
    manage.py search_reindex --restart        start over even if a rebuild was interrupted
    manage.py search_reindex --quiet-if-fresh skip the rebuild when the index is populated, current
                                              and the outbox is empty (what `make run` calls)

Then the vectors phase (search by meaning, unless SEARCH_EMBEDDINGS is "none") embeds every
document whose vector is missing or stale, with its own progress bar and rate; the stored vectors
are its checkpoint, so it too resumes after a crash. If the model cannot load, it says so and
stops: search answers by words meanwhile.

The site keeps answering searches during a rebuild: documents are rewritten in place and those
whose source is gone are removed at the end. Ctrl+C (or a crash) keeps the checkpoint; run the
command again to continue where it stopped.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from search import rebuild
from search.backends import get_backend
from search.backends.base import RebuildProgress
from search.embeddings import EmbedderUnavailable


class Command(BaseCommand):
    help = "Rebuild the search index (resumable, with progress)."

    def add_arguments(self, parser):
        parser.add_argument("--restart", action="store_true", help="Ignore an interrupted rebuild and start over.")
        parser.add_argument(
            "--quiet-if-fresh", action="store_true",
            help="Skip silently when the index is populated, current and the outbox is empty.",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, restart=False, quiet_if_fresh=False, batch_size=500, verbosity=1, **options):
        backend = get_backend()
        if quiet_if_fresh and not restart:
            fresh, reason = rebuild.is_fresh(backend)
            if fresh:
                if verbosity > 1:
                    self.stdout.write(f"Search index is fresh ({reason}).")
                self._vectors(backend, verbosity)
                return
            self.stdout.write(f"Rebuilding the search index: {reason}.")
        started = time.monotonic()
        show_bar = verbosity > 0
        state = rebuild.state_of(backend)
        if state.running and not restart:
            self.stdout.write(
                f"Resuming the interrupted rebuild (generation {state.generation}, "
                f"{state.processed} documents done, at {state.phase} after id {state.last_object_id})."
            )

        def progress(p: RebuildProgress) -> None:
            if show_bar:
                self._bar(p, time.monotonic() - started)

        result = rebuild.rebuild(backend, restart=restart, progress=progress, batch_size=batch_size)
        elapsed = time.monotonic() - started
        if show_bar:
            self.stdout.write("")
        rate = result.processed / elapsed if elapsed > 0 else 0
        self.stdout.write(self.style.SUCCESS(
            f"Search index rebuilt: {backend.document_count()} documents indexed "
            f"({result.processed} sources read, {elapsed:.1f} s, {rate:.0f}/s)."
        ))
        if result.failed:
            self.stderr.write(self.style.WARNING(
                f"{len(result.failed)} documents could not be indexed; they wait in the outbox and "
                "`search_worker` retries them (see `search_status`):"
            ))
            for doc_id, error in sorted(result.failed.items()):
                self.stderr.write(f"  {doc_id}: {error}")
        self._vectors(backend, verbosity)

    def _vectors(self, backend, verbosity: int) -> None:
        """The vectors phase (search by meaning): every document without a current vector."""
        coverage = backend.vector_coverage()
        if coverage is None or coverage[0] >= coverage[1]:
            return
        started = time.monotonic()
        if coverage[0]:
            self.stdout.write(f"Vectors: resuming, {coverage[0]} of {coverage[1]} documents already embedded.")

        def progress(p: RebuildProgress) -> None:
            if verbosity > 0:
                self._bar(p, time.monotonic() - started, done_before=coverage[0])

        try:
            result = rebuild.embed_vectors(backend, progress=progress)
        except EmbedderUnavailable as exc:
            if verbosity > 0:
                self.stdout.write("")
            self.stderr.write(self.style.WARNING(
                f"Vectors skipped: {exc}. Search answers by words until the model works; the search "
                "worker embeds the documents then (see `search_status`)."
            ))
            return
        elapsed = time.monotonic() - started
        made = result.processed - coverage[0]
        if verbosity > 0:
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(
            f"Vectors: {result.processed} of {result.total} documents embedded "
            f"({made} now, {elapsed:.1f} s, {made / elapsed if elapsed > 0 else 0:.1f}/s)."
        ))

    def _bar(self, p: RebuildProgress, elapsed: float, done_before: int = 0) -> None:
        total = max(p.total, p.processed, 1)
        width = 30
        filled = int(width * p.processed / total)
        rate = (p.processed - done_before) / elapsed if elapsed > 0 else 0
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {p.processed}/{total} {p.phase:<8} {rate:6.0f}/s"
        out = self.stdout
        if out.isatty() if hasattr(out, "isatty") else sys.stdout.isatty():
            out.write(line, ending="")
            out.flush()
        elif p.phase == "done" or p.processed % (p.total // 10 or 1) < 500:
            out.write(line.strip("\r"))
