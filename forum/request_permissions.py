"""machina's permission lookups, computed once per request instead of once per question.

One reply asked machina "what may this user do in this forum?" four times: our topic view's read
check and topic check, machina's view's reply check, and machina's post form, which makes its own
PermissionHandler (so its own ForumPermissionChecker). Each answer is two queries and about 20 ms
of building permission objects in Python, the largest share of a reply's time.

Installed from `SupportForumConfig.ready()` around `ForumPermissionChecker.get_perms_for_forumlist`
(the one method every check ends in): while a request is being handled (`forum.middleware`
opens the scope), an answer for the same user, forums and permission names is reused. Outside a
request (workers, management commands, tests calling the checks directly) nothing is kept, so a
permission change is always seen by the next request, and by the next check outside one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from machina.core.loading import get_class

ForumPermissionChecker = get_class("forum_permission.checker", "ForumPermissionChecker")

_machina_get_perms_for_forumlist = ForumPermissionChecker.get_perms_for_forumlist
_answers: ContextVar[dict | None] = ContextVar("forum_request_permissions", default=None)


def install() -> None:
    """Wrap machina's lookup with the per-request memo (idempotent)."""
    ForumPermissionChecker.get_perms_for_forumlist = get_perms_for_forumlist


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Answers are reused until the block ends (one request)."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def get_perms_for_forumlist(self, forums, perm_codenames=None):
    answers = _answers.get()
    if answers is None:
        return _machina_get_perms_for_forumlist(self, forums, perm_codenames)
    forums = list(forums)
    user = self.user
    key = (
        None if user.is_anonymous else user.pk,
        tuple(sorted(forum.pk for forum in forums)),
        tuple(perm_codenames) if perm_codenames else None,
    )
    if key not in answers:
        answers[key] = _machina_get_perms_for_forumlist(self, forums, perm_codenames)
    return answers[key]
