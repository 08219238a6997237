"""The embedded queue: a pool of worker threads in the server process.

Each worker has its own sandbox object, claims the next queued job (interactive first, fairly
across students: ``grader.store.jobs.claim_next``), grades it and records
the result; an idle worker sleeps until ``notify`` (a new submission) or ``queue_poll_seconds``.
At ``start``, jobs left running by a previous process (a crash, ``kill -9``) are re-queued:
the embedded queue assumes one server per database, which is what ``grader serve`` runs.
Gradings run in subprocesses (the sandbox), so threads grade in parallel.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

from ..config import Settings
from ..sandbox.base import Sandbox
from ..store import jobs as job_rows
from ..store import validations as validation_rows
from ..store.db import Store
from .base import JobQueue
from .runner import JobRunner
from .validation import ValidationRunner

log = logging.getLogger("grader.queue")


class WorkerPool(JobQueue):
    """``settings.workers`` threads taking jobs from the database."""

    name = "embedded"

    def __init__(self, store: Store, settings: Settings,
                 make_sandbox: Callable[[], Sandbox]) -> None:
        self.store = store
        self.settings = settings
        self.make_sandbox = make_sandbox
        self.runner = JobRunner(store, settings, worker=f"embedded@{socket.gethostname()}")
        # uploaded bundles' validations, taken before gradings (an instructor waits; rare)
        self.validator = ValidationRunner(store, settings, worker=self.runner.worker)
        self.sandbox_name = make_sandbox().name  # fails here, at start-up, if none can run
        self._wake = threading.Condition()
        self._pending = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.recovered = 0

    def start(self) -> None:
        with self.store.write() as s:
            self.recovered = job_rows.requeue_running(s)
            self.recovered += validation_rows.requeue_running(s)
        if self.recovered:
            log.warning("re-queued %d job(s) interrupted by the previous stop", self.recovered)
        for n in range(self.settings.workers):
            t = threading.Thread(target=self._work, name=f"grader-worker-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout_seconds: float = 5.0) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for t in self._threads:
            t.join(timeout_seconds)
        self._threads = [t for t in self._threads if t.is_alive()]

    def notify(self) -> None:
        with self._wake:
            self._pending += 1
            self._wake.notify()

    def describe(self) -> dict:
        return {"backend": self.name, "workers": self.settings.workers,
                "sandbox": self.sandbox_name, "recovered_at_start": self.recovered}

    def _work(self) -> None:
        sandbox = self.make_sandbox()
        while not self._stopping.is_set():
            try:
                ran = (self.validator.run_next(sandbox)
                       or self.runner.run_next(sandbox))
            except Exception:  # noqa: BLE001 - a DB hiccup must not kill the worker
                log.exception("worker error (the job stays in the queue)")
                ran = False
                self._stopping.wait(self.settings.queue_poll_seconds)
            if ran:
                continue
            with self._wake:
                if self._pending == 0 and not self._stopping.is_set():
                    self._wake.wait(self.settings.queue_poll_seconds)
                self._pending = max(0, self._pending - 1)
