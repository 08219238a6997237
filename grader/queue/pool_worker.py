"""One worker process of the embedded pool (``grader.queue.pool``).

The server starts ``workers`` of these (``multiprocessing``'s spawn: a fresh interpreter, no
state forked from a threaded server). Each has its own database connections, assignment
cache, sandbox (with its own warm pool under Docker) and interpreter lock, and runs the loop
the pool's threads used to run: validations first, then gradings, sleeping on the pool's
semaphore (``notify``) or for ``queue_poll_seconds`` when the queue is empty.

What it tells the server, through its own pipe: each sandbox container start
(``("sandbox_start", sandbox, seconds)``, for ``/metrics``). What the server can read at any
time: the claim token of the job or validation it holds (``slot``), so that a process that
dies does not leave its job running until the next start.

Stopping: the server sets ``stopping`` and wakes it, then sends SIGTERM if a grading runs
past the server's patience; SIGTERM ends the process at once through ``SystemExit`` (the
sandbox and its containers are removed on the way out; the interrupted job stays ``running``
and the next start re-queues it). Ctrl-C, which a terminal sends to the whole process group,
is left to the server. If the server itself dies (``kill -9``), the process notices its
parent's pipe close and ends the same way.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..config import Settings

log = logging.getLogger("grader.queue")

#: Seconds a process whose server died, or that was told to end, has to clean up.
CLEANUP_SECONDS = 10.0


@dataclass(frozen=True)
class WorkerArgs:
    """What a worker process is started with (pickled to it)."""

    index: int
    settings: Settings
    db_url: str
    sandbox: str  #: ``docker`` or ``process``: what the server checked it can run
    worker: str  #: the name written in the rows it claims
    log_level: int


def _end(*_: object) -> None:
    raise SystemExit(0)


def _watch_parent() -> None:
    """End this process (as SIGTERM would) when the server process is gone."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        log.warning("the server process is gone; worker process %d stops", os.getpid())
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(CLEANUP_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _recording(new_claim: Callable[[], str], slot: Any) -> Callable[[], str]:
    def claim() -> str:
        token = new_claim()
        slot.value = token.encode()
        return token
    return claim


def main(args: WorkerArgs, wake: Any, stopping: Any, slot: Any,
         events: multiprocessing.connection.Connection) -> None:
    """The process's body: grade until ``stopping`` is set (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end)
    _watch_parent()
    from ..store.db import Store
    from ..telemetry.logs import configure_logging
    from ..telemetry.sandbox_metrics import metered_sandbox
    from .runner import JobRunner
    from .validation import ValidationRunner

    settings = args.settings
    configure_logging(settings.log_format, logging.getLevelName(args.log_level))
    send_lock = threading.Lock()

    def observe(sandbox: str, seconds: float) -> None:  # from the warm pool's threads
        with send_lock:
            try:
                events.send(("sandbox_start", sandbox, seconds))
            except OSError:  # the server is gone: the parent watch ends this process
                pass

    store = Store(settings, url=args.db_url)
    runner = JobRunner(store, settings, worker=args.worker)
    validator = ValidationRunner(store, settings, worker=args.worker)
    runner.new_claim = _recording(runner.new_claim, slot)
    validator.new_claim = _recording(validator.new_claim, slot)
    sandbox = None
    try:
        sandbox = metered_sandbox(args.sandbox, settings, observe)
        while not stopping.is_set():
            try:
                ran = validator.run_next(sandbox) or runner.run_next(sandbox)
            except Exception:  # noqa: BLE001 - a DB hiccup must not end the process
                log.exception("worker error (the job stays in the queue)")
                ran = False
                stopping.wait(settings.queue_poll_seconds)
            finally:
                slot.value = b""
            if not ran and not stopping.is_set():
                wake.acquire(timeout=settings.queue_poll_seconds)
    finally:
        close = getattr(sandbox, "close", None)
        if close is not None:
            close()
        store.close()
