"""What we add to machina's forums, topics and posts: a language, an accepted answer, helpful
votes, reports, private forums and the notification outbox.

Kept in our own tables (one-to-one or foreign keys to machina's) so machina stays unforked.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TopicInfo(models.Model):
    """Our data about one machina topic. Every topic has one (created by a post_save receiver)."""

    topic = models.OneToOneField(
        "forum_conversation.Topic", on_delete=models.CASCADE, related_name="info"
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        db_index=True,
    )
    accepted_post = models.ForeignKey(
        "forum_conversation.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted answer"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    # Stable key of the demo thread this topic was loaded from, so `load_demo` is idempotent.
    demo_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("topic information")
        verbose_name_plural = _("topic information")

    def __str__(self) -> str:
        return f"{self.topic_id} ({self.language})"

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


class PostVote(models.Model):
    """A "helpful" vote on a reply: one per user per post."""

    post = models.ForeignKey(
        "forum_conversation.Post", on_delete=models.CASCADE, related_name="helpful_votes"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("helpful vote")
        verbose_name_plural = _("helpful votes")
        constraints = (
            models.UniqueConstraint(fields=["post", "user"], name="one_helpful_vote_per_user"),
        )

    def __str__(self) -> str:
        return f"{self.user_id} → post {self.post_id}"


class PostReportQuerySet(models.QuerySet):
    def open(self) -> "PostReportQuerySet":
        return self.filter(resolved_at__isnull=True)


class PostReport(models.Model):
    """A user's report that a post needs a moderator's attention (spam, abuse...)."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Rude or abusive")
        OFF_TOPIC = "off_topic", _("Off topic")
        PRIVATE_DATA = "private_data", _("Shares private data (passwords, keys, invoices)")
        OTHER = "other", _("Something else")

    post = models.ForeignKey(
        "forum_conversation.Post", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PostReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("post report")
        verbose_name_plural = _("post reports")
        ordering = ("-created_at",)
        constraints = (
            # One open report per user and post; reporting again after a resolution is allowed.
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_report_per_user",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_reason_display()} – post {self.post_id}"

    def resolve(self, user) -> None:
        self.resolved_at = timezone.now()
        self.resolved_by = user
        self.save(update_fields=["resolved_at", "resolved_by"])


class PrivateForum(models.Model):
    """Marks a machina forum as private: only moderators, support staff and `groups` may see it.

    `forum.permissions.apply_forum_privacy()` turns this row into machina per-forum permissions;
    `forum_sync_permissions` re-applies every row.
    """

    forum = models.OneToOneField("forum.Forum", on_delete=models.CASCADE, related_name="privacy")
    groups = models.ManyToManyField(
        Group,
        blank=True,
        related_name="+",
        verbose_name=_("also readable by"),
        help_text=_("Moderators and support staff can always read private forums."),
    )

    class Meta:
        verbose_name = _("private forum")
        verbose_name_plural = _("private forums")

    def __str__(self) -> str:
        return str(self.forum)


class NotificationEmail(models.Model):
    """The outbox: one row per email to send. Written in the transaction that caused it, sent
    after commit; a failure is logged and retried with backoff, never lost silently."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("New reply")
        ACCEPTED = "accepted", _("Accepted answer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (unfollowed or no access)")
        FAILED = "failed", _("Failed (gave up)")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        "forum_conversation.Topic", on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        "forum_conversation.Post", on_delete=models.CASCADE, related_name="+"
    )
    # "<kind>:<post id>:<recipient id>": the same event never mails the same person twice.
    dedupe_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification email")
        verbose_name_plural = _("notification emails")
        ordering = ("created_at",)

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.status})"
