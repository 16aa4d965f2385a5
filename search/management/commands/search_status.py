"""Show the search index: backend health, documents per kind and language, outbox backlog and
failing updates, and the last rebuild."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from search import outbox
from search.backends import get_backend
from search.documents import count_sources
from search.embeddings import get_embedder
from search.models import OutboxEntry, RebuildState


class Command(BaseCommand):
    help = "Show search index size and outbox backlog."

    def handle(self, *args, **options):
        backend = get_backend()
        health = backend.health()
        status = self.style.SUCCESS("OK") if health.ok else self.style.ERROR("UNAVAILABLE")
        self.stdout.write(f"Backend: {backend.name} ({health.detail}) {status}")
        for line in backend.status_lines():
            self.stdout.write(f"  {line}")
        stats = backend.stats() if health.ok else {}
        sources = count_sources()
        self.stdout.write(f"Documents: {sum(stats.values())} indexed; sources: "
                          f"{sources['article']} articles, {sources['topic']} topics")
        languages = sorted({language for _kind, language in stats})
        if stats:
            self.stdout.write(f"  {'kind':<8}" + "".join(f"{lang:>7}" for lang in languages) + f"{'total':>8}")
            for kind in ("article", "topic"):
                counts = [stats.get((kind, lang), 0) for lang in languages]
                self.stdout.write(f"  {kind:<8}" + "".join(f"{n:>7}" for n in counts) + f"{sum(counts):>8}")
        self._vectors(backend, health.ok)
        backlog = outbox.backlog()
        self.stdout.write(
            f"Outbox: {backlog['rows']} rows for {backlog['documents']} documents "
            f"({backlog['due']} due now, {backlog['failing']} failing)"
        )
        failing = {}
        for row in OutboxEntry.objects.filter(attempts__gt=0).order_by("-attempts", "id"):
            failing.setdefault(row.doc_id, row)
        now = timezone.now()
        for row in list(failing.values())[:20]:
            wait = max(0, int((row.next_attempt_at - now).total_seconds()))
            self.stdout.write(f"  {row.doc_id}: {row.attempts} attempts, next in {wait} s: {row.last_error[:120]}")
        state = RebuildState.objects.filter(backend=backend.name).first()
        if state is None or not state.started_at:
            self.stdout.write("Rebuild: never run")
        elif state.running:
            self.stdout.write(self.style.WARNING(
                f"Rebuild: interrupted at {state.processed}/{state.total} (run search_reindex to resume)"
            ))
        else:
            self.stdout.write(f"Rebuild: generation {state.generation} finished {state.finished_at:%Y-%m-%d %H:%M} UTC")

    def _vectors(self, backend, backend_ok: bool) -> None:
        """Search by meaning: the embedder's health and how many documents have a current vector."""
        embedder = get_embedder()
        if embedder is None:
            self.stdout.write("Vectors: off (SEARCH_EMBEDDINGS = \"none\"): search answers by words only")
            return
        ok, detail = embedder.health()
        state = self.style.SUCCESS("OK") if ok else self.style.ERROR("UNAVAILABLE: search answers by words only")
        self.stdout.write(f"Embedder: {detail} {state}")
        coverage = backend.vector_coverage() if backend_ok else None
        if coverage is None:
            self.stdout.write(f"Vectors: not kept by the {backend.name} backend")
            return
        done, total = coverage
        share = 100 * done / total if total else 100
        line = f"Vectors: {done} of {total} documents ({share:.0f}%)"
        if done < total:
            line += f"; {total - done} wait for the search worker (documents without one are found by words)"
        self.stdout.write(line)
