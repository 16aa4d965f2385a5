"""Document vectors of the embedded backend (SQLite and PostgreSQL alike) and the per-process
matrix that finds a query's nearest documents.

Storage: `search_vector`, one row per document: its float32 vector as bytes, the embedder that
made it (`model`) and a hash of the text it was made from (`text_hash`). A document needs a new
vector when it has none, or its stored one was made by another embedder or from another text
(`search_document.embed_hash`, set when the document is indexed). Vectors are made off the
request path, in batches, by the search worker and `search_reindex` (`embed_pending`); until then
the document is found lexically.

The matrix: each process keeps every current vector in one numpy array and scans it exactly (a
dot product per document: about 15 ms for 100k documents on one core; 1.5 KB of memory per
document). It is only a cache. Every transaction that writes vectors bumps `search_vector_clock`
inside it, so readers look at one small row per query and load only the rows stamped since their
last look; the clock's row lock orders writers by commit, so no row is missed. The clock only
moves forward; one found behind a process's copy (a database restored from an older backup) makes
that process load everything again. A document deleted
from the index keeps its vector in the matrix until the process restarts; it never shows, as
candidates are joined to `search_document` with the reader's filters.

pgvector is not needed (it is not in the archive these hosts install from); at a few hundred
thousand documents an exact scan is still faster than a request's other work.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from search.models import DocumentVector, IndexedDocument, VectorClock

PASSAGE_CHARS = 300  # of the body, after the title, in a document's second text


def embed_texts(title: str, body: str) -> tuple[str, str]:
    """What a document's vector is made from: the mean of the vectors of its title and of its title
    with the start of its body (a thread's question, an article's summary). Measured on StackFAQ
    (search by meaning alone, 125 threads): title 0.88 MRR@10, title and body start 0.89, the mean
    of both 0.91; blended with word matching 0.92, 0.92 and 0.94. Longer passages cost more to
    embed (~6x a title for 400 characters) and wander off the question."""
    title = " ".join(title.split())
    start = " ".join(body[:2 * PASSAGE_CHARS].split())
    if len(start) > PASSAGE_CHARS:
        start = start[:PASSAGE_CHARS].rsplit(" ", 1)[0]
    return title, f"{title}. {start}" if start else title


def text_hash(title: str, body: str) -> str:
    """`search_document.embed_hash`: changes when what the vector is made from changes. A vector
    is stored with the hash its document had when its texts were read, so a document changed
    meanwhile is embedded again."""
    title, passage = embed_texts(title, body)
    return hashlib.sha1(f"{title}\n{passage}".encode()).hexdigest()[:16]


# --- writing ----------------------------------------------------------------------------------


def pending(model: str, limit: int) -> list[tuple[int, str, str, str]]:
    """Up to `limit` documents whose vector is missing or stale, as (row id, embed hash, title,
    body start), oldest rows first (a rebuild's order, so an interrupted vectors phase resumes where it
    stopped)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.embed_hash, d.title, substr(coalesce(t.body, ''), 1, %s) FROM search_document d "
            "LEFT JOIN search_vector v ON v.id = d.id LEFT JOIN search_document_text t ON t.id = d.id "
            "WHERE v.id IS NULL OR v.model <> %s OR v.text_hash <> d.embed_hash ORDER BY d.id LIMIT %s",
            [2 * PASSAGE_CHARS, model, limit],
        )
        return cursor.fetchall()


def pending_count(model: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM search_document d LEFT JOIN search_vector v ON v.id = d.id "
            "WHERE v.id IS NULL OR v.model <> %s OR v.text_hash <> d.embed_hash",
            [model],
        )
        return cursor.fetchone()[0]


def write(model: str, rows: Iterable[tuple[int, str, np.ndarray]]) -> int:
    """Store (row id, text hash, vector) rows, stamped with a new clock value; rows whose document
    was deleted meanwhile are skipped. Returns how many were stored."""
    rows = list(rows)
    if not rows:
        return 0
    with transaction.atomic():
        stamp = _tick()
        alive = set(IndexedDocument.objects.filter(id__in=[pk for pk, _h, _v in rows]).values_list("id", flat=True))
        DocumentVector.objects.bulk_create(
            [
                DocumentVector(document_id=pk, model=model, text_hash=hashed, stamp=stamp,
                               vector=np.asarray(vector, dtype=np.float32).tobytes())
                for pk, hashed, vector in rows if pk in alive
            ],
            update_conflicts=True,
            unique_fields=["document"],
            update_fields=["model", "text_hash", "stamp", "vector"],
        )
    return len(alive)


def _tick() -> int:
    """Bump the clock in the current transaction (taking its row lock until commit)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE search_vector_clock SET stamp = stamp + 1 WHERE id = 1")
        if cursor.rowcount == 0:  # a flushed database (tests) lost the migration's row
            VectorClock.objects.create(id=1, stamp=1)
            return 1
        cursor.execute("SELECT stamp FROM search_vector_clock WHERE id = 1")
        return cursor.fetchone()[0]


def coverage(model: str) -> tuple[int, int]:
    """(documents with a current vector, documents)."""
    total = IndexedDocument.objects.count()
    return total - pending_count(model), total


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Matrix:
    """Every current vector of one embedder in this process: row i of `vectors` is document
    `ids[i]`."""

    model: str
    stamp: int
    ids: np.ndarray  # int64 row ids
    vectors: np.ndarray  # (n, dim) float32, unit length
    positions: dict[int, int]
    _store: np.ndarray | None = None  # `vectors` is a view of its first rows; the rest is room to grow
    _ids_store: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self._store is None:
            self._store, self._ids_store = self.vectors, self.ids

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k documents closest to `query` (a unit vector), as (row id, similarity), best first.
        A document's vector is the mean of two unit vectors, so its similarity is the mean of two
        cosines."""
        if not len(self.ids) or k <= 0:
            return []
        scores = self.vectors @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]

    def similarity(self, query: np.ndarray, pks: Iterable[int]) -> dict[int, float]:
        """Cosine of `query` with each of these documents that has a vector."""
        found = {pk: self.positions[pk] for pk in pks if pk in self.positions}
        if not found:
            return {}
        scores = self.vectors[list(found.values())] @ query
        return {pk: float(score) for pk, score in zip(found, scores, strict=True)}


_matrices: dict[tuple[str, str], Matrix] = {}
_load_lock = threading.Lock()


def forget() -> None:
    """Drop this process's matrices. For tests, which roll the database (and its clock) back to
    where it was, so the next test's vectors get the stamps the previous test's had."""
    with _load_lock:
        _matrices.clear()


def matrix(model: str) -> Matrix:
    """This process's matrix for `model`, brought up to date with the database first."""
    key = (connection.alias, model)
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM search_vector_clock WHERE id = 1")
        row = cursor.fetchone()
    stamp = row[0] if row else 0
    current = _matrices.get(key)
    if current is not None and current.stamp == stamp:
        return current
    with _load_lock:
        current = _matrices.get(key)
        if current is not None and current.stamp == stamp:
            return current
        # A clock behind our copy means the table was emptied and refilled (tests, a restored
        # backup): start over.
        since = current.stamp if current is not None and current.stamp < stamp else None
        current = _load(model, stamp, current if since is not None else None)
        _matrices[key] = current
        return current


def _load(model: str, stamp: int, base: Matrix | None) -> Matrix:
    since = base.stamp if base is not None else -1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, vector FROM search_vector WHERE model = %s AND stamp > %s AND stamp <= %s",
            [model, since, stamp],
        )
        fetched = cursor.fetchall()
    changed = {pk: np.frombuffer(bytes(blob), dtype=np.float32) for pk, blob in fetched}
    if base is None or not len(base.ids):
        ids = np.fromiter(changed, dtype=np.int64, count=len(changed))
        vectors = np.vstack(list(changed.values())) if changed else np.zeros((0, 0), dtype=np.float32)
        return Matrix(model, stamp, ids, vectors, {int(pk): i for i, pk in enumerate(ids)})
    # Changed rows are overwritten in place and new ones appended into spare capacity, so a request
    # scanning the previous Matrix in another thread still sees its own `n` rows (at worst one
    # document's vector mid-update) and nothing the size of the matrix is copied per write.
    positions = dict(base.positions)
    store, ids_store = base._store, base._ids_store
    n = len(base.ids)
    new = [pk for pk in changed if pk not in positions]
    if n + len(new) > len(store):
        capacity = max(2 * len(store), n + len(new), 1024)
        store = np.concatenate([store[:n], np.zeros((capacity - n, store.shape[1]), dtype=np.float32)])
        ids_store = np.concatenate([ids_store[:n], np.zeros(capacity - n, dtype=np.int64)])
    for pk, vector in changed.items():
        if pk in positions:
            store[positions[pk]] = vector
    for pk in new:
        store[n] = changed[pk]
        ids_store[n] = pk
        positions[pk] = n
        n += 1
    return Matrix(model, stamp, ids_store[:n], store[:n], positions, store, ids_store)
