"""Load: how much the production setup serves on this machine, on loopback, bounded in time.

    psql -h 127.0.0.1 -U postgres -c 'create database hc_soak'      # once
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hc_soak .venv/bin/python bench/load.py

What runs: gunicorn with production settings (bench/load_settings.py: bench/soak_settings.py, i.e.
plain HTTP and rate limits raised, plus one bench-only URL) with --gunicorn-workers sync workers
(--threads > 1: gthread), and one `search_worker`, on the database named by BENCH_DATABASE_URL
(SQLite under --workdir without it). The demo content is loaded first (skipped with --keep when
it is there). Index changes are applied after each request as in production (the worker retries).

Then, each for --seconds after a short warm-up:
- `wrk` (Debian package `wrk`), cookieless, at --connections: an empty Django view behind the
  whole middleware stack (the floor), the home page, an article, a topic, /api/suggest with a
  half-typed word and /api/search with three words;
- --writers logged-in customers replying through the real reply form (one GET for its CSRF token,
  then POSTs as fast as answers come), first each in its own topic, then all in one thread; client
  threads in this process.

Printed: req/s, p50/p95/p99 and errors per line, the session rows the anonymous phase added
(should be 0), and how long after the one-thread surge the thread's index entry holds its last reply. Exit status 1 on any error. Everything stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import soak  # noqa: E402  (bench/ is not a package)

WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def run_wrk(base: str, path: str, seconds: float, connections: int, warmup: float) -> dict:
    url = base + path
    if warmup:
        subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{warmup:g}s", url], capture_output=True, check=False)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(WRK_SCRIPT), url],
        capture_output=True, text=True, check=False)
    line = next((row for row in out.stdout.splitlines() if row.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary for {path}: {out.stdout[-300:]} {out.stderr[-300:]}")
    result = json.loads(line)
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    result["errors"] = result["non_2xx_3xx"] + result["socket_errors"]
    return result


def logged_in(username: str) -> requests.Session:
    """A client session for an existing customer, created server-side (as a login would): the
    login form's per-address limit would refuse 20 logins from 127.0.0.1, and logging in is not
    what this measures."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return session


def replies(base: str, sessions: list[requests.Session], targets: list[str], seconds: float) -> dict:
    """Each session replies to its target (targets[i % len(targets)]) as fast as it gets answers."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions) + 1)
    deadline: list[float] = []

    def writer(number: int, session: requests.Session) -> None:
        create = targets[number % len(targets)]
        form = session.get(base + create, timeout=30)
        found = soak.CSRF_FIELD.search(form.text)
        start.wait()
        if form.status_code != 200 or not found:
            with lock:
                errors.append(f"reply form {create} answered {form.status_code}")
            return
        count = 0
        while time.monotonic() < deadline[0]:
            count += 1
            began = time.monotonic()
            try:
                response = session.post(base + create, timeout=30, allow_redirects=False, data={
                    "csrfmiddlewaretoken": found.group(1), "subject": "Re: load",
                    "content": f"Load reply {count} from writer {number}: a restart of the mail service fixed it."})
                error = "" if response.status_code == 302 else f"{response.status_code} POST {create}"
            except requests.RequestException as exc:
                error = f"{exc.__class__.__name__}: {exc}"
            with lock:
                times.append(time.monotonic() - began)
                if error:
                    errors.append(error)

    threads = [threading.Thread(target=writer, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - began
    return {
        "requests": len(times), "rps": len(times) / elapsed,
        "p50_ms": percentile(times, 50) * 1000, "p95_ms": percentile(times, 95) * 1000,
        "p99_ms": percentile(times, 99) * 1000, "errors": len(errors), "error_examples": sorted(set(errors))[:5],
    }


def index_lag(topic_pk: int, limit: float = 60.0) -> float | None:
    """Seconds from now until the thread's index entry reflects its last reply (its `updated_at`
    reaches the reply's time); None if not within `limit`. A thread's entry holds its question and
    best answers, so the last reply's words need not be searchable; its time always shows."""
    from django.db import connections
    from machina.core.db.models import get_model

    from search.models import IndexedDocument

    Post = get_model("forum_conversation", "Post")
    last = Post.objects.filter(topic_id=topic_pk).order_by("-created").values_list("created", flat=True).first()
    began = time.monotonic()
    try:
        while time.monotonic() - began < limit:
            indexed = IndexedDocument.objects.filter(doc_id=f"topic:{topic_pk}").values_list("updated_at", flat=True).first()
            if indexed is not None and last is not None and indexed >= last:
                return time.monotonic() - began
            time.sleep(0.1)
        return None
    finally:
        connections.close_all()


def session_rows() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="per wrk line")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--write-seconds", type=float, default=20)
    parser.add_argument("--skip", nargs="*", default=[], choices=["pages", "writes"])
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--keep", action="store_true", help="reuse the demo content already loaded")
    parser.add_argument("--index-by-worker-only", action="store_true",
                        help="SEARCH_APPLY_IMMEDIATELY off: no index apply after requests, the worker does all")
    parser.add_argument("--workdir", default="/tmp/helpcenter-bench/load")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install -y wrk)")
        return 1

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    database = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'load.sqlite3'}"
    env = {
        "DATABASE_URL": database, "HELPCENTER_VAR_DIR": str(work), "DJANGO_SETTINGS_MODULE": "load_settings",
        "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SOAK_APPLY_IN_REQUEST": "0" if args.index_by_worker_only else "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT / "site"), str(ROOT)]),
    }
    soak.setup_django(env)
    print(f"database: {database.split('@')[-1]}; preparing (migrate, demo, static files)", flush=True)
    urls = soak.prepare(args, args.writers, targets=args.writers)
    if len(urls["reply"]) < args.writers:
        print(f"only {len(urls['reply'])} topics to reply to; writers in distinct topics need {args.writers}")
        return 1

    base = f"http://127.0.0.1:{args.port}"
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "gunicorn"), "--chdir", str(ROOT / "site"), "helpcenter.wsgi",
               "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.gunicorn_workers), "--timeout", "30",
               "--log-level", "warning"]
    if args.threads > 1:
        command += ["--threads", str(args.threads)]
    child_env = {**os.environ, **env}
    server = subprocess.Popen(command, env=child_env, cwd=ROOT)
    worker = soak.start_search_worker(child_env)
    try:
        results = measure(args, base, urls)
    finally:
        soak.stop(server, worker)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if any(row["errors"] for row in results["lines"].values()) else 0


def measure(args: argparse.Namespace, base: str, urls: dict) -> dict:
    if not soak.wait_until_up(base + "/bench/empty"):
        raise RuntimeError("gunicorn did not answer within 60 s")
    pages = urls["pages"]
    article = next(url for url in pages if "/kb/" in url)
    topic = next(url for url in pages if "/topic/" in url)
    words = urls["queries"][0].split()
    from urllib.parse import quote

    lines = {}
    print(f"gunicorn: {args.gunicorn_workers} workers x {args.threads} threads; wrk -t2 -c{args.connections} "
          f"-d{args.seconds:g}s after {args.warmup:g} s warm-up", flush=True)
    print(f"{'':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")

    def show(name: str, row: dict) -> None:
        lines[name] = row
        print(f"{name:<34} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} "
              f"{row['errors']:>7}", flush=True)
        for example in row.get("error_examples", []):
            print(f"    {example}")

    sessions_before = session_rows()
    if "pages" not in args.skip:
        targets = {
            "empty Django view (floor)": "/bench/empty",
            "home": "/en/",
            "article": article,
            "topic": topic,
            "suggest": f"/api/suggest?q={quote(' '.join(words[:1]) + ' ' + words[1][:3] if len(words) > 1 else words[0][:3])}",
            "search": f"/api/search?q={quote(' '.join(words[:3]))}",
        }
        for name, path in targets.items():
            show(name, run_wrk(base, path, args.seconds, args.connections, args.warmup))
    sessions_added = session_rows() - sessions_before
    if "writes" not in args.skip:
        sessions = [logged_in(f"soak{n}") for n in range(args.writers)]
        show(f"{args.writers} writers, distinct topics", replies(base, sessions, urls["reply"], args.write_seconds))
        show(f"{args.writers} writers, one thread", replies(base, sessions, urls["reply"][:1], args.write_seconds))
        lag = index_lag(urls["reply_topic_ids"][0])
        print("the thread's index entry held its last reply "
              + (f"{lag:.1f} s after the surge" if lag is not None else "not within 60 s"), flush=True)
    print(f"session rows added by the anonymous requests: {sessions_added}")
    return {"lines": lines, "sessions_added": sessions_added, "workers": args.gunicorn_workers,
            "threads": args.threads, "connections": args.connections, "seconds": args.seconds}


if __name__ == "__main__":
    sys.exit(main())
