"""Forum settings with their defaults. Read at call time (not import time) so tests and
deployments can change them. Each one can be set in Django settings; the ones operators are
likely to change are also read from the environment in settings/base.py."""

from django.conf import settings

from helpcenter.ratelimit import Limit

DEFAULTS = {
    # Staff attention: a topic without a reply for this long shows up in the staff view.
    "FORUM_UNANSWERED_HOURS": 24,
    # Accounts younger than this are "new": stricter rate limits, a link limit and (when
    # FORUM_APPROVE_NEW_ACCOUNTS is on) the moderation queue.
    "FORUM_NEW_ACCOUNT_DAYS": 3,
    "FORUM_NEW_ACCOUNT_MAX_LINKS": 2,
    "FORUM_APPROVE_NEW_ACCOUNTS": False,
    # (count, seconds) per user. Moderators and support staff are not limited.
    "FORUM_RATE_LIMITS": {
        "topic": (10, 3600),
        "topic_new_account": (3, 3600),
        "reply": (60, 3600),
        "reply_new_account": (10, 3600),
        "report": (20, 3600),
        "vote": (120, 3600),
    },
    # Send notification emails right after the posting transaction commits (in the web
    # process). With False, only `forum_send_notifications` (a worker) sends them.
    "FORUM_NOTIFICATIONS_SEND_ON_COMMIT": True,
    "FORUM_NOTIFICATION_MAX_ATTEMPTS": 8,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def rate_limit(scope: str) -> Limit:
    limits = {**DEFAULTS["FORUM_RATE_LIMITS"], **get("FORUM_RATE_LIMITS")}
    count, seconds = limits[scope]
    return Limit(count=count, seconds=seconds)
