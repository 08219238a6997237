"""The unprivileged-user sandbox: for hosts where namespaces are unavailable (Gradescope).

Inside Gradescope's container bubblewrap usually cannot create namespaces and no Docker engine
runs. What remains, and what this sandbox does (the grader must run as root):

- the harness runs as a fresh unprivileged uid that owns nothing on the system, so files the
  grader keeps ``0700`` (fixtures, results, the submission folder) are unreadable to it;
- it works in a private ``0700`` folder of its own, removed afterwards;
- rlimits (processes of that uid, memory, CPU, file size) as in the process sandbox, and the
  wall clock kills every process of the uid, so nothing outlives the grading;
- the environment is reduced to a safe minimum.

It does not isolate the network or hide world-readable system files; use the process or Docker
sandbox wherever they run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..config import Settings
from ..harness.bootstrap import BOOTSTRAP
from .base import Sandbox, SandboxError, bootstrap_prefix
from .channel import Channel, PipeChannel, started
from .process import SAFE_ENV, _limits_preexec, kill_uid, probe_python
from .uids import allocate_uid


class UserSandbox(Sandbox):
    """Harness as a fresh unprivileged uid (see the module docstring)."""

    name = "user"

    def __init__(self, settings: Settings, python: str | None = None) -> None:
        if os.geteuid() != 0:
            raise SandboxError("the unprivileged-user sandbox must be started as root (it "
                               "switches to a fresh uid for the student code)")
        self.settings = settings
        self.python = python or settings.sandbox_python
        self.numpy_path, _ = probe_python(self.python)

    def channel(self, wall_seconds: float, frame_limit: int) -> Channel:
        # the uid is dedicated to this run, so the harness may kill every process of "its" uid
        uid_ctx = allocate_uid(self.settings.sandbox_uid_base)
        uid = uid_ctx.__enter__()
        base = tempfile.mkdtemp(prefix="grader-user-")
        work = os.path.join(base, "w")
        try:
            os.mkdir(work, 0o700)
            os.chown(work, uid, uid)
            os.chmod(base, 0o711)
            env = dict(SAFE_ENV, HOME=work, TMPDIR=work)
            nproc = self.settings.nproc
            proc = subprocess.Popen(
                [self.python, "-I", "-S", "-c", BOOTSTRAP, work, self.numpy_path],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True, close_fds=True, env=env, cwd=work,
                preexec_fn=lambda: _limits_preexec(uid, nproc))
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            uid_ctx.__exit__(None, None, None)
            raise

        def cleanup() -> None:
            kill_uid(uid)
            shutil.rmtree(base, ignore_errors=True)
            uid_ctx.__exit__(None, None, None)

        chan = PipeChannel(proc, wall_seconds, frame_limit, self.name, cleanup)
        return started(chan, bootstrap_prefix())
