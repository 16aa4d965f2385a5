"""The search outbox under concurrent writers, two workers and (optionally) kill -9.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_bench \\
        .venv/bin/python bench/outbox_stress.py --seconds 60 --writers 4 --kills 8

Writer threads rename forum topics as fast as they can (autocommit saves, as machina's views
do; nothing is applied in the request, SEARCH_APPLY_IMMEDIATELY is off), while two
`search_worker` processes apply the outbox. With --kills N, a random worker is killed with
SIGKILL N times during the run and restarted. When the writers stop, whatever is still queued
(including the delayed crash-net rows) is made due, the workers drain it, and every topic's
indexed title is compared with the database: the run fails unless there are 0 stale documents
and 0 outbox rows. Bounded: the run stops after --seconds plus at most --drain-seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _django
import soak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--topics", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=0)
    parser.add_argument("--drain-seconds", type=float, default=120)
    args = parser.parse_args()

    work = _django.setup("outbox-stress")
    from django.conf import settings
    from django.db import connection, connections
    from django.utils import timezone
    from machina.core.db.models import get_model

    from forum import services
    from search.models import IndexedDocument, OutboxEntry
    from tests.factories import UserFactory
    from tests.search.factories import make_forum

    Topic = get_model("forum_conversation", "Topic")
    settings.SEARCH_APPLY_IMMEDIATELY = False
    vendor = connection.vendor

    print(f"database: {vendor}; {args.topics} topics, {args.writers} writers, {args.workers} workers, "
          f"{args.kills} kills, {args.seconds:g} s", flush=True)
    from forum.permissions import sync_global_permissions

    sync_global_permissions()
    forum = make_forum(f"Stress {int(time.time())}")
    user = UserFactory()
    topic_ids = [services.create_topic(forum, user, f"Stress topic {n} original", "Body text", "en").pk
                 for n in range(args.topics)]
    OutboxEntry.objects.update(next_attempt_at=timezone.now())

    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"], "HELPCENTER_VAR_DIR": str(work),
           "DJANGO_SETTINGS_MODULE": "helpcenter.settings.test"}
    manage = [sys.executable, str(_django.ROOT / "manage.py"), "search_worker", "--interval", "0.2", "-v", "0"]

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(manage, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    workers = [start_worker() for _ in range(args.workers)]
    renames = [0] * args.writers
    errors: list[str] = []
    stop = threading.Event()

    def writer(number: int) -> None:
        rng = random.Random(number)
        try:
            while not stop.is_set():
                topic = Topic.objects.get(pk=rng.choice(topic_ids))
                renames[number] += 1
                topic.subject = f"Stress topic {topic.pk} renamed {number}-{renames[number]}"
                topic.save()
        except Exception as exc:  # reported, and the run fails
            errors.append(f"writer {number}: {exc.__class__.__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    kill_times = sorted(random.Random(7).uniform(0.1, 0.9) * args.seconds for _ in range(args.kills))
    kills = 0
    while time.monotonic() - started < args.seconds:
        if kill_times and time.monotonic() - started >= kill_times[0]:
            kill_times.pop(0)
            victim = random.Random(kills).randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            workers[victim] = start_worker()
            kills += 1
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(30)
    written = time.monotonic() - started

    # Whatever is still queued, the delayed crash-net rows included, is due now.
    OutboxEntry.objects.update(next_attempt_at=timezone.now())
    deadline = time.monotonic() + args.drain_seconds
    while OutboxEntry.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    drain = time.monotonic() - started - written
    soak.stop(*workers)

    left = OutboxEntry.objects.count()
    subjects = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "subject"))
    indexed = dict(IndexedDocument.objects.filter(doc_id__in=[f"topic:{pk}" for pk in topic_ids])
                   .values_list("doc_id", "title"))
    stale = [pk for pk, subject in subjects.items() if indexed.get(f"topic:{pk}") != subject]
    total = sum(renames)
    print(f"renames: {total} in {written:.1f} s ({total / written:.1f}/s); kills: {kills}; "
          f"drained in {drain:.1f} s; outbox rows left: {left}; documents: {len(subjects)}; "
          f"stale: {len(stale)}; writer errors: {len(errors)}", flush=True)
    for pk in stale[:10]:
        print(f"  stale topic:{pk}: database {subjects[pk]!r}, index {indexed.get(f'topic:{pk}')!r}")
    for error in errors[:10]:
        print(f"  {error}")
    return 0 if not stale and not left and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
