"""Sandbox start times, observed where the sandbox runs (the embedded pool of ``grader serve``,
or the pool processes of ``grader worker``).

``metered_sandbox`` makes the same sandbox as ``grader.sandbox.select.make_sandbox``; a Docker
sandbox is made as a subclass that times each container start (``start_box``: the container
started and its harness imported with numpy; the warm pool starts them ahead of jobs, so this
is the engine's cost, not a student's wait). The bubblewrap sandbox starts inside each run
(about 0.12 s here, ``bench/sandbox_overhead.py``) and is not timed separately.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import Histogram

from ..config import Settings
from ..sandbox.base import Sandbox
from ..sandbox.select import docker_available, make_sandbox

SANDBOX_START = Histogram(
    "grader_sandbox_start_seconds",
    "Seconds to start a sandbox container until its harness is ready (Docker sandbox).",
    ["sandbox"], buckets=(0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30))

_timed_class: Any = None


def observe_start(sandbox: str, seconds: float) -> None:
    """Record one container start of ``sandbox`` in SANDBOX_START (this process's registry)."""
    SANDBOX_START.labels(sandbox).observe(seconds)


def _timed_docker() -> Any:
    """``DockerSandbox`` with ``start_box`` timed (made once, on first use)."""
    global _timed_class
    if _timed_class is None:
        from ..sandbox.docker import DockerSandbox

        class TimedDockerSandbox(DockerSandbox):
            """A Docker sandbox whose container starts are given to ``observe``."""

            def __init__(self, settings: Settings,
                         observe: Callable[[str, float], None] = observe_start) -> None:
                self.observe = observe  # before the warm pool's first start
                super().__init__(settings)

            def start_box(self) -> Any:
                t0 = time.monotonic()
                box = super().start_box()
                self.observe(self.name, time.monotonic() - t0)
                return box

        _timed_class = TimedDockerSandbox
    return _timed_class


def metered_sandbox(kind: str, settings: Settings,
                    observe: Callable[[str, float], None] = observe_start) -> Sandbox:
    """The sandbox ``make_sandbox(kind, settings)`` makes, with its starts timed and given
    to ``observe(sandbox name, seconds)`` (by default recorded in this process's registry;
    a worker process of the embedded pool sends them to the server).

    Raises:
        SandboxError: as ``make_sandbox``.
    """
    if kind == "docker" or (kind == "auto" and docker_available()):
        from ..sandbox.images import ImageMissing

        try:
            return _timed_docker()(settings, observe)
        except ImageMissing:
            if kind == "docker":
                raise
    return make_sandbox(kind, settings)  # says why it falls back, as it always does
