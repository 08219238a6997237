"""The supervisor: the harness's first process, between the trusted side and student code.

It never imports student code. It reads the session frame (the submission's files, the
modules to import, the given code, the assignment's sandbox helpers, the limits), writes the
files, and starts the zygote (``zygote.py``), which imports the modules and reports each one.
Then the trusted side drives, one check at a time:

- ``begin`` (with the check's ``seq``, counted on both sides): the check gets a fresh child
  forked by the zygote (with a command pipe, a result pipe and a pipe for what it prints), or
  with ``reuse`` the last check's kept child serves again; ``begun`` answers, or ``ended``
  when no child could be had. The fresh child is forked ahead (the *spare*: as soon as the
  zygote is ready, and again as soon as the spare was given to a check), so that the
  zygote's fork is not waited for. A spare runs no student code before its check begins:
  it waits for its first operation with every signal blocked (the zygote forks it so), and
  it is not dumpable (no ptrace, no ``/proc/<pid>/mem``); the check running meanwhile could
  still send it a signal, so at ``begin`` (once that check and everything it started are
  dead) a spare with any signal pending, stopped or dead is killed and a new child forked;
- ``C`` frames (operations) and ``A`` frames (block answers) are forwarded to the child as
  they are; the child's ``R`` (replies) and ``B`` (block calls) frames go back as they are:
  the supervisor never decodes them, it only checks their framing and size;
- ``end`` (with its ``seq``): the child and everything it started are killed, or with
  ``keep`` the child is kept idle for the next check; ``ended`` reports how it ended, what it
  printed (capped) and how long it ran. An ``end`` of a check that already ended (a timeout,
  a crash: reported then) gets no answer.

The trusted side pipelines: a check's ``begin`` comes in the same write as its first
operation, and a kept check's ``reset`` operation in the same write as its ``end``. So its
frames are processed strictly in order, but a control frame (``begin``, ``end``,
``shutdown``), and everything behind it, waits while the running check's child owes an
answer (an operation or block answer forwarded, no reply or block call back yet): until the
child answers or its check ends (timeout, crash, too large). Operations behind a waiting
``begin`` thus never reach the old check's child.

Limits: a check's child may compute for ``check_seconds`` (time spent waiting for a block's
answer does not count); past that it is killed and ``ended`` says ``timeout``. A frame over
``result_bytes`` ends the check (``too_large``); a malformed frame (``protocol``); a child that
dies (``crashed``, with its wait status). An import that does not finish within
``import_seconds``, or that ends the zygote, costs the statement that was running: it is
skipped and the zygote started again. The supervisor is not dumpable (no ptrace, no
``/proc/<pid>/fd`` or ``mem`` for the student's processes).
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import time
from collections import deque
from typing import Any

from .limits import describe_status
from .protocol import (
    BLOCK_ANSWER,
    BLOCK_CALL,
    CHILD_OP,
    CHILD_REPLY,
    HEAD,
    SUPERVISOR,
    FrameReader,
    ProtocolError,
    pack,
    unpack_payload,
    write_all,
)
from .zygote import CMD

#: Restarts of the zygote (after an import that crashed or hung, or a zygote killed by a
#: check) before every remaining check is given up.
MAX_ZYGOTE_STARTS = 6
#: A check's child with less private memory than this is reaped while the next check runs.
REAP_LATER_BYTES = 64 << 20
#: Bytes asked of a pipe or socket per read; a shorter read means it was drained.
READ_BYTES = 1 << 18


def set_not_dumpable() -> None:
    """``prctl(PR_SET_DUMPABLE, 0)``: processes of the same uid cannot ptrace this one or
    open its ``/proc/<pid>/fd``, ``mem`` or ``environ``."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


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
            if _proc_file(p, "stat").rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                continue
        except (OSError, IndexError):
            continue
        out.append(int(p))
    return out


def _proc_file(pid: int | str, name: str) -> str:
    """``/proc/<pid>/<name>``, read with plain system calls (no buffered text file: these
    are read at every check's end)."""
    fd = os.open(f"/proc/{pid}/{name}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 1 << 16).decode("ascii", "replace")
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (not a zombie)."""
    try:
        return _proc_file(pid, "stat").rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _spare_fit(pid: int) -> bool:
    """Whether spare child ``pid`` may serve a check: it runs or sleeps (not stopped, not a
    zombie) and no signal is pending (it blocks them all until its check begins)."""
    try:
        fields = dict(line.split(":", 1) for line in _proc_file(pid, "status").splitlines()
                      if ":" in line)
        return (fields["State"].strip()[:1] in ("S", "R")
                and int(fields["SigPnd"], 16) == 0 and int(fields["ShdPnd"], 16) == 0)
    except (OSError, KeyError, ValueError):
        return False


def _private_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` not shared with others (``/proc/<pid>/statm``)."""
    try:
        fields = _proc_file(pid, "statm").split()
        return (int(fields[1]) - int(fields[2])) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 1 << 62


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Capture:
    """What a process printed, capped at ``limit`` bytes (the rest counted, and thrown away
    in the kernel: a flood of output costs the flooder, not the supervisor)."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd = fd
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0
        self.eof = False  # the writers closed it: no longer watched (it would spin)
        self._null: int | None = None

    def _discard(self) -> bool | None:
        """Past the limit: splice what is there to /dev/null (None if splice is missing)."""
        splice = getattr(os, "splice", None)
        if splice is None:
            return None
        if self._null is None:
            self._null = os.open(os.devnull, os.O_WRONLY)
        while True:
            try:
                n = splice(self.fd, self._null, 1 << 24)
            except BlockingIOError:
                return True
            except OSError:
                return None
            if n == 0:
                return False
            self.dropped += n

    def read(self) -> bool:
        """Read what is there; False at EOF."""
        while True:
            if len(self.data) >= self.limit:
                gone = self._discard()
                if gone is not None:
                    return gone
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            room = self.limit - len(self.data)
            self.data += chunk[:max(room, 0)]
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", "backslashreplace")

    def close(self) -> None:
        for fd in (self.fd, self._null):
            try:
                if fd is not None:
                    os.close(fd)
            except OSError:
                pass


class Check:
    """The running check's child and its pipes."""

    def __init__(self, seq: int, pid: int, cmd_w: int, res_r: int, out: Capture,
                 frame_limit: int) -> None:
        self.seq = seq
        self.pid = pid
        self.cmd_w = cmd_w
        self.res_r = res_r
        self.out = out
        self.reader = FrameReader(frame_limit)
        self.pending = bytearray()  # to the child
        self.busy_since: float | None = None
        self.busy = 0.0
        self.in_op = False  # an operation was forwarded and not replied to yet
        self.started = time.monotonic()
        self.seconds = 10.0  # of computing, past which the child is stopped
        self.outcome: str | None = None
        self.reason = ""

    def set_busy(self, now: float) -> None:
        if self.busy_since is None:
            self.busy_since = now

    def set_idle(self, now: float) -> None:
        if self.busy_since is not None:
            self.busy += now - self.busy_since
            self.busy_since = None

    def busy_seconds(self, now: float) -> float:
        return self.busy + (now - self.busy_since if self.busy_since is not None else 0.0)


class Supervisor:
    """See the module docstring."""

    def __init__(self, in_fd: int, out_fd: int, work: str, own_pid_namespace: bool) -> None:
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.work = work
        self.own_ns = own_pid_namespace
        self.session: dict[str, Any] = {}
        self.limits: dict[str, Any] = {}
        self.src = os.path.join(work, "src")
        self.reader = FrameReader(1 << 31)
        self.zpid: int | None = None
        self.zctl: socket.socket | None = None
        self.zout: Capture | None = None
        self.zready = False
        self.zstarts = 0
        self.skip: dict[str, dict[int, str]] = {}
        self.last_progress: tuple[str, int] | None = None
        self.import_output = ""
        self.check: Check | None = None
        self.idle: Check | None = None  # a check's child kept for the next check (``keep``)
        self.spare: Check | None = None  # a fresh child forked ahead for the next check
        # the zygote's answers still owed, in order: ("F", pipes) for the spare being forked,
        # ("W", pid) for a killed child it reaps
        self.zpending: deque[tuple[str, Any]] = deque()
        self.seq = 0
        self.backlog: deque[tuple[bytes, bytes]] = deque()  # the trusted side's, in order

    # --- output to the trusted side -------------------------------------------------------

    def emit(self, value: dict) -> None:
        write_all(self.out_fd, pack(value, SUPERVISOR))

    def forward(self, channel: bytes, payload: bytes) -> None:
        write_all(self.out_fd, HEAD.pack(b"G2", channel, len(payload)) + payload)

    # --- the zygote --------------------------------------------------------------------------

    def start_zygote(self) -> bool:
        """Fork the zygote and wait until it is ready; False when it cannot be started."""
        from . import zygote

        while self.zstarts < MAX_ZYGOTE_STARTS:
            self.zstarts += 1
            parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            out_r, out_w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the zygote
                try:
                    parent_sock.close()
                    os.close(out_r)
                    devnull = os.open(os.devnull, os.O_RDONLY)
                    os.dup2(devnull, 0)
                    os.close(devnull)
                    if self.in_fd != 0:
                        os.close(self.in_fd)
                    os.close(self.out_fd)
                    os.dup2(out_w, 1)
                    os.dup2(out_w, 2)
                    os.close(out_w)
                    zygote.run(self.session, self.src, child_sock, self.skip)
                finally:
                    os._exit(70)
            child_sock.close()
            os.close(out_w)
            self.zpid, self.zctl = pid, parent_sock
            os.set_blocking(out_r, False)
            self.zout = Capture(out_r, int(self.limits.get("output_bytes", 65536)))
            ok = self._await_ready()
            if ok:
                return True
        self.emit({"type": "zygote_failed", "message": "the submission's modules could not "
                   f"be imported even after {MAX_ZYGOTE_STARTS} attempts"})
        return False

    def _await_ready(self) -> bool:
        assert self.zctl is not None and self.zout is not None
        ctl = self.zctl
        ctl.setblocking(False)
        reader = FrameReader(1 << 24)
        sel = selectors.DefaultSelector()
        sel.register(ctl, selectors.EVENT_READ, "ctl")
        sel.register(self.zout.fd, selectors.EVENT_READ, "out")
        seconds = float(self.limits.get("import_seconds", 10))
        deadline = time.monotonic() + seconds
        self.last_progress = None
        outcome = "died"
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    outcome = "timeout"
                    break
                for key, _ in sel.select(min(remaining, 0.5)):
                    if key.data == "out":
                        if not self.zout.read():
                            sel.unregister(self.zout.fd)
                        continue
                    try:
                        chunk = ctl.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    except OSError:
                        chunk = b""
                    if not chunk:
                        raise EOFError
                    reader.feed(chunk)
                    while (got := reader.next_frame()) is not None:
                        _, frame = got
                        if not isinstance(frame, dict):
                            raise ProtocolError("zygote frame is not a dict")
                        kind = frame.get("type")
                        if kind == "progress":
                            self.last_progress = (str(frame.get("module")),
                                                  int(frame.get("line") or 0))
                        elif kind == "ready":
                            self.zout.read()
                            self.import_output = self.zout.text()
                            self.emit({"type": "ready", "notes": frame.get("notes") or [],
                                       "output": self.import_output,
                                       "output_truncated": self.zout.dropped > 0,
                                       "attempt": self.zstarts})
                            self.zready = True
                            ctl.setblocking(True)
                            return True
                        elif kind in ("import", "importing"):
                            self.emit(frame)
        except EOFError:
            outcome = "died"
        except (ProtocolError, ValueError):
            outcome = "protocol"
        finally:
            sel.close()
        # the import crashed or hung: skip the statement it was running, start again
        status = self._kill_zygote()
        where = self.last_progress
        self.zout.read()
        self.emit({"type": "import_crash", "module": where[0] if where else None,
                   "line": where[1] if where else None, "outcome": outcome,
                   "status": describe_status(status) if status is not None else "",
                   "output": self.zout.text()})
        if where is not None:
            seconds = float(self.limits.get("import_seconds", 10))
            why = (f"this statement did not finish within {seconds:g} s when the module was "
                   "imported (an infinite loop, or far too slow), so it was skipped"
                   if outcome == "timeout" else
                   "this statement wrote into the grader's private channel while the module "
                   "was imported, so it was skipped" if outcome == "protocol" else
                   "this statement ended the process importing your code ("
                   f"{describe_status(status) if status is not None else 'it died'}: "
                   "os._exit, a crash or a signal), so it was skipped")
            self.skip.setdefault(where[0], {})[where[1]] = why
        else:
            self.zstarts = MAX_ZYGOTE_STARTS  # it died before running any statement
        return False

    def _kill_zygote(self) -> int | None:
        self._collect_spare()
        self.zpending.clear()
        if self.spare is not None:
            spare, self.spare = self.spare, None
            for fd in (spare.cmd_w, spare.res_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            spare.out.close()
            try:
                os.kill(spare.pid, signal.SIGKILL)
            except OSError:
                pass
        status = None
        if self.zpid is not None:
            try:
                os.killpg(self.zpid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.kill(self.zpid, signal.SIGKILL)
            except OSError:
                pass
            try:
                _, status = os.waitpid(self.zpid, 0)
            except ChildProcessError:
                pass
        self.kill_leftovers(keep=())
        if self.zctl is not None:
            self.zctl.close()
        if self.zout is not None:
            self.zout.close()
        self.zpid = self.zctl = None
        self.zready = False
        return status

    def zygote_alive(self) -> bool:
        if self.zpid is None or not self.zready:
            return False
        try:
            pid, _ = os.waitpid(self.zpid, os.WNOHANG)
        except ChildProcessError:
            pid = self.zpid
        if pid:
            self._kill_zygote()
            return False
        return True

    def _zygote_command(self, cmd: bytes, arg: int,
                        seconds: float = 10.0) -> tuple[bytes, int] | None:
        """Send the zygote a command and return its answer (None: it does not answer)."""
        self._settle_zygote()  # the answers owed come first
        if self.zctl is None:
            return None
        try:
            self.zctl.settimeout(seconds)
            self.zctl.sendall(CMD.pack(cmd, arg))
        except (OSError, ValueError):
            return None
        return self._zygote_reply(seconds)

    def _zygote_reply(self, seconds: float) -> tuple[bytes, int] | None:
        if self.zctl is None:
            return None
        try:
            self.zctl.settimeout(seconds)
            reply = b""
            while len(reply) < CMD.size:
                chunk = self.zctl.recv(CMD.size - len(reply))
                if not chunk:
                    return None
                reply += chunk
            kind, value = CMD.unpack(reply)
            return kind, value
        except (OSError, ValueError):
            return None

    # --- checks ------------------------------------------------------------------------------

    def begin(self, frame: dict) -> None:
        seq = frame.get("seq")
        valid = isinstance(seq, int) and not isinstance(seq, bool) and seq > self.seq
        self.seq = seq if valid else self.seq + 1
        idle, self.idle = self.idle, None
        if idle is not None:
            if frame.get("reuse") and _alive(idle.pid):
                idle.seq = self.seq
                idle.busy, idle.busy_since = 0.0, None
                out = Capture(idle.out.fd, idle.out.limit)
                out.eof = idle.out.eof
                idle.out = out
                idle.seconds = self._seconds(frame)
                idle.reader = FrameReader(idle.reader.limit)
                self.check = idle
                self.emit({"type": "begun", "seq": self.seq, "reused": True})
                return
            self.check = idle
            self.end_check("ended", quiet=True)
        if not self.zygote_alive():
            if self.zpid is not None or self.zstarts:
                self._kill_zygote()
            if not self.start_zygote():
                self.emit({"type": "ended", "seq": self.seq, "outcome": "crashed",
                           "reason": "the submission's modules could not be imported",
                           "output": "", "seconds": 0.0})
                return
        self._collect_spare()
        child, self.spare = self.spare, None
        if child is not None and not _spare_fit(child.pid):
            self.check = child
            self.end_check("crashed", quiet=True)
            child = None
        if child is None:
            self._send_fork()
            self._collect_spare()
            child, self.spare = self.spare, None
        if child is None:
            self._kill_zygote()
            self.emit({"type": "ended", "seq": self.seq, "outcome": "crashed",
                       "reason": "the process holding your imported modules stopped "
                                 "answering (it was killed, or a thread of yours blocked it)",
                       "output": "", "seconds": 0.0})
            return
        child.seq = self.seq
        child.seconds = self._seconds(frame)
        self.check = child
        self.emit({"type": "begun", "seq": self.seq})

    def _send_fork(self) -> None:
        """Ask the zygote for a fresh check child (its pid is read by ``_collect_spare``)."""
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        out_r, out_w = os.pipe()
        sent = self.zctl is not None
        if sent:
            try:
                self.zctl.settimeout(10.0)
                socket.send_fds(self.zctl, [CMD.pack(b"F", 0)], [cmd_r, res_w, out_w])
            except (OSError, ValueError):
                sent = False
        for fd in (cmd_r, res_w, out_w):
            os.close(fd)
        if not sent:
            for fd in (cmd_w, res_r, out_r):
                os.close(fd)
            return
        self.zpending.append(("F", (cmd_w, res_r, out_r)))

    def _reap_later(self, pid: int) -> bool:
        """Ask the zygote to reap killed child ``pid`` without waiting for its answer."""
        if self.zctl is None:
            return False
        try:
            self.zctl.settimeout(10.0)
            self.zctl.sendall(CMD.pack(b"W", pid))
        except (OSError, ValueError):
            return False
        self.zpending.append(("W", pid))
        return True

    def _settle_zygote(self, upto_spare: bool = False) -> None:
        """Read the zygote's owed answers (``upto_spare``: only as far as the spare's pid,
        leaving the reaping of children killed since). A forked child becomes the spare; no
        spare when the zygote does not answer."""
        while self.zpending:
            kind, what = self.zpending[0]
            if upto_spare and kind != "F" and not any(k == "F" for k, _ in self.zpending):
                return
            self.zpending.popleft()
            got = self._zygote_reply(10.0)
            if kind == "W":
                continue
            if got is None or got[0] != b"P":
                for fd in what:
                    os.close(fd)
                continue
            cmd_w, res_r, out_r = what
            for fd in what:
                os.set_blocking(fd, False)
            limit = int(self.limits.get("result_bytes", 64 << 20))
            self.spare = Check(0, int(got[1]), cmd_w, res_r,
                               Capture(out_r, int(self.limits.get("output_bytes", 65536))),
                               limit)
            if upto_spare:
                return

    def _collect_spare(self) -> None:
        """The spare being forked, if any, is known (its pid read)."""
        self._settle_zygote(upto_spare=True)

    def fork_spare(self) -> None:
        """Have the next check's child forked ahead, unless there is one (or one is being
        forked) or the zygote is not ready; a zygote that does not answer is dealt with by
        the next ``begin``."""
        if self.spare is not None or any(k == "F" for k, _ in self.zpending) or \
                not self.zready or self.zpid is None:
            return
        self._send_fork()

    def drop_spare(self) -> None:
        """Kill the spare child, if any (the session ends)."""
        self._collect_spare()
        spare, self.spare = self.spare, None
        if spare is not None:
            saved, self.check = self.check, spare
            self.end_check("ended", quiet=True)
            self.check = saved

    def _seconds(self, frame: dict) -> float:
        """A check's computing limit: the session's, or less if the begin frame asks."""
        limit = float(self.limits.get("check_seconds", 10))
        seconds = frame.get("check_seconds")
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
            return min(float(seconds), limit)
        return limit

    def keep_check(self) -> None:
        """End the check but keep its child (alive, idle) for the next check that asks to
        reuse it: the trusted side has reset its state (a ``reset`` operation). A child in
        the middle of an operation (waiting for a block's answer) is not kept."""
        check = self.check
        if check is None:
            return
        if check.in_op:
            # it waits for a block's answer in the middle of an operation (the reset's, say):
            # not fit to serve another check
            self.end_check("ended")
            return
        self.check = None
        now = time.monotonic()
        check.set_idle(now)
        if not _alive(check.pid):
            self.check = check
            self.end_check("crashed", "the process running this check ended")
            return
        check.out.read()
        self.emit({"type": "ended", "seq": check.seq, "outcome": "ended", "reason": "",
                   "output": check.out.text(), "output_truncated": check.out.dropped > 0,
                   "seconds": check.busy_seconds(now), "kept": True})
        self.idle = check

    def end_check(self, outcome: str, reason: str = "", quiet: bool = False) -> None:
        """Kill the check's child and report how it ended (``quiet``: a kept child retired,
        nothing to report)."""
        check = self.check
        if check is None:
            return
        self.check = None
        now = time.monotonic()
        check.set_idle(now)
        # a check the trusted side ends while its child waits for an operation: the child
        # flushed what it printed before its last reply, so the report goes first and the
        # child's teardown (milliseconds) overlaps the trusted side's next steps; the next
        # frame is read only once everything is dead
        early = outcome == "ended" and not quiet and not check.in_op
        # and a small child is reaped later: the next check's child may start while its
        # memory is freed (a large one is waited for, so that it cannot crowd the next)
        later = early and self.zpid is not None and _private_bytes(check.pid) < REAP_LATER_BYTES
        if early:
            check.out.read()
            self.emit({"type": "ended", "seq": check.seq, "outcome": outcome, "reason": reason,
                       "output": check.out.text(), "output_truncated": check.out.dropped > 0,
                       "seconds": check.busy_seconds(now)})
        try:
            os.killpg(check.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(check.pid, signal.SIGKILL)
        except OSError:
            pass
        status = None
        if later and self._reap_later(check.pid):
            pass
        elif self.zpid is not None:
            got = self._zygote_command(b"W", check.pid)
            if got is not None and got[0] == b"S" and got[1] >= 0:
                status = int(got[1])
            elif got is None:
                self._kill_zygote()
        keep = (self.zpid,) if self.zpid is not None else ()
        self.kill_leftovers(keep=keep, wait=not later)
        check.out.read()
        for fd in (check.cmd_w, check.res_r):
            try:
                os.close(fd)
            except OSError:
                pass
        check.out.close()
        if quiet or early:
            return
        if outcome == "crashed" and status is not None:
            reason = f"the process running this check {describe_status(status)}"
        self.emit({"type": "ended", "seq": check.seq, "outcome": outcome, "reason": reason,
                   "output": check.out.text(), "output_truncated": check.out.dropped > 0,
                   "seconds": check.busy_seconds(now)})

    def kill_leftovers(self, keep: tuple, wait: bool = True) -> None:
        """Kill every other process we can see (in a private pid namespace), but ``keep``,
        and wait until they are gone; without ``wait``, until each was sent SIGKILL (a
        killed process runs no more code and forks no more; its memory is freed later)."""
        if not self.own_ns:
            return
        me = os.getpid()
        self._collect_spare()
        if self.spare is not None:
            keep = (*keep, self.spare.pid)
        spare = {1, me, *[p for p in keep if p]}
        dead: set[int] = set()
        for _ in range(200):
            _reap()
            others = [p for p in _pids() if p not in spare and p not in dead]
            if not others:
                return
            if not wait:
                dead.update(others)
            for p in others:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError as exc:
                    if exc.errno not in (errno.ESRCH, errno.EPERM):
                        raise
            if wait:
                time.sleep(0.001)

    # --- the loop ----------------------------------------------------------------------------

    def run(self, session: dict) -> None:
        self.session = session
        self.limits = session.get("limits") or {}
        materialize(session.get("files") or {}, self.src)
        if not self.start_zygote():
            pass  # reported; every begin will say so
        os.set_blocking(self.in_fd, False)
        sel = selectors.DefaultSelector()
        sel.register(self.in_fd, selectors.EVENT_READ, "in")
        registered: tuple[int, ...] = ()
        watched: Check | None = None  # whose pipes ``registered`` are (numbers get reused)
        while True:
            self.fork_spare()
            check = self.check
            want: tuple[int, ...] = () if check is None else \
                (check.res_r,) if check.out.eof else (check.res_r, check.out.fd)
            if want != registered or check is not watched:
                for fd in registered:
                    try:
                        sel.unregister(fd)
                    except (KeyError, ValueError):
                        pass
                for fd, tag in zip(want, ("res", "out"), strict=False):
                    sel.register(fd, selectors.EVENT_READ, tag)
                registered, watched = want, check
            timeout = None
            if check is not None and check.busy_since is not None:
                timeout = max(0.0, check.seconds - check.busy_seconds(time.monotonic()))
            events = sel.select(timeout)
            now = time.monotonic()
            for key, _ in events:
                if key.data == "in":
                    if not self._read_in():
                        self.shutdown()
                        return
                elif self.check is not None and key.data == "res":
                    self._read_child()
                elif self.check is not None and key.data == "out":
                    if not self.check.out.read():
                        self.check.out.eof = True
                        sel.unregister(key.fd)
                        registered = tuple(fd for fd in registered if fd != key.fd)
            check = self.check
            if check is not None and check.busy_since is not None and \
                    check.busy_seconds(now) >= check.seconds:
                self.end_check("timeout", f"did not finish within {check.seconds:g} s (an "
                               "infinite loop, or far too slow); it was stopped")
            if self.backlog and not self._deferring():
                self._process_backlog()  # the child answered, or its check ended
            if self.session.get("_shutdown"):
                self.shutdown()
                return

    def _read_in(self) -> bool:
        """Read what the trusted side sent, queue its frames and process what may be; False
        once its stream ended."""
        while True:
            try:
                chunk = os.read(self.in_fd, READ_BYTES)
            except BlockingIOError:
                break
            if not chunk:
                return False
            self.reader.feed(chunk)
            if len(chunk) < READ_BYTES:
                break  # drained: no read to learn that it would block (epoll says if not)
        while (raw := self.reader.next_raw()) is not None:
            self.backlog.append(raw)
        self._process_backlog()
        return True

    def _deferring(self) -> bool:
        """Whether control frames must wait: the running check has an operation (or a block
        answer) forwarded and neither a reply nor a block call back yet."""
        return self.check is not None and self.check.busy_since is not None

    def _process_backlog(self) -> None:
        """Process the trusted side's queued frames strictly in order; stop at a control
        frame while the running check's child still owes an answer (the frames behind it
        wait too: they belong to what the control frame starts or ends)."""
        while self.backlog:
            channel, payload = self.backlog[0]
            if channel in (CHILD_OP, BLOCK_ANSWER):
                self.backlog.popleft()
                check = self.check
                if check is None:
                    continue  # the check ended meanwhile; the trusted side has been told
                check.set_busy(time.monotonic())
                check.in_op = check.in_op or channel == CHILD_OP
                self._to_child(HEAD.pack(b"G2", channel, len(payload)) + payload)
                continue
            if self._deferring():
                return
            self.backlog.popleft()
            self._control(unpack_payload(payload))

    def _control(self, frame: Any) -> None:
        """A ``begin``, ``end`` or ``shutdown`` frame of the trusted side."""
        kind = frame.get("type") if isinstance(frame, dict) else None
        if kind == "begin":
            if self.check is not None:
                self.end_check("ended")
            self.begin(frame)
        elif kind == "end":
            seq = frame.get("seq")
            check = self.check
            if check is not None and seq == check.seq:
                if frame.get("keep"):
                    self.keep_check()
                else:
                    self.end_check("ended")
            elif isinstance(seq, int) and not isinstance(seq, bool) and 0 < seq <= self.seq:
                pass  # that check ended already and was reported (timeout, crash...)
            else:
                self.emit({"type": "ended", "seq": seq if isinstance(seq, int) else None,
                           "outcome": "gone", "reason": "no such check", "output": "",
                           "seconds": 0.0})
        elif kind == "shutdown":
            self.session["_shutdown"] = True

    def _to_child(self, data: bytes) -> None:
        check = self.check
        assert check is not None
        view = memoryview(data)
        deadline = time.monotonic() + 10.0
        while view:
            try:
                n = os.write(check.cmd_w, view)
                view = view[n:]
            except BlockingIOError:
                # the child does not read: wait a little for it (it may be busy computing)
                if time.monotonic() > deadline:
                    self.end_check("crashed", "the check's process stopped reading its "
                                   "commands")
                    return
                sel = selectors.DefaultSelector()
                sel.register(check.cmd_w, selectors.EVENT_WRITE)
                sel.select(0.05)
                sel.close()
                self._drain_child_output()
            except OSError:
                self._read_child()
                if self.check is not None:
                    self.end_check("crashed")
                return

    def _drain_child_output(self) -> None:
        if self.check is not None:
            self.check.out.read()

    def _read_child(self) -> None:
        check = self.check
        assert check is not None
        try:
            while True:
                try:
                    chunk = os.read(check.res_r, READ_BYTES)
                except BlockingIOError:
                    break
                except OSError:
                    chunk = b""
                if not chunk:
                    self._flush_frames(check)
                    if self.check is check:
                        self.end_check("crashed", "the process running this check ended")
                    return
                check.reader.feed(chunk)
                self._flush_frames(check)
                if self.check is not check or len(chunk) < READ_BYTES:
                    return  # drained (an end of the pipe is seen at the next wake-up)
        except ProtocolError as exc:
            text = str(exc)
            if "over the limit" in text:
                outcome, text = "too_large", f"the check's results are too large ({text})"
            else:
                outcome = "protocol"
                text = (f"the check's process sent malformed results ({text}); did the code "
                        "write to the grader's channel?")
            if self.check is check:
                self.end_check(outcome, text)

    def _flush_frames(self, check: Check) -> None:
        while (raw := check.reader.next_raw()) is not None:
            channel, payload = raw
            now = time.monotonic()
            if channel == CHILD_REPLY:
                check.set_idle(now)
                check.in_op = False
            elif channel == BLOCK_CALL:
                check.set_idle(now)
            else:
                raise ProtocolError(f"the check's process sent a frame on channel {channel!r}")
            self.forward(channel, payload)

    def shutdown(self) -> None:
        if self.check is not None:
            self.end_check("ended")
        self.drop_spare()
        if self.idle is not None:
            self.check, self.idle = self.idle, None
            self.end_check("ended", quiet=True)
        if self.zpid is not None:
            self._kill_zygote()


def _safe_relpath(rel: str) -> str:
    parts = rel.replace("\\", "/").split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"unsafe path in job: {rel!r}")
    return "/".join(parts)


def materialize(files: dict[str, bytes], root: str) -> None:
    """Write the submission's files under ``root``."""
    os.makedirs(root, exist_ok=True)
    for rel, data in files.items():
        path = os.path.join(root, _safe_relpath(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
