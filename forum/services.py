"""Forum business actions: creating topics and replies the way machina's forms do, accepted
answers, helpful votes and reports. Views stay thin and call these; side effects (emails) go
through forum.notifications after the transaction commits.

Every change goes through model save()/delete() (never queryset.update()) so the search index's
signal receivers see it.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from machina.core.db.models import get_model
from machina.core.loading import get_class

from forum import notifications
from forum.models import PostReport, PostVote, TopicInfo

Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")
ForumPermissionChecker = get_class("forum_permission.checker", "ForumPermissionChecker")

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


# --- topics and posts ---------------------------------------------------------------------


def default_language(user) -> str:
    """A new topic's language: the author's preferred language, else the page's language."""
    preferred = getattr(user, "preferred_language", "") if user and user.is_authenticated else ""
    if preferred in LANGUAGE_CODES:
        return preferred
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return current if current in LANGUAGE_CODES else settings.LANGUAGE_CODE


def ensure_topic_info(topic, language: str | None = None) -> TopicInfo:
    """The topic's TopicInfo, created if missing; `language` (when given) is stored."""
    info = TopicInfo.objects.filter(topic=topic).first()
    if info is None:
        info = TopicInfo(topic=topic, language=language or default_language(topic.poster))
        info.save()
    elif language and info.language != language:
        info.language = language
        info.save()
    return info


@transaction.atomic
def create_topic(forum, user, subject: str, content: str, language: str | None = None, approved=True):
    """A topic with its first post, through the same model code paths as machina's TopicForm."""
    topic = Topic(
        forum=forum,
        subject=subject,
        poster=user,
        type=Topic.TOPIC_POST,
        status=Topic.TOPIC_UNLOCKED,
        approved=approved,
    )
    topic.save()
    ensure_topic_info(topic, language or default_language(user))
    Post(topic=topic, poster=user, subject=subject, content=content, approved=approved).save()
    topic.refresh_from_db()
    return topic


@transaction.atomic
def create_reply(topic, user, content: str, approved=True):
    """A reply, as machina's PostForm creates it (Post.save() updates the counters)."""
    from machina.conf import settings as machina_settings

    subject = f"{machina_settings.TOPIC_ANSWER_SUBJECT_PREFIX} {topic.subject}"[:255]
    post = Post(topic=topic, poster=user, subject=subject, content=content, approved=approved)
    post.save()
    return post


# --- permissions ----------------------------------------------------------------------------


def has_forum_perm(user, forum, codename: str) -> bool:
    """machina's own check (superusers have every permission, inactive users none)."""
    return ForumPermissionChecker(user).has_perm(codename, forum)


def is_forum_moderator(user, forum) -> bool:
    """Moderators of a forum are those who may edit anybody's posts in it."""
    return user.is_authenticated and has_forum_perm(user, forum, "can_edit_posts")


def can_read(user, forum) -> bool:
    return has_forum_perm(user, forum, "can_read_forum")


def can_see_topic(user, topic) -> bool:
    """Readers of the forum see approved topics; a topic awaiting moderation (or disapproved)
    exists only for its author and the forum's moderators."""
    if not can_read(user, topic.forum):
        return False
    if topic.approved:
        return True
    return user.is_authenticated and (topic.poster_id == user.pk or is_forum_moderator(user, topic.forum))


def is_reply(post) -> bool:
    """Not the topic's first post (the question)."""
    first_post_id = post.topic.first_post_id
    if first_post_id is None:  # a topic object loaded before its first post was saved
        first_post_id = (
            Post.objects.filter(topic_id=post.topic_id).order_by("created", "pk")
            .values_list("pk", flat=True).first()
        )
    return first_post_id is not None and post.pk != first_post_id


def can_mark_solution(user, topic) -> bool:
    """The asker (who may still read the forum) or a moderator of the forum."""
    if not user.is_authenticated or not can_read(user, topic.forum):
        return False
    return topic.poster_id == user.pk or is_forum_moderator(user, topic.forum)


def can_vote(user, post) -> bool:
    """Logged-in participants of the forum, on other people's approved replies."""
    return (
        user.is_authenticated
        and post.approved
        and post.poster_id != user.pk
        and is_reply(post)
        and has_forum_perm(user, post.topic.forum, "can_reply_to_topics")
    )


def can_report(user, post) -> bool:
    return user.is_authenticated and post.poster_id != user.pk and can_read(user, post.topic.forum)


# --- accepted answers -----------------------------------------------------------------------


@transaction.atomic
def accept_answer(topic, post, user) -> TopicInfo:
    """Mark `post` as the topic's solution (replacing any previous one)."""
    if not can_mark_solution(user, topic):
        raise PermissionDenied
    if post.topic_id != topic.pk or not post.approved or not is_reply(post):
        raise ValidationError(_("Only an approved reply in this topic can be the solution."))
    info = ensure_topic_info(topic)
    if info.accepted_post_id == post.pk:
        return info
    info.accepted_post = post
    info.accepted_by = user
    info.solved_at = timezone.now()
    info.save()
    notifications.queue_accepted(topic, post, user)
    return info


@transaction.atomic
def unaccept_answer(topic, user) -> TopicInfo:
    if not can_mark_solution(user, topic):
        raise PermissionDenied
    info = ensure_topic_info(topic)
    if info.accepted_post_id is not None:
        info.accepted_post = None
        info.accepted_by = None
        info.solved_at = None
        info.save()
    return info


# --- helpful votes --------------------------------------------------------------------------


def toggle_vote(user, post) -> tuple[bool, int]:
    """Add the user's helpful vote, or take it back. Returns (voted now, vote count)."""
    if not can_vote(user, post):
        raise PermissionDenied
    with transaction.atomic():
        existing = PostVote.objects.filter(post=post, user=user).first()
        if existing is not None:
            existing.delete()
            voted = False
        else:
            try:
                with transaction.atomic():
                    PostVote(post=post, user=user).save()
            except IntegrityError:  # a double click raced us; the vote exists
                pass
            voted = True
    return voted, PostVote.objects.filter(post=post).count()


# --- reports --------------------------------------------------------------------------------


def report_post(user, post, reason: str, comment: str = "") -> tuple[PostReport, bool]:
    """Record a report. Returns (report, created); an open report by the same user is reused."""
    if not can_report(user, post):
        raise PermissionDenied
    existing = PostReport.objects.open().filter(post=post, reporter=user).first()
    if existing is not None:
        return existing, False
    report = PostReport(post=post, reporter=user, reason=reason, comment=comment.strip()[:500])
    report.save()
    return report, True


def count_topic_view(topic_id: int) -> None:
    """One more view of a topic, as machina's topic_viewed receiver counts it (for cached pages,
    which skip the view; see helpcenter/page_cache.py)."""
    Topic.objects.filter(pk=topic_id).update(views_count=F("views_count") + 1)
