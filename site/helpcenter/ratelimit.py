"""Fixed-window rate limits kept in the database, so every app process sees the same counts.

Used for login, sign-up, forum posting, ticket creation, feedback votes and the search API.

Counting one action is one statement: an upsert that returns the new count. Counting through the
shared cache took ten round trips on the database cache (add, then get and set, each with the
cache's own row count), on every search request. Rows of finished windows are deleted by one
hit in CLEANUP_EVERY, so the table stays the size of the last few minutes' clients.
"""

import random
import time
from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest

from helpcenter.client_address import client_ip

TABLE = "helpcenter_rate_limit_window"
CLEANUP_EVERY = 500


@dataclass(frozen=True)
class Limit:
    """At most `count` actions per `seconds` for one key."""

    count: int
    seconds: int


def client_key(request: HttpRequest) -> str:
    """The user id when logged in, else the client address (behind our proxies: TRUSTED_PROXIES)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def hit(scope: str, key: str, limit: Limit) -> bool:
    """Count one action. Returns True when it is allowed, False when the limit is exceeded."""
    now = time.time()
    window = int(now // limit.seconds)
    row_key = f"{scope}:{key}:{limit.seconds}:{window}"[:255]
    if random.randrange(CLEANUP_EVERY) == 0:
        delete_finished_windows(now)
    with connection.cursor() as cursor:
        # Both engines (PostgreSQL, SQLite >= 3.35) take the same upsert; it is atomic on each.
        cursor.execute(
            f"INSERT INTO {TABLE} (window_key, hits, expires) VALUES (%s, 1, %s) "
            f"ON CONFLICT (window_key) DO UPDATE SET hits = {TABLE}.hits + 1 RETURNING hits",
            [row_key, (window + 1) * limit.seconds],
        )
        current = cursor.fetchone()[0]
    return current <= limit.count


def delete_finished_windows(now: float | None = None) -> int:
    """Delete the rows of windows that are over; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE expires < %s", [int(time.time() if now is None else now)])
        return cursor.rowcount


def is_limited(request: HttpRequest, scope: str, limit: Limit) -> bool:
    """Count one action for this request's client; True when it must be refused."""
    return not hit(scope, client_key(request), limit)
