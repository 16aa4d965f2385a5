"""The loop every long-running worker shares: search_worker, forum_send_notifications --loop and
tickets_send_emails --watch.

A worker must outlive what goes wrong around it: a database restart, a dropped connection, a
failed migration, a full disk. One pass that raises is logged with its traceback, the
connections are closed (the next query opens a fresh one, so a broken or aborted connection is
not reused), and the worker waits with exponential back-off before the next pass, then carries
on. It stops cleanly on SIGTERM or Ctrl+C, between passes.

A supervisor still restarts a worker that dies outright (the process killed, the machine
rebooted): see the README's production section for systemd units and compose `restart:`.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import TextIO

from django.db import connection, connections

logger = logging.getLogger(__name__)


def exponential_backoff(attempts: int, first: float, maximum: float) -> float:
    """Seconds to wait after `attempts` consecutive failures: first, 2×, 4×, … at most maximum."""
    if attempts <= 0:
        return 0.0
    return float(min(maximum, first * 2 ** min(attempts - 1, 30)))


class WorkerLoop:
    """Runs `step` until stopped. `step` returns True when it did work (run again at once) and
    False when there was nothing to do (wait `interval` seconds)."""

    def __init__(self, name: str, *, interval: float, max_backoff: float = 300.0,
                 stderr: TextIO | None = None) -> None:
        self.name = name
        self.interval = interval
        self.max_backoff = max_backoff
        self.stderr = stderr
        self.failures = 0  # consecutive failed passes
        self.errors = 0  # failed passes in all
        self._stop = threading.Event()

    def stop(self, *args: object) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _say(self, text: str) -> None:
        if self.stderr is not None:
            self.stderr.write(text + "\n")

    def run(self, step: Callable[[], bool], max_passes: int | None = None) -> int:
        """Loop until SIGTERM/SIGINT (or `max_passes`, for scripted runs); returns the number of
        failed passes."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        passes = 0
        while not self.stopping and (max_passes is None or passes < max_passes):
            passes += 1
            try:
                busy = step()
            except Exception as exc:
                self.failures += 1
                self.errors += 1
                delay = exponential_backoff(self.failures, max(self.interval, 1.0), self.max_backoff)
                logger.exception("%s: a pass failed; retrying in %.0f s", self.name, delay)
                self._say(f"{self.name}: {exc.__class__.__name__}: {exc} — retrying in {delay:.0f} s")
                self._reset_connections()
                self._stop.wait(delay)
                continue
            if self.failures:
                self._say(f"{self.name}: working again after {self.failures} failed pass(es)")
                self.failures = 0
            if not busy:
                self._stop.wait(self.interval)
        return self.errors

    @staticmethod
    def _reset_connections() -> None:
        if connection.in_atomic_block:  # (tests run commands inside a transaction)
            return
        connections.close_all()
