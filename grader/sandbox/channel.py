"""The trusted side's end of a sandbox: a duplex stream of frames with a wall clock.

Every sandbox gives the harness one input stream (its stdin) and one output stream (its
stdout: frames only; the harness's own stdout is /dev/null) plus stderr for diagnostics. A
``Channel`` sends frames in and reads frames out; the sandbox's wall clock
(``wall_seconds``) bounds everything, after which the sandbox is killed. Reads and writes go
on at once (a large operation going in never waits on a report coming out), and every byte
read is bounded by ``frame_limit`` per frame.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import subprocess
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..harness.protocol import FrameReader, ProtocolError

STDERR_LIMIT = 64 << 10
#: Kernel buffer asked for a pipe channel's stdin (at most /proc/sys/fs/pipe-max-size).
PIPE_BYTES = 1 << 20


class ChannelClosed(RuntimeError):
    """The sandbox ended (or its stream broke) before the frame that was expected."""


class ChannelTimeout(ChannelClosed):
    """The sandbox's wall clock ran out."""


@dataclass
class ChannelEnd:
    """How a sandbox ended."""

    stderr: str = ""
    returncode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    protocol_error: str | None = None
    cpu_seconds: float | None = None  # of every process of the run, where accounted


class Channel(ABC):
    """A duplex frame stream to one sandboxed harness (see the module docstring)."""

    #: The sandbox's name ("process", "docker", "none").
    sandbox: str = "?"

    def __init__(self, wall_seconds: float, frame_limit: int) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + wall_seconds
        self.reader = FrameReader(frame_limit)
        self.frames: deque[tuple[bytes, bytes]] = deque()
        self.stderr = bytearray()
        self.eof = False
        self.timed_out = False
        self.protocol_error: str | None = None
        self.cpu_seconds: float | None = None

    # --- what a transport provides ------------------------------------------------------

    @abstractmethod
    def _write_some(self, data: memoryview, timeout: float) -> int:
        """Write some of ``data`` (waiting at most ``timeout``; reading meanwhile)."""

    @abstractmethod
    def _read_some(self, timeout: float) -> None:
        """Read what arrives within ``timeout`` into ``_feed``/``_feed_err``; set ``eof``."""

    @abstractmethod
    def _terminate(self) -> ChannelEnd:
        """Kill the sandbox and collect how it ended."""

    # --- shared logic ------------------------------------------------------------------------

    def _feed(self, chunk: bytes) -> None:
        try:
            self.reader.feed(chunk)
            while (raw := self.reader.next_raw()) is not None:
                self.frames.append(raw)
        except ProtocolError as exc:
            self.protocol_error = str(exc)
            self.eof = True

    def _feed_err(self, chunk: bytes) -> None:
        room = STDERR_LIMIT - len(self.stderr)
        if room > 0:
            self.stderr += chunk[:room]

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def rearm(self, wall_seconds: float, frame_limit: int) -> None:
        """Give a channel started ahead of its session (``ProcessSandbox.prestart``) the
        session's wall clock, from now, and frame limit."""
        self.started = time.monotonic()
        self.deadline = self.started + wall_seconds
        self.reader.limit = frame_limit

    def send(self, data: bytes) -> None:
        """Send bytes (one or more frames). Raises ``ChannelClosed``/``ChannelTimeout``."""
        view = memoryview(data)
        while view:
            left = self.remaining()
            if left <= 0:
                self.timed_out = True
                raise ChannelTimeout("the sandbox's time limit passed")
            if self.eof:
                raise ChannelClosed("the sandbox ended")
            n = self._write_some(view, min(left, 1.0))
            view = view[n:]

    def recv(self, timeout: float | None = None) -> tuple[bytes, bytes] | None:
        """The next frame ``(channel, payload)``; None if none came within ``timeout``.

        Raises:
            ChannelClosed: the stream ended (or broke) with no frame pending.
            ChannelTimeout: the sandbox's wall clock ran out.
        """
        give_up = time.monotonic() + timeout if timeout is not None else None
        while not self.frames:
            if self.eof:
                raise ChannelClosed(self.protocol_error or "the sandbox ended")
            left = self.remaining()
            if left <= 0:
                self.timed_out = True
                raise ChannelTimeout("the sandbox's time limit passed")
            wait = left
            if give_up is not None:
                wait = min(wait, give_up - time.monotonic())
                if wait <= 0:
                    return None
            self._read_some(min(wait, 1.0))
        return self.frames.popleft()

    def close(self) -> ChannelEnd:
        """Kill the sandbox (if it still runs) and say how it ended."""
        end = self._terminate()
        end.timed_out = end.timed_out or self.timed_out
        end.protocol_error = end.protocol_error or self.protocol_error
        end.seconds = time.monotonic() - self.started
        end.cpu_seconds = end.cpu_seconds if end.cpu_seconds is not None else self.cpu_seconds
        if not end.stderr:
            end.stderr = bytes(self.stderr).decode("utf-8", "replace")
        return end


class PipeChannel(Channel):
    """A channel over a child process's stdin/stdout/stderr pipes (bubblewrap, bare)."""

    def __init__(self, proc: subprocess.Popen, wall_seconds: float, frame_limit: int,
                 sandbox: str, cleanup: Callable[[], None] | None = None) -> None:
        super().__init__(wall_seconds, frame_limit)
        assert proc.stdin and proc.stdout and proc.stderr
        self.proc = proc
        self.sandbox = sandbox
        self.cleanup = cleanup
        self.in_fd = proc.stdin.fileno()
        self.out_fd = proc.stdout.fileno()
        self.err_fd = proc.stderr.fileno()
        # room for the whole bootstrap prefix (about 0.6 MB): sending it does not wait for
        # the sandbox's Python to start reading
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(self.in_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        for fd in (self.in_fd, self.out_fd, self.err_fd):
            os.set_blocking(fd, False)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.out_fd, selectors.EVENT_READ, "out")
        self.sel.register(self.err_fd, selectors.EVENT_READ, "err")
        self.closed = False

    def _drain(self, key: selectors.SelectorKey) -> None:
        try:
            chunk = os.read(key.fd, 1 << 18)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.sel.unregister(key.fd)
            if key.data == "out":
                self.eof = True
            return
        if key.data == "out":
            self._feed(chunk)
        else:
            self._feed_err(chunk)

    def _read_some(self, timeout: float) -> None:
        if not self.sel.get_map():
            self.eof = True
            return
        for key, _ in self.sel.select(timeout):
            self._drain(key)

    def _write_some(self, data: memoryview, timeout: float) -> int:
        try:
            return os.write(self.in_fd, data[:1 << 20])
        except BlockingIOError:
            pass
        except (BrokenPipeError, OSError):
            self.eof = True
            raise ChannelClosed("the sandbox stopped reading") from None
        # wait until writable, reading what comes out meanwhile
        sel = selectors.DefaultSelector()
        sel.register(self.in_fd, selectors.EVENT_WRITE, "in")
        for fd, tag in ((self.out_fd, "out"), (self.err_fd, "err")):
            if fd in self.sel.get_map():
                sel.register(fd, selectors.EVENT_READ, tag)
        try:
            for key, _ in sel.select(timeout):
                if key.data != "in" and key.fd in self.sel.get_map():
                    self._drain(self.sel.get_key(key.fd))
        finally:
            sel.close()
        return 0

    def _terminate(self) -> ChannelEnd:
        import signal

        if not self.closed:
            self.closed = True
            try:
                self.proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            # a session ends by itself once its stdin closes; give it a moment, then kill
            try:
                self.proc.wait(timeout=0.5 if not self.timed_out else 0)
            except subprocess.TimeoutExpired:
                pass
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.proc.kill()
            # what it wrote before it ended
            while self.sel.get_map():
                events = self.sel.select(0)
                if not events:
                    break
                for key, _ in events:
                    self._drain(key)
            self.sel.close()
            for f in (self.proc.stdout, self.proc.stderr):
                try:
                    f.close()  # type: ignore[union-attr]
                except OSError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.cleanup is not None:
                self.cleanup()
        code = self.proc.returncode
        return ChannelEnd(returncode=None if self.timed_out else code,
                          timed_out=self.timed_out)


def started(chan: Channel, prefix: bytes) -> Channel:
    """``chan`` once the harness's bootstrap ``prefix`` is sent; a sandbox that could not
    start is closed (which says why) and ``ChannelClosed`` raised."""
    try:
        chan.send(prefix)
    except ChannelClosed:
        chan.close()
        raise
    return chan
