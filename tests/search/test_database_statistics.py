"""The embedded backend's corpus statistics stay exact through edits and deletions.

BM25 divides by the average document length; PostgreSQL keeps the corpus size and total length in
`search_pg_stats`, and document frequencies in `search_term`, updated by the difference at each
write (SQLite's FTS5 keeps its own). A write that read the old length after overwriting it would
let the average drift with every edit.
"""

from __future__ import annotations

import pytest
from django.db import connection

from search.backends import get_backend
from search.documents import TOPIC, SearchDocument

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps its own statistics tables"),
]


def doc(pk: int, body: str) -> SearchDocument:
    return SearchDocument(id=f"topic:{pk}", kind=TOPIC, object_id=pk, language="en",
                          title=f"Mail bounce question {pk}", body=body, url=f"/t/{pk}/", forum_id=1)


def stored_and_real() -> tuple[tuple[int, int], tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT doc_count, total_length FROM search_pg_stats WHERE id = 1")
        stored = tuple(int(v) for v in cursor.fetchone())
        cursor.execute("SELECT count(*), COALESCE(sum(length), 0) FROM search_document WHERE tf IS NOT NULL")
        real = tuple(int(v) for v in cursor.fetchone())
    return stored, real


def term_frequencies() -> tuple[dict[str, int], dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT term, df FROM search_term")
        stored = dict(cursor.fetchall())
        cursor.execute("SELECT key, count(*) FROM search_document, jsonb_object_keys(tf) AS key GROUP BY key")
        real = dict(cursor.fetchall())
    return stored, real


def test_length_and_document_frequencies_follow_edits_and_deletions(settings):
    settings.SEARCH_BACKEND = "database"
    backend = get_backend()
    backend.index([doc(1, "The mailbox bounces every message"), doc(2, "Quota exceeded on the mailbox")])
    stored, real = stored_and_real()
    assert stored == real and real[0] == 2

    # A much longer body, then a shorter one: the total must follow both.
    backend.index([doc(1, " ".join(f"word{n} bounce" for n in range(500)))])
    stored, real = stored_and_real()
    assert stored == real
    backend.index([doc(1, "Fixed after the DNS change")])
    stored, real = stored_and_real()
    assert stored == real

    assert term_frequencies()[0] == term_frequencies()[1]
    backend.delete(["topic:2"])
    stored, real = stored_and_real()
    assert stored == real == (1, real[1])
    assert term_frequencies()[0] == term_frequencies()[1]
