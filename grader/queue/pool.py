"""The embedded queue: a pool of worker processes started by the server.

Each of ``settings.workers`` processes (``grader.queue.pool_worker``) has its own sandbox,
claims the next queued job (interactive first, fairly across students:
``grader.store.jobs.claim_next``), grades it and records the result; an idle one sleeps until
``notify`` (a new submission) or ``queue_poll_seconds``. Processes rather than threads: a
grading drives hundreds of round trips with its sandbox, and in the server's process those
competed for one interpreter lock with each other and with the HTTP threads (measured:
``bench/service_burst.py``).

At ``start``, jobs left running by a previous process (a crash, ``kill -9``) are re-queued:
the embedded queue assumes one server per database, which is what ``grader serve`` runs. A
worker process that dies while the server runs is replaced, and the job it held is re-queued
at once (a job that kills its process ``job_max_attempts`` times ends as failed).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..sandbox.select import planned_sandbox
from ..store import jobs as job_rows
from ..store import validations as validation_rows
from ..store.db import Store
from ..telemetry.sandbox_metrics import observe_start
from . import pool_worker
from .base import JobQueue
from .runner import JobRunner

log = logging.getLogger("grader.queue")

#: A worker process that dies sooner than this after its start is restarted after a pause
#: that doubles each time (up to ``RESTART_PAUSE_MAX``), not in a tight loop.
YOUNG_SECONDS = 10.0
RESTART_PAUSE_MAX = 30.0


@dataclass
class _Worker:
    index: int
    proc: Any  # multiprocessing's SpawnProcess
    slot: Any  # the claim token it holds (shared memory)
    events: multiprocessing.connection.Connection
    started: float = field(default_factory=time.monotonic)
    open: bool = True  # its event pipe is open


class WorkerPool(JobQueue):
    """``settings.workers`` processes taking jobs from the database."""

    name = "embedded"

    def __init__(self, store: Store, settings: Settings) -> None:
        """Check the sandbox can run (without starting one) and prepare the processes.

        Raises:
            SandboxError: no sandbox of ``settings.sandbox`` can run here.
        """
        self.store = store
        self.settings = settings
        self.worker_name = f"embedded@{socket.gethostname()}"
        # the server's own runner loads assignments for the API; the processes grade
        self.runner = JobRunner(store, settings, worker=self.worker_name)
        self.sandbox_name = planned_sandbox(settings.sandbox, settings)  # fails here, at start
        self._ctx = multiprocessing.get_context("spawn")
        self._wake = self._ctx.Semaphore(0)
        self._stopping = self._ctx.Event()
        self._closed = threading.Event()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None
        self._pauses: dict[int, float] = {}
        self.recovered = 0
        self.restarts = 0

    def start(self) -> None:
        with self.store.write() as s:
            self.recovered = job_rows.requeue_running(s)
            self.recovered += validation_rows.requeue_running(s)
        if self.recovered:
            log.warning("re-queued %d job(s) interrupted by the previous stop", self.recovered)
        with self._lock:
            self._workers = [self._spawn(n) for n in range(self.settings.workers)]
        if self._workers:
            self._monitor = threading.Thread(target=self._watch, name="grader-pool-monitor",
                                             daemon=True)
            self._monitor.start()

    def _spawn(self, index: int) -> _Worker:
        args = pool_worker.WorkerArgs(index=index, settings=self.settings,
                                      db_url=self.store.url, sandbox=self.sandbox_name,
                                      worker=self.worker_name,
                                      log_level=logging.getLogger().getEffectiveLevel())
        slot = self._ctx.Array("c", 64)
        events, send = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=pool_worker.main, name=f"grader-worker-{index}",
                                 args=(args, self._wake, self._stopping, slot, send),
                                 daemon=True)
        proc.start()
        send.close()
        return _Worker(index, proc, slot, events)

    def stop(self, timeout_seconds: float = 5.0) -> None:
        """Stop the processes: gradings still running after ``timeout_seconds`` are ended
        (their jobs stay running and the next start re-queues them)."""
        with self._lock:  # no process is started after this
            self._closed.set()
            workers = list(self._workers)
        self._stopping.set()
        for _ in workers:
            self._wake.release()
        deadline = time.monotonic() + timeout_seconds
        for w in workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
        late = [w for w in workers if w.proc.is_alive()]
        for w in late:
            log.warning("worker process %d still grading after %g s: ending it", w.proc.pid,
                        timeout_seconds)
            w.proc.terminate()  # SIGTERM: it removes its sandbox on the way out
        deadline = time.monotonic() + pool_worker.CLEANUP_SECONDS
        for w in late:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(5)
        if self._monitor is not None:
            self._monitor.join(timeout_seconds)
        for w in workers:
            w.events.close()

    def notify(self) -> None:
        try:
            if self._wake.get_value() >= max(1, self.settings.workers):
                return  # every process will look at the queue anyway
        except NotImplementedError:  # no sem_getvalue (macOS): wake one more
            pass
        self._wake.release()

    def describe(self) -> dict:
        return {"backend": self.name, "workers": self.settings.workers,
                "sandbox": self.sandbox_name, "recovered_at_start": self.recovered,
                "worker_restarts": self.restarts}

    def worker_pids(self) -> list[int]:
        """The worker processes' ids (live or not)."""
        with self._lock:
            return [w.proc.pid for w in self._workers]

    # --- the monitor thread: metrics from the processes, dead processes replaced ---------

    def _watch(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                workers = list(self._workers)
            pipes = {w.events: w for w in workers if w.open}
            ends = {w.proc.sentinel: w for w in workers}
            for ready in multiprocessing.connection.wait([*pipes, *ends], timeout=0.5):
                if ready in pipes:
                    self._event(pipes[ready])
                elif not self._closed.is_set():
                    self._replace(ends[ready])

    def _event(self, w: _Worker) -> None:
        try:
            kind, *rest = w.events.recv()
        except (EOFError, OSError):
            w.open = False
            return
        if kind == "sandbox_start":
            observe_start(*rest)

    def _replace(self, w: _Worker) -> None:
        w.proc.join()
        claim = w.slot.value.decode()
        held = 0
        if claim:
            try:
                with self.store.write() as s:
                    held = (job_rows.requeue_running(s, claim)
                            + validation_rows.requeue_running(s, claim))
            except Exception:  # noqa: BLE001 - the next start re-queues it then
                log.exception("could not re-queue the job of a dead worker process")
        log.error("worker process %d died (exit code %s)%s; starting another", w.proc.pid,
                  w.proc.exitcode, "; its job is queued again" if held else "")
        pause = 0.0
        if time.monotonic() - w.started < YOUNG_SECONDS:
            pause = min(RESTART_PAUSE_MAX, max(1.0, 2 * self._pauses.get(w.index, 0.5)))
            self._pauses[w.index] = pause
        else:
            self._pauses.pop(w.index, None)
        if pause and self._closed.wait(pause):
            return
        with self._lock:
            if self._closed.is_set():
                return
            self._workers[self._workers.index(w)] = self._spawn(w.index)
            self.restarts += 1
        w.events.close()
