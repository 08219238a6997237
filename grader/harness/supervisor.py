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

MARKER_PREFIX = b"\x00GRADER-CHECK:"


class OutputSplitter:
    """Splits a child's captured output at the markers it writes before each check.

    A marker is ``MARKER_PREFIX + nonce + b":" + index + b"\x00"``; the nonce is random per
    child, so output that merely imitates a marker stays with the check that printed it.
    Bytes before the first marker (import time) belong to ``None``. At most ``limit`` bytes are
    kept in all; the rest are counted in ``dropped``.
    """

    def __init__(self, nonce: bytes, limit: int) -> None:
        self.marker = MARKER_PREFIX + nonce + b":"
        self.limit = limit
        self.kept = 0
        self.dropped = 0
        self.current: int | None = None
        self.parts: dict[int | None, bytearray] = {}
        self.pending = bytearray()

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        room = self.limit - self.kept
        keep = data[:max(room, 0)]
        if keep:
            self.parts.setdefault(self.current, bytearray()).extend(keep)
            self.kept += len(keep)
        self.dropped += len(data) - len(keep)

    def feed(self, chunk: bytes) -> None:
        self.pending += chunk
        while True:
            at = self.pending.find(self.marker)
            if at < 0:
                break
            end = self.pending.find(b"\x00", at + len(self.marker))
            if end < 0:
                self._emit(bytes(self.pending[:at]))
                del self.pending[:at]
                if len(self.pending) > len(self.marker) + 24:  # not a real marker after all
                    self._emit(bytes(self.pending))
                    self.pending.clear()
                return
            self._emit(bytes(self.pending[:at]))
            digits = bytes(self.pending[at + len(self.marker):end])
            del self.pending[:end + 1]
            if digits.isdigit():
                self.current = int(digits)
        # keep a tail that could be the start of a marker split across reads
        keep = len(self.marker) + 24
        if len(self.pending) > keep:
            self._emit(bytes(self.pending[:-keep]))
            del self.pending[:-keep]

    def close(self) -> None:
        self._emit(bytes(self.pending))
        self.pending.clear()

    def text(self, key: int | None) -> str:
        return bytes(self.parts.get(key, b"")).decode("utf-8", "backslashreplace")


@dataclass
class ChildRun:
    """What one child produced."""

    frames: list[dict] = field(default_factory=list)
    output: OutputSplitter | None = None
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
    """Live (non-zombie) processes of our uid that we can see."""
    me = os.getuid()
    out = []
    try:
        entries = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return []
    for p in entries:
        try:
            if os.stat(f"/proc/{p}").st_uid != me:
                continue
            with open(f"/proc/{p}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    continue
        except (OSError, IndexError):
            continue
        out.append(int(p))
    return out


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
    The child's ``ChildIO.marker`` separates the output of its checks.
    """
    nonce = os.urandom(8).hex().encode()
    run = ChildRun(output=OutputSplitter(nonce, output_bytes))
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(res_r)
            os.close(out_r)
            target(ChildIO(res_w, out_w, nonce))
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
                assert run.output is not None
                run.output.feed(chunk)
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
        run.output.close()
    return run


def output_text(run: ChildRun) -> tuple[str, bool]:
    """All captured output as text, and whether some was dropped."""
    out = run.output
    assert out is not None
    text = "".join(out.text(k) for k in out.parts)
    return text, out.dropped > 0


def frames_of(run: ChildRun, kind: str) -> list[dict[str, Any]]:
    return [f for f in run.frames if f.get("type") == kind]
