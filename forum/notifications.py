"""Email notifications for followed topics, through an outbox table.

- A new reply (or an accepted answer) writes NotificationEmail rows in the same transaction.
- After the transaction commits, the new rows are sent (FORUM_NOTIFICATIONS_SEND_ON_COMMIT).
  Sending never raises into the caller: a failing mail server is logged, the row keeps its
  error and is retried with exponential backoff by `forum_send_notifications`.
- Each row has a unique dedupe key, so an event mails a person at most once.
- Every email carries a signed one-click unsubscribe link that works logged out.
"""

import contextlib
import contextvars
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.text import Truncator
from machina.core.db.models import get_model
from machina.core.loading import get_class

from forum import conf
from forum.models import NotificationEmail
from helpcenter.workers import exponential_backoff

Topic = get_model("forum_conversation", "Topic")
PermissionHandler = get_class("forum_permission.handler", "PermissionHandler")

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "support_forum.unsubscribe"
STALE_SENDING = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)

_muted = contextvars.ContextVar("support_forum_notifications_muted", default=False)


@contextlib.contextmanager
def muted():
    """No notification rows are written inside this block (used by the demo loader)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


# --- unsubscribe tokens ---------------------------------------------------------------------


def unsubscribe_token(user_id: int, topic_id: int) -> str:
    return signing.dumps({"u": user_id, "t": topic_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(user id, topic id) for a valid token, None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"]), int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def absolute_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- queueing -------------------------------------------------------------------------------


def _queue(kind: str, post, recipients) -> list[int]:
    """One row per recipient, written with one INSERT whatever the number of followers (the
    incident thread everyone follows gets a reply a second); the dedupe key makes a second call
    for the same post add nothing. Returns the ids handed to delivery after commit (none when
    FORUM_NOTIFICATIONS_SEND_ON_COMMIT is off)."""
    if _muted.get():
        return []
    rows = [
        NotificationEmail(dedupe_key=f"{kind}:{post.pk}:{user.pk}", kind=kind, recipient=user,
                          topic_id=post.topic_id, post=post)
        for user in recipients if user.is_active and user.email
    ]
    if not rows:
        return []
    NotificationEmail.objects.bulk_create(rows, ignore_conflicts=True)
    if not conf.get("FORUM_NOTIFICATIONS_SEND_ON_COMMIT"):
        return []
    waiting = list(NotificationEmail.objects.filter(
        dedupe_key__in=[row.dedupe_key for row in rows], status=NotificationEmail.Status.PENDING,
    ).values_list("pk", flat=True))
    if waiting:
        transaction.on_commit(lambda: deliver(ids=waiting))
    return waiting


def queue_reply(post) -> list[int]:
    """A new approved reply: mail every follower of the topic except its author."""
    subscribers = post.topic.subscribers.exclude(pk=post.poster_id)
    return _queue(NotificationEmail.Kind.REPLY, post, subscribers)


def queue_accepted(topic, post, actor) -> list[int]:
    """An accepted answer: mail the asker and the answer's author (if following, not the actor)."""
    people = {u.pk: u for u in (topic.poster, post.poster) if u is not None and u.pk != actor.pk}
    followers = topic.subscribers.filter(pk__in=people)
    return _queue(NotificationEmail.Kind.ACCEPTED, post, followers)


# --- sending --------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.skipped} skipped, {self.retrying} will be retried, "
            f"{self.failed} given up"
        )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the attempts so far, at most MAX_BACKOFF."""
    return timedelta(seconds=exponential_backoff(max(attempts, 1), 60, MAX_BACKOFF.total_seconds()))


def build_message(row: NotificationEmail) -> EmailMultiAlternatives:
    topic = row.topic
    post = row.post
    forum = topic.forum
    recipient = row.recipient
    language = recipient.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        topic_path = reverse(
            "forum_conversation:topic",
            kwargs={"forum_slug": forum.slug, "forum_pk": forum.pk, "slug": topic.slug, "pk": topic.pk},
        )
        unsubscribe = absolute_url(
            reverse("support_forum:unsubscribe", kwargs={"token": unsubscribe_token(recipient.pk, topic.pk)})
        )
        context = {
            "recipient": recipient,
            "topic": topic,
            "post": post,
            "author": post.poster.get_display_name() if post.poster else (post.username or ""),
            "excerpt": Truncator(strip_tags(post.content.rendered)).chars(600),
            "post_url": absolute_url(f"{topic_path}?post={post.pk}#{post.pk}"),
            "topic_url": absolute_url(topic_path),
            "unsubscribe_url": unsubscribe,
            "is_asker": topic.poster_id == recipient.pk,
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        template = f"forum/email/{row.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            # RFC 8058 one-click unsubscribe for mail clients; the link also works in a browser.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    return message


def _still_wanted(row: NotificationEmail, handler) -> bool:
    """The recipient still follows the topic and may still read it."""
    topic = row.topic
    if not topic.subscribers.filter(pk=row.recipient_id).exists():
        return False
    return bool(row.post.approved) and handler.can_read_forum(topic.forum, row.recipient)


def deliver(ids=None, limit: int = 500) -> DeliveryReport:
    """Send pending notifications (only `ids` when given) whose retry time has come.

    Safe to run from several processes at once: a row is claimed by a conditional UPDATE before
    it is sent. Never raises because of the mail server; failures are recorded on the row.
    """
    report = DeliveryReport()
    now = timezone.now()
    # A process that died while sending leaves rows in "sending": give them back.
    NotificationEmail.objects.filter(
        status=NotificationEmail.Status.SENDING, next_attempt_at__lt=now - STALE_SENDING
    ).update(status=NotificationEmail.Status.PENDING)

    due = NotificationEmail.objects.filter(
        status=NotificationEmail.Status.PENDING, next_attempt_at__lte=now
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    rows = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    if not rows:
        return report

    handler = PermissionHandler()
    max_attempts = conf.get("FORUM_NOTIFICATION_MAX_ATTEMPTS")
    connection = None
    for pk in rows:
        claimed = NotificationEmail.objects.filter(
            pk=pk, status=NotificationEmail.Status.PENDING
        ).update(status=NotificationEmail.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
        if not claimed:
            continue  # another worker took it
        row = NotificationEmail.objects.select_related(
            "recipient", "topic", "topic__forum", "post", "post__poster"
        ).get(pk=pk)
        if not _still_wanted(row, handler):
            row.status = NotificationEmail.Status.SKIPPED
            row.last_error = "recipient no longer follows the topic or may not read it"
            row.save(update_fields=["status", "last_error"])
            report.skipped += 1
            continue
        try:
            message = build_message(row)
            if connection is None:
                connection = get_connection(fail_silently=False)
            message.connection = connection
            message.send(fail_silently=False)
        except Exception as exc:  # the mail server's failure must never reach the poster
            logger.exception(
                "forum notification %s to user %s failed (attempt %s)", row.pk, row.recipient_id, row.attempts
            )
            connection = None  # the connection may be broken; open a new one next time
            row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            if row.attempts >= max_attempts:
                row.status = NotificationEmail.Status.FAILED
                report.failed += 1
            else:
                row.status = NotificationEmail.Status.PENDING
                row.next_attempt_at = timezone.now() + backoff(row.attempts)
                report.retrying += 1
            row.save(update_fields=["status", "last_error", "next_attempt_at"])
            continue
        row.status = NotificationEmail.Status.SENT
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "sent_at", "last_error"])
        report.sent += 1
    return report


def topic_for_token(token: str):
    """(user, topic) for an unsubscribe token, or None."""
    from django.contrib.auth import get_user_model

    parsed = read_unsubscribe_token(token)
    if parsed is None:
        return None
    user = get_user_model().objects.filter(pk=parsed[0]).first()
    topic = Topic.objects.select_related("forum").filter(pk=parsed[1]).first()
    if user is None or topic is None:
        return None
    return user, topic
