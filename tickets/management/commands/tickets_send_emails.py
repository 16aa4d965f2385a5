"""Send the outbox's due emails (the retry path; new mail is first tried right after commit).

Run it from cron every minute, or as a worker: `manage.py tickets_send_emails --watch 30`. As a
worker, a pass that fails as a whole (the database unreachable) is logged and retried with
back-off (helpcenter/workers.py).
"""

from django.core.management.base import BaseCommand

from helpcenter.workers import WorkerLoop
from tickets import mail
from tickets.models import EmailOutbox


class Command(BaseCommand):
    help = "Send queued emails whose next attempt is due; failures are kept and retried later."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="At most this many emails per pass.")
        parser.add_argument(
            "--watch", type=float, default=0, metavar="SECONDS",
            help="Keep running, one pass every SECONDS (a worker process).",
        )

    def handle(self, *args, limit: int, watch: float, **options):
        if watch:
            WorkerLoop("tickets_send_emails", interval=watch, stderr=self.stderr).run(lambda: self.run_once(limit))
        else:
            self.run_once(limit)

    def run_once(self, limit: int) -> bool:
        """One pass; returns False (wait for the next interval) — a pass sends all that is due."""
        counts = mail.deliver_due(limit=limit)
        pending = EmailOutbox.objects.pending()
        waiting = pending.count()
        line = (
            f"tickets_send_emails: {counts[mail.SENT]} sent, {counts[mail.FAILED]} failed, "
            f"{counts[mail.SKIPPED]} skipped (held by another worker); {waiting} waiting"
        )
        if waiting:
            next_row = pending.order_by("next_attempt_at").first()
            line += f", next attempt at {next_row.next_attempt_at:%Y-%m-%d %H:%M:%S %Z}"
        self.stdout.write(line)
        for row in pending.filter(attempts__gt=0).order_by("next_attempt_at")[:20]:
            # Name each stuck email and why, so an operator can act.
            self.stdout.write(
                f"  outbox #{row.pk} ({row.purpose or row.subject}) to {', '.join(row.to)}: "
                f"{row.attempts} attempts, last error: {row.last_error}"
            )
        return False
