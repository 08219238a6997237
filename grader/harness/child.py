"""The check's child: runs the student's functions on the operations the trusted side sends.

One child per check, forked from the zygote (student modules already imported). It reads
operation frames (``C``) on its command pipe and answers each with one reply frame (``R``):

- ``call``: call an object (a student function, class, method, an assignment helper, or a
  handle) with the given arguments; reply with the result as plain data (foreign objects
  become ``Unsupported``), or keep it in the child and reply with a handle (``keep``); with
  ``return_args``, also the arguments as they are after the call (in-place updates);
- ``get``: the value at a reference (``keep``: a handle to it);
- ``set``: set an attribute of a referenced object;
- ``blocks``: replace the named TODO functions/methods, in every loaded student module, by
  proxies whose calls are answered by the trusted side (``B`` frame out, ``A`` frame in) with
  the reference's values; in-place updates the reference made to the arguments are applied
  to the student's objects.

Everything here runs with student code loaded: nothing the child says is trusted; the
supervisor only forwards its frames and the trusted side validates them.
"""

from __future__ import annotations

import sys
import time
import types
from typing import Any

import numpy as np

from . import importer
from .codec import (
    HELPER,
    STUDENT,
    CodecError,
    FuncDesc,
    MethodDesc,
    ObjDesc,
    Ref,
    Spec,
    type_name,
)
from .protocol import (
    BLOCK_ANSWER,
    BLOCK_CALL,
    CHILD_REPLY,
    pack,
    read_raw,
    unpack_payload,
    write_all,
)

HELPERS_MODULE = "grader_helpers"
LIB = "lib"


_MISSING = object()


class BlockError(RuntimeError):
    """A call of another TODO, answered by the reference, could not be answered."""


class ChildContext:
    """State of one check's child: its pipes, handles and the student's modules."""

    def __init__(self, cmd_fd: int, res_fd: int, src_dir: str, result_bytes: int,
                 memory_bytes: int) -> None:
        self.cmd_fd = cmd_fd
        self.res_fd = res_fd
        self.src_dir = src_dir
        self.prefix = src_dir.rstrip("/") + "/"
        self.result_bytes = result_bytes
        self.memory_bytes = memory_bytes
        self.handles: dict[int, Any] = {}
        self.next_id = 1
        self.patched: list[tuple[Any, str, Any]] = []
        self.rng_blocks: set[str] = set()
        self.originals: dict[str, Any] = {}

    # --- naming things -----------------------------------------------------------------

    def student_modules(self) -> list[types.ModuleType]:
        out = []
        for mod in list(sys.modules.values()):
            f = getattr(mod, "__file__", None)
            if isinstance(f, str) and f.startswith(self.prefix):
                out.append(mod)
        return out

    def is_student_module(self, name: str) -> bool:
        mod = sys.modules.get(name)
        f = getattr(mod, "__file__", None)
        return isinstance(f, str) and f.startswith(self.prefix)

    def resolve_spec(self, spec: Spec) -> Any:
        if spec.domain == STUDENT:
            return importer.resolve(spec.spec)
        if spec.domain == HELPER:
            return importer.resolve(f"{HELPERS_MODULE}:{spec.spec}")
        if spec.domain == LIB:
            return importer.resolve(f"grader_harness.sandbox_lib:{spec.spec}")
        raise ValueError(f"unknown domain {spec.domain!r}")

    def resolve(self, ref: Any) -> Any:
        """A ``{"base": Ref|Spec, "path": [[kind, key], ...]}`` reference, or a bare marker."""
        if isinstance(ref, dict):
            base, path = ref.get("base"), ref.get("path") or []
        else:
            base, path = ref, []
        if isinstance(base, Ref):
            if base.id not in self.handles:
                raise KeyError(f"grader error: no object #{base.id} in this check")
            obj = self.handles[base.id]
        elif isinstance(base, Spec):
            obj = self.resolve_spec(base)
        else:
            raise TypeError("grader error: bad reference")
        for kind, key in path:
            obj = getattr(obj, key) if kind == "a" else obj[key]
        return obj

    def materialize(self, value: Any, depth: int = 0) -> Any:
        """Turn markers in decoded data into the objects they name (handles, specs,
        descriptions of objects of the student's classes)."""
        t = type(value)
        if t is Ref or t is Spec:
            return self.resolve(value)
        if t is dict:
            if set(value) == {"base", "path"} and isinstance(value["base"], (Ref, Spec)):
                return self.resolve(value)
            return {k: self.materialize(v, depth + 1) for k, v in value.items()}
        if t is list:
            return [self.materialize(v, depth + 1) for v in value]
        if t is tuple:
            return tuple(self.materialize(v, depth + 1) for v in value)
        if t is ObjDesc:
            return self.make_object(value, depth)
        if t is FuncDesc:
            return importer.resolve(value.spec) if ":" in value.spec else value
        if t is MethodDesc:
            return getattr(self.materialize(value.obj, depth + 1), value.name)
        return value

    def make_object(self, desc: ObjDesc, depth: int) -> Any:
        modname, _, qual = desc.cls.partition(":")
        cls = importer.resolve(desc.cls) if (self.is_student_module(modname) or
                                             modname == HELPERS_MODULE) else None
        if not isinstance(cls, type):
            raise TypeError(f"the reference returned a {qual}, which your code does not "
                            "define")
        obj = cls.__new__(cls)
        for k, v in desc.state.items():
            setattr(obj, k, self.materialize(v, depth + 1))
        return obj

    def describe(self, obj: Any) -> Any:
        """Describe objects of the student's (or helpers') classes for a block call."""
        if isinstance(obj, types.MethodType):
            return MethodDesc(obj.__self__, obj.__func__.__name__)
        if isinstance(obj, types.FunctionType):
            mod = getattr(obj, "__module__", "") or ""
            if self.is_student_module(mod) or mod == HELPERS_MODULE:
                return FuncDesc(f"{mod}:{obj.__qualname__}")
            return None
        cls = type(obj)
        mod = getattr(cls, "__module__", "") or ""
        if (self.is_student_module(mod) or mod == HELPERS_MODULE) and hasattr(obj, "__dict__"):
            state = {k: v for k, v in vars(obj).items() if isinstance(k, str)}
            return ObjDesc(f"{mod}:{cls.__qualname__}", state)
        return None

    # --- frames ------------------------------------------------------------------------

    def send(self, channel: bytes, value: dict, describe: bool = False) -> None:
        try:
            data = pack(value, channel, max_bytes=self.result_bytes,
                        describer=self.describe if describe else None)
        except (CodecError, RecursionError, ValueError, TypeError) as exc:
            if channel != CHILD_REPLY:
                raise
            text = (f"the results are too large for the grader (over "
                    f"{self.result_bytes >> 20} MB); return arrays of the expected shapes"
                    if "larger than" in str(exc) else
                    f"the result could not be sent to the grader: {exc}")
            data = pack({"ok": False, "error": {
                "type": "OutputError", "file": None, "line": None, "function": None,
                "traceback": "", "message": text}}, channel)
        write_all(self.res_fd, data)

    def receive(self) -> tuple[bytes, Any]:
        channel, payload = read_raw(self.cmd_fd)
        return channel, unpack_payload(payload)

    # --- blocks ------------------------------------------------------------------------

    def install_blocks(self, names: list[str], home: str | None = None) -> list[str]:
        """Replace each named function (``affine_forward``) or method (``ReLU.forward``).

        A function is replaced wherever the student's modules hold it: under its own name
        and under any other (``from .layers import affine_forward as af``), found by
        identity; a method on its class, so every instance and subclass sees the proxy.
        """
        installed = []
        mods = self.student_modules()
        for name in names:
            cls_name, _, method = name.rpartition(".")
            if cls_name:
                done = set()
                for mod in mods:
                    cls = mod.__dict__.get(cls_name)
                    if isinstance(cls, type) and id(cls) not in done and method in vars(cls):
                        done.add(id(cls))
                        self.originals.setdefault(name, vars(cls)[method])
                        self.patched.append((cls, method, vars(cls)[method]))
                        setattr(cls, method, self._method_proxy(name))
                        installed.append(name)
                continue
            proxy = self._function_proxy(name)
            originals = [mod.__dict__[name] for mod in mods
                         if callable(mod.__dict__.get(name))]
            home_mod = sys.modules.get(home) if home else None
            if home_mod is not None and name not in home_mod.__dict__:
                # the block is missing where the composite looks for it (its definition did
                # not parse, so ``from .layers import *`` brought nothing): answer it anyway
                self.patched.append((home_mod, name, _MISSING))
                setattr(home_mod, name, proxy)
                installed.append(name)
            if originals:
                self.originals.setdefault(name, originals[0])
            for mod in mods:
                for key, value in list(mod.__dict__.items()):
                    if key == name and callable(value) or \
                            any(value is o for o in originals) and not key.startswith("__"):
                        self.patched.append((mod, key, value))
                        setattr(mod, key, proxy)
                        installed.append(name)
        return sorted(set(installed))

    def _function_proxy(self, name: str) -> Any:
        ctx = self

        def block(*args: Any, **kwargs: Any) -> Any:
            return ctx.ask_block(name, None, args, kwargs)

        block.__name__ = name.rpartition(".")[2]
        block.__qualname__ = name
        return block

    def _method_proxy(self, name: str) -> Any:
        ctx = self

        def block(self_: Any, *args: Any, **kwargs: Any) -> Any:
            return ctx.ask_block(name, self_, args, kwargs)

        block.__name__ = name.rpartition(".")[2]
        block.__qualname__ = name
        return block

    def ask_block(self, name: str, self_: Any, args: tuple, kwargs: dict) -> Any:
        """Ask the trusted side for the reference's answer to ``name(*args, **kwargs)``."""
        request: dict[str, Any] = {"block": name, "args": list(args), "kwargs": dict(kwargs)}
        if self_ is not None:
            request["self"] = self_
        if name in self.rng_blocks:
            request["rng"] = list(np.random.get_state())
        try:
            self.send(BLOCK_CALL, request, describe=True)
        except (CodecError, RecursionError, ValueError, TypeError) as exc:
            raise BlockError(f"{name}: the arguments your code passed could not be sent to the "
                             f"grader ({exc})") from None
        channel, answer = self.receive()
        if channel != BLOCK_ANSWER or not isinstance(answer, dict):
            raise SystemExit(70)  # the trusted side broke the protocol: stop
        if not answer.get("ok") and answer.get("fallback") and name in self.originals:
            # no reference answer for these arguments here (a student pack): the student's
            # own function answers, and the feedback says so
            original = self.originals[name]
            return original(self_, *args, **kwargs) if self_ is not None else \
                original(*args, **kwargs)
        if not answer.get("ok"):
            raise BlockError(str(answer.get("message", f"{name} could not be answered")))
        if answer.get("rng") is not None:
            np.random.set_state(tuple(answer["rng"]))
        after = answer.get("after") or {}
        for i, new in (after.get("args") or {}).items():
            if str(i).isdigit() and int(i) < len(args):
                merge_into(args[int(i)], new, self)
        for k, new in (after.get("kwargs") or {}).items():
            if k in kwargs:
                merge_into(kwargs[k], new, self)
        if "self" in after and self_ is not None:
            merge_into(self_, after["self"], self)
        return self.materialize(answer.get("value"))

    def restore(self) -> None:
        while self.patched:
            owner, name, original = self.patched.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    # --- operations --------------------------------------------------------------------

    def keep(self, value: Any) -> dict:
        hid = self.next_id
        self.next_id += 1
        self.handles[hid] = value
        return {"ok": True, "ref": hid, "type": type_name(value)}

    def run_op(self, op: dict) -> dict:
        kind = op.get("op")
        if kind == "call":
            fn = self.resolve(op["fn"])
            args = self.materialize(op.get("args") or [])
            kwargs = self.materialize(op.get("kwargs") or {})
            t0 = time.perf_counter()
            result = fn(*args, **kwargs)
            seconds = time.perf_counter() - t0
            reply = self.keep(result) if op.get("keep") else {"ok": True, "value": result}
            reply["seconds"] = seconds
            if op.get("return_args"):
                reply["args"] = list(args)
                reply["kwargs"] = kwargs
            return reply
        if kind == "get":
            value = self.resolve(op["ref"])
            return self.keep(value) if op.get("keep") else {"ok": True, "value": value}
        if kind == "set":
            setattr(self.resolve(op["ref"]), op["attr"], self.materialize(op.get("value")))
            return {"ok": True}
        if kind == "blocks":
            self.rng_blocks = set(op.get("rng") or [])
            return {"ok": True, "value": self.install_blocks(list(op.get("names") or []),
                                                             op.get("home"))}
        if kind == "reset":
            # between two checks served by this child: blocks and handles of the last go
            self.restore()
            self.handles.clear()
            self.rng_blocks = set()
            self.originals = {}
            return {"ok": True}
        if kind == "many":
            fn = self.resolve(op["fn"])
            out = []
            calls = [self.materialize(args) for args in op.get("calls") or []]
            t0 = time.perf_counter()
            for args in calls:
                try:
                    out.append(fn(*args))
                except BaseException as exc:  # noqa: BLE001 - the results so far, and why
                    return {"ok": False, "value": out, "failed_at": len(out),
                            "seconds": time.perf_counter() - t0,
                            "error": describe_failure(exc, self.src_dir, self.memory_bytes)}
            return {"ok": True, "value": out, "seconds": time.perf_counter() - t0}
        raise ValueError(f"grader error: unknown operation {kind!r}")

    def serve(self) -> None:
        """Answer operations until the pipe closes (the supervisor ends the check)."""
        while True:
            try:
                channel, op = self.receive()
            except Exception:  # noqa: BLE001 - the pipe closed: the check is over
                return
            if not isinstance(op, dict):
                return
            try:
                reply = self.run_op(op)
            except BaseException as exc:  # noqa: BLE001 - every student fault is a result
                reply = {"ok": False, "error": describe_failure(exc, self.src_dir,
                                                                self.memory_bytes)}
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - a student may have replaced the streams
                pass
            self.send(CHILD_REPLY, reply)


def describe_failure(exc: BaseException, src_dir: str, memory_bytes: int) -> dict:
    """The error dict of a failed operation (the student's traceback; instructors: all)."""
    import traceback

    error = importer.describe_exception(exc, src_dir)
    if isinstance(exc, SystemExit):
        error["message"] = f"called sys.exit({exc.code!r})"
    if isinstance(exc, MemoryError):
        error["message"] = ("ran out of memory (MemoryError): the memory limit is "
                            f"{memory_bytes >> 20} MB")
    if isinstance(exc, BlockError):
        error["block"] = True
    error["internal"] = "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__))[-6000:]
    return error


def merge_into(orig: Any, new: Any, ctx: ChildContext, depth: int = 0) -> Any:
    """Apply ``new`` (the reference's version of an argument after a call) to ``orig`` in
    place where the types allow; returns the object the caller should now hold."""
    if depth > 32:
        return orig
    if isinstance(orig, np.ndarray) and isinstance(new, np.ndarray):
        if orig.shape == new.shape and orig.flags.writeable:
            try:
                orig[...] = new
                return orig
            except (TypeError, ValueError):
                return new
        return new
    if isinstance(orig, dict) and isinstance(new, dict):
        for k in [k for k in orig if k not in new]:
            del orig[k]
        for k, v in new.items():
            orig[k] = merge_into(orig[k], v, ctx, depth + 1) if k in orig else \
                ctx.materialize(v)
        return orig
    if isinstance(orig, list) and isinstance(new, list):
        for i, v in enumerate(new):
            if i < len(orig):
                orig[i] = merge_into(orig[i], v, ctx, depth + 1)
            else:
                orig.append(ctx.materialize(v))
        del orig[len(new):]
        return orig
    if isinstance(new, ObjDesc) and hasattr(orig, "__dict__"):
        state = vars(orig)
        for k, v in new.state.items():
            setattr(orig, k, merge_into(state[k], v, ctx, depth + 1) if k in state else
                    ctx.materialize(v))
        return orig
    return ctx.materialize(new)
