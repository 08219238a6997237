"""Harness entry point: read one job frame on stdin, write result frames on stdout.

Modes:

- ``grade``: import probe, then one supervised child per TODO (restarted after a crash, so a
  segfault in one check costs that check only); result frames ``import``, ``check``, ``todo``.
- ``cases``: run the assignment's case generators (instructor code) in a supervised child.

Every run starts with a ``hello`` frame and ends with a ``done`` frame; a stream without
``done`` means the harness itself was killed, which the grader reports as such.

Warm start (the Docker sandbox's pool): ``python -m grader_harness.main WORKDIR --ready``
imports everything (numpy included), writes ``grader-harness-ready`` on stderr, then waits for
its one job on stdin. A job's ``wall_seconds`` arms an alarm that ends the harness (and with it
the container) if the grader that should have stopped it is gone.
"""

from __future__ import annotations

import math
import os
import platform
import signal
import sys
import time
import types
from typing import Any

import numpy as np

from . import PROTOCOL_VERSION
from .child import import_probe, run_cases, run_checks
from .protocol import pack, read_frame, write_all
from .supervisor import ChildRun, output_text, run_child

#: Restarts of a TODO's child after crashes before the rest of its checks are given up.
MAX_RESTARTS = 8

#: Written on stderr by ``--ready`` once the harness is imported and waits for its job.
READY_MARKER = b"grader-harness-ready\n"


class Emitter:
    """Writes result frames to the private result descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __call__(self, frame: dict) -> None:
        write_all(self.fd, pack(frame))


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


def load_source_module(name: str, source: str, filename: str) -> types.ModuleType:
    """Create module ``name`` from ``source`` (drivers, case generators)."""
    mod = types.ModuleType(name)
    mod.__file__ = filename
    sys.modules[name] = mod
    exec(compile(source, filename, "exec"), mod.__dict__)  # noqa: S102 - instructor code
    return mod


def _module_of(target: str | None) -> str | None:
    return target.partition(":")[0] if target else None


def grade(job: dict, emit: Emitter, work: str) -> None:
    limits = job["limits"]
    src = os.path.join(work, "src")
    materialize(job.get("files") or {}, src)
    sys.pycache_prefix = os.path.join(work, ".pycache")
    drivers = load_source_module("grader_drivers", job["drivers"]["source"],
                                 "<assignment drivers>")
    own_ns = bool(job.get("own_pid_namespace"))
    common = dict(output_bytes=int(limits.get("output_bytes", 65536)),
                  result_bytes=int(limits.get("result_bytes", 64 << 20)),
                  own_pid_namespace=own_ns)

    probe = run_child(lambda io_: import_probe(job, src, io_),
                      check_seconds=float(limits.get("import_seconds", 10)),
                      total_seconds=float(limits.get("import_seconds", 10)), **common)
    failed: dict[str, dict] = {}
    seen = set()
    for frame in probe.frames:
        if frame.get("type") == "import":
            seen.add(frame.get("module"))
            emit({**frame, "type": "import"})
            if frame.get("status") != "ok":
                failed[frame["module"]] = frame.get("error") or {}
    text, dropped = output_text(probe)
    for name in job["modules"]:
        if name in seen:
            continue
        last = [f for f in probe.frames if f.get("type") == "importing"]
        culprit = last[-1]["module"] if last else name
        how = "timed out" if probe.timed_out else probe.ended_by()
        if probe.protocol_error:
            how = ("wrote to the grader's private channel (malformed results: "
                   f"{probe.protocol_error})")
        error = {"type": "ImportAborted", "file": None, "line": None, "function": None,
                 "traceback": "",
                 "message": f"importing {culprit} {how}" if culprit == name else
                 f"not imported: importing {culprit} {how}"}
        failed[name] = error
        emit({"type": "import", "module": name, "status": "error", "error": error})
    emit({"type": "import_output", "output": text, "output_truncated": dropped})

    for todo in job["todos"]:
        t0 = time.monotonic()
        checks = todo["checks"]
        results: dict[int, dict] = {}
        outputs, truncated = [], False
        import_output: list[str] = []
        check_output: dict[int, str] = {}
        blocked = {}
        for i, check in enumerate(checks):
            mod = _module_of(check.get("target"))
            if mod in failed:
                blocked[i] = mod
        runnable = [i for i in range(len(checks)) if i not in blocked]
        start_at = runnable[0] if runnable else len(checks)
        restarts = 0
        deadline = t0 + float(limits.get("todo_seconds", 60))
        timed_out_todo = False
        while start_at < len(checks) and not timed_out_todo:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out_todo = True
                break
            run = run_child(lambda io_, s=start_at, t=todo: run_checks(job, t, s, src, drivers,
                                                                       io_),
                            check_seconds=float(limits.get("check_seconds", 10)),
                            total_seconds=remaining, **common)
            text, dropped = output_text(run)
            outputs.append(text)
            truncated = truncated or dropped
            assert run.output is not None
            import_output.append(run.output.text(None))
            for frame in run.frames:
                if frame.get("type") == "check" and isinstance(frame.get("index"), int):
                    idx = frame["index"]
                    if start_at <= idx < len(checks) and idx not in results:
                        results[idx] = frame
            for idx in run.output.parts:
                if isinstance(idx, int) and start_at <= idx < len(checks):
                    check_output[idx] = run.output.text(idx)
            nxt = _next_unreported(results, blocked, start_at, len(checks))
            if nxt >= len(checks):
                break
            # The child stopped before reporting check ``nxt``: say why, then go on after it.
            results[nxt] = _failure_frame(run, nxt, limits)
            if run.timed_out:
                for j in range(nxt + 1, len(checks)):
                    if j not in blocked:
                        results[j] = {"status": "not_run", "reason":
                                      "not run: an earlier check of this TODO timed out"}
                break
            restarts += 1
            if restarts > MAX_RESTARTS:
                for j in range(nxt + 1, len(checks)):
                    if j not in blocked and j not in results:
                        results[j] = {"status": "not_run",
                                      "reason": "not run: the TODO crashed too many times"}
                break
            start_at = _next_unreported(results, blocked, nxt + 1, len(checks))
        for i, check in enumerate(checks):
            if i in blocked:
                frame = {"status": "import_error", "module": blocked[i]}
            else:
                frame = results.get(i) or {"status": "not_run",
                                           "reason": "not run: the TODO's time limit passed"}
            out = {"type": "check", "todo": todo["id"], "check": check["id"],
                   "status": frame.get("status", "error")}
            for key in ("outputs", "error", "seconds", "reason", "module"):
                if key in frame:
                    out[key] = frame[key]
            if check_output.get(i):
                out["output"] = check_output[i]
            emit(out)
        emit({"type": "todo", "todo": todo["id"], "output": "".join(outputs)[:int(
            limits.get("output_bytes", 65536))], "output_truncated": truncated,
            "import_output": "".join(import_output[:1])[:4096],
            "seconds": time.monotonic() - t0})


def _next_unreported(results: dict, blocked: dict, start: int, n: int) -> int:
    i = start
    while i < n and (i in results or i in blocked):
        i += 1
    return i


def _failure_frame(run: ChildRun, index: int, limits: dict) -> dict:
    if run.protocol_error:
        return {"status": "error", "error": {
            "type": "ProtocolError", "file": None, "line": None, "function": None,
            "traceback": "", "message": "the check's process sent malformed results "
            f"({run.protocol_error}); did the code write to the grader's channel?"}}
    if run.timed_out:
        return {"status": "timeout",
                "reason": f"did not finish within {limits.get('check_seconds')} s "
                          "(an infinite loop, or far too slow); it was stopped"}
    return {"status": "crashed", "reason": f"the process running this check {run.ended_by()}"}


def cases(job: dict, emit: Emitter, work: str) -> None:
    limits = job["limits"]
    mod = load_source_module("grader_cases", job["cases"]["source"], "<assignment cases>")
    run = run_child(lambda io_: run_cases(job, mod, io_, work),
                    check_seconds=float(limits.get("todo_seconds", 120)),
                    total_seconds=float(limits.get("todo_seconds", 120)),
                    output_bytes=int(limits.get("output_bytes", 65536)),
                    result_bytes=int(limits.get("result_bytes", 256 << 20)),
                    own_pid_namespace=bool(job.get("own_pid_namespace")))
    for frame in run.frames:
        if frame.get("type") == "cases":
            emit(frame)
    if not run.clean_exit:
        how = "timed out" if run.timed_out else run.ended_by()
        emit({"type": "cases_failed", "message": f"the case generators {how}",
              "protocol_error": run.protocol_error, "output": output_text(run)[0]})


def main(argv: list[str] | None = None) -> int:
    """Run one job: ``python -m grader_harness.main WORKDIR [--ready]``, job frame on stdin."""
    argv = sys.argv[1:] if argv is None else argv
    ready = "--ready" in argv
    argv = [a for a in argv if a != "--ready"]
    work = argv[0] if argv else os.getcwd()
    os.makedirs(work, exist_ok=True)
    os.chdir(work)
    result_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    emit = Emitter(result_fd)
    if ready:
        write_all(2, READY_MARKER)
    job = read_frame(0)
    if job.get("wall_seconds"):
        # children do not inherit the alarm; the harness's end ends the container
        signal.alarm(max(1, math.ceil(float(job["wall_seconds"]))))
    emit({"type": "hello", "protocol": PROTOCOL_VERSION, "python": platform.python_version(),
          "numpy": np.__version__, "pid": os.getpid()})
    if job.get("protocol") != PROTOCOL_VERSION:
        emit({"type": "fatal", "message": f"protocol {job.get('protocol')} is not "
              f"{PROTOCOL_VERSION}"})
        return 2
    mode = job.get("mode")
    if mode == "grade":
        grade(job, emit, work)
    elif mode == "cases":
        cases(job, emit, work)
    else:
        emit({"type": "fatal", "message": f"unknown mode {mode!r}"})
        return 2
    emit({"type": "done"})
    return 0


def _run() -> Any:
    try:
        code = main()
    except BaseException as exc:  # noqa: BLE001 - report harness faults on stderr
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        code = 3 if not isinstance(exc, SystemExit) else exc.code
    os._exit(code if isinstance(code, int) else 3)


if __name__ == "__main__":
    _run()
