"""The parent side: forks children, enforces wall-clock limits, validates their frames.

The supervisor never imports student code. For each child it reads two pipes at once (frames
and captured stdout/stderr), keeps at most ``output_bytes`` of output, kills the child's
process group (and, inside a private pid namespace, every other process) when a limit passes,
and turns what it saw into result frames.
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .child import ChildIO
from .limits import describe_status
from .protocol import FrameBuffer, ProtocolError


@dataclass
class ChildRun:
    """What one child produced."""

    frames: list[dict] = field(default_factory=list)
    output: bytearray = field(default_factory=bytearray)
    output_dropped: int = 0
    timed_out: bool = False
    protocol_error: str | None = None
    status: int | None = None
    seconds: float = 0.0
    last_start: int | None = None
    last_start_at: float | None = None

    def ended_by(self) -> str:
        if self.status is None:
            return "did not finish"
        return describe_status(self.status)

    @property
    def clean_exit(self) -> bool:
        return self.status is not None and os.WIFEXITED(self.status) and \
            os.WEXITSTATUS(self.status) == 0


def kill_everything_else(own_pid_namespace: bool, pgid: int | None) -> None:
    """Kill what a child left behind (its group; in a private pid namespace, every process)."""
    if pgid:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
    if not own_pid_namespace:
        return
    me = os.getpid()
    for _ in range(200):
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError as exc:
            if exc.errno == errno.ESRCH:
                pass
        _reap()
        others = [p for p in _pids() if p not in (1, me)]
        if not others:
            return
        time.sleep(0.002)


def _pids() -> list[int]:
    try:
        return [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def run_child(target: Callable[[ChildIO], None], *, check_seconds: float, total_seconds: float,
              output_bytes: int, result_bytes: int, own_pid_namespace: bool) -> ChildRun:
    """Fork a child running ``target(io)``, supervise it, and collect what it sent.

    ``check_seconds`` is restarted by every ``start`` frame; ``total_seconds`` bounds the child.
    """
    run = ChildRun()
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(res_r)
            os.close(out_r)
            target(ChildIO(res_w, out_w))
        finally:
            os._exit(70)
    os.close(res_w)
    os.close(out_w)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    frames = FrameBuffer(result_bytes)
    for fd in (res_r, out_r):
        os.set_blocking(fd, False)
    sel = selectors.DefaultSelector()
    sel.register(res_r, selectors.EVENT_READ, "res")
    sel.register(out_r, selectors.EVENT_READ, "out")
    live = {res_r, out_r}
    check_deadline = t0 + check_seconds
    hard_deadline = t0 + total_seconds
    exited = False

    def consume(fd: int, kind: str) -> bool:
        """Read what is available on ``fd``; False at EOF."""
        nonlocal check_deadline
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            if kind == "out":
                room = output_bytes - len(run.output)
                if room > 0:
                    run.output += chunk[:room]
                run.output_dropped += max(0, len(chunk) - max(room, 0))
                continue
            frames.feed(chunk)
            # one at a time: frames before damage in the same chunk are kept
            while (frame := frames.frames_one()) is not None:
                if not isinstance(frame, dict):
                    raise ProtocolError("frame is not an object")
                if frame.get("type") == "start":
                    run.last_start = frame.get("index")
                    run.last_start_at = time.monotonic()
                    check_deadline = run.last_start_at + check_seconds
                run.frames.append(frame)

    try:
        while True:
            now = time.monotonic()
            deadline = min(check_deadline, hard_deadline)
            if now >= deadline:
                run.timed_out = True
                break
            wait = min(deadline - now, 0.05) if live else min(deadline - now, 0.002)
            events = sel.select(timeout=wait) if live else (time.sleep(wait) or [])
            for key, _ in events:
                if not consume(key.fd, key.data):
                    sel.unregister(key.fd)
                    live.discard(key.fd)
            if not exited:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    exited, run.status = True, status
            if exited:
                # Whatever the child wrote before it ended is in the pipes; a daemon it left
                # behind may hold them open, so read what is there and stop.
                for fd in list(live):
                    consume(fd, "res" if fd == res_r else "out")
                break
    except ProtocolError as exc:
        run.protocol_error = str(exc)
    finally:
        sel.close()
        kill_everything_else(own_pid_namespace, pid)
        for fd in (res_r, out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if not exited:
            try:
                _, status = os.waitpid(pid, 0)
                if not run.timed_out:
                    run.status = status
            except ChildProcessError:
                pass
        run.seconds = time.monotonic() - t0
    return run


def output_text(run: ChildRun) -> tuple[str, bool]:
    """Captured output as text, and whether some was dropped."""
    return bytes(run.output).decode("utf-8", "backslashreplace"), run.output_dropped > 0


def frames_of(run: ChildRun, kind: str) -> list[dict[str, Any]]:
    return [f for f in run.frames if f.get("type") == kind]
