"""The process sandbox: bubblewrap namespaces plus rlimits, no container engine needed.

Isolation (``ProcessSandbox``):

- new user, pid, network, ipc, uts and cgroup namespaces; only loopback inside, so no
  connection reaches the host or the internet; no further user namespaces;
- a read-only root filesystem built from read-only binds of the system (``/usr`` and friends,
  plus the interpreter's prefix); the only writable places are size-capped private tmpfs at
  ``/tmp`` and ``/dev/shm``; no host folder with
  reference code, fixtures, other submissions or our own source is mounted: the harness and the
  submission arrive on stdin;
- when the grader runs as root, each run gets a fresh unprivileged uid, so files of root (such
  as ``/etc/shadow``) stay unreadable and ``RLIMIT_NPROC`` counts only this run's processes;
- all capabilities dropped, a new session (no terminal injection), killed with its parent;
- the wall clock kills the process group; the pid namespace takes every descendant with it
  (double-forked daemons included).

``BareRunner`` runs the same harness with no isolation at all; it exists for the benchmark's
baseline and for ``--insecure``, and says so in every result.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from functools import lru_cache
from pathlib import Path

from ..config import Settings
from ..harness.bootstrap import BOOTSTRAP
from . import cgroups
from .base import Sandbox, SandboxError, bootstrap_prefix
from .cgroups import RunCgroup
from .channel import Channel, ChannelEnd, PipeChannel, started
from .uids import allocate_uid

SAFE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/tmp",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "",
}


@lru_cache(maxsize=8)
def probe_python(python: str) -> tuple[str, ...]:
    """Folders to add to ``sys.path`` so that ``python -I -S`` finds numpy: its parent folder,
    and the interpreter's ``sys.prefix``.

    numpy is found, not imported (``importlib.util.find_spec``): a numpy start is 0.1-0.2 s,
    paid once more by every ``grader grade``; a numpy that is there but does not import fails
    the harness's start instead, with numpy's own error on the sandbox's stderr.

    Raises:
        SandboxError: the interpreter is missing, does not run, or has no numpy.
    """
    if not shutil.which(python) and not os.path.exists(python):
        raise SandboxError(f"sandbox interpreter {python} not found; install python3 and "
                           f"python3-numpy, or set GRADER_SANDBOX_PYTHON")
    code = ("import importlib.util as u, os, sys; s = u.find_spec('numpy'); "
            "s is None and sys.exit('No module named numpy'); "
            "print(os.path.dirname(os.path.dirname(s.origin))); print(sys.prefix)")
    try:
        res = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"sandbox interpreter {python} does not run: {exc}") from exc
    lines = res.stdout.split("\n")
    if res.returncode != 0 or len(lines) < 2:
        raise SandboxError(f"sandbox interpreter {python} cannot import numpy (install "
                           f"python3-numpy or set GRADER_SANDBOX_PYTHON): "
                           f"{res.stderr.strip()[-300:]}")
    return (lines[0], lines[1])


def bwrap_path() -> str | None:
    """Path of the ``bwrap`` binary, if installed."""
    return shutil.which("bwrap")


def _limits_preexec(uid: int | None, nproc: int, cgroup: RunCgroup | None = None) -> None:
    if cgroup is not None:
        cgroup.join()
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if nproc > 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def live_processes(uids: range) -> list[int]:
    """Pids of running (not zombie) processes whose owner is in ``uids``."""
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid not in uids:
                continue
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):  # zombies are dead; reaping them is their parent's job
            left.append(int(entry))
    return left


def kill_uid(uid: int, patience_seconds: float = 5.0) -> None:
    """Kill every process of ``uid`` and wait until none is left (the pid namespace's teardown
    is asynchronous; a run returns only when nothing of it is running)."""
    deadline = time.monotonic() + patience_seconds
    while True:
        left = live_processes(range(uid, uid + 1))
        if not left or time.monotonic() > deadline:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


class ProcessSandbox(Sandbox):
    """bubblewrap sandbox (see the module docstring)."""

    name = "process"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        bwrap = bwrap_path()
        if not bwrap:
            raise SandboxError(
                "bubblewrap (bwrap) is not installed, so the process sandbox cannot isolate "
                "student code. Install it (Debian/Ubuntu: apt-get install bubblewrap), use "
                "--sandbox docker, or pass --insecure to run without any isolation.")
        self.bwrap = bwrap
        self.python = settings.sandbox_python
        self.numpy_path, self.prefix = probe_python(self.python)
        #: Why runs get no cgroup here (None: each run gets one; see ``cgroups.py``).
        self.cgroups = cgroups.available()
        #: uids of the latest runs (as root), latest last: tests check nothing of them is left.
        self.used: deque[int] = deque(maxlen=1000)
        #: A run started ahead by ``prestart``, for the next ``channel``.
        self._next: BwrapChannel | None = None

    def _binds(self) -> list[str]:
        args: list[str] = []
        for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        for path in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf",
                     "/etc/ld.so.conf.d", "/etc/localtime"):
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        for extra in {self.prefix, self.numpy_path}:
            if not any(extra == d or extra.startswith(d + "/") for d in ("/usr", "/lib")):
                args += ["--ro-bind", extra, extra]
        return args

    def argv(self, tmpfs_bytes: int) -> list[str]:
        """The bwrap command line (the job arrives on stdin)."""
        args = [self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
                "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname",
                "sandbox", "--clearenv"]
        for key, value in SAFE_ENV.items():
            args += ["--setenv", key, value]
        args += self._binds()
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--size", str(tmpfs_bytes), "--perms", "1777", "--tmpfs", "/tmp",
                 "--dir", "/tmp/work",
                 "--size", str(self.settings.shm_mb << 20), "--perms", "1777", "--tmpfs",
                 "/dev/shm",
                 # bwrap's own root and /dev are tmpfs without a size: read-only, or a
                 # submission could fill the host's memory through them
                 "--remount-ro", "/dev", "--remount-ro", "/",
                 "--chdir", "/tmp/work"]
        args += [self.python, "-I", "-S", "-c", BOOTSTRAP, "/tmp/work", self.numpy_path]
        return args

    def prestart(self) -> None:
        """Start the next run now, for a one-shot grading (``grader grade``): its bubblewrap,
        Python and numpy start on another core while the grader still imports its own modules
        and loads the assignment. It is the same fresh sandbox ``channel`` would start (own uid,
        cgroup and limits); the next ``channel`` takes it and starts its wall clock then.
        ``close`` ends it if no session took it. A failure to start is left for
        ``channel``'s own start to report. (Not from a thread: bubblewrap's
        ``--die-with-parent`` follows the thread that started it.)
        """
        if self._next is None:
            try:
                self._next = self._start(self.settings.grading_seconds,
                                         (self.settings.result_mb << 20) + (1 << 20))
            except Exception:  # noqa: BLE001 - the session's own start reports it, as ever
                self._next = None

    def channel(self, wall_seconds: float, frame_limit: int) -> Channel:
        ahead, self._next = self._next, None
        if ahead is not None:
            if ahead.proc.poll() is None:
                ahead.rearm(wall_seconds, frame_limit)
                return ahead
            ahead.close()  # it ended on its own: says why (SandboxError), else start afresh
        return self._start(wall_seconds, frame_limit)

    def close(self) -> None:
        """End a run ``prestart`` started that no session took."""
        ahead, self._next = self._next, None
        if ahead is not None:
            ahead.close()

    def _start(self, wall_seconds: float, frame_limit: int) -> BwrapChannel:
        uid_ctx = allocate_uid(self.settings.sandbox_uid_base) if os.geteuid() == 0 else None
        uid = uid_ctx.__enter__() if uid_ctx is not None else None
        if uid is not None:
            self.used.append(uid)
        nproc = self.settings.nproc
        cgroup = None
        try:
            if self.cgroups is None:
                cgroup = RunCgroup(self.settings.process_memory_mb << 20, nproc + 16,
                                   self.settings.process_cpus)
            proc = subprocess.Popen(
                self.argv(self.settings.tmpfs_mb << 20), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                close_fds=True,
                # bwrap's own pid-1 reaper keeps the environment it was started with, and the
                # sandbox can read /proc/1/environ: start bwrap itself with nothing secret.
                env=dict(SAFE_ENV), preexec_fn=lambda: _limits_preexec(uid, nproc, cgroup))
        except BaseException:
            if cgroup is not None:
                cgroup.remove()
            if uid_ctx is not None:
                uid_ctx.__exit__(None, None, None)
            raise

        def cleanup() -> None:
            if uid is not None:
                kill_uid(uid)
            if cgroup is not None:
                chan.cpu_seconds = cgroup.cpu_seconds()
                cgroup.remove()
            if uid_ctx is not None:
                uid_ctx.__exit__(None, None, None)

        chan = BwrapChannel(proc, wall_seconds, frame_limit, self.name, cleanup)
        started(chan, bootstrap_prefix())
        return chan


class BwrapChannel(PipeChannel):
    """A pipe channel that recognises bubblewrap's own start-up failures."""

    def close(self) -> ChannelEnd:
        end = super().close()
        lowered = end.stderr.lower()
        if end.returncode not in (0, None) and "bwrap" in lowered and (
                "permission" in lowered or "operation not permitted" in lowered
                or "no permissions" in lowered):
            raise SandboxError(
                "bubblewrap could not create its namespaces here: "
                f"{end.stderr.strip()[-400:]} (are unprivileged user namespaces "
                "disabled? see kernel.unprivileged_userns_clone)")
        return end


class BareRunner(Sandbox):
    """No isolation: the harness runs as the grader's user in a temporary folder."""

    name = "none"
    own_pid_namespace = False

    def __init__(self, settings: Settings, python: str | None = None) -> None:
        self.settings = settings
        self.python = python or settings.sandbox_python
        try:
            self.numpy_path, _ = probe_python(self.python)
        except SandboxError:
            self.python = sys.executable
            self.numpy_path, _ = probe_python(self.python)

    def channel(self, wall_seconds: float, frame_limit: int) -> Channel:
        work = tempfile.mkdtemp(prefix="grader-bare-")
        env = dict(SAFE_ENV, HOME=work, TMPDIR=work)
        proc = subprocess.Popen(
            [self.python, "-I", "-S", "-c", BOOTSTRAP, str(Path(work) / "w"), self.numpy_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, close_fds=True, env=env,
            preexec_fn=lambda: _limits_preexec(None, 0))
        chan = PipeChannel(proc, wall_seconds, frame_limit, self.name,
                           lambda: shutil.rmtree(work, ignore_errors=True))
        return started(chan, bootstrap_prefix())
