"""Soak: the production setup under a steady mixed load for a bounded time, on loopback only.

    psql -h 127.0.0.1 -U postgres -c 'create database hc_soak'
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_soak .venv/bin/python bench/soak.py

What runs: gunicorn (production settings via bench/soak_settings.py: plain HTTP, rate limits
raised; --gunicorn-workers sync workers, as the image runs it) and one `search_worker`, both on
the database named by BENCH_DATABASE_URL (PostgreSQL is the production database; SQLite works
too). The demo content is loaded first (skipped with --keep when it is there).

The load, for --seconds (default 600), from client threads in this process, each waiting
--think seconds between requests: anonymous readers without cookies (home, articles, topics),
searchers (the search page, /api/search, /api/suggest with half-typed words) and logged-in
customers replying to forum topics through the real form (GET the form, POST it with its CSRF
token). By default every index change is left to the worker (SEARCH_APPLY_IMMEDIATELY off);
--apply-in-request keeps production's default.

Reported: every error (a status other than the expected one, or no response; the run fails
unless there are none), p95 latency per minute and kind, resident memory of each server process
at the start and the end, and the outbox backlog when the load stops and after the worker has
drained it (the run fails unless it reaches 0 within --drain-seconds). Everything stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Sample:
    at: float  # seconds since the load started
    kind: str
    seconds: float
    error: str  # empty when the response was the expected one


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def add(self, kind: str, seconds: float, error: str = "") -> None:
        with self.lock:
            self.samples.append(Sample(time.monotonic() - self.started, kind, seconds, error))


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process, from /proc (None once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else float("nan")


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in (str(ROOT), str(ROOT / "site"), str(ROOT / "bench")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def prepare(args: argparse.Namespace, users: int, targets: int = 12) -> dict:
    """Migrate, load the demo, collect static files, create `users` customers; returns the URLs
    (`targets`: how many open topics to reply to)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from machina.core.db.models import get_model
    from machina.core.loading import get_class

    from forum.views import topic_url
    from kb.models import ArticlePage

    call_command("migrate", verbosity=0, interactive=False)
    if not (args.keep and ArticlePage.objects.exists()):
        call_command("load_demo", verbosity=1)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("search_worker", once=True, verbosity=0)  # the demo's index is complete before we start

    User = get_user_model()
    password = "soak-password-123"
    for number in range(users):
        user, _ = User.objects.get_or_create(
            username=f"soak{number}", defaults={"email": f"soak{number}@example.com", "preferred_language": "en"})
        user.set_password(password)
        user.date_joined = timezone.now() - timezone.timedelta(days=60)  # not a new account
        user.save()

    Topic = get_model("forum_conversation", "Topic")
    PermissionHandler = get_class("forum_permission.handler", "PermissionHandler")
    from django.urls import reverse

    # Only topics an anonymous visitor may read (the staff forum redirects to the login page).
    can_read = PermissionHandler().can_read_forum
    topics = [t for t in Topic.approved_objects.select_related("forum").order_by("pk")
              if can_read(t.forum, AnonymousUser())]
    reply_targets = [t for t in topics if not t.is_locked and t.forum.slug][:targets]
    articles = [page.url for page in ArticlePage.objects.live().public()]
    subjects = [t.subject for t in topics]
    urls = {
        "pages": ["/en/", "/cy/", "/tr/", "/en/community/"] + articles + [topic_url(t) for t in topics],
        "reply": [
            reverse("forum_conversation:post_create", kwargs={
                "forum_slug": t.forum.slug, "forum_pk": t.forum_id, "topic_slug": t.slug, "topic_pk": t.pk})
            for t in reply_targets
        ],
        "reply_topic_ids": [t.pk for t in reply_targets],
        "queries": subjects,
        "password": password,
    }
    connections.close_all()
    return urls


def reader(base: str, urls: list[str], rec: Recorder, stop: threading.Event, think: float, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        url = rng.choice(urls)
        timed(rec, "read", lambda url=url: requests.get(base + url, timeout=30, allow_redirects=False), {200})
        stop.wait(think)


def searcher(base: str, queries: list[str], rec: Recorder, stop: threading.Event, think: float, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        words = rng.choice(queries).split()
        kind, path, query = rng.choice([
            ("search page", "/en/search/", " ".join(words[:3])),
            ("api search", "/api/search", " ".join(words[:3])),
            ("api suggest", "/api/suggest", words[0][: max(2, len(words[0]) // 2)]),  # half-typed
        ])
        timed(rec, kind, lambda path=path, query=query: requests.get(base + path, params={"q": query}, timeout=30),
              {200})
        stop.wait(think)


def replier(base: str, username: str, password: str, targets: list[str], rec: Recorder,
            stop: threading.Event, think: float, seed: int) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    login = session.get(f"{base}/en/accounts/login/", timeout=30)
    token = CSRF_FIELD.search(login.text)
    response = session.post(f"{base}/en/accounts/login/", timeout=30, allow_redirects=False, data={
        "csrfmiddlewaretoken": token.group(1) if token else "", "username": username, "password": password})
    if response.status_code != 302:
        rec.add("reply", 0.0, f"login of {username} answered {response.status_code}")
        return
    number = 0
    while not stop.is_set():
        create = rng.choice(targets)
        number += 1

        def post(create: str = create, number: int = number) -> requests.Response:
            form = session.get(base + create, timeout=30)
            found = CSRF_FIELD.search(form.text)
            if form.status_code != 200 or not found:
                return form
            return session.post(base + create, timeout=30, allow_redirects=False, data={
                "csrfmiddlewaretoken": found.group(1), "subject": "Re: soak",
                "content": f"Soak reply {number} from {username}: the restart fixed it here.",
            })

        timed(rec, "reply", post, {302})
        stop.wait(think)


def timed(rec: Recorder, kind: str, call, expected: set[int]) -> None:
    started = time.monotonic()
    try:
        response = call()
    except requests.RequestException as exc:
        rec.add(kind, time.monotonic() - started, f"{exc.__class__.__name__}: {exc}")
        return
    error = "" if response.status_code in expected else f"{response.status_code} {response.request.method} {response.url}"
    rec.add(kind, time.monotonic() - started, error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--searchers", type=int, default=2)
    parser.add_argument("--repliers", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.2, help="seconds each client waits between requests")
    parser.add_argument("--reply-think", type=float, default=2.0)
    parser.add_argument("--drain-seconds", type=float, default=180)
    parser.add_argument("--apply-in-request", action="store_true")
    parser.add_argument("--keep", action="store_true", help="reuse the demo content already loaded")
    parser.add_argument("--workdir", default="/tmp/helpcenter-bench/soak")
    args = parser.parse_args()

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'soak.sqlite3'}"
    env = {
        "DATABASE_URL": database, "HELPCENTER_VAR_DIR": str(work), "DJANGO_SETTINGS_MODULE": "soak_settings",
        "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SOAK_APPLY_IN_REQUEST": "1" if args.apply_in_request else "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "site"), str(ROOT)]),
    }
    setup_django(env)
    print(f"database: {database.split('@')[-1]}; preparing (migrate, demo, static files)", flush=True)
    urls = prepare(args, args.repliers)
    print(f"{len(urls['pages'])} pages, {len(urls['reply'])} topics to reply to, {len(urls['queries'])} queries",
          flush=True)

    child_env = {**os.environ, **env}
    base = f"http://127.0.0.1:{args.port}"
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--chdir", str(ROOT / "site"), "helpcenter.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.gunicorn_workers), "--timeout", "30", "--log-level", "warning"],
        env=child_env, cwd=ROOT)
    worker = start_search_worker(child_env)
    try:
        return run(args, base, urls, server, worker)
    finally:
        stop(server, worker)


def start_search_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "search_worker", "--interval", "1"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def wait_until_up(url: str, seconds: float = 60) -> bool:
    """Poll `url` until it answers 200 (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def stop(*processes: subprocess.Popen) -> None:
    """SIGTERM to each process still running, then wait; kill whatever is left after 30 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def run(args: argparse.Namespace, base: str, urls: dict, server: subprocess.Popen, worker: subprocess.Popen) -> int:
    from search import outbox

    if not wait_until_up(base + "/en/"):
        print("gunicorn did not answer within 60 s")
        return 1
    for url in urls["pages"][:20]:  # warm every worker's templates a little
        requests.get(base + url, timeout=30)

    def memory() -> dict[str, float | None]:
        found = {"gunicorn master": rss_mb(server.pid), "search_worker": rss_mb(worker.pid)}
        for n, pid in enumerate(children(server.pid)):
            found[f"gunicorn worker {n + 1} ({pid})"] = rss_mb(pid)
        return found

    memory_start = memory()
    rec = Recorder()
    stop = threading.Event()
    threads = [threading.Thread(target=reader, args=(base, urls["pages"], rec, stop, args.think, n))
               for n in range(args.readers)]
    threads += [threading.Thread(target=searcher, args=(base, urls["queries"], rec, stop, args.think, 100 + n))
                for n in range(args.searchers)]
    threads += [threading.Thread(target=replier, args=(base, f"soak{n}", urls["password"], urls["reply"], rec, stop,
                                                       args.reply_think, 200 + n))
                for n in range(args.repliers)]
    print(f"load: {args.readers} readers, {args.searchers} searchers, {args.repliers} repliers for {args.seconds:g} s",
          flush=True)
    for thread in threads:
        thread.start()
    minute_reported = 0
    while time.monotonic() - rec.started < args.seconds:
        time.sleep(1)
        if server.poll() is not None or worker.poll() is not None:
            print("a server process exited during the soak")
            stop.set()
            break
        minute = int((time.monotonic() - rec.started) // 60)
        if minute > minute_reported:
            minute_reported = minute
            print(f"  minute {minute}: {len(rec.samples)} requests so far", flush=True)
    stop.set()
    for thread in threads:
        thread.join(60)
    memory_end = memory()
    backlog_at_stop = outbox.backlog()

    # The worker drains what is left; crash-net rows become due after SEARCH_OUTBOX_PENDING_GRACE.
    drained_at = None
    drain_start = time.monotonic()
    while time.monotonic() - drain_start < args.drain_seconds:
        if outbox.backlog()["rows"] == 0:
            drained_at = time.monotonic() - drain_start
            break
        time.sleep(1)
    backlog_end = outbox.backlog()
    stale = stale_topics(urls["reply_topic_ids"])
    return report(rec, args.seconds, memory_start, memory_end, backlog_at_stop, backlog_end, drained_at) or \
        (1 if stale else 0)


def stale_topics(topic_ids: list[int]) -> list[str]:
    """Topics replied to whose indexed document is older than their last post (printed)."""
    from machina.core.db.models import get_model

    from search.models import IndexedDocument

    Topic = get_model("forum_conversation", "Topic")
    last_posts = dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "last_post_on"))
    indexed = dict(IndexedDocument.objects.filter(doc_id__in=[f"topic:{pk}" for pk in topic_ids])
                   .values_list("doc_id", "updated_at"))
    stale = [f"topic:{pk}" for pk, last in last_posts.items() if indexed.get(f"topic:{pk}") != last]
    print(f"topics replied to: {len(last_posts)}; indexed as of their last reply: {len(last_posts) - len(stale)}"
          + (f"; STALE: {', '.join(stale)}" if stale else ""))
    return stale


def report(rec: Recorder, seconds: float, memory_start: dict, memory_end: dict, backlog_at_stop: dict, backlog_end: dict,
           drained_at: float | None) -> int:
    kinds = sorted({s.kind for s in rec.samples})
    per_minute: dict[int, list[Sample]] = defaultdict(list)
    for sample in rec.samples:
        # Requests still in flight when the load stopped count in the last minute.
        per_minute[min(int(sample.at // 60), max(0, int(seconds // 60) - 1))].append(sample)
    errors = [s for s in rec.samples if s.error]
    print()
    print("| minute | requests | errors | " + " | ".join(f"{k} p95" for k in kinds) + " |")
    print("|---:|---:|---:|" + "---:|" * len(kinds))
    for minute in sorted(per_minute):
        samples = per_minute[minute]
        cells = []
        for kind in kinds:
            values = [s.seconds for s in samples if s.kind == kind]
            cells.append(f"{p95(values) * 1000:.0f} ms" if values else "-")
        print(f"| {minute + 1} | {len(samples)} | {sum(1 for s in samples if s.error)} | " + " | ".join(cells) + " |")
    totals = {kind: [s.seconds for s in rec.samples if s.kind == kind] for kind in kinds}
    print("| all | {} | {} | {} |".format(len(rec.samples), len(errors),
                                         " | ".join(f"{p95(v) * 1000:.0f} ms" for v in totals.values())))
    print("requests per kind: " + ", ".join(f"{k} {len(v)}" for k, v in totals.items()))
    print()
    print("| process | RSS at start | RSS at end |")
    print("|---|---:|---:|")
    for name in memory_start:
        end = memory_end.get(name)
        print(f"| {name} | {memory_start[name] or 0:.0f} MB | " + (f"{end:.0f} MB" if end else "gone") + " |")
    print()
    print(f"outbox when the load stopped: {backlog_at_stop}")
    print(f"outbox at the end: {backlog_end}" + (f" (drained {drained_at:.0f} s after the load stopped)"
                                                if drained_at is not None else " (NOT drained)"))
    print(f"errors: {len(errors)}")
    for error in sorted({s.error for s in errors})[:20]:
        print(f"  {error}")
    return 0 if not errors and backlog_end["rows"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
