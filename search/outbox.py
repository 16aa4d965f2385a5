"""Index freshness without loss: the outbox.

1. A change to a searchable object writes an `OutboxEntry` ("document X may have changed") from a
   signal receiver *after* the change (`enqueue` from post_save / post_delete and the like), in
   the change's transaction when there is one. So a worker can only see the row once the change
   itself is visible: it never applies (and deletes the row for) a state older than the change.
   A save in autocommit mode commits the change and the row separately; for that gap the
   pre-save receiver writes a crash-net row (`enqueue_crash_net`) that only becomes due after
   conf.outbox_pending_grace(), long after the row written behind the change normally arrives.
2. Right after the change, the document is applied at once so readers see it (`schedule`): at the
   end of the current request (coalescing the many saves machina does per post), or, outside a
   request, when the transaction commits (`transaction.on_commit`).
3. Whatever was not applied (crash, backend error, SEARCH_APPLY_IMMEDIATELY off) is applied by
   `manage.py search_worker` (`process`). Applying re-reads the current database state, so it is
   idempotent. Two workers never apply the same document at once (a per-document lock on
   PostgreSQL; SQLite has one writer): otherwise an older read could overwrite a newer one in the
   index after the newer one's rows were cleared. The apply right after a request does not wait
   for that lock: a document another process is applying keeps its row for the worker (the
   thread everyone answers would otherwise have every reply's request rebuild it in turn). A failure keeps the rows, counts the attempt,
   records the error and retries after an exponential back-off (SEARCH_OUTBOX_BACKOFF); rows are
   never dropped.

On the database backend the index and the outbox live in the same database, so applying a
document and deleting its outbox rows commit together.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from helpcenter.workers import exponential_backoff
from search import conf

logger = logging.getLogger(__name__)

# Doc ids changed during the current request; applied when the request finishes.
_request_pending: ContextVar[set[str] | None] = ContextVar("search_request_pending", default=None)


def enqueue(doc_ids: Iterable[str], reason: str = "", delay: timedelta | None = None) -> None:
    """Record that these documents have changed: call after the change, inside its transaction
    when it has one."""
    from search.models import OutboxEntry

    now = timezone.now()
    due = now + delay if delay else now
    rows = [OutboxEntry(doc_id=doc_id, reason=reason[:40], created_at=now, next_attempt_at=due)
            for doc_id in dict.fromkeys(doc_ids)]
    if rows:
        OutboxEntry.objects.bulk_create(rows)


def enqueue_crash_net(doc_ids: Iterable[str], reason: str = "") -> None:
    """Before a change: a row that covers a crash between an autocommit change and the row written
    after it. Due only after the grace period, so a worker never consumes it while the change is
    still in flight. Inside a transaction the row written after the change commits with it, so
    none is needed."""
    if connection.in_atomic_block:
        return
    enqueue(doc_ids, reason, delay=timedelta(seconds=conf.outbox_pending_grace()))


def _lock_documents(doc_ids: list[str], wait: bool = True) -> list[str]:
    """Serialise applies of the same documents across processes until this transaction ends;
    returns the documents this transaction may apply.

    PostgreSQL: transaction-level advisory locks, taken in sorted order (no deadlock). Without
    `wait` (the apply right after a request) a document another process is applying is left out:
    its outbox row stays and the search worker applies it within seconds. In the thread everyone
    answers during an incident, every reply's request would otherwise queue to rebuild the same
    document one after the other. SQLite allows one writer at a time and refuses a write from a
    stale read, so it needs none."""
    if connection.vendor != "postgresql":
        return doc_ids
    keys: dict[int, list[str]] = {}
    for doc_id in doc_ids:
        keys.setdefault(zlib.crc32(doc_id.encode()) - 2**31, []).append(doc_id)
    locked: list[str] = []
    with connection.cursor() as cursor:
        for key in sorted(keys):
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [key])
                if not cursor.fetchone()[0]:
                    continue
            locked += keys[key]
    return sorted(locked)


def schedule(doc_ids: Iterable[str]) -> None:
    """Apply these documents soon after the current change commits (best effort; the outbox rows
    guarantee it anyway)."""
    doc_ids = set(doc_ids)
    if not doc_ids or not conf.apply_immediately():
        return
    pending = _request_pending.get()
    if pending is not None:
        pending.update(doc_ids)
        return
    transaction.on_commit(lambda: apply_now(doc_ids))


def request_started(**kwargs) -> None:
    _request_pending.set(set())


def request_finished(**kwargs) -> None:
    pending = _request_pending.get()
    _request_pending.set(None)
    if pending:
        apply_now(pending)


@contextmanager
def batched() -> Iterator[None]:
    """Collect the documents scheduled inside the block and apply them once at its end, as a
    request does. For bulk loads (demo content, imports): one index pass instead of one per save."""
    token = _request_pending.set(set())
    try:
        yield
    finally:
        pending = _request_pending.get()
        _request_pending.reset(token)
        if pending:
            apply_now(pending)


@dataclass
class ProcessReport:
    applied: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.applied or self.failed)


def apply_now(doc_ids: Iterable[str]) -> ProcessReport:
    """Apply these documents from the current state now, whether or not rows are pending for them
    (a worker may have consumed the rows before the change committed). Never raises."""
    try:
        return _apply_docs(sorted(set(doc_ids)), record_missing=True, wait=False)
    except Exception:  # the database itself failed: the outbox rows stay for the worker
        logger.exception("search: applying %s right away failed; the worker will retry", doc_ids)
        return ProcessReport()


def process(batch_size: int = 200) -> ProcessReport:
    """Apply due outbox rows (one batch). Returns what was applied and what failed."""
    from search.backends import get_backend
    from search.models import OutboxEntry

    # A backend may make deferred rows due first (Elasticsearch: the cluster is back after an outage).
    before_batch = getattr(get_backend(), "before_outbox_batch", None)
    if before_batch is not None:
        before_batch()
    due = list(
        OutboxEntry.objects.filter(next_attempt_at__lte=timezone.now())
        .order_by("id")
        .values_list("doc_id", flat=True)[:batch_size]
    )
    return _apply_docs(sorted(set(due)))


def drain(batch_size: int = 200, max_batches: int | None = None) -> ProcessReport:
    """Process batches until nothing is due (or max_batches). Failed rows wait for their back-off."""
    total = ProcessReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        report = process(batch_size)
        batches += 1
        total.applied += report.applied
        total.failed.update(report.failed)
        if not report.applied:
            break
    return total


def _apply_docs(doc_ids: list[str], record_missing: bool = False, chunk: int = 100,
                wait: bool = True) -> ProcessReport:
    from search.backends import get_backend

    backend = get_backend()
    report = ProcessReport()
    for start in range(0, len(doc_ids), chunk):
        part = doc_ids[start:start + chunk]
        try:
            report.applied += _apply_and_clear(backend, part, wait)
        except Exception:
            # Find the documents at fault so one bad document doesn't hold back the others.
            for doc_id in part:
                try:
                    report.applied += _apply_and_clear(backend, [doc_id], wait)
                except Exception as exc:
                    logger.warning("search: indexing %s failed: %s", doc_id, exc, exc_info=True)
                    report.failed[doc_id] = f"{type(exc).__name__}: {exc}"
                    _record_failure(doc_id, report.failed[doc_id], record_missing)
    return report


def _apply_and_clear(backend, doc_ids: list[str], wait: bool = True) -> list[str]:
    """Apply the documents and delete the outbox rows that described them; returns those applied
    (without `wait`, documents another process is applying are left to the worker)."""
    from search.models import OutboxEntry

    if backend.fallback_backend is not None:
        return _apply_with_fallback(backend, doc_ids, wait)
    with transaction.atomic():
        doc_ids = _lock_documents(doc_ids, wait)
        if not doc_ids:
            return []
        # Rows up to here describe changes committed before we read the documents below; rows
        # written after this point (a change committing meanwhile) stay for the next round.
        seen = OutboxEntry.objects.filter(doc_id__in=doc_ids).aggregate(m=Max("id"))["m"]
        backend.apply(doc_ids)
        if seen is not None:
            OutboxEntry.objects.filter(doc_id__in=doc_ids, id__lte=seen).delete()
    return doc_ids


def _apply_with_fallback(backend, doc_ids: list[str], wait: bool = True) -> list[str]:
    """For a backend that keeps the embedded index as its outage fallback (Elasticsearch): apply to
    the fallback first and commit that on its own, so the fallback stays current while the primary
    is down; then apply to the primary, and delete the rows only once it has them. A failure there
    keeps the rows (retried with back-off, re-applying the fallback harmlessly: applying is
    idempotent). See docs/elasticsearch.md, "The outbox with two indexes"."""
    from search.models import OutboxEntry

    # Read before either index reads the documents: rows up to here are covered by both.
    seen = OutboxEntry.objects.filter(doc_id__in=doc_ids).aggregate(m=Max("id"))["m"]
    with transaction.atomic():
        doc_ids = _lock_documents(doc_ids, wait)
        if not doc_ids:
            return []
        backend.fallback_backend.apply(doc_ids)
    backend.apply(doc_ids)
    if seen is not None:
        OutboxEntry.objects.filter(doc_id__in=doc_ids, id__lte=seen).delete()
    return doc_ids


def backoff_delay(attempts: int) -> timedelta:
    first, maximum = conf.outbox_backoff()
    return timedelta(seconds=exponential_backoff(max(attempts, 1), first, maximum))


def record_failure(doc_id: str, error: str) -> None:
    """Count a failed attempt on the document's outbox rows (creating one if none is pending)."""
    _record_failure(doc_id, error, record_missing=True)


def _record_failure(doc_id: str, error: str, record_missing: bool) -> None:
    from search.models import OutboxEntry

    with transaction.atomic():
        rows = list(OutboxEntry.objects.select_for_update().filter(doc_id=doc_id))
        if not rows and record_missing:
            rows = [OutboxEntry.objects.create(doc_id=doc_id, reason="retry")]
        now = timezone.now()
        for row in rows:
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = now + backoff_delay(row.attempts)
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])


def backlog() -> dict[str, int]:
    """Outbox size: rows, distinct documents, documents that failed at least once, rows due now."""
    from search.models import OutboxEntry

    rows = OutboxEntry.objects.all()
    return {
        "rows": rows.count(),
        "documents": rows.values("doc_id").distinct().count(),
        "failing": rows.filter(attempts__gt=0).values("doc_id").distinct().count(),  # documents
        "due": rows.filter(next_attempt_at__lte=timezone.now()).count(),
    }
