"""Resource limits applied to the harness's child processes (stdlib only).

Limits (all from the job's ``limits`` dict; the grader's settings document them):

- ``memory_bytes``: address space a child may add on top of what it had after numpy loaded
  (``RLIMIT_AS``), so a memory bomb ends in ``MemoryError`` or a kill, not a dead machine;
- ``cpu_seconds``: CPU time of one child (``RLIMIT_CPU``), a backstop behind the wall clock;
- ``file_bytes``: largest file a child may write (``RLIMIT_FSIZE``);
- ``nproc``: processes of the sandbox user (``RLIMIT_NPROC``), the fork-bomb brake;
- core dumps are off.
"""

from __future__ import annotations

import os
import resource
import signal

SIGNAL_NAMES = {
    signal.SIGSEGV: "a segmentation fault (SIGSEGV)",
    signal.SIGKILL: "SIGKILL (killed: memory limit, or stopped by the grader)",
    signal.SIGXCPU: "its CPU-time limit (SIGXCPU)",
    signal.SIGXFSZ: "its file-size limit (SIGXFSZ)",
    signal.SIGABRT: "an abort (SIGABRT)",
    signal.SIGBUS: "a bus error (SIGBUS)",
    signal.SIGFPE: "a floating-point exception (SIGFPE)",
    signal.SIGILL: "an illegal instruction (SIGILL)",
    signal.SIGTERM: "SIGTERM",
}


def current_vm_bytes() -> int:
    """Virtual memory size of this process (0 if /proc is unavailable)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _set(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    try:
        old_soft, old_hard = resource.getrlimit(which)
        if old_hard != resource.RLIM_INFINITY:
            hard = min(hard, old_hard)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass


def apply_child_limits(limits: dict) -> None:
    """Apply the per-child limits described in the module docstring."""
    _set(resource.RLIMIT_CORE, 0)
    mem = int(limits.get("memory_bytes") or 0)
    if mem > 0:
        _set(resource.RLIMIT_AS, current_vm_bytes() + mem)
    cpu = float(limits.get("cpu_seconds") or 0)
    if cpu > 0:
        _set(resource.RLIMIT_CPU, int(cpu) + 1, int(cpu) + 2)
    fsize = int(limits.get("file_bytes") or 0)
    if fsize > 0:
        _set(resource.RLIMIT_FSIZE, fsize)
    nproc = int(limits.get("nproc") or 0)
    if nproc > 0:
        _set(resource.RLIMIT_NPROC, nproc)


def describe_status(status: int) -> str:
    """Human wording for a ``waitpid`` status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"was killed by {SIGNAL_NAMES.get(sig, f'signal {sig}')}"
    if os.WIFEXITED(status):
        return f"exited with code {os.WEXITSTATUS(status)} (sys.exit or os._exit?)"
    return f"ended with status {status}"


def apply_import_limits(limits: dict) -> tuple[int, int]:
    """Limits of the zygote while it imports the submission: soft limits only (memory and
    CPU), so that the check children it forks can set their own. Returns the previous soft
    CPU limit, to put back once the imports are done (``release_import_cpu``)."""
    _set(resource.RLIMIT_CORE, 0)
    old_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    mem = int(limits.get("memory_bytes") or 0)
    if mem > 0:
        _soft(resource.RLIMIT_AS, current_vm_bytes() + mem)
    seconds = float(limits.get("import_seconds") or 0)
    if seconds > 0:
        _soft(resource.RLIMIT_CPU, int(seconds) + 1)
    nproc = int(limits.get("nproc") or 0)
    if nproc > 0:
        _soft(resource.RLIMIT_NPROC, nproc)
    return old_cpu


def release_import_cpu(old: tuple[int, int]) -> None:
    """Put back the CPU limit the zygote had before its imports."""
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (old[0], resource.getrlimit(
            resource.RLIMIT_CPU)[1]))
    except (ValueError, OSError):
        pass


def _soft(which: int, soft: int) -> None:
    try:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass
