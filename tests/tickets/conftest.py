import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Rate limits live in the database cache: the test database needs its table."""
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _clear_cache(db):
    # Rate-limit counters must not leak from one test into the next (the cache table is
    # outside the test transaction on some backends).
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
