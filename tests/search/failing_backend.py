"""Test-only backends that fail to index chosen documents, to prove the outbox retries.

The flag lives in the database (the shared database cache), not in process memory, so it works
whichever process applies the outbox. Registered by dotted path in SEARCH_BACKEND.
"""

from __future__ import annotations

from django.core.cache import cache

from search.backends.database import DatabaseSearchBackend

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


class FailingDatabaseBackend(FailOnFlagMixin, DatabaseSearchBackend):
    name = "database"


try:  # the Elasticsearch backend arrives with issue 6
    from search.backends.elasticsearch import ElasticsearchSearchBackend
except ImportError:  # pragma: no cover
    ElasticsearchSearchBackend = None

if ElasticsearchSearchBackend is not None:  # pragma: no cover

    class FailingElasticsearchBackend(FailOnFlagMixin, ElasticsearchSearchBackend):
        name = ElasticsearchSearchBackend.name
