"""Handing out unprivileged uids to sandboxed runs, never the same one to two live runs.

Each run's uid must be its own: ``RLIMIT_NPROC`` counts per uid, and the clean-up kills every
process of the uid. A uid is held by an ``O_EXCL`` lock file for the run's duration, so
concurrent graders on one host (worker threads, several processes) never share one. A lock
left by a crashed grader is taken over once no process of its uid is alive and it is older
than ``stale_seconds``.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_DIR = Path(os.environ.get("GRADER_UID_LOCK_DIR", "/tmp/grader-uid-locks"))


class UidsExhausted(RuntimeError):
    """No free uid could be found (far more concurrent runs than the range holds)."""


def _alive(uid: int) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    return True
            except OSError:
                continue
    return False


@contextmanager
def allocate_uid(base: int, size: int = 100_000, stale_seconds: float = 3600.0
                 ) -> Iterator[int]:
    """Hold a uid from ``[base, base + size)`` for the duration of the ``with`` block."""
    LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    for _ in range(1000):
        uid = base + random.randrange(size)
        lock = LOCK_DIR / str(uid)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                age = time.time() - lock.stat().st_mtime
            except OSError:
                continue
            if age > stale_seconds and not _alive(uid):
                lock.unlink(missing_ok=True)
            continue
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        try:
            yield uid
        finally:
            lock.unlink(missing_ok=True)
        return
    raise UidsExhausted(f"no free sandbox uid in [{base}, {base + size})")
