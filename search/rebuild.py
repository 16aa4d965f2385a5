"""Rebuilding an index from the database: the one resumable loop every backend shares.

    result = rebuild(get_backend(), progress=print)

The loop reads articles, then topics, in batches of object ids and hands each batch to the
backend's `index(docs, generation=...)` between its `begin_rebuild(generation)` and
`finish_rebuild(generation)` hooks (see search/backends/base.py), so a backend that builds into a
new index and swaps an alias (Elasticsearch) and one that rewrites rows in place (the database
backend) share it. The checkpoint (`RebuildState`: phase, last object id) is saved after each batch
in the batch's transaction, so a crash loses at most one batch: the next call resumes there.

A batch that fails is retried document by document; documents that still fail are reported in the
result and queued in the outbox with their error, so `search_worker` retries them: none is dropped.

A backend with an embedded fallback index (Elasticsearch) gets its fallback rebuilt first when
that one needs it: never built, interrupted, or built by older analysis code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from search import documents, outbox
from search.analysis import ANALYSIS_VERSION
from search.backends.base import REBUILD_BATCH, BaseSearchBackend, RebuildProgress
from search.models import OutboxEntry, RebuildState


def rebuild(
    backend: BaseSearchBackend,
    restart: bool = False,
    progress: Callable[[RebuildProgress], None] | None = None,
    batch_size: int = REBUILD_BATCH,
    stop_after: int | None = None,
) -> RebuildProgress:
    """Re-index every document; resumes an interrupted rebuild unless `restart`. `stop_after`
    (documents) simulates an interruption in tests."""
    fallback = backend.fallback_backend
    if fallback is not None and rebuild_reason(fallback):
        def fallback_progress(p: RebuildProgress) -> None:
            if progress:
                progress(RebuildProgress(f"fallback {p.phase}", p.processed, p.total, p.resumed))

        rebuild(fallback, progress=fallback_progress, batch_size=batch_size)
    with backend.rebuilding():
        return _run(backend, restart, progress, batch_size, stop_after)


def state_of(backend: BaseSearchBackend) -> RebuildState:
    state, _ = RebuildState.objects.get_or_create(backend=backend.name)
    return state


def rebuild_reason(backend: BaseSearchBackend) -> str:
    """Why this backend's index needs a rebuild: interrupted, built by older analysis code, or
    empty while there are documents; "" when it needs none."""
    state = RebuildState.objects.filter(backend=backend.name).first()
    if state and state.running:
        return "an interrupted rebuild is waiting to resume"
    if state and state.finished_at and state.analysis_version != ANALYSIS_VERSION:
        return "the text analysis changed since the last rebuild"
    if sum(documents.count_sources().values()) and not backend.document_count():
        return "the index is empty"
    return ""


def is_fresh(backend: BaseSearchBackend) -> tuple[bool, str]:
    """Is the index (and its fallback, if any) populated and current, and the outbox empty?"""
    fallback = backend.fallback_backend
    if fallback is not None and (reason := rebuild_reason(fallback)):
        return False, f"the embedded fallback index: {reason}"
    # The backend's own check first: it reports an unreachable cluster instead of raising.
    reason = backend.index_problem() or rebuild_reason(backend)
    if reason:
        return False, reason
    backlog = OutboxEntry.objects.count()
    if backlog:
        return False, f"{backlog} index updates are waiting in the outbox"
    return True, "index populated and outbox empty"


def _run(backend: BaseSearchBackend, restart: bool, progress, batch_size: int,
         stop_after: int | None) -> RebuildProgress:
    state = state_of(backend)
    resumed = state.running and not restart
    if not resumed:
        state.generation += 1
        state.running = True
        state.phase = documents.ARTICLE
        state.last_object_id = 0
        state.processed = 0
        state.started_at = timezone.now()
        state.finished_at = None
        backend.begin_rebuild(state.generation)
    totals = documents.count_sources()
    state.total = sum(totals.values())
    state.save()
    done_this_run = 0
    failed: dict[str, str] = {}
    phases = [documents.ARTICLE, documents.TOPIC]
    for phase in phases[phases.index(state.phase or documents.ARTICLE):]:
        iter_pks = documents.iter_article_pks if phase == documents.ARTICLE else documents.iter_topic_pks
        builder = documents.article_documents if phase == documents.ARTICLE else documents.topic_documents
        state.phase = phase
        pks = list(iter_pks(after=state.last_object_id))
        for start in range(0, len(pks), batch_size):
            if stop_after is not None and done_this_run >= stop_after:
                return RebuildProgress(state.phase, state.processed, state.total, resumed, failed)
            chunk = pks[start:start + batch_size]
            try:
                with transaction.atomic():
                    backend.index(list(builder(chunk)), generation=state.generation)
                    _checkpoint(state, chunk)
            except Exception:
                backend.check_rebuild_can_continue()
                failed.update(_one_by_one(backend, phase, builder, chunk, state))
                _checkpoint(state, chunk)
            done_this_run += len(chunk)
            if progress:
                progress(RebuildProgress(phase, state.processed, state.total, resumed, dict(failed)))
        state.last_object_id = 0
    backend.finish_rebuild(state.generation)
    state.running = False
    state.phase = ""
    state.analysis_version = ANALYSIS_VERSION
    state.finished_at = timezone.now()
    state.save()
    result = RebuildProgress("done", state.processed, state.total, resumed, failed)
    if progress:
        progress(result)
    return result


def _checkpoint(state: RebuildState, chunk: list[int]) -> None:
    state.last_object_id = chunk[-1]
    state.processed += len(chunk)
    state.save(update_fields=["phase", "last_object_id", "processed", "total"])


def _one_by_one(backend: BaseSearchBackend, phase: str, builder, chunk: list[int],
                state: RebuildState) -> dict[str, str]:
    make_id = documents.article_id if phase == documents.ARTICLE else documents.topic_id
    failed: dict[str, str] = {}
    for pk in chunk:
        try:
            with transaction.atomic():
                backend.index(list(builder([pk])), generation=state.generation)
        except Exception as exc:
            doc_id = make_id(pk)
            failed[doc_id] = f"{type(exc).__name__}: {exc}"
            outbox.enqueue([doc_id], "rebuild failed")
            outbox.record_failure(doc_id, failed[doc_id])
    return failed


VECTOR_BATCH = 32  # titles per model call: large enough to amortise the call, small enough to show progress


def embed_vectors(backend: BaseSearchBackend, progress: Callable[[RebuildProgress], None] | None = None,
                  batch_size: int = VECTOR_BATCH, stop_after: int | None = None) -> RebuildProgress | None:
    """The vectors phase: embed every document whose vector is missing or stale, in batches. The
    database is the checkpoint (a stored vector is done), so an interrupted run resumes where it
    stopped. None when the backend keeps no vectors or they are off. Raises EmbedderUnavailable
    (search keeps answering by words; the worker embeds once the model is back)."""
    coverage = backend.vector_coverage()
    if coverage is None:
        return None
    done, total = coverage
    resumed, made = 0 < done < total, 0
    while done < total:
        if stop_after is not None and made >= stop_after:
            break
        stored = backend.embed_pending(batch_size)
        if not stored:
            break
        done, made = done + stored, made + stored
        if progress:
            progress(RebuildProgress("vectors", done, total, resumed))
    return RebuildProgress("vectors", done, total, resumed)
