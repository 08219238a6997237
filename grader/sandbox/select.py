"""Choosing a sandbox: ``auto`` prefers Docker when a daemon answers, else bubblewrap."""

from __future__ import annotations

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


def make_sandbox(kind: str, settings: Settings, insecure: bool = False) -> Sandbox:
    """The sandbox named by ``kind`` (``auto``, ``docker``, ``process``).

    Raises:
        SandboxError: the requested sandbox cannot run here (the message says how to fix it).
            With ``insecure``, a missing bubblewrap falls back to no isolation instead.
    """
    if kind == "docker" or (kind == "auto" and docker_available()):
        from .docker import DockerSandbox

        return DockerSandbox(settings)
    if kind not in ("auto", "process"):
        raise SandboxError(f"unknown sandbox {kind!r}; use auto, docker or process")
    try:
        return ProcessSandbox(settings)
    except SandboxError:
        if insecure:
            return BareRunner(settings)
        raise
