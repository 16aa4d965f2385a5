"""Test-only backends that fail to index chosen documents, to prove the outbox retries.

The flag lives in the database (the shared database cache), not in process memory, so it works
whichever process applies the outbox. Registered by dotted path in SEARCH_BACKEND.
"""

from __future__ import annotations

from django.core.cache import cache

from search.backends.database import engine_class
from search.backends.elasticsearch import ElasticsearchSearchBackend

FLAG_KEY = "search-tests:fail-index"


def fail_indexing(*doc_ids: str) -> None:
    cache.set(FLAG_KEY, sorted(doc_ids), timeout=None)


def stop_failing() -> None:
    cache.delete(FLAG_KEY)


class FailOnFlagMixin:
    def index(self, docs, generation=None):
        docs = list(docs)
        flagged = set(cache.get(FLAG_KEY) or ())
        for doc in docs:
            if doc.id in flagged:
                raise RuntimeError(f"injected indexing failure for {doc.id}")
        return super().index(docs, generation=generation)


class FailingDatabaseBackend(FailOnFlagMixin, engine_class()):  # the engine of the test database
    name = "database"


class FailingElasticsearchBackend(FailOnFlagMixin, ElasticsearchSearchBackend):
    name = ElasticsearchSearchBackend.name
