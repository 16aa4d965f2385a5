"""Fixtures for the search tests: each behaviour test runs once per configured backend."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.core.management import call_command

from search import outbox
from search.backends import get_backend

# Backends the behaviour suite runs against: name -> (SEARCH_BACKEND value, reason to skip or None).
BACKENDS = {
    "database": ("database", None),
    "elasticsearch": (
        "elasticsearch",
        None if os.environ.get("ELASTICSEARCH_URL") else "ELASTICSEARCH_URL is not set: no Elasticsearch cluster to test against",
    ),
}
FAILING_BACKENDS = {
    "database": "tests.search.failing_backend.FailingDatabaseBackend",
    "elasticsearch": "tests.search.failing_backend.FailingElasticsearchBackend",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _clean_cache(db):
    cache.clear()  # the failure-injection flag and permission versions live in the database cache
    yield
    cache.clear()


@pytest.fixture(params=list(BACKENDS), ids=list(BACKENDS))
def backend_name(request, settings):
    value, skip_reason = BACKENDS[request.param]
    if skip_reason:
        pytest.skip(skip_reason)
    settings.SEARCH_BACKEND = value
    if value == "elasticsearch":  # a fresh index prefix per test, deleted afterwards
        from tests.search.es_support import isolate_elasticsearch

        isolate_elasticsearch(request, settings)
    return request.param


@pytest.fixture
def backend(backend_name):
    return get_backend()


@pytest.fixture
def forum_setup(db):
    """Global machina permissions as the site sets them (anonymous users read, members post)."""
    from forum.permissions import sync_global_permissions

    sync_global_permissions()


@pytest.fixture
def public_forum(forum_setup):
    from tests.search.factories import make_forum

    category = make_forum("Hosting")
    return make_forum("Email and DNS", parent=category)


@pytest.fixture
def kb_indexes(site_pages):
    from kb.setup import ensure_kb_indexes

    return ensure_kb_indexes(site_pages)


@pytest.fixture
def sync():
    """Apply every pending index change, as `search_worker` does. Fails on any indexing error."""

    def run():
        report = outbox.drain()
        assert not report.failed, report.failed
        return report

    return run
