"""Who may do what in the forum, as machina permissions, written by code instead of admin clicks.

machina decides with per-forum and global rows for three kinds of target: anonymous visitors,
every logged-in user, and groups (plus single users, which we don't use). Its precedence is
"forum > global" and "user > group > all logged-in users". We grant:

- anonymous visitors: see and read forums;
- every logged-in user (whatever their group, so a fresh sign-up can post at once): start topics,
  reply, edit their own posts, post without approval, vote in polls; subscribing to topics only
  needs read access in machina;
- Moderators: also edit and delete any post, lock and move topics, approve queued posts, reply to
  locked topics, make topics sticky;
- Support staff: every machina permission except attachments, which are disabled site-wide.

Private forums (`PrivateForum` rows) deny everything at forum level to anonymous visitors, to all
logged-in users and to every group that is not allowed, then grant it again to Moderators,
Support staff and the forum's extra groups.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from machina.core.db.models import get_model

from accounts import roles

Forum = get_model("forum", "Forum")
ForumPermission = get_model("forum_permission", "ForumPermission")
GroupForumPermission = get_model("forum_permission", "GroupForumPermission")
UserForumPermission = get_model("forum_permission", "UserForumPermission")

READ = frozenset({"can_see_forum", "can_read_forum"})
MEMBER = READ | {
    "can_start_new_topics",
    "can_reply_to_topics",
    "can_edit_own_posts",
    "can_post_without_approval",
    "can_vote_in_polls",
}
MODERATOR = MEMBER | {
    "can_edit_posts",
    "can_delete_posts",
    "can_delete_own_posts",
    "can_lock_topics",
    "can_move_topics",
    "can_approve_posts",
    "can_reply_to_locked_topics",
    "can_post_stickies",
}
# Attachments are disabled: nobody may upload, so nothing is ever served.
ATTACHMENTS = frozenset({"can_attach_file", "can_download_file"})


def all_codenames() -> frozenset[str]:
    from machina.apps.forum_permission.defaults import PermissionConfig

    return frozenset(p["codename"] for p in PermissionConfig.permissions)


def staff_codenames() -> frozenset[str]:
    return all_codenames() - ATTACHMENTS


def group_grants() -> dict[str, frozenset[str]]:
    """Global grants per group name. Customers get theirs as "any logged-in user"."""
    return {roles.MODERATORS: frozenset(MODERATOR), roles.SUPPORT_STAFF: staff_codenames()}


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    private_forums: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.removed} removed"
        if self.private_forums:
            text += f"; private forums: {', '.join(self.private_forums)}"
        return text


def _permissions() -> dict[str, "ForumPermission"]:
    for codename in all_codenames():
        ForumPermission.objects.get_or_create(codename=codename)
    return {p.codename: p for p in ForumPermission.objects.all()}


def _set_rows(existing, make, wanted: dict[str, bool], perms, report: SyncReport) -> None:
    """Make the rows in `existing` (one target, one forum or global) say exactly `wanted`."""
    seen: set[str] = set()
    for row in existing.select_related("permission"):
        codename = row.permission.codename
        if codename not in wanted or codename in seen:
            row.delete()
            report.removed += 1
            continue
        seen.add(codename)
        if row.has_perm != wanted[codename]:
            row.has_perm = wanted[codename]
            row.save(update_fields=["has_perm"])
            report.updated += 1
    for codename, has_perm in wanted.items():
        if codename not in seen:
            make(permission=perms[codename], has_perm=has_perm)
            report.created += 1


def _user_target(**target):
    def make(**kwargs):
        return UserForumPermission.objects.create(**target, **kwargs)

    return UserForumPermission.objects.filter(**target), make


def _group_target(**target):
    def make(**kwargs):
        return GroupForumPermission.objects.create(**target, **kwargs)

    return GroupForumPermission.objects.filter(**target), make


@transaction.atomic
def sync_global_permissions(report: SyncReport | None = None) -> SyncReport:
    """Write the global grants above. Idempotent; removes global grants of the managed targets
    that are not in the configuration (per-forum rows made in the admin are left alone)."""
    report = report or SyncReport()
    perms = _permissions()
    anonymous = _user_target(anonymous_user=True, user=None, forum=None)
    _set_rows(*anonymous, dict.fromkeys(READ, True), perms, report)
    members = _user_target(authenticated_user=True, user=None, forum=None)
    _set_rows(*members, dict.fromkeys(MEMBER, True), perms, report)
    for group_name, codenames in group_grants().items():
        group, _created = Group.objects.get_or_create(name=group_name)
        _set_rows(*_group_target(group=group, forum=None), dict.fromkeys(codenames, True), perms, report)
    return report


@transaction.atomic
def apply_forum_privacy(forum, report: SyncReport | None = None) -> SyncReport:
    """Turn the forum's PrivateForum row (if any) into per-forum permission rows."""
    from forum.models import PrivateForum

    report = report or SyncReport()
    perms = _permissions()
    privacy = PrivateForum.objects.filter(forum=forum).prefetch_related("groups").first()
    if privacy is None:
        return make_forum_public(forum, report)

    deny_all = dict.fromkeys(all_codenames(), False)
    _set_rows(*_user_target(anonymous_user=True, user=None, forum=forum), deny_all, perms, report)
    _set_rows(*_user_target(authenticated_user=True, user=None, forum=forum), deny_all, perms, report)

    allowed = dict(group_grants())
    for group in privacy.groups.all():
        allowed.setdefault(group.name, frozenset(MEMBER))
    for group in Group.objects.all():
        codenames = allowed.get(group.name)
        # Denying every other group keeps the forum private even if someone later grants a
        # group global read access (machina lets per-forum group rows override global ones).
        wanted = dict(deny_all)
        if codenames is not None:
            wanted.update(dict.fromkeys(codenames, True))
        _set_rows(*_group_target(group=group, forum=forum), wanted, perms, report)
    report.private_forums.append(forum.name)
    return report


@transaction.atomic
def make_forum_public(forum, report: SyncReport | None = None) -> SyncReport:
    """Drop the per-forum rows that made `forum` private, and its PrivateForum row."""
    from forum.models import PrivateForum

    report = report or SyncReport()
    PrivateForum.objects.filter(forum=forum).delete()
    for queryset in (
        UserForumPermission.objects.filter(forum=forum, user__isnull=True),
        GroupForumPermission.objects.filter(forum=forum),
    ):
        count, _detail = queryset.delete()
        report.removed += count
    return report


def make_forum_private(forum, groups=()) -> SyncReport:
    """Mark `forum` private (readable by moderators, support staff and `groups`) and apply it."""
    from forum.models import PrivateForum

    privacy, _created = PrivateForum.objects.get_or_create(forum=forum)
    privacy.groups.set(groups)
    return apply_forum_privacy(forum)


def sync_all() -> SyncReport:
    """Global grants plus every private forum: what `forum_sync_permissions` runs."""
    from forum.models import PrivateForum

    report = sync_global_permissions()
    for privacy in PrivateForum.objects.select_related("forum"):
        apply_forum_privacy(privacy.forum, report)
    return report
