"""What invalidates the anonymous page cache (helpcenter/page_cache.py), in one place.

- "site": a Wagtail page published, unpublished, moved or deleted (knowledge base, home pages),
  a service notice saved or deleted;
- "forum" and "topic:<id>": a topic, post, topic info (language, accepted answer) or helpful vote
  saved or deleted; a forum saved or deleted ("forum" only).
Permission changes (private forums, page restrictions) bump "site" and "forum": they change what
anonymous visitors may see everywhere, as does a user's shown name or their choice to be credited
in articles.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from machina.core.db.models import get_model
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from forum.models import PostVote, PrivateForum, TopicInfo
from helpcenter.page_cache import invalidate
from home.models import ServiceNotice

Forum = get_model("forum", "Forum")
Topic = get_model("forum_conversation", "Topic")
Post = get_model("forum_conversation", "Post")
GroupForumPermission = get_model("forum_permission", "GroupForumPermission")
UserForumPermission = get_model("forum_permission", "UserForumPermission")
UID = "page_cache:"
# What other people's pages show of a user (forum posts, article credits).
SHOWN_USER_FIELDS = ("username", "display_name", "credit_in_articles")


def site_changed(sender, **kwargs) -> None:
    invalidate("site")


def everything_changed(sender, **kwargs) -> None:
    invalidate("site", "forum")


def forum_changed(sender, **kwargs) -> None:
    invalidate("forum")


def topic_changed(sender, instance, **kwargs) -> None:
    invalidate("forum", f"topic:{instance.pk}")


def topic_part_changed(sender, instance, **kwargs) -> None:
    """A post, topic info or vote: its topic's page and the forum lists."""
    topic_id = getattr(instance, "topic_id", None)
    if topic_id is None and getattr(instance, "post_id", None):
        topic_id = Post.objects.filter(pk=instance.post_id).values_list("topic_id", flat=True).first()
    invalidate("forum", *([f"topic:{topic_id}"] if topic_id else []))


def user_shown_differently(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(SHOWN_USER_FIELDS):
        return  # e.g. last_login on every login
    fields = [f for f in SHOWN_USER_FIELDS if hasattr(instance, f)]
    before = sender.objects.filter(pk=instance.pk).values_list(*fields).first()
    if before is not None and before != tuple(getattr(instance, f) for f in fields):
        invalidate("site", "forum")


def connect() -> None:
    for signal, name in ((page_published, "published"), (page_unpublished, "unpublished"), (post_page_move, "moved")):
        signal.connect(site_changed, dispatch_uid=UID + "page_" + name)
    post_delete.connect(site_changed, sender=Page, dispatch_uid=UID + "page_deleted")
    pre_save.connect(user_shown_differently, sender=get_user_model(), dispatch_uid=UID + "user_saved")
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(site_changed, sender=ServiceNotice, dispatch_uid=UID + "notice_" + name)
        signal.connect(everything_changed, sender=PageViewRestriction, dispatch_uid=UID + "restriction_" + name)
        for model in (PrivateForum, GroupForumPermission, UserForumPermission):
            signal.connect(everything_changed, sender=model, dispatch_uid=UID + model.__name__ + "_" + name)
        signal.connect(forum_changed, sender=Forum, dispatch_uid=UID + "forum_" + name)
        signal.connect(topic_changed, sender=Topic, dispatch_uid=UID + "topic_" + name)
        for model in (Post, TopicInfo, PostVote):
            signal.connect(topic_part_changed, sender=model, dispatch_uid=UID + model.__name__ + "_" + name)
