"""Fixed-window rate limits kept in the shared cache, so every app process sees the same counts.

Used for login, sign-up, forum posting, ticket creation and feedback votes.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from helpcenter.client_address import client_ip


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
    window = int(time.time() // limit.seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # add() is atomic on every backend we support; incr() then counts.
    if cache.add(cache_key, 1, timeout=limit.seconds + 1):
        return True
    try:
        current = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=limit.seconds + 1)
        return True
    return current <= limit.count


def is_limited(request: HttpRequest, scope: str, limit: Limit) -> bool:
    """Count one action for this request's client; True when it must be refused."""
    return not hit(scope, client_key(request), limit)
