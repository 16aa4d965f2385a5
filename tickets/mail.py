"""The email outbox: queue in the transaction, deliver after commit, retry with backoff.

Any app may use it: `queue_email(...)` inside the transaction that makes the change worth
mailing. The row commits with the change (or not at all); right after commit one delivery
attempt runs; `manage.py tickets_send_emails` retries whatever failed. A failing mail server
never breaks the request that queued the mail, a row is never dropped, and a claim (lease)
before sending keeps two workers from sending the same row twice.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from helpcenter.workers import exponential_backoff
from tickets.models import EmailOutbox

logger = logging.getLogger(__name__)

# A worker that claimed a row but died gives it back after this long.
CLAIM_LEASE = timedelta(minutes=5)
# Retry after 1, 2, 4, 8 ... minutes, at most every 6 hours, forever.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failed ones."""
    return timedelta(seconds=exponential_backoff(attempts, BACKOFF_BASE.total_seconds(), BACKOFF_MAX.total_seconds()))


def _one_line(text: str) -> str:
    # Mail headers must not contain line breaks (Django refuses them); collapse whitespace.
    return " ".join(str(text).split())


def queue_email(to: list[str] | tuple[str, ...], subject: str, body: str, purpose: str = "") -> EmailOutbox | None:
    """Queue one email; it is sent after the current transaction commits.

    Returns the outbox row, or None when there is no recipient address.
    """
    recipients: list[str] = []
    for address in to:
        address = (address or "").strip()
        if address and address.lower() not in {r.lower() for r in recipients}:
            recipients.append(address)
    if not recipients:
        logger.info("outbox: nothing queued for %s: no recipient address", purpose or subject)
        return None
    row = EmailOutbox.objects.create(
        to=recipients,
        subject=_one_line(subject)[:255],
        body=body,
        purpose=_one_line(purpose)[:200],
    )
    transaction.on_commit(lambda: deliver(row.pk), robust=True)
    return row


def _claim(pk: int, now: datetime) -> bool:
    """Take the row for one delivery attempt; False when it is sent or someone else holds it."""
    claimed = (
        EmailOutbox.objects.filter(pk=pk, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_LEASE)
    )
    return claimed == 1


SENT, FAILED, SKIPPED = "sent", "failed", "skipped"


def deliver(pk: int) -> str:
    """One delivery attempt for one row: SENT, FAILED (kept for a retry) or SKIPPED (already
    sent, or another worker holds it)."""
    now = timezone.now()
    if not _claim(pk, now):
        return SKIPPED
    row = EmailOutbox.objects.get(pk=pk)
    message = EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=row.from_email or settings.DEFAULT_FROM_EMAIL,
        to=row.to,
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # any mail server failure: keep the row, retry later
        row.attempts += 1
        row.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        row.next_attempt_at = now + backoff(row.attempts)
        row.claimed_until = None
        row.save(update_fields=["attempts", "last_error", "next_attempt_at", "claimed_until"])
        logger.warning(
            "outbox: email %s (%s) to %s failed (attempt %s), next try at %s: %s",
            row.pk, row.purpose or row.subject, ", ".join(row.to), row.attempts,
            row.next_attempt_at.isoformat(), row.last_error,
        )
        return FAILED
    row.attempts += 1
    row.sent_at = timezone.now()
    row.claimed_until = None
    row.last_error = ""
    row.save(update_fields=["attempts", "sent_at", "claimed_until", "last_error"])
    return SENT


def deliver_due(limit: int = 200, now: datetime | None = None) -> dict[str, int]:
    """Attempt every row whose next attempt is due. Returns counts per outcome."""
    counts = {SENT: 0, FAILED: 0, SKIPPED: 0}
    due = EmailOutbox.objects.due(now).order_by("next_attempt_at", "pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        counts[deliver(pk)] += 1
    return counts
