"""Shared setup for the benchmarks: Django on a throwaway database, never the site's own.

The database is a SQLite file under --workdir (default /tmp/helpcenter-bench/<name>), or the
PostgreSQL database named by BENCH_DATABASE_URL. It is migrated on first use and kept between runs
with --keep (the benchmarks then skip loading data already there).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(name: str, workdir: str | None = None, fresh: bool = True) -> Path:
    """Configure and start Django on a throwaway database; returns the work directory."""
    work = Path(workdir or f"/tmp/helpcenter-bench/{name}")
    work.mkdir(parents=True, exist_ok=True)
    db_file = work / "bench.sqlite3"
    if fresh and db_file.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    for path in (str(ROOT), str(ROOT / "site")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ["HELPCENTER_VAR_DIR"] = str(work)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{db_file}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpcenter.settings.test"
    import django
    from django.conf import settings

    django.setup()
    # The benchmarks call the API thousands of times from one client.
    settings.SEARCH_RATE_LIMITS = {"search": (10**9, 60), "suggest": (10**9, 60)}
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    return work
