"""Rate limits: counted in the database with one statement per action, shared by every process,
one window at a time (helpcenter/ratelimit.py)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from helpcenter import ratelimit
from helpcenter.models import RateLimitWindow

LIMIT = ratelimit.Limit(count=3, seconds=60)


@pytest.mark.django_db
def test_the_limit_holds_per_key_and_starts_again_in_the_next_window():
    with time_machine.travel("2026-12-01 10:00:05", tick=False):
        assert [ratelimit.hit("login", "ip:192.0.2.1", LIMIT) for _ in range(4)] == [True, True, True, False]
        assert ratelimit.hit("login", "ip:192.0.2.2", LIMIT)  # another client
        assert ratelimit.hit("signup", "ip:192.0.2.1", LIMIT)  # another action
    with time_machine.travel("2026-12-01 10:01:05", tick=False):
        assert ratelimit.hit("login", "ip:192.0.2.1", LIMIT)


@pytest.mark.django_db
def test_one_action_is_one_statement(django_assert_max_num_queries):
    ratelimit.hit("login", "ip:192.0.2.1", LIMIT)
    # The upsert, and now and then the clean-up of finished windows.
    with django_assert_max_num_queries(2):
        ratelimit.hit("login", "ip:192.0.2.1", LIMIT)


@pytest.mark.django_db
def test_finished_windows_are_deleted_and_current_ones_kept():
    with time_machine.travel("2026-12-01 10:00:05", tick=False):
        ratelimit.hit("login", "ip:192.0.2.1", LIMIT)
    with time_machine.travel("2026-12-01 10:05:05", tick=False):
        ratelimit.hit("login", "ip:192.0.2.1", LIMIT)
        assert ratelimit.delete_finished_windows() == 1
        assert RateLimitWindow.objects.get().hits == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason=(
    "the SQLite test database is in memory with a shared cache, where a second writer fails at once "
    "('database table is locked') instead of waiting its turn as on a database file"))
def test_hits_from_concurrent_processes_are_all_counted():
    """Two connections (as two app processes) counting at once: no hit is lost."""
    per_thread = 25
    big = ratelimit.Limit(count=1000, seconds=3600)

    def count() -> None:
        try:
            for _ in range(per_thread):
                ratelimit.hit("search-search", "ip:192.0.2.9", big)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RateLimitWindow.objects.get().hits == 2 * per_thread
