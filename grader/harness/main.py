"""Harness entry point: one session per sandbox, driven frame by frame by the trusted side.

``python -m grader_harness.main WORKDIR [--ready]``; the first frame on stdin (channel ``S``)
says what the sandbox is for:

- ``{"type": "session", ...}``: a student's (or the reference's) code: the supervisor
  (``supervisor.py``) imports it in the zygote and runs the checks the trusted side asks for,
  one child per check;
- ``{"type": "cases", ...}``: the assignment's case generators (instructor code, still
  sandboxed): one child runs them and sends ``cases`` frames;
- ``{"type": "host", ...}``: an uploaded assignment's drivers and reference (``host.py``).

Every run starts with a ``hello`` frame; ``done`` ends a cases run. Result frames go to a
private copy of stdout; the process's own stdout is /dev/null, so nothing the student prints
can look like a frame.

Direct channel (the Docker sandbox): ``--channel PATH`` connects to the unix socket the grader
listens on at ``PATH`` and reads and writes frames there instead of stdin and stdout, so
frames do not cross the engine's attach stream (stderr still does).

Warm start (the Docker sandbox's pool): ``--ready`` imports everything (numpy included), writes
``grader-harness-ready`` on stderr, then waits for its session. A session's ``wall_seconds``
arms an alarm that ends the harness (and with it the container) if the grader that should
have stopped it is gone.
"""

from __future__ import annotations

import math
import os
import platform
import signal
import socket
import sys
import time
import traceback
from typing import Any

import numpy as np

from . import PROTOCOL_VERSION
from . import child as _child  # noqa: F401 - imported before the fork of the zygote
from . import sandbox_lib as _lib  # noqa: F401
from .protocol import SUPERVISOR, pack, read_frame, write_all
from .supervisor import Capture, Supervisor, set_not_dumpable

#: Written on stderr by ``--ready`` once the harness is imported and waits for its job.
READY_MARKER = b"grader-harness-ready\n"


def run_cases(job: dict, emit: Any, work: str) -> None:
    """Run the case generators in a child with the job's limits; forward its frames."""
    from .limits import apply_child_limits
    from .protocol import FrameReader
    from .zygote import load_source_module

    limits = job.get("limits") or {}
    res_r, res_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(res_r)
            os.close(out_r)
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            apply_child_limits(limits)
            mod = load_source_module("grader_cases", job["source"], "<assignment cases>")
            for gen in job["generators"]:
                try:
                    produced = getattr(mod, gen["generator"])(**(gen.get("params") or {}))
                    if isinstance(produced, dict):
                        produced = [produced]
                    cases = []
                    for i, case in enumerate(produced):
                        if not isinstance(case, dict) or "inputs" not in case:
                            raise TypeError(f"case {i} of {gen['generator']} is not a dict "
                                            "with 'inputs'")
                        cases.append({"name": str(case.get("name", f"case {i + 1}")),
                                      "inputs": case["inputs"], "meta": case.get("meta") or {}})
                    frame: dict[str, Any] = {"type": "cases", "check": gen["check"],
                                             "status": "ok", "cases": cases}
                except BaseException as exc:  # noqa: BLE001
                    frame = {"type": "cases", "check": gen["check"], "status": "error",
                             "error": {"type": type(exc).__name__, "message": str(exc)[:2000],
                                       "traceback": traceback.format_exc()[-6000:]}}
                write_all(res_w, pack(frame, SUPERVISOR))
        finally:
            os._exit(0)
    os.close(res_w)
    os.close(out_w)
    os.set_blocking(out_r, False)
    out = Capture(out_r, int(limits.get("output_bytes", 65536)))
    reader = FrameReader(int(limits.get("result_bytes", 256 << 20)))
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(res_r, selectors.EVENT_READ, "res")
    sel.register(out_r, selectors.EVENT_READ, "out")
    deadline = time.monotonic() + float(limits.get("todo_seconds", 120))
    ok = False
    try:
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in sel.select(remaining):
                if key.data == "out":
                    if not out.read():
                        sel.unregister(key.fd)
                    continue
                chunk = os.read(res_r, 1 << 18)
                if not chunk:
                    sel.unregister(key.fd)
                    continue
                reader.feed(chunk)
                while (got := reader.next_frame()) is not None:
                    emit(got[1])
        else:
            ok = True
    except Exception as exc:  # noqa: BLE001 - malformed frames from instructor code
        emit({"type": "cases_failed", "message": f"the case generators sent malformed data: "
              f"{exc}", "output": out.text()})
    finally:
        sel.close()
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        _, status = os.waitpid(pid, 0)
    if not ok:
        emit({"type": "cases_failed", "message": "the case generators timed out",
              "output": out.text()})
    elif not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        from .limits import describe_status

        emit({"type": "cases_failed", "message": f"the case generators {describe_status(status)}",
              "output": out.text()})


def main(argv: list[str] | None = None) -> int:
    """Run one session (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else argv
    ready = "--ready" in argv
    argv = [a for a in argv if a != "--ready"]
    direct = None
    if "--channel" in argv:
        i = argv.index("--channel")
        direct = argv[i + 1]
        del argv[i:i + 2]
    work = argv[0] if argv else os.getcwd()
    os.makedirs(work, exist_ok=True)
    os.chdir(work)
    set_not_dumpable()
    if direct is not None:
        # the direct channel: one unix socket the grader listens on (mounted read-only),
        # connected before the ready marker, so the grader finds it waiting
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(direct)
        in_fd = sock.detach()
        result_fd = os.dup(in_fd)
    else:
        in_fd = 0
        result_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    def emit(frame: dict, describer: Any = None) -> None:
        write_all(result_fd, pack(frame, SUPERVISOR, describer=describer))

    if ready:
        write_all(2, READY_MARKER)
    channel, job = read_frame(in_fd)
    if not isinstance(job, dict) or channel != SUPERVISOR:
        emit({"type": "fatal", "message": "the first frame is not a session"})
        return 2
    if job.get("wall_seconds"):
        # children do not inherit the alarm; the harness's end ends the container
        signal.alarm(max(1, math.ceil(float(job["wall_seconds"]))))
    emit({"type": "hello", "protocol": PROTOCOL_VERSION, "python": platform.python_version(),
          "numpy": np.__version__, "pid": os.getpid()})
    if job.get("protocol") != PROTOCOL_VERSION:
        emit({"type": "fatal", "message": f"protocol {job.get('protocol')} is not "
              f"{PROTOCOL_VERSION}"})
        return 2
    own_ns = bool(job.get("own_pid_namespace"))
    if job.get("type") == "session":
        Supervisor(in_fd, result_fd, work, own_ns).run(job)
        emit({"type": "done"})
        return 0
    if job.get("type") == "cases":
        run_cases(job, emit, work)
        emit({"type": "done"})
        return 0
    if job.get("type") == "host":
        from . import host

        host.serve(job, emit, lambda: read_frame(in_fd)[1])
        emit({"type": "done"})
        return 0
    emit({"type": "fatal", "message": f"unknown session type {job.get('type')!r}"})
    return 2


def _run() -> Any:
    try:
        code = main()
    except BaseException as exc:  # noqa: BLE001 - report harness faults on stderr
        traceback.print_exc()
        sys.stderr.flush()
        code = 3 if not isinstance(exc, SystemExit) else exc.code
    os._exit(code if isinstance(code, int) else 3)


if __name__ == "__main__":
    _run()
