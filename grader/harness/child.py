"""Code that runs in a forked child: imports student code and runs checks.

Everything here executes with student code loaded, so nothing here is trusted by the parent:
the child only sends frames (outputs, errors) that the parent validates and forwards.
"""

from __future__ import annotations

import io
import os
import sys
import time
import traceback
import types
from typing import Any

from . import importer
from .context import Context, student_modules_under
from .limits import apply_child_limits
from .protocol import pack, write_all


class ChildIO:
    """The child's end: a result pipe to the parent; stdout/stderr go to the output pipe."""

    def __init__(self, result_fd: int, output_fd: int, nonce: bytes = b"") -> None:
        self.result_fd = result_fd
        self.output_fd = output_fd
        self.nonce = nonce

    def mark(self, index: int) -> None:
        """Flush what was printed so far, then mark the start of check ``index``'s output."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - a student may have replaced the stream
                pass
        try:
            write_all(1, b"\x00GRADER-CHECK:" + self.nonce + b":" + str(index).encode()
                      + b"\x00")
        except OSError:
            pass

    def setup(self) -> None:
        os.dup2(self.output_fd, 1)
        os.dup2(self.output_fd, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        keep = {0, 1, 2, self.result_fd}
        for fd in _open_fds():
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True,
                                      errors="backslashreplace")
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True,
                                      errors="backslashreplace")

    def send(self, value: dict, max_bytes: int) -> None:
        try:
            data = pack(value, max_bytes=max_bytes)
        except Exception as exc:  # noqa: BLE001 - anything a student object does while encoding
            if value.get("type") != "check" or value.get("status") != "ok":
                raise
            data = pack({
                "type": "check", "index": value.get("index"), "status": "error",
                "seconds": value.get("seconds"),
                "error": {"type": "OutputError",
                          "message": f"the outputs could not be sent to the grader: {exc}",
                          "file": None, "line": None, "function": None, "traceback": ""},
            })
        write_all(self.result_fd, data)


def _open_fds() -> list[int]:
    try:
        return [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 256))


def enter_child(job: dict, src_dir: str, io_: ChildIO) -> None:
    """Common set-up for every child: own process group, fds, limits, sys.path."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    io_.setup()
    apply_child_limits(job["limits"])
    sys.path.insert(0, src_dir)
    sys.meta_path.append(importer.PlaceholderFinder(importer.own_packages(src_dir)))
    sys.dont_write_bytecode = False


def import_probe(job: dict, src_dir: str, io_: ChildIO) -> None:
    """Child: import every declared module in order and report each one's outcome."""
    enter_child(job, src_dir, io_)
    finder = sys.meta_path[-1]
    for name in job["modules"]:
        io_.send({"type": "importing", "module": name}, 1 << 20)
        t0 = time.perf_counter()
        try:
            importer.import_module(name)
            frame: dict[str, Any] = {"type": "import", "module": name, "status": "ok"}
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a student fault
            frame = {"type": "import", "module": name, "status": "error",
                     "error": importer.describe_exception(exc, src_dir)}
            if isinstance(exc, SystemExit):
                frame["error"]["message"] = (
                    f"the module called sys.exit({exc.code!r}) while being imported")
        frame["seconds"] = time.perf_counter() - t0
        frame["placeholders"] = sorted(getattr(finder, "used", ()))
        io_.send(frame, 1 << 20)
    sys.stdout.flush()
    os._exit(0)


def install_given(job: dict, src_dir: str) -> list[str]:
    """Replace given functions/classes in student modules with the assignment's versions.

    ``job["given"]`` maps a module name to source text defining the given objects; objects that
    other student modules imported by name (``from nndl.layers import *``) are replaced there
    too. Returns notes for the feedback.
    """
    notes = []
    modules_under = student_modules_under(src_dir)
    for modname, source in (job.get("given") or {}).items():
        mod = sys.modules.get(modname)
        if mod is None:
            continue
        scratch = types.ModuleType(modname)
        scratch.__dict__.update(mod.__dict__)
        exec(compile(source, f"<given code of {modname}>", "exec"), scratch.__dict__)  # noqa: S102
        new_names = [n for n in scratch.__dict__ if scratch.__dict__[n] is not mod.__dict__.get(n)]
        for name in new_names:
            if name.startswith("__"):
                continue
            old = mod.__dict__.get(name)
            new = scratch.__dict__[name]
            if hasattr(new, "__globals__"):
                new = types.FunctionType(new.__code__, mod.__dict__, new.__name__,
                                         new.__defaults__, new.__closure__)
                new.__kwdefaults__ = scratch.__dict__[name].__kwdefaults__
            setattr(mod, name, new)
            for other in modules_under():
                if other is not mod and old is not None and other.__dict__.get(name) is old:
                    setattr(other, name, new)
    return notes


def run_checks(job: dict, todo: dict, start: int, src_dir: str, drivers: types.ModuleType,
               io_: ChildIO) -> None:
    """Child: run ``todo``'s checks from index ``start`` on, one frame per check."""
    enter_child(job, src_dir, io_)
    limit = int(job["limits"].get("result_bytes", 64 << 20))
    modules_under = student_modules_under(src_dir)
    try:
        # Only what this TODO's checks need: a module that misbehaves at import time costs
        # the TODOs that use it, not every TODO.
        needed = []
        for check in todo["checks"]:
            mod = (check.get("target") or "").partition(":")[0]
            if mod and mod not in needed:
                needed.append(mod)
        for name in needed:
            try:
                importer.import_module(name)
            except BaseException:  # noqa: BLE001 - the probe reported it; checks will fail below
                pass
        install_given(job, src_dir)
    except BaseException:  # noqa: BLE001
        pass
    checks = todo["checks"]
    for index in range(start, len(checks)):
        check = checks[index]
        io_.mark(index)
        io_.send({"type": "start", "index": index}, 1 << 16)
        ctx = Context(check.get("inputs") or {}, check.get("target"), check.get("params") or {},
                      modules_under)
        t0 = time.perf_counter()
        try:
            driver = getattr(drivers, check["driver"])
            for stub in check.get("stubs") or []:
                ctx.install_stub(stub["name"], getattr(drivers, stub["fake"]))
            outputs = driver(ctx)
            if not isinstance(outputs, dict):
                raise TypeError(f"driver {check['driver']} returned {type(outputs).__name__}")
            if ctx.calls:
                outputs = dict(outputs)
                outputs["calls"] = ctx.calls
            frame: dict[str, Any] = {"type": "check", "index": index, "status": "ok",
                                     "outputs": outputs}
        except BaseException as exc:  # noqa: BLE001 - every student fault is a check result
            frame = {"type": "check", "index": index, "status": "error",
                     "error": importer.describe_exception(exc, src_dir)}
            if isinstance(exc, SystemExit):
                frame["error"]["message"] = f"called sys.exit({exc.code!r})"
            if isinstance(exc, MemoryError):
                frame["error"]["message"] = "ran out of memory (MemoryError): the memory limit " \
                    f"is {int(job['limits'].get('memory_bytes', 0)) >> 20} MB"
            frame["error"]["internal"] = "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__))[-6000:]
        finally:
            ctx.restore()
        frame["seconds"] = time.perf_counter() - t0
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        io_.send(frame, limit)
    os._exit(0)


def run_cases(job: dict, cases_module: types.ModuleType, io_: ChildIO, work: str) -> None:
    """Child: call every case generator and send the cases (instructor code, still sandboxed)."""
    enter_child(job, work, io_)
    limit = int(job["limits"].get("result_bytes", 64 << 20))
    for gen in job["cases"]["generators"]:
        try:
            fn = getattr(cases_module, gen["generator"])
            produced = fn(**(gen.get("params") or {}))
            if isinstance(produced, dict):
                produced = [produced]
            cases = []
            for i, case in enumerate(produced):
                if not isinstance(case, dict) or "inputs" not in case:
                    raise TypeError(f"case {i} of {gen['generator']} is not a dict with 'inputs'")
                cases.append({"name": str(case.get("name", f"case {i + 1}")),
                              "inputs": case["inputs"],
                              "meta": case.get("meta") or {}})
            frame: dict[str, Any] = {"type": "cases", "check": gen["check"], "status": "ok",
                                     "cases": cases}
        except BaseException as exc:  # noqa: BLE001
            frame = {"type": "cases", "check": gen["check"], "status": "error",
                     "error": {"type": type(exc).__name__, "message": str(exc)[:2000],
                               "traceback": traceback.format_exc()[-6000:]}}
        io_.send(frame, limit)
    os._exit(0)
