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
import tempfile

from ..config import Settings
from ..harness.bootstrap import BOOTSTRAP
from .base import Sandbox, SandboxError, SandboxRun, bootstrap_stdin, decode_run, run_capped
from .process import SAFE_ENV, _harness_limits, _limits_preexec, kill_uid, probe_python
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

    def run(self, job: dict, wall_seconds: float) -> SandboxRun:
        with allocate_uid(self.settings.sandbox_uid_base) as uid:
            return self._run(job, wall_seconds, uid)

    def _run(self, job: dict, wall_seconds: float, uid: int) -> SandboxRun:
        # the uid is dedicated to this run, so the harness may kill(-1) all of "its" processes
        job = {**job, "own_pid_namespace": True}
        base = tempfile.mkdtemp(prefix="grader-user-")
        work = os.path.join(base, "w")
        os.mkdir(work, 0o700)
        os.chown(work, uid, uid)
        os.chmod(base, 0o711)
        try:
            env = dict(SAFE_ENV, HOME=work, TMPDIR=work)
            out, err, code, timed_out, secs = run_capped(
                [self.python, "-I", "-S", "-c", BOOTSTRAP, work, self.numpy_path],
                bootstrap_stdin(job), wall_seconds=wall_seconds,
                stdout_limit=_harness_limits(job), env=env, cwd=work,
                preexec_fn=lambda: _limits_preexec(uid, self.settings.nproc))
        finally:
            kill_uid(uid)
            shutil.rmtree(base, ignore_errors=True)
        return decode_run(out, err, code, timed_out, secs, self.name, _harness_limits(job))
