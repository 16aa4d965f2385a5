"""The embedded backend's corpus statistics stay exact through edits and deletions.

BM25 divides by the average document length; PostgreSQL keeps the corpus size and total length in
`search_pg_stats`, and document frequencies in `search_term`: each write appends its differences,
which readers add and the worker merges (SQLite's FTS5 keeps its own). A write that read the old
length after overwriting it would let the average drift with every edit; a write that updated
a shared statistics row would make every other write wait for its transaction.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

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
        cursor.execute(
            "SELECT s.doc_count + COALESCE(sum(d.doc_count), 0), s.total_length + COALESCE(sum(d.total_length), 0) "
            "FROM search_pg_stats s LEFT JOIN search_pg_stats_delta d ON true WHERE s.id = 1 "
            "GROUP BY s.doc_count, s.total_length")
        stored = tuple(int(v) for v in cursor.fetchone())
        cursor.execute("SELECT count(*), COALESCE(sum(length), 0) FROM search_document WHERE tf IS NOT NULL")
        real = tuple(int(v) for v in cursor.fetchone())
    return stored, real


def term_frequencies() -> tuple[dict[str, int], dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT term, sum(df) FROM (SELECT term, df FROM search_term UNION ALL "
                       "SELECT term, df FROM search_term_delta) AS t GROUP BY term HAVING sum(df) <> 0")
        stored = {term: int(df) for term, df in cursor.fetchall()}
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


def pending() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM search_term_delta) + (SELECT count(*) FROM search_pg_stats_delta)")
        return cursor.fetchone()[0]


def test_merging_the_differences_changes_nothing_a_reader_sees(settings):
    settings.SEARCH_BACKEND = "database"
    backend = get_backend()
    backend.index([doc(1, "The mailbox bounces every message"), doc(2, "Quota exceeded on the mailbox")])
    backend.index([doc(1, "Fixed after the DNS change")])
    backend.delete(["topic:2"])
    before = stored_and_real(), term_frequencies()
    assert pending() > 0
    assert backend.fold_statistics() > 0
    assert pending() == 0
    assert (stored_and_real(), term_frequencies()) == before
    assert before[0][0] == before[0][1] and before[1][0] == before[1][1]


@pytest.mark.django_db(transaction=True)
def test_a_write_never_waits_for_another_writes_statistics(settings):
    """Two documents written at the same time: the second must not wait for the first's
    transaction (no statistics row that both update)."""
    settings.SEARCH_BACKEND = "database"
    backend = get_backend()
    # Committed tests before this one leave statistics behind (flushing the database empties
    # Django's tables, not the engine's): a rebuild's recount starts from what is there.
    backend.finish_rebuild(backend.current_generation())
    backend.index([doc(1, "Mailbox quota"), doc(2, "Mailbox bounce")])
    first_written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                backend.index([doc(1, "A much longer body about the mailbox quota and its warning mails")])
                first_written.set()
                release.wait(30)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
            first_written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_written.wait(30)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '3s'")
            backend.index([doc(2, "The mailbox bounce was a full disk on the relay")])
    finally:
        release.set()
        thread.join(30)
    assert not errors, errors
    stored, real = stored_and_real()
    assert stored == real
