"""Who may see which search hits, decided at query time.

Forum topics: only in forums the reader may read, by machina's own permission handler (the same
decision machina's views make), so making a forum private or changing a group's rights takes
effect on the next search without reindexing. KB articles: the index only ever holds live pages
without view restrictions (search.documents), and a restriction change reindexes the pages under it.

machina's handler costs tens of milliseconds, too much for suggest-as-you-type, so the readable
forum ids are cached in the shared cache per reader (anonymous, or user id + superuser/active
flags), each entry stamped with the version it was computed under; the version and the reader's
entry are read together, in one round trip. Any change to forum permissions, forums, or group
membership bumps the version (right away and again after commit), so the next search recomputes;
entries also expire after PERMISSIONS_TTL seconds as a backstop.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from machina.core.db.models import get_model
from machina.core.loading import get_class

Forum = get_model("forum", "Forum")
PermissionHandler = get_class("forum_permission.handler", "PermissionHandler")

VERSION_KEY = "search:forum-permissions-version"
PERMISSIONS_TTL = 300


def readable_forum_ids(user, handler=None) -> frozenset[int]:
    """Uncached: the forums machina lets `user` read."""
    handler = handler or PermissionHandler()
    forums = handler.get_readable_forums(Forum.objects.all(), user)
    return frozenset(forums.values_list("id", flat=True))


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def _reader_key(user) -> str:
    if user is None or not user.is_authenticated:
        return "anonymous"
    return f"user:{user.pk}:{int(user.is_superuser)}:{int(user.is_active)}"


def cached_readable_forum_ids(user, handler=None) -> frozenset[int]:
    key = f"search:readable-forums:{_reader_key(user)}"
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = _version()
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return frozenset(entry[1])
    ids = readable_forum_ids(user, handler)
    cache.set(key, (version, sorted(ids)), timeout=PERMISSIONS_TTL)
    return ids


def request_forum_ids(request: HttpRequest) -> frozenset[int]:
    """Readable forums for this request's user, computed at most once per request."""
    cached = getattr(request, "_search_forum_ids", None)
    if cached is None:
        handler = getattr(request, "forum_permission_handler", None)
        cached = cached_readable_forum_ids(request.user, handler)
        request._search_forum_ids = cached
    return cached


def permissions_changed(**kwargs) -> None:
    """Signal receiver: forget every cached permission decision (now and once committed)."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    models = [
        get_model("forum_permission", "ForumPermission"),
        get_model("forum_permission", "UserForumPermission"),
        get_model("forum_permission", "GroupForumPermission"),
        Forum,
        Group,
    ]
    for model in models:
        name = model._meta.label_lower
        post_save.connect(permissions_changed, sender=model, dispatch_uid=f"search.perm.save.{name}")
        post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"search.perm.delete.{name}")
    m2m_changed.connect(
        permissions_changed, sender=get_user_model().groups.through, dispatch_uid="search.perm.groups"
    )
