"""What every sandbox does: run the harness on one job and hand back its frames.

A sandbox receives the job (the submission's files, the harness, the drivers and the case
*inputs*; never reference code or expected outputs), runs the harness isolated, enforces the
wall clock on the whole process tree, and returns the decoded result frames. Scoring happens
elsewhere.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import struct
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..harness.protocol import pack, unpack_prefix


class SandboxError(RuntimeError):
    """The sandbox could not run (missing tool, refused configuration, engine down)."""


@dataclass
class SandboxRun:
    """The outcome of one sandboxed harness run."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    returncode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    protocol_error: str | None = None
    sandbox: str = ""

    @property
    def finished(self) -> bool:
        """True when the harness got to its final ``done`` frame."""
        return any(f.get("type") == "done" for f in self.frames)


def harness_sources() -> dict[str, str]:
    """The harness package's files, by name (shipped into the sandbox on stdin)."""
    pkg = Path(__file__).resolve().parent.parent / "harness"
    return {p.name: p.read_text() for p in sorted(pkg.glob("*.py"))}


def bootstrap_stdin(job: dict) -> bytes:
    """Bytes for the bootstrap's stdin: the harness sources, then the job frame."""
    files = json.dumps(harness_sources()).encode()
    return struct.pack("!I", len(files)) + files + pack(job)


class Sandbox(ABC):
    """A way of running the harness in isolation."""

    #: Short name shown in results ("process", "docker", "none").
    name: str = "?"

    @abstractmethod
    def run(self, job: dict, wall_seconds: float) -> SandboxRun:
        """Run ``job`` and return its frames; never raises for faults of the code under test."""


def run_capped(argv: list[str], stdin: bytes, *, wall_seconds: float, stdout_limit: int,
               stderr_limit: int = 64 << 10, preexec_fn: Callable[[], None] | None = None,
               pass_fds: tuple[int, ...] = (), env: dict[str, str] | None = None,
               kill: Callable[[subprocess.Popen], None] | None = None, cwd: str | None = None,
               ) -> tuple[bytes, bytes, int | None, bool, float]:
    """Run ``argv`` feeding ``stdin``; keep at most the given bytes of output.

    The process starts in a session of its own; at ``wall_seconds`` the whole process group is
    killed (or ``kill(proc)`` is called). Returns ``(stdout, stderr, returncode, timed_out,
    seconds)``; stdout beyond ``stdout_limit`` makes the run count as failed (returncode None).
    """
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=preexec_fn,
                            start_new_session=True, pass_fds=pass_fds, env=env, close_fds=True,
                            cwd=cwd)
    sel = selectors.DefaultSelector()
    assert proc.stdin and proc.stdout and proc.stderr
    for f in (proc.stdin, proc.stdout, proc.stderr):
        os.set_blocking(f.fileno(), False)
    sel.register(proc.stdin, selectors.EVENT_WRITE, "in")
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    pending = memoryview(stdin)
    out, err = bytearray(), bytearray()
    overflow = timed_out = False
    deadline = t0 + wall_seconds
    try:
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in sel.select(timeout=remaining):
                if key.data == "in":
                    try:
                        n = os.write(key.fd, pending[:1 << 16])
                        pending = pending[n:]
                    except (BrokenPipeError, BlockingIOError) as exc:
                        if isinstance(exc, BlockingIOError):
                            continue
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(key.fileobj)
                        proc.stdin.close()
                    continue
                try:
                    chunk = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf, limit = (out, stdout_limit) if key.data == "out" else (err, stderr_limit)
                if len(buf) + len(chunk) > limit:
                    buf += chunk[:max(0, limit - len(buf))]
                    if key.data == "out":
                        overflow = True
                        break
                else:
                    buf += chunk
            if overflow:
                break
    finally:
        sel.close()
        if timed_out or overflow or proc.poll() is None:
            if kill is not None:
                kill(proc)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        for f in (proc.stdin, proc.stdout, proc.stderr):
            try:
                f.close()
            except OSError:
                pass
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic() + 5))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    code = None if (timed_out or overflow) else proc.returncode
    return bytes(out), bytes(err), code, timed_out, time.monotonic() - t0


def decode_run(stdout: bytes, stderr: bytes, code: int | None, timed_out: bool, seconds: float,
               name: str, limit: int) -> SandboxRun:
    """Turn captured bytes into a ``SandboxRun`` (tolerating a stream cut mid-frame)."""
    run = SandboxRun(stderr=stderr.decode("utf-8", "replace"), returncode=code,
                     timed_out=timed_out, seconds=seconds, sandbox=name)
    frames, run.protocol_error = unpack_prefix(stdout, limit)
    run.frames = [f for f in frames if isinstance(f, dict)]
    return run
