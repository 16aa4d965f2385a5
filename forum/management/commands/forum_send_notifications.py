"""Send (and retry) forum notification emails from the outbox.

    manage.py forum_send_notifications           # one pass: everything due now
    manage.py forum_send_notifications --loop    # a worker: a pass every --interval seconds

Rows that failed are retried with exponential backoff and given up after
FORUM_NOTIFICATION_MAX_ATTEMPTS; each failure is logged and kept on the row (see the admin).
With --loop, a pass that fails as a whole (the database unreachable) is logged and retried with
back-off (helpcenter/workers.py).
"""

from django.core.management.base import BaseCommand

from forum import notifications
from forum.models import NotificationEmail
from helpcenter.workers import WorkerLoop


class Command(BaseCommand):
    help = "Send pending forum notification emails and retry failed ones."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, one pass per interval.")
        parser.add_argument("--interval", type=int, default=30, help="Seconds between passes (--loop).")

    def handle(self, *args, loop=False, interval=30, **options):
        if loop:
            WorkerLoop("forum_send_notifications", interval=interval, stderr=self.stderr).run(self.run_once)
        else:
            self.run_once()

    def run_once(self) -> bool:
        """One pass; True when it sent or retried something."""
        report = notifications.deliver()
        waiting = NotificationEmail.objects.filter(status=NotificationEmail.Status.PENDING).count()
        self.stdout.write(f"forum notifications: {report}; {waiting} pending (not yet due or new)")
        return False  # one pass per interval: due rows are sent within it
