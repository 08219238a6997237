"""``grader worker``: a Celery worker that grades jobs of the scale-out queue.

It needs the database and the broker, nothing else shared: submissions and uploaded bundles
are read from the database (a bundle is unpacked once into this worker's own data folder),
built-in assignments ship with the code. Each pool process (or thread) has its own sandbox.

The main process registers the worker's row and runs the sweeper (its heartbeat, plus the
re-queueing of dead workers' jobs); a pool process renews the lease of the job it grades.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field

from celery import Celery, signals

from ..config import Settings
from ..sandbox.base import Sandbox, SandboxError
from ..sandbox.select import docker_available, make_sandbox
from ..store import workers as worker_rows
from ..store.db import Store
from ..telemetry.logs import configure_logging
from ..telemetry.sandbox_metrics import metered_sandbox
from .celery_app import QUEUES, TASK, check_settings, make_celery
from .runner import JobRunner
from .sweeper import Sweeper
from .validation import TASK as VALIDATE_TASK
from .validation import ValidationRunner

log = logging.getLogger("grader.queue")

#: Seconds before a task retries when the database did not answer.
DB_RETRY_SECONDS = 5.0


@dataclass
class _Process:
    """What one pool process grades with (created in the process itself, after the fork)."""

    pid: int
    store: Store
    runner: JobRunner
    validator: ValidationRunner
    sandboxes: threading.local = field(default_factory=threading.local)


_process: _Process | None = None
_process_lock = threading.Lock()


def _context(settings: Settings, node: str) -> tuple[JobRunner, Sandbox]:
    """This process's runner and this thread's sandbox (``_process.validator`` runs
    validations with the same sandbox)."""
    global _process
    with _process_lock:
        if _process is None or _process.pid != os.getpid():
            store = Store(settings)
            _process = _Process(os.getpid(), store, JobRunner(store, settings, worker=node),
                                ValidationRunner(store, settings, worker=node))
        proc = _process
    box = getattr(proc.sandboxes, "box", None)
    if box is None:
        box = proc.sandboxes.box = metered_sandbox(settings.sandbox, settings)
    return proc.runner, box


def register_tasks(app: Celery, settings: Settings, node: str) -> None:
    """Register the grading task on ``app``."""

    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
              max_retries=None)
    def grade(self, job_id: int) -> bool:  # noqa: ANN001 - Celery's bound task
        """Grade job ``job_id`` unless it is done or held by a live worker."""
        try:
            runner, box = _context(settings, node)
            return runner.run_id(int(job_id), box)
        except Exception as exc:  # the database is away (a grading itself never raises)
            log.warning("job %s: %s; retrying in %g s", job_id, exc, DB_RETRY_SECONDS)
            raise self.retry(exc=exc, countdown=DB_RETRY_SECONDS) from None

    @app.task(name=VALIDATE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
              max_retries=None)
    def validate(self, validation_id: int) -> bool:  # noqa: ANN001 - Celery's bound task
        """Validate uploaded bundle ``validation_id`` unless it is done or held by a live
        worker."""
        try:
            _, box = _context(settings, node)
            assert _process is not None
            return _process.validator.run_id(int(validation_id), box)
        except Exception as exc:  # the database is away (a validation itself never raises)
            log.warning("validation %s: %s; retrying in %g s", validation_id, exc,
                        DB_RETRY_SECONDS)
            raise self.retry(exc=exc, countdown=DB_RETRY_SECONDS) from None


@dataclass
class WorkerOptions:
    """How ``grader worker`` runs."""

    concurrency: int
    lanes: list[str]
    pool: str = "prefork"
    name: str | None = None
    loglevel: str = "INFO"


def sandbox_check(settings: Settings) -> str:
    """The name of the sandbox the pool processes will make (without starting one here:
    a Docker sandbox starts containers, which belong in the pool processes).

    Raises:
        SandboxError: it cannot run here (the message says what to install or set).
    """
    if settings.sandbox == "docker" or (settings.sandbox == "auto" and docker_available()):
        if not docker_available():
            raise SandboxError("GRADER_SANDBOX=docker but no Docker engine answers (set "
                               "DOCKER_HOST, or mount the engine's socket: see the README's "
                               "'Scaling out')")
        return "docker"
    return make_sandbox("process", settings).name


def node_name(name: str | None) -> str:
    """The worker's Celery node name (unique per process: name@host)."""
    return name or f"grader-{os.getpid()}@{socket.gethostname()}"


def ping_local(settings: Settings, timeout_seconds: float = 3.0) -> bool:
    """Whether a worker of this host answers a Celery ping through the broker."""
    try:
        replies = make_celery(settings).control.ping(timeout=timeout_seconds) or []
    except Exception:  # noqa: BLE001 - no broker: not healthy
        return False
    host = socket.gethostname()
    return any(node.endswith(f"@{host}") for reply in replies for node in reply)


def run_worker(settings: Settings, options: WorkerOptions) -> None:
    """Run the Celery worker until it is stopped (SIGTERM: warm shutdown, jobs finish).

    Raises:
        ConfigError: unusable settings. SandboxError: no sandbox can run here.
    """
    check_settings(settings)
    sandbox_name = sandbox_check(settings)  # fail now, not at the first job
    store = Store(settings)
    store.migrate()
    node = node_name(options.name)
    app = make_celery(settings)
    register_tasks(app, settings, node)
    queues = [QUEUES[lane] for lane in options.lanes]

    def beat() -> None:
        with store.write() as s:
            worker_rows.beat(s, node, socket.gethostname(), os.getpid(), ",".join(queues),
                             options.concurrency, sandbox_name)

    sweeper = Sweeper(store, settings, app, beat=beat)

    @signals.worker_process_init.connect(weak=False)
    def _child_init(**_: object) -> None:
        store.engine.dispose(close=False)  # the parent's connections are not this process's

    if settings.log_format == "json":  # JSON lines, Celery's own records included
        @signals.setup_logging.connect(weak=False)
        def _logging(**_: object) -> None:
            configure_logging("json", options.loglevel)

    @signals.worker_ready.connect(weak=False)
    def _ready(**_: object) -> None:
        beat()
        sweeper.start()
        if settings.metrics_port:
            from ..telemetry.worker_metrics import serve

            serve(settings.metrics_port)
            log.info("worker %s: metrics on port %d", node, settings.metrics_port)
        log.info("worker %s ready: queues %s, %d at once, sandbox %s", node,
                 ", ".join(queues), options.concurrency, sandbox_name)

    @signals.worker_shutdown.connect(weak=False)
    def _shutdown(**_: object) -> None:
        sweeper.stop()
        try:
            with store.write() as s:
                worker_rows.stopped(s, node)
        except Exception:  # noqa: BLE001 - stopping anyway
            log.warning("could not mark worker %s stopped", node, exc_info=True)

    argv = ["worker", f"--concurrency={options.concurrency}", f"--queues={','.join(queues)}",
            f"--pool={options.pool}", f"--hostname={node}", f"--loglevel={options.loglevel}",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-O", "fair"]
    app.worker_main(argv)
