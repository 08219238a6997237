"""Choosing a sandbox: ``auto`` prefers Docker when a daemon answers, else bubblewrap.

``auto`` uses Docker only when its runner image is built too; if the engine answers but the
image is missing (or stale: its tag is a digest of the harness), it says so on stderr (how to
build it) and uses the process sandbox. It never builds images itself: that takes a minute
the first time and needs root, which a grading command should not assume.
"""

from __future__ import annotations

import logging

from ..config import Settings
from .base import Sandbox, SandboxError
from .process import BareRunner, ProcessSandbox


def docker_available() -> bool:
    """True when a Docker daemon answers (and the Docker sandbox module is present)."""
    try:
        from .docker import docker_ping
    except ImportError:
        return False
    return docker_ping()


def make_sandbox(kind: str, settings: Settings, insecure: bool = False,
                 pool_size: int | None = None) -> Sandbox:
    """The sandbox named by ``kind`` (``auto``, ``docker``, ``process``).

    ``pool_size`` overrides ``settings.docker_pool_size`` (0 for a one-shot grading: a warm
    pool would only cost the containers it starts for nothing).

    Raises:
        SandboxError: the requested sandbox cannot run here (the message says how to fix it).
            With ``insecure``, a missing bubblewrap falls back to no isolation instead.
    """
    if kind == "docker" or (kind == "auto" and docker_available()):
        from .docker import DockerSandbox
        from .images import ImageMissing

        try:
            return DockerSandbox(settings, pool_size=pool_size)
        except ImageMissing as exc:
            if kind == "docker":
                raise
            logging.getLogger(__name__).warning(
                "note: %s; using the process sandbox meanwhile", exc)
    if kind not in ("auto", "process"):
        raise SandboxError(f"unknown sandbox {kind!r}; use auto, docker or process")
    try:
        return ProcessSandbox(settings)
    except SandboxError:
        if insecure:
            return BareRunner(settings)
        raise


def planned_sandbox(kind: str, settings: Settings) -> str:
    """The name of the sandbox ``make_sandbox(kind, settings)`` would make (``docker`` or
    ``process``), found without making one: no container is started.

    Raises:
        SandboxError: as ``make_sandbox`` (ImageMissing: ``docker`` and its image is not built).
    """
    if kind == "docker" or (kind == "auto" and docker_available()):
        from .docker import check_image, engine
        from .images import ImageMissing

        try:
            check_image(engine(), settings)
            return "docker"
        except ImageMissing as exc:
            if kind == "docker":
                raise
            logging.getLogger(__name__).warning(
                "note: %s; using the process sandbox meanwhile", exc)
    return make_sandbox("process" if kind == "auto" else kind, settings).name
