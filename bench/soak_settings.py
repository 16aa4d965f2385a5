"""Production settings for bench/soak.py: the real production module, changed only where a soak on
loopback needs it. Plain HTTP (no TLS on 127.0.0.1, so no HTTPS redirect and cookies without the
Secure flag), and rate limits raised: the soak's few accounts post and search far more often than
one person may."""

import os

from helpcenter.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

_UNLIMITED = (10**9, 60)
SEARCH_RATE_LIMITS = {"search": _UNLIMITED, "suggest": _UNLIMITED}
FORUM_RATE_LIMITS = {scope: _UNLIMITED for scope in (
    "topic", "topic_new_account", "reply", "reply_new_account", "report", "vote")}
# Each soak client logs in once; login attempts stay limited as in production.

# bench/soak.py --apply-in-request keeps production's default (apply after the request, the worker
# only retries); by default the soak leaves every index change to the running search_worker.
SEARCH_APPLY_IMMEDIATELY = os.environ.get("SOAK_APPLY_IN_REQUEST") == "1"
