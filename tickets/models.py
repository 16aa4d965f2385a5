"""Support tickets, their conversation, and the outgoing-mail outbox.

Business rules live here (status transitions, response-time targets, breach flags, who sees
what); side effects (mail) live in services.py and run after the transaction commits.
"""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from helpcenter.markup import render_markdown
from tickets.permissions import is_support_staff

REFERENCE_PREFIX = "HC-"
REFERENCE_RE = re.compile(r"^HC-(\d{6,})$")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical: site down")
    HIGH = "high", _("High: something important is broken")
    NORMAL = "normal", _("Normal: a question or a minor problem")
    LOW = "low", _("Low: no hurry")


# Short names for badges and tables; the choice labels above explain each level in forms.
SEVERITY_SHORT_LABELS = {
    Severity.CRITICAL: _("Critical"),
    Severity.HIGH: _("High"),
    Severity.NORMAL: _("Normal"),
    Severity.LOW: _("Low"),
}


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Still being worked on: the response-time clocks run.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)
# Done: the clocks stopped at resolved_at.
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
# Staff's turn to act (a ticket waiting on the customer is not "unattended").
STAFF_TURN_STATUSES = (Status.NEW, Status.OPEN)

# new -> open -> waiting on customer -> resolved -> closed, plus the ways back a help desk needs:
# a customer reply reopens a waiting or resolved ticket. Closed is final: a follow-up is a new ticket.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.WAITING, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING: frozenset({Status.OPEN, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class InvalidTransition(ValueError):
    """A status change the workflow does not allow (e.g. closed -> open)."""


def sla_targets(severity: str) -> tuple[timedelta, timedelta]:
    """(first response, resolution) targets for a severity, from settings.TICKET_SLA."""
    hours = settings.TICKET_SLA[severity]
    return timedelta(hours=hours["first_response"]), timedelta(hours=hours["resolution"])


def unattended_after() -> timedelta:
    return timedelta(hours=getattr(settings, "TICKET_UNATTENDED_HOURS", 24))


def parse_reference(reference: str) -> int | None:
    """"HC-000123" -> 123; None when it is not a ticket reference."""
    match = REFERENCE_RE.match(reference.strip().upper())
    return int(match.group(1)) if match else None


def first_response_breached_q(now: datetime) -> Q:
    """Same rule as Ticket.first_response_breached(), in SQL."""
    return (
        Q(first_responded_at__isnull=False, first_responded_at__gt=F("first_response_due"))
        | Q(first_responded_at__isnull=True, status__in=ACTIVE_STATUSES, first_response_due__lt=now)
        | Q(
            first_responded_at__isnull=True,
            status__in=DONE_STATUSES,
            resolved_at__gt=F("first_response_due"),
        )
    )


def resolution_breached_q(now: datetime) -> Q:
    """Same rule as Ticket.resolution_breached(), in SQL."""
    return Q(status__in=ACTIVE_STATUSES, resolution_due__lt=now) | Q(
        status__in=DONE_STATUSES, resolved_at__gt=F("resolution_due")
    )


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TicketQuerySet":
        """Staff see every ticket; a customer sees their own; anonymous visitors none."""
        if is_support_staff(user):
            return self.all()
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(customer=user)

    def active(self) -> "TicketQuerySet":
        return self.filter(status__in=ACTIVE_STATUSES)

    def first_response_breached(self, now: datetime | None = None) -> "TicketQuerySet":
        return self.filter(first_response_breached_q(now or timezone.now()))

    def resolution_breached(self, now: datetime | None = None) -> "TicketQuerySet":
        return self.filter(resolution_breached_q(now or timezone.now()))

    def breached(self, now: datetime | None = None) -> "TicketQuerySet":
        """Tickets that missed either target."""
        now = now or timezone.now()
        return self.filter(first_response_breached_q(now) | resolution_breached_q(now))

    def unattended(self, now: datetime | None = None) -> "TicketQuerySet":
        """Waiting on staff for longer than TICKET_UNATTENDED_HOURS."""
        now = now or timezone.now()
        return self.filter(
            status__in=STAFF_TURN_STATUSES, awaiting_staff_since__lt=now - unattended_after()
        )

    def with_next_due(self) -> "TicketQuerySet":
        """Annotate `due_at`: the first-response due time until staff replied, then the
        resolution due time; None once the ticket is resolved or closed (= Ticket.next_due)."""
        return self.annotate(
            due_at=Case(
                When(
                    status__in=ACTIVE_STATUSES,
                    first_responded_at__isnull=True,
                    then=F("first_response_due"),
                ),
                When(status__in=ACTIVE_STATUSES, then=F("resolution_due")),
                default=None,
                output_field=models.DateTimeField(),
            )
        )

    def due_soon(self, within: timedelta = timedelta(hours=1), now: datetime | None = None) -> "TicketQuerySet":
        """Active tickets whose next target falls within `within` from now (not yet breached)."""
        now = now or timezone.now()
        return self.with_next_due().filter(due_at__gte=now, due_at__lte=now + within)

    def queue_order(self) -> "TicketQuerySet":
        """The staff queue: most urgent due time first, finished tickets last."""
        return self.with_next_due().order_by(
            F("due_at").asc(nulls_last=True), "-created_at"
        )

    def get_by_reference(self, reference: str) -> "Ticket":
        pk = parse_reference(reference)
        if pk is None:
            raise self.model.DoesNotExist(f"{reference!r} is not a ticket reference")
        return self.get(pk=pk)


def _current_language() -> str:
    code = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class Ticket(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tickets",
        verbose_name=_("customer"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(
        _("description"), help_text=_("Markdown. Rendered and sanitized on display.")
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    product = models.CharField(_("product or domain"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=_current_language
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    first_response_due = models.DateTimeField(_("first response due"), db_index=True)
    resolution_due = models.DateTimeField(_("resolution due"), db_index=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Set while it is staff's turn (new ticket, customer replied); cleared by a staff reply.
    awaiting_staff_since = models.DateTimeField(_("waiting on staff since"), null=True, blank=True)
    # A default rather than auto_now_add, so demo data and tests can place tickets in the past.
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ("-created_at",)
        indexes = (models.Index(fields=["customer", "-created_at"], name="ticket_customer_recent"),)

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def save(self, *args, **kwargs) -> None:
        if self.first_response_due is None or self.resolution_due is None:
            self.compute_due_times()
        if self._state.adding and self.awaiting_staff_since is None and self.status in STAFF_TURN_STATUSES:
            self.awaiting_staff_since = self.created_at
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tickets:detail", kwargs={"reference": self.reference})

    # --- identity -------------------------------------------------------------------
    @property
    def reference(self) -> str:
        """The public reference customers quote: HC-000123."""
        if self.pk is None:
            return ""
        return f"{REFERENCE_PREFIX}{self.pk:06d}"

    @property
    def severity_label(self) -> str:
        return SEVERITY_SHORT_LABELS.get(self.severity, self.severity)

    # --- content --------------------------------------------------------------------
    @property
    def description_html(self) -> SafeString:
        return render_markdown(self.description)

    # --- response-time targets ------------------------------------------------------
    def compute_due_times(self) -> None:
        """Due times from the creation time and the severity's targets."""
        first, resolution = sla_targets(self.severity)
        self.first_response_due = self.created_at + first
        self.resolution_due = self.created_at + resolution

    def change_severity(self, severity: str) -> None:
        """Re-classify: the targets follow the new severity, still counted from creation."""
        if severity not in Severity.values:
            raise ValueError(f"unknown severity {severity!r}")
        self.severity = severity
        self.compute_due_times()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def first_response_breached(self, now: datetime | None = None) -> bool:
        """Staff answered late, or the ticket is still unanswered past its due time."""
        if self.first_responded_at is not None:
            return self.first_responded_at > self.first_response_due
        if self.is_active:
            return (now or timezone.now()) > self.first_response_due
        # Resolved without a staff reply: the clock stopped when it was resolved.
        return self.resolved_at is not None and self.resolved_at > self.first_response_due

    def resolution_breached(self, now: datetime | None = None) -> bool:
        if self.is_active:
            return (now or timezone.now()) > self.resolution_due
        return self.resolved_at is not None and self.resolved_at > self.resolution_due

    def is_breached(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.first_response_breached(now) or self.resolution_breached(now)

    def is_unattended(self, now: datetime | None = None) -> bool:
        if self.status not in STAFF_TURN_STATUSES or self.awaiting_staff_since is None:
            return False
        return (now or timezone.now()) - self.awaiting_staff_since > unattended_after()

    @property
    def next_due(self) -> datetime | None:
        """The target staff are working towards now (see TicketQuerySet.with_next_due)."""
        if not self.is_active:
            return None
        if self.first_responded_at is None:
            return self.first_response_due
        return self.resolution_due

    @property
    def next_due_kind(self) -> str:
        if not self.is_active:
            return ""
        return "first_response" if self.first_responded_at is None else "resolution"

    # --- workflow -------------------------------------------------------------------
    def allowed_transitions(self) -> frozenset[str]:
        return ALLOWED_TRANSITIONS[self.status]

    def can_transition_to(self, status: str) -> bool:
        return status == self.status or status in ALLOWED_TRANSITIONS[self.status]

    def transition_to(self, status: str, now: datetime | None = None) -> None:
        """Change status (not saved). Raises InvalidTransition when the workflow forbids it."""
        if status not in Status.values:
            raise InvalidTransition(f"unknown status {status!r}")
        if status == self.status:
            return
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.reference}: {self.status} -> {status} is not allowed")
        now = now or timezone.now()
        if status in DONE_STATUSES:
            if self.resolved_at is None:
                self.resolved_at = now
        else:
            self.resolved_at = None  # reopened: the resolution clock runs again
        if status in STAFF_TURN_STATUSES:
            if self.awaiting_staff_since is None:
                self.awaiting_staff_since = now
        else:
            self.awaiting_staff_since = None
        self.status = status

    @property
    def accepts_replies(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def customer_can_resolve(self) -> bool:
        return self.is_active

    def add_message(
        self,
        author,
        body: str,
        *,
        internal: bool = False,
        new_status: str | None = None,
        now: datetime | None = None,
    ) -> "TicketMessage":
        """Append a message and apply what it means for the ticket; saves both.

        A staff reply (not an internal note) is the first response if none came before, and
        hands the turn to the customer (status `new_status`, by default "waiting on customer").
        A customer reply reopens a waiting or resolved ticket and hands the turn to staff.
        """
        now = now or timezone.now()
        if not self.accepts_replies:
            raise InvalidTransition(f"{self.reference} is closed")
        staff = is_support_staff(author)
        if internal and not staff:
            raise PermissionError("only support staff write internal notes")
        message = TicketMessage.objects.create(
            ticket=self,
            author=author,
            body=body,
            is_internal_note=internal,
            is_staff_reply=staff,
            created_at=now,
        )
        if internal:
            if new_status:
                self.transition_to(new_status, now)
        elif staff:
            if self.first_responded_at is None:
                self.first_responded_at = now
            status = new_status or Status.WAITING
            self.transition_to(Status.OPEN if status == Status.NEW else status, now)
            # Answered: if it stays staff's turn, the unattended clock restarts from this reply.
            self.awaiting_staff_since = now if self.status in STAFF_TURN_STATUSES else None
        else:
            if self.status in (Status.WAITING, Status.RESOLVED):
                self.transition_to(Status.OPEN, now)
            if self.awaiting_staff_since is None:
                self.awaiting_staff_since = now
        self.save()
        return message


class TicketMessageQuerySet(models.QuerySet):
    def public(self) -> "TicketMessageQuerySet":
        return self.filter(is_internal_note=False)

    def visible_to(self, user) -> "TicketMessageQuerySet":
        """Internal notes only for staff."""
        return self.all() if is_support_staff(user) else self.public()


class TicketMessage(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="ticket_messages",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"))
    is_internal_note = models.BooleanField(
        _("internal note"), default=False, help_text=_("Visible to support staff only.")
    )
    # Whether the author was staff when writing: a later role change doesn't rewrite history.
    is_staff_reply = models.BooleanField(_("from staff"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    objects = TicketMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.ticket.reference} #{self.pk}"

    @property
    def body_html(self) -> SafeString:
        return render_markdown(self.body)


class EmailOutboxQuerySet(models.QuerySet):
    def pending(self) -> "EmailOutboxQuerySet":
        return self.filter(sent_at__isnull=True)

    def due(self, now: datetime | None = None) -> "EmailOutboxQuerySet":
        now = now or timezone.now()
        return self.pending().filter(next_attempt_at__lte=now)


class EmailOutbox(models.Model):
    """One outgoing email, written in the same transaction as the change it reports.

    Generic on purpose (any app may queue mail through tickets.mail.queue_email): it is
    delivered after commit, retried with backoff when the mail server fails, never dropped,
    and claimed before sending so two workers never send it twice.
    """

    to = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    from_email = models.CharField(_("from"), max_length=255, blank=True)
    # What this mail is about, for logs and the admin ("ticket HC-000123: staff reply").
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = EmailOutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.purpose or self.subject} -> {', '.join(self.to)}"
