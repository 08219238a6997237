"""Sending jobs' messages, and the sweep that keeps the scale-out queue whole.

``send_unsent`` marks queued jobs as sent, then sends one broker message per job (a job whose
message could not be sent is unmarked, for the next sweep). The ``Sweeper`` thread runs in the
server and in every worker, every ``sweep_seconds``:

- re-queues running jobs whose lease expired (their worker died: ``kill -9``, a lost machine)
  and sends them again; each is re-queued by one sweeper only (a conditional update);
- sends queued jobs that have no message (the broker was down when they were accepted) or
  whose message is older than ``job_republish_seconds`` (a broker that lost its data);
- in a worker, renews the worker's row (its heartbeat, shown by the admin API).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from celery import Celery

from ..config import Settings
from ..store import jobs as job_rows
from ..store.db import Store
from ..store.models import utcnow
from .celery_app import QUEUES, TASK

log = logging.getLogger("grader.queue")


def send_unsent(store: Store, app: Celery, settings: Settings, everything: bool = False
                ) -> int:
    """Send a message for each queued job that has none (with ``everything``: for every
    queued job, as a server does at start); returns how many were sent."""
    now = utcnow()
    resend_before = now if everything else now - timedelta(
        seconds=settings.job_republish_seconds)
    sent = 0
    while True:
        with store.write() as s:
            batch = job_rows.take_unsent(s, resend_before)
        if not batch:
            return sent
        failed: list[int] = []
        try:
            with app.producer_or_acquire() as producer:
                for job_id, kind in batch:
                    try:
                        app.send_task(TASK, args=[job_id], queue=QUEUES[job_rows.lane(kind)],
                                      producer=producer)
                        sent += 1
                    except Exception:  # noqa: BLE001 - the broker is down: retry later
                        failed.append(job_id)
        except Exception:  # noqa: BLE001 - no connection at all
            failed = [job_id for job_id, _ in batch]
        if failed:
            log.warning("could not send %d job(s) to the broker %s; they stay queued and "
                        "are sent by the next sweep", len(failed), _safe(settings.broker_url))
            with store.write() as s:
                job_rows.unsend(s, failed)
            return sent


def _safe(url: str) -> str:
    """``url`` without its password."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


class Sweeper:
    """A thread that sweeps every ``sweep_seconds`` until stopped (see the module)."""

    def __init__(self, store: Store, settings: Settings, app: Celery,
                 beat: Callable[[], None] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.app = app
        self.beat = beat
        self.requeued = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> tuple[int, int]:
        """One sweep; returns (jobs re-queued from dead workers, messages sent)."""
        if self.beat is not None:
            self.beat()
        stale = utcnow() - timedelta(seconds=self.settings.job_lease_seconds)
        with self.store.write() as s:
            requeued = job_rows.requeue_stale(s, stale)
        if requeued:
            self.requeued += len(requeued)
            log.warning("re-queued job(s) %s: their worker stopped renewing its lease",
                        ", ".join(map(str, requeued)))
        sent = send_unsent(self.store, self.app, self.settings)
        from .validation import sweep_validations  # uploaded bundles' queue, swept alike

        sweep_validations(self.store, self.app, self.settings)
        return len(requeued), sent

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="grader-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout_seconds: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_seconds)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.sweep_seconds):
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - the database or broker is away: next time
                log.warning("sweep failed (retried in %g s)", self.settings.sweep_seconds,
                            exc_info=True)
