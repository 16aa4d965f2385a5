"""Spam and abuse controls for posting: rate limits (stricter for new accounts, as Discourse
does), a link limit for new accounts and, when enabled, the approval queue for new accounts.

Counts live in the shared cache (helpcenter.ratelimit), so every app process sees them.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import roles
from forum import conf
from helpcenter import ratelimit
from helpcenter.markup import render_markdown


def is_privileged(user) -> bool:
    """Moderators and support staff: trusted, never rate limited or queued."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.groups.filter(name__in=(roles.MODERATORS, roles.SUPPORT_STAFF)).exists()


def is_new_account(user) -> bool:
    """Accounts younger than FORUM_NEW_ACCOUNT_DAYS (privileged accounts never are)."""
    if not user.is_authenticated or is_privileged(user):
        return False
    age = timezone.now() - user.date_joined
    return age < timedelta(days=conf.get("FORUM_NEW_ACCOUNT_DAYS"))


def requires_approval(user) -> bool:
    """Posts of new accounts go to machina's moderation queue when the setting is on."""
    return bool(conf.get("FORUM_APPROVE_NEW_ACCOUNTS")) and is_new_account(user)


_BARE_URL = re.compile(r"(?:\bhttps?://|\bwww\.)\S+", re.IGNORECASE)


class _LinkCounter(HTMLParser):
    """Counts links (<a href>) and URLs left as text (an unknown top-level domain is not
    turned into a link, but it is still a link a spammer wants you to copy)."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self._inside = {"a": 0, "code": 0, "pre": 0}

    def handle_starttag(self, tag, attrs):
        if tag == "a" and any(name == "href" for name, _value in attrs):
            self.count += 1
        if tag in self._inside:
            self._inside[tag] += 1

    def handle_endtag(self, tag):
        if self._inside.get(tag):
            self._inside[tag] -= 1

    def handle_data(self, data):
        if not any(self._inside.values()):
            self.count += len(_BARE_URL.findall(data))


def count_links(text: str) -> int:
    """Links as readers will see them: Markdown links and bare URLs the renderer links."""
    counter = _LinkCounter()
    counter.feed(str(render_markdown(text)))
    counter.close()
    return counter.count


def link_limit_error(user, text: str) -> str | None:
    """The message to show when a new account's post has too many links, else None."""
    if not is_new_account(user):
        return None
    limit = conf.get("FORUM_NEW_ACCOUNT_MAX_LINKS")
    found = count_links(text)
    if found <= limit:
        return None
    return ngettext(
        "New accounts can include at most %(limit)d link in a post; this one has %(found)d. "
        "Remove some links and post again. The limit goes away after a few days.",
        "New accounts can include at most %(limit)d links in a post; this one has %(found)d. "
        "Remove some links and post again. The limit goes away after a few days.",
        limit,
    ) % {"limit": limit, "found": found}


def posting_limit_error(request: HttpRequest, action: str) -> str | None:
    """Count one new topic or reply (`action` is "topic" or "reply") for this user; return the
    message to show when the limit is exceeded, else None. Call only for real submissions."""
    user = request.user
    if is_privileged(user):
        return None
    scope = f"{action}_new_account" if is_new_account(user) else action
    limit = conf.rate_limit(scope)
    if not ratelimit.is_limited(request, f"forum:{action}", limit):
        return None
    minutes = max(1, limit.seconds // 60)
    if action == "topic":
        message = ngettext(
            "You can start at most %(count)d topic every %(minutes)d minutes.",
            "You can start at most %(count)d topics every %(minutes)d minutes.",
            limit.count,
        )
    else:
        message = ngettext(
            "You can post at most %(count)d reply every %(minutes)d minutes.",
            "You can post at most %(count)d replies every %(minutes)d minutes.",
            limit.count,
        )
    return "{} {}".format(
        message % {"count": limit.count, "minutes": minutes},
        _("Your text is still here: wait a little and submit again."),
    )


def action_limited(request: HttpRequest, action: str) -> bool:
    """Rate limit for small actions (votes, reports); privileged users are not limited."""
    if is_privileged(request.user):
        return False
    return ratelimit.is_limited(request, f"forum:{action}", conf.rate_limit(action))
