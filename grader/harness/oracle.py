"""Block answers: the reference's value for a call the student's composite made.

A composite TODO (a sandwich layer, ``FullyConnectedNet.loss``, ``NeuralNetwork.backward``)
is judged by its result, whatever blocks it calls and in whatever order, *as if its blocks
were right*: the check's child replaces the block functions/methods by proxies, and each call
comes here. The arguments arrive as plain data and descriptions of the student's objects
(``ObjDesc``: class name and attributes); they are rebuilt as objects of the reference's
classes (or the assignment helpers'), the reference runs, and the answer goes back with the
arguments the reference changed in place (an optimizer step updating ``parameters``), which
the child applies to the student's own objects. A block that draws random numbers runs with
the sandbox's generator state and hands the advanced state back.

Nothing of the reference enters the sandbox but these answers, computed on the student's own
arguments; the call log feeds feedback only, never the score.
"""

from __future__ import annotations

import threading
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .codec import FuncDesc, MethodDesc, ObjDesc, Unsupported
from .refspace import RNG_LOCK, ReferenceNamespace

HELPERS = "grader_helpers"


@dataclass
class BlockCall:
    """One block call, for the feedback."""

    name: str
    ok: bool
    message: str = ""
    shapes: list[Any] = field(default_factory=list)


class Oracle:
    """Answers block calls with the reference (see the module docstring).

    ``allowed`` names the blocks a check declared (``affine_forward``, ``ReLU.forward``);
    ``rng_blocks`` those that use numpy's global random generator.
    """

    def __init__(self, reference: ReferenceNamespace, helpers: types.ModuleType | None,
                 targets: dict[str, str], rng_blocks: set[str] | None = None) -> None:
        self.reference = reference
        self.helpers = helpers
        self.targets = targets  # block name -> "module:qualname" in the reference
        self.rng_blocks = rng_blocks or set()
        self.log: list[BlockCall] = []
        #: With ``record``, every request and its answer (a student pack's table, built from
        #: the reference's run of a visible check).
        self.record: list[tuple[dict, dict]] | None = None
        self._lock = threading.Lock()

    # --- rebuilding objects --------------------------------------------------------------

    def _class(self, spec: str) -> Any:
        modname, _, qual = spec.partition(":")
        if modname == HELPERS and self.helpers is not None:
            obj: Any = self.helpers
            for part in qual.split("."):
                obj = getattr(obj, part)
            return obj
        if modname in self.reference.sources:
            return self.reference.resolve(spec)
        raise LookupError(spec)

    def rebuild(self, value: Any, depth: int = 0) -> Any:
        """Decoded block arguments as reference objects."""
        if depth > 40:
            raise ValueError("arguments nested too deeply")
        t = type(value)
        if t is dict:
            return {k: self.rebuild(v, depth + 1) for k, v in value.items()}
        if t is list:
            return [self.rebuild(v, depth + 1) for v in value]
        if t is tuple:
            return tuple(self.rebuild(v, depth + 1) for v in value)
        if t is ObjDesc:
            try:
                cls = self._class(value.cls)
            except (LookupError, AttributeError):
                raise BlockArgumentError(
                    f"an object of your class {value.cls.partition(':')[2] or value.cls}, "
                    "which the reference does not have") from None
            if not isinstance(cls, type):
                raise BlockArgumentError(f"{value.cls} is not a class")
            obj = cls.__new__(cls)
            for k, v in value.state.items():
                setattr(obj, k, self.rebuild(v, depth + 1))
            return obj
        if t is MethodDesc:
            return getattr(self.rebuild(value.obj, depth + 1), value.name)
        if t is FuncDesc:
            try:
                return self._class(value.spec)
            except (LookupError, AttributeError):
                raise BlockArgumentError(
                    f"your own function {value.spec.partition(':')[2]}, which the reference "
                    "does not have") from None
        if t is Unsupported:
            raise BlockArgumentError(f"a {value.type_name} ({value.detail or 'not plain data'})")
        return value

    def describe(self, obj: Any) -> Any:
        """Encoder hook: reference and helper objects as descriptions for the child."""
        if isinstance(obj, types.MethodType):
            return MethodDesc(obj.__self__, obj.__func__.__name__)
        mod = getattr(type(obj), "__module__", None)
        if isinstance(obj, types.FunctionType):
            fmod = getattr(obj, "__module__", None)
            if fmod in self.reference.modules or fmod == HELPERS:
                return FuncDesc(f"{fmod}:{obj.__qualname__}")
            return None
        if (mod in self.reference.modules or mod == HELPERS) and hasattr(obj, "__dict__"):
            return ObjDesc(f"{mod}:{type(obj).__qualname__}", dict(vars(obj)))
        return None

    # --- answering -------------------------------------------------------------------------

    def answer(self, request: dict) -> dict:
        """The answer frame for a ``B`` request (never raises for the student's faults)."""
        answer = self._answer(request)
        if self.record is not None and len(self.record) < 2000:
            self.record.append((request, answer))
        return answer

    def _answer(self, request: dict) -> dict:
        name = request.get("block")
        shapes = [list(np.shape(a)) if isinstance(a, np.ndarray) else type(a).__name__
                  for a in request.get("args") or []][:8]
        spec = self.targets.get(str(name))
        if spec is None:
            self._log(str(name), False, "not a block of this check", shapes)
            return {"ok": False, "message": f"{name} is not answered in this check"}
        try:
            fn = self.reference.resolve(spec)
            args = self.rebuild(list(request.get("args") or []))
            kwargs = self.rebuild(dict(request.get("kwargs") or {}))
            self_obj = self.rebuild(request["self"]) if "self" in request else None
        except BlockArgumentError as exc:
            msg = (f"{name} is answered by the reference solution in this check, but your code "
                   f"passed it {exc}")
            self._log(str(name), False, msg, shapes)
            return {"ok": False, "message": msg}
        before_args = [snapshot(a) for a in args]
        before_kwargs = {k: snapshot(v) for k, v in kwargs.items()}
        before_self = snapshot(self_obj) if self_obj is not None else None
        rng = name in self.rng_blocks
        try:
            if rng:
                with RNG_LOCK:
                    if request.get("rng") is not None:
                        np.random.set_state(tuple(request["rng"]))
                    value = fn(self_obj, *args, **kwargs) if self_obj is not None else \
                        fn(*args, **kwargs)
                    rng_after = list(np.random.get_state())
            else:
                value = fn(self_obj, *args, **kwargs) if self_obj is not None else \
                    fn(*args, **kwargs)
                rng_after = None
        except Exception as exc:  # noqa: BLE001 - the student's arguments broke the reference
            msg = (f"{name}, answered by the reference solution, raised "
                   f"{type(exc).__name__}: {str(exc)[:300]} on the arguments your code passed "
                   "(check their shapes and order)")
            self._log(str(name), False, msg, shapes)
            return {"ok": False, "message": msg}
        after: dict[str, Any] = {}
        changed = {str(i): a for i, (a, b) in enumerate(zip(args, before_args, strict=True))
                   if not same(a, b)}
        if changed:
            after["args"] = changed
        kchanged = {k: v for k, v in kwargs.items() if not same(v, before_kwargs[k])}
        if kchanged:
            after["kwargs"] = kchanged
        if before_self is not None and not same(self_obj, before_self):
            after["self"] = self_obj
        self._log(str(name), True, "", shapes)
        answer: dict[str, Any] = {"ok": True, "value": value, "after": after}
        if rng_after is not None:
            answer["rng"] = rng_after
        return answer

    def _log(self, name: str, ok: bool, message: str, shapes: list) -> None:
        with self._lock:
            if len(self.log) < 200:
                self.log.append(BlockCall(name, ok, message, shapes))


class BlockArgumentError(ValueError):
    """A block argument the reference cannot take (an object of the student's own)."""


class _Snap:
    """An object's class and attributes at a moment (see ``snapshot``)."""

    __slots__ = ("cls", "state")

    def __init__(self, cls: type, state: dict) -> None:
        self.cls = cls
        self.state = state


def snapshot(value: Any, depth: int = 0) -> Any:
    """A deep copy of plain data and of objects' attributes, to tell what a call changed."""
    if depth > 40:
        return value
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: snapshot(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(v, depth + 1) for v in value) if type(value) in (
            list, tuple) else list(snapshot(v, depth + 1) for v in value)
    if hasattr(value, "__dict__") and not isinstance(value, (type, types.FunctionType,
                                                              types.MethodType,
                                                              types.ModuleType)):
        return _Snap(type(value), snapshot(dict(vars(value)), depth + 1))
    return value


def same(a: Any, b: Any, depth: int = 0) -> bool:
    """Whether ``a`` still equals its ``snapshot`` ``b`` (NaN equals NaN)."""
    if depth > 40:
        return True
    if isinstance(b, _Snap):
        return type(a) is b.cls and hasattr(a, "__dict__") and \
            same(dict(vars(a)), b.state, depth + 1)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        except TypeError:
            return bool(np.array_equal(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], depth + 1) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, depth + 1) for x, y in zip(a, b,
                                                                               strict=True))
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:  # noqa: BLE001
        return False


class TableOracle:
    """Block answers from a table recorded when the reference ran the same case (a student
    pack carries no reference). A call the reference did not make is answered by the
    student's own function (``fallback``), and the feedback says so."""

    def __init__(self, table: list, names: list[str] | None = None) -> None:
        self.table = [(r, a) for r, a in (table or []) if isinstance(r, dict)]
        self.names = set(names or [])
        self.log: list[BlockCall] = []
        self.misses: list[str] = []

    def describe(self, obj: Any) -> Any:
        return None

    def answer(self, request: dict) -> dict:
        name = str(request.get("block"))
        for recorded, answer in self.table:
            if recorded.get("block") == name and _close(recorded.get("args"),
                                                        request.get("args")) and \
                    _close(recorded.get("kwargs") or {}, request.get("kwargs") or {}) and \
                    _close(recorded.get("self"), request.get("self")) and \
                    _close(recorded.get("rng"), request.get("rng")):
                # (a block that draws random numbers: the same arguments at another
                # generator state are another call)
                self.log.append(BlockCall(name, bool(answer.get("ok")), ""))
                return answer
        # only a declared block's name is repeated in the feedback (the request is the
        # student's: its text could be anything)
        if name in self.names and name not in self.misses:
            self.misses.append(name)
        return {"ok": False, "fallback": True,
                "message": f"{name}: no recorded answer for these arguments"}


def _close(a: Any, b: Any, depth: int = 0) -> bool:
    """Structural equality with a relative tolerance of 1e-9 on numbers."""
    if depth > 40:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        if a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
            return bool(np.array_equal(a, b))
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    if isinstance(a, ObjDesc) and isinstance(b, ObjDesc):
        return a.cls == b.cls and _close(a.state, b.state, depth + 1)
    if isinstance(a, MethodDesc) and isinstance(b, MethodDesc):
        return a.name == b.name and _close(a.obj, b.obj, depth + 1)
    if isinstance(a, FuncDesc) and isinstance(b, FuncDesc):
        return a.spec == b.spec
    if type(a) is not type(b):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
                not isinstance(a, bool) and not isinstance(b, bool):
            return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], depth + 1) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y, depth + 1) for x, y in zip(a, b,
                                                                                strict=True))
    if isinstance(a, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)) or (a != a and b != b)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False
