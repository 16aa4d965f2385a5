"""machina's ForumPermissionMiddleware without a session for every anonymous visitor.

machina gives each anonymous visitor a random "forum key" (used to let anonymous posters edit
their own posts and vote in polls) and stores it in the session on every request: every
cookieless page view wrote a session row and sent a cookie, so nothing could cache a public page.
Here the key is created and stored only when something reads it; on this site anonymous visitors
can neither post nor vote, so a page view never does.

It also opens the request's permission scope (forum.request_permissions): machina's permission
answers are computed once per request.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from machina.apps.forum_permission.middleware import ForumPermissionMiddleware as MachinaMiddleware
from machina.core.loading import get_class

from forum import request_permissions

PermissionHandler = get_class("forum_permission.handler", "PermissionHandler")


class ForumPermissionMiddleware(MachinaMiddleware):
    def __call__(self, request: HttpRequest):
        with request_permissions.request_scope():
            return super().__call__(request)

    def process_request(self, request: HttpRequest) -> None:
        if not request.user.is_authenticated:
            request.user.forum_key = SimpleLazyObject(lambda: self._anonymous_key(request))
        request.forum_permission_handler = PermissionHandler()

    def _anonymous_key(self, request: HttpRequest) -> str:
        key = request.session.get(self.anonymous_forum_key_session_id)
        if key is None:
            key = request.session[self.anonymous_forum_key_session_id] = self.get_anonymous_forum_key()
        return key
