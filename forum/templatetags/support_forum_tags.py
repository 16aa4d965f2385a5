"""Template helpers for the forum templates (prefixed with our app label: machina already has
`forum_tags`)."""

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from forum import labels

register = template.Library()

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _current_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


@register.filter
def forum_name(forum) -> str:
    """The forum's name in the page language (for the standard forums), else its stored name."""
    found = labels.label(forum.slug, forum.name, _current_language())
    return found[0] if found else forum.name


@register.filter
def forum_description(forum) -> SafeString:
    """The forum's description in the page language, else machina's rendered (sanitised) one."""
    found = labels.label(forum.slug, forum.name, _current_language())
    if found:
        return conditional_escape(found[1])
    description = forum.description
    return mark_safe(description.rendered or "") if description else mark_safe("")


@register.filter
def language_name(code: str) -> str:
    """A language code as the language's own name (Lietuvių, ລາວ ...)."""
    local = getattr(settings, "LANGUAGE_NAMES_LOCAL", {})
    return local.get(code) or str(LANGUAGE_NAMES.get(code, code))


@register.simple_tag
def topic_info(topic):
    """The topic's TopicInfo, or None (never raises in templates)."""
    try:
        return topic.info
    except ObjectDoesNotExist:  # a topic created before our app was installed
        return None


@register.simple_tag(takes_context=True)
def recent_topics(context, status: str, limit: int = 6) -> list:
    """Recent topics the visitor may read: "solved" (newest solutions) or "unanswered"."""
    from machina.core.db.models import get_model

    Forum = get_model("forum", "Forum")
    Topic = get_model("forum_conversation", "Topic")
    request = context.get("request")
    if request is None:
        return []
    forums = request.forum_permission_handler.get_readable_forums(Forum.objects.all(), request.user)
    topics = Topic.approved_objects.filter(forum__in=forums).select_related("forum", "info")
    if status == "solved":
        topics = topics.filter(info__accepted_post__isnull=False).order_by("-info__solved_at")
    else:
        topics = topics.filter(posts_count__lte=1).order_by("-created")
    return list(topics[:limit])


@register.simple_tag
def poster_role(user) -> str:
    """"Staff" or "Moderator" for posts by the support team (groups are prefetched by the view)."""
    from django.utils.translation import gettext

    from accounts import roles

    if user is None:
        return ""
    names = {group.name for group in user.groups.all()}
    if user.is_staff or roles.SUPPORT_STAFF in names:
        return gettext("Staff")
    if roles.MODERATORS in names:
        return gettext("Moderator")
    return ""
