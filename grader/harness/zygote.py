"""The zygote: imports the student's modules once, then forks one child per check.

Started by the supervisor with its stdout/stderr on a pipe (what the modules print at import
time) and a control socket. It imports every declared module statement by statement
(``statements.py``), reporting progress (so a statement that ends the process can be named
and skipped on a restart) and each module's outcome; installs the given code (functions the
assignment provides, whatever the student sent) and the assignment's sandbox helpers; says
``ready``; then serves commands on the control socket:

- ``F`` with three descriptors (command pipe, result pipe, output pipe): fork a check child
  (``child.ChildContext.serve``) and answer with its pid;
- ``W`` + pid: wait for that child to end and answer with its wait status.

Forking after the imports means every check starts from the same imported state at the cost
of a fork, not an import (copy-on-write). The zygote runs student code (import time), so the
supervisor trusts nothing it says beyond pids and statuses, and check inputs never pass
through it.
"""

from __future__ import annotations

import fcntl
import gc
import io
import os
import select
import signal
import socket
import struct
import sys
import time
import types
from typing import Any

from . import importer
from .child import HELPERS_MODULE, ChildContext
from .context import student_modules_under
from .limits import apply_child_limits, apply_import_limits, release_import_cpu
from .protocol import SUPERVISOR, pack, write_all
from .statements import StatementLoader

CMD = struct.Struct("<cq")
# taken before any student code runs (which could replace the modules' attributes)
_SIGMASK, _SELECT, _ALL_SIGNALS = signal.pthread_sigmask, select.select, signal.valid_signals()


def load_source_module(name: str, source: str, filename: str) -> types.ModuleType:
    """Create module ``name`` from ``source`` (the assignment's helpers, case generators)."""
    mod = types.ModuleType(name)
    mod.__file__ = filename
    sys.modules[name] = mod
    exec(compile(source, filename, "exec"), mod.__dict__)  # noqa: S102 - instructor code
    return mod


def install_given(given: dict[str, str], src_dir: str) -> None:
    """Replace given functions/classes in student modules with the assignment's versions.

    ``given`` maps a module name to source text defining the given objects; objects that other
    student modules imported by name (``from nndl.layers import *``) are replaced there too.
    """
    modules_under = student_modules_under(src_dir)
    for modname, source in (given or {}).items():
        mod = sys.modules.get(modname)
        if mod is None:
            continue
        scratch = types.ModuleType(modname)
        scratch.__dict__.update(mod.__dict__)
        exec(compile(source, f"<given code of {modname}>", "exec"), scratch.__dict__)  # noqa: S102
        for name in [n for n in scratch.__dict__ if scratch.__dict__[n] is not
                     mod.__dict__.get(n)]:
            if name.startswith("__"):
                continue
            old = mod.__dict__.get(name)
            new = scratch.__dict__[name]
            if hasattr(new, "__globals__"):
                fresh = types.FunctionType(new.__code__, mod.__dict__, new.__name__,
                                           new.__defaults__, new.__closure__)
                fresh.__kwdefaults__ = new.__kwdefaults__
                fresh.__doc__ = new.__doc__
                new = fresh
            setattr(mod, name, new)
            for other in modules_under():
                if other is not mod and old is not None and other.__dict__.get(name) is old:
                    setattr(other, name, new)


def _recv_exact(sock: socket.socket, n: int) -> tuple[bytes, list[int]]:
    data, fds = b"", []
    while len(data) < n:
        chunk, got, _, _ = socket.recv_fds(sock, n - len(data), 4)
        if not chunk:
            raise EOFError
        data += chunk
        fds += got
    return data, fds


def run(session: dict, src_dir: str, ctl: socket.socket, skip: dict[str, dict[int, str]]) -> None:
    """The zygote's life (see the module docstring); never returns."""
    fork, waitpid, dup2, close = os.fork, os.waitpid, os.dup2, os.close  # before student code
    ctl_fd = ctl.fileno()
    limits = session.get("limits") or {}

    def send(frame: dict) -> None:
        write_all(ctl_fd, pack(frame, SUPERVISOR))

    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    old_cpu = apply_import_limits(limits)
    sys.path.insert(0, src_dir)
    own = importer.own_packages(src_dir)
    registry: dict[str, list] = {}

    def progress(module: str, line: int) -> None:
        send({"type": "progress", "module": module, "line": line})

    skips = {m: dict(lines) for m, lines in (skip or {}).items()}

    def describe(exc: BaseException) -> dict:
        return importer.describe_exception(exc, src_dir)

    sys.meta_path.insert(0, importer.StudentFinder(
        src_dir, own, lambda path: StatementLoader(path, describe, registry, progress, skips,
                                                   path[len(src_dir.rstrip("/")) + 1:])))
    placeholders = importer.PlaceholderFinder(own)
    sys.meta_path.append(placeholders)
    sys.dont_write_bytecode = True
    for name in session.get("modules") or []:
        send({"type": "importing", "module": name})
        t0 = time.perf_counter()
        frame: dict[str, Any] = {"type": "import", "module": name}
        try:
            importer.import_module(name)
            frame["status"] = "ok"
        except BaseException as exc:  # noqa: BLE001 - a module that cannot load at all
            frame["status"] = "error"
            frame["error"] = describe(exc)
            if isinstance(exc, SystemExit):
                frame["error"]["message"] = f"the module called sys.exit({exc.code!r}) " \
                                            "while being imported"
        failures = registry.get(name) or []
        if frame["status"] == "ok" and failures:
            frame["status"] = "partial"
        frame["failures"] = [f.as_dict() for f in failures]
        frame["seconds"] = time.perf_counter() - t0
        frame["placeholders"] = sorted(placeholders.used)
        send(frame)
    notes = []
    try:
        install_given(session.get("given") or {}, src_dir)
    except BaseException as exc:  # noqa: BLE001 - a given definition clashing with the code
        notes.append(f"given code could not be installed: {type(exc).__name__}: {exc}")
    if session.get("helpers"):
        load_source_module(HELPERS_MODULE, session["helpers"], "<assignment helpers>")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    release_import_cpu(old_cpu)
    send({"type": "ready", "notes": notes})
    result_bytes = int(limits.get("result_bytes", 64 << 20))
    memory = int(limits.get("memory_bytes", 0))
    # what is imported now stays out of the children's collections: a full collection in a
    # child would otherwise touch (and copy) every page of the imported objects
    gc.freeze()
    while True:
        try:
            data, fds = _recv_exact(ctl, CMD.size)
        except (EOFError, OSError):
            os._exit(0)
        cmd, arg = CMD.unpack(data)
        if cmd == b"F" and len(fds) == 3:
            cmd_r, res_w, out_w = fds
            # the child starts with every signal blocked: until its check begins, nothing a
            # signal does (a handler of the student's) can have happened in it
            mask = _SIGMASK(signal.SIG_BLOCK, _ALL_SIGNALS)
            pid = fork()
            if pid == 0:
                try:
                    _child(cmd_r, res_w, out_w, ctl_fd, dup2, close, src_dir, limits,
                           result_bytes, memory, mask)
                finally:
                    os._exit(70)
            _SIGMASK(signal.SIG_SETMASK, mask)
            for fd in fds:
                close(fd)
            write_all(ctl_fd, CMD.pack(b"P", pid))
        elif cmd == b"W":
            try:
                _, status = waitpid(int(arg), 0)
            except ChildProcessError:
                status = -1
            write_all(ctl_fd, CMD.pack(b"S", status))
        else:
            for fd in fds:
                close(fd)
            os._exit(0)


def _child(cmd_r: int, res_w: int, out_w: int, ctl_fd: int, dup2: Any, close: Any,
           src_dir: str, limits: dict, result_bytes: int, memory: int,
           mask: Any = frozenset()) -> None:
    """A check's child: forked ahead of its check (a spare), it sets itself up, waits for
    its first operation with every signal blocked, then restores the signal ``mask`` and
    serves."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    close(ctl_fd)
    # out of the way of 0, 1 and 2 before those are replaced
    cmd_r, res_w, out_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (cmd_r, res_w, out_w))
    dup2(out_w, 1)
    dup2(out_w, 2)
    close(out_w)
    devnull = os.open(os.devnull, os.O_RDONLY)
    dup2(devnull, 0)
    keep = {0, 1, 2, cmd_r, res_w}
    for fd in _open_fds():
        if fd not in keep:
            try:
                close(fd)
            except OSError:
                pass
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True,
                                  errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True,
                                  errors="backslashreplace")
    apply_child_limits(limits)
    context = ChildContext(cmd_r, res_w, src_dir, result_bytes, memory)
    _SELECT([cmd_r], [], [])
    _SIGMASK(signal.SIG_SETMASK, mask)
    context.serve()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(0)


def _open_fds() -> list[int]:
    try:
        return [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 256))
