"""What a driver sees: fresh inputs, and the student's objects as remote references.

A *driver* is a function of the assignment's ``drivers.py``. It runs in trusted code and
exercises one TODO on one case: it calls the student's functions (each call an operation sent
to the check's child in the sandbox, whose reply is the student's return value as plain
data), computes whatever the expected side needs outside the sandbox (a loss with the
reference, finite differences, a training loop's gradients), and returns a dict of named
outputs for the comparators.

- ``ctx.inputs[name]``: a fresh deep copy of the case input on every access;
- ``ctx.target``, ``ctx.student("module:qualname")``: references to the student's objects;
  calling one calls it in the sandbox; ``ref.attr`` and ``ref[key]`` name parts of it (no
  round trip until used);
- ``ctx.new(cls, ...)``: construct with the student's constructor, keep the object in the
  child (a handle); ``ctx.get(ref)`` its value, ``ctx.set(ref, attr, value)`` set an
  attribute;
- ``ctx.call(fn, ..., keep=..., return_args=...)``: the general call;
- ``ctx.helper(name)``: an object of the assignment's sandbox helpers (``helpers.py``), such as
  an activation to pass in; ``ctx.lib(name)``: the harness's own (``seed``,
  ``perturbed_calls``);
- ``ctx.reference(spec)``: the reference's object, in the trusted process;
- ``ctx.chain(fn, args, advance, speculate=...)``: calls whose arguments depend on the
  previous result (an update rule stepping along a path), in a few operations instead of one
  per call (see ``DriverContext.chain``);
- ``ctx.fail(message)``: the student's result is unusable (wrong type...): the case fails with
  that message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .codec import HELPER, STUDENT, CodecError, Ref, Spec, Unsupported, encode
from .context import FreshInputs

LIB = "lib"


class StudentFault(Exception):
    """The student's code failed (raised, or returned something unusable).

    ``error`` is the harness's error dict (type, message, file, line, function, traceback).
    """

    def __init__(self, error: dict) -> None:
        super().__init__(error.get("message", ""))
        self.error = error


class Remote:
    """A reference to an object in the check's child (see the module docstring)."""

    __slots__ = ("_ctx", "_base", "_path")

    def __init__(self, ctx: DriverContext, base: Ref | Spec, path: tuple = ()) -> None:
        object.__setattr__(self, "_ctx", ctx)
        object.__setattr__(self, "_base", base)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        return Remote(self._ctx, self._base, self._path + (("a", name),))

    def __getitem__(self, key: Any) -> Remote:
        return Remote(self._ctx, self._base, self._path + (("i", key),))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("use ctx.set(ref, attr, value) to set a student object's "
                             "attribute")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ctx.call(self, *args, **kwargs)

    def __repr__(self) -> str:
        base = f"#{self._base.id}" if isinstance(self._base, Ref) else self._base.spec
        tail = "".join(f".{k}" if t == "a" else f"[{k!r}]" for t, k in self._path)
        return f"<remote {base}{tail}>"

    def wire(self) -> dict:
        return {"base": self._base, "path": [[t, k] for t, k in self._path]}


def _describe_remote(obj: Any) -> Any:
    return obj.wire() if isinstance(obj, Remote) else None


class DriverContext:
    """The driver's view of one case (see the module docstring)."""

    #: What a failed student call raises (``except ctx.Fault``).
    Fault = StudentFault

    def __init__(self, inputs: dict[str, Any], params: dict[str, Any], meta: dict[str, Any],
                 target_spec: str | None, run_op: Callable[[dict], dict],
                 reference: Callable[[str], Any] | None) -> None:
        self.inputs = FreshInputs(inputs)
        self.params = params
        self.meta = meta
        self._target_spec = target_spec
        self._run_op = run_op
        self._reference = reference
        self.notes: list[str] = []
        self.student_seconds = 0.0

    # --- naming --------------------------------------------------------------------------

    @property
    def target(self) -> Remote:
        """The student's object named by the check's ``target``."""
        if not self._target_spec:
            raise RuntimeError("this check declares no target")
        return Remote(self, Spec(self._target_spec, STUDENT))

    def student(self, spec: str) -> Remote:
        return Remote(self, Spec(spec, STUDENT))

    def helper(self, name: str) -> Remote:
        return Remote(self, Spec(name, HELPER))

    def lib(self, name: str) -> Remote:
        return Remote(self, Spec(name, LIB))

    def reference(self, spec: str) -> Any:
        """The reference's object (trusted, in this process)."""
        if self._reference is None:
            raise RuntimeError("no reference is available where this grading runs")
        return self._reference(spec)

    # --- operations ------------------------------------------------------------------------

    def _op(self, op: dict) -> dict:
        reply = self._run_op(op)
        if not reply.get("ok"):
            err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            raise StudentFault(err or {"type": "Error", "message": "the call failed"})
        seconds = reply.get("seconds")
        if isinstance(seconds, float):
            self.student_seconds += seconds
        return reply

    def call(self, fn: Remote, *args: Any, keep: bool = False, return_args: bool = False,
             **kwargs: Any) -> Any:
        """Call ``fn(*args, **kwargs)`` in the sandbox.

        Returns the result as plain data (objects that cannot cross become ``Unsupported``);
        with ``keep``, a ``Remote`` handle to it instead; with ``return_args``, a pair
        ``(result, (args_after, kwargs_after))``.
        """
        op = {"op": "call", "fn": fn.wire(), "args": list(args), "kwargs": kwargs,
              "keep": keep, "return_args": return_args}
        reply = self._op(op)
        result = Remote(self, Ref(int(reply["ref"]))) if keep else reply.get("value")
        if return_args:
            return result, (reply.get("args") or [], reply.get("kwargs") or {})
        return result

    def new(self, cls: Remote, *args: Any, **kwargs: Any) -> Remote:
        """An object made by the student's constructor, kept in the child."""
        return self.call(cls, *args, keep=True, **kwargs)

    def get(self, ref: Remote) -> Any:
        return self._op({"op": "get", "ref": ref.wire()}).get("value")

    def keep(self, ref: Remote) -> Remote:
        reply = self._op({"op": "get", "ref": ref.wire(), "keep": True})
        return Remote(self, Ref(int(reply["ref"])))

    def type_of(self, ref: Remote) -> str:
        return str(self._op({"op": "get", "ref": ref.wire(), "keep": True}).get("type"))

    def set(self, ref: Remote, attr: str, value: Any) -> None:
        self._op({"op": "set", "ref": ref.wire(), "attr": attr, "value": value})

    def many(self, fn: Remote, calls: list[list]) -> list:
        """``[fn(*args) for args in calls]`` in one operation."""
        return list(self._op({"op": "many", "fn": fn.wire(), "calls": calls}).get("value")
                    or [])

    #: Whether ``chain`` may speculate (tests turn it off to compare with the plain loop).
    speculation = True

    def chain(self, fn: Remote, args: list, advance: Callable[..., list | None],
              limit: int, speculate: tuple[Remote, list] | None = None,
              indexed: bool = False) -> list:
        """``[out_0, out_1, ...]``: ``out_k = fn(*args_k)`` with ``args_0 = args`` and
        ``args_{k+1} = advance(out_k)`` (trusted code, without side effects; ``None`` stops;
        it may raise ``ctx.Fault``), at most ``limit`` calls: the plain loop's results and
        calls, in about three operations instead of ``limit``.

        ``speculate = (helper, helper_args)``: a sandbox helper that runs the same loop in
        the child, ``helper(fn, *helper_args)``, and returns the results it got. Nothing of
        that is trusted: the arguments of every step are computed here from those claimed
        results, every call is then made again in one ``many`` operation with those
        arguments, and a step counts only if the arguments ``advance`` gives for the real
        result before it are, byte for byte, the ones that call was made with. From the
        first step that is not so (a lie, a rule keeping state of its own, numbers the
        helper computed differently) the loop goes on one call per operation, from the real
        results. So the results are always those of the plain loop; the student's function
        is called up to twice as often (the helper stops after a time budget of its own).

        ``indexed``: ``advance(out_k, k)`` is given the step's index too (a rule whose
        arguments hold the step count, Adam's ``t``); ``advance`` keeps no count of its own,
        since it is called on the helper's claims before the real results.
        """
        step = advance if indexed else (lambda out, k: advance(out))
        results: list = []
        planned: list[list] = [list(args)]
        if speculate is not None and self.speculation and limit > 1:
            helper, helper_args = speculate
            try:
                claims = self.call(helper, fn, *helper_args)
            except StudentFault:
                claims = None
            for k, claim in enumerate((claims if isinstance(claims, list) else [])[:limit - 1]):
                try:
                    nxt = step(claim, k)
                except Exception:  # noqa: BLE001 - a claim is anything the child sent
                    break
                if nxt is None:
                    break
                planned.append(list(nxt))
        if len(planned) > 1:
            reply = self._run_op({"op": "many", "fn": fn.wire(), "calls": planned})
            seconds = reply.get("seconds")
            if isinstance(seconds, float):
                self.student_seconds += seconds
            real = reply.get("value") if isinstance(reply.get("value"), list) else []
            checked = 1  # calls made with arguments known right: planned[0] is the case's
            for k, out in enumerate(real[:len(planned)]):
                if k >= checked:
                    break
                results.append(out)
                nxt = step(out, k)
                if nxt is None or len(results) >= limit:
                    return results
                args = list(nxt)
                if k + 1 < len(planned) and _same_args(args, planned[k + 1]):
                    checked = k + 2
                else:
                    break
            if not reply.get("ok") and reply.get("failed_at") == len(results) < checked:
                # the call that failed had the plain loop's arguments: its failure is the
                # plain loop's
                err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
                raise StudentFault(err or {"type": "Error", "message": "the call failed"})
        while len(results) < limit:
            out = self.call(fn, *args)
            results.append(out)
            nxt = step(out, len(results) - 1)
            if nxt is None:
                break
            args = list(nxt)
        return results

    def seed(self, value: int) -> None:
        """Seed numpy's (and ``random``'s) global generator in the sandbox."""
        self.call(self.lib("seed"), int(value))

    def fail(self, message: str) -> None:
        """The student's result cannot be used: fail the case with ``message``."""
        raise StudentFault({"type": "WrongResult", "message": message, "file": None,
                            "line": None, "function": None, "traceback": ""})

    # --- checking what came back -------------------------------------------------------------

    def pair(self, out: Any, name: str, first: str, second: str) -> tuple:
        if isinstance(out, Unsupported):
            self.fail(f"{name} must return a tuple ({first}, {second}); it returned a "
                      f"{out.type_name}")
        if not isinstance(out, tuple) or len(out) != 2:
            what = type(out).__name__ if not isinstance(out, (list, tuple)) else \
                f"a {type(out).__name__} of {len(out)} items"
            self.fail(f"{name} must return a tuple ({first}, {second}); it returned {what}")
        return out

    def array(self, value: Any, shape: tuple, what: str) -> Any:
        """``value`` as a float array of ``shape``, or the case fails saying so."""
        import numpy as np

        if isinstance(value, Unsupported):
            self.fail(f"{what} is a {value.type_name}; expected an array of shape {shape}")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail(f"{what} is not an array of numbers (it is {type(value).__name__})")
        if arr.shape != tuple(shape):
            self.fail(f"{what} has shape {arr.shape}; expected {tuple(shape)}")
        return arr

    def triple(self, out: Any, name: str, names: str = "dx, dw, db") -> tuple:
        if not isinstance(out, tuple) or len(out) != 3:
            what = type(out).__name__ if not isinstance(out, (list, tuple)) else \
                f"a {type(out).__name__} of {len(out)} items"
            self.fail(f"{name} must return a tuple ({names}); it returned {what}")
        return out


def _same_args(a: list, b: list) -> bool:
    """Whether two argument lists are the same data (their encodings are equal)."""
    try:
        return encode(a, describer=wire_describer) == encode(b, describer=wire_describer)
    except (CodecError, RecursionError, ValueError, TypeError):
        return False


def wire_describer(obj: Any) -> Any:
    """Encoder hook for operations: ``Remote`` references travel as their wire form."""
    return _describe_remote(obj)


def execute(driver: Callable[[DriverContext], Any], ctx: DriverContext,
            blocks: list[str] | None = None, rng_blocks: list[str] | None = None,
            home: str | None = None) -> dict:
    """Run one case's driver (after installing the check's block proxies); the outcome as a
    dict: ``status`` ``ok`` with ``outputs``, or ``error`` with the student's ``error``.

    ``CheckEnded`` and similar exceptions of the transport are not caught here: the caller
    says how the child ended.
    """
    import traceback

    try:
        if blocks:
            ctx._op({"op": "blocks", "names": list(blocks), "rng": list(rng_blocks or []),
                     "home": home})
        outputs = driver(ctx)
        if not isinstance(outputs, dict):
            raise TypeError(f"the driver returned {type(outputs).__name__}, not a dict")
        return {"status": "ok", "outputs": outputs, "notes": ctx.notes,
                "student_seconds": ctx.student_seconds}
    except StudentFault as fault:
        return {"status": "error", "error": fault.error, "notes": ctx.notes,
                "student_seconds": ctx.student_seconds}
    except TransportEnded:
        raise
    except Exception as exc:  # noqa: BLE001 - a result the driver could not use
        return {"status": "error", "notes": ctx.notes, "error": {
            "type": "UnusableResult", "file": None, "line": None, "function": None,
            "traceback": "",
            "message": f"the grader could not use what your code returned "
                       f"({type(exc).__name__}: {str(exc)[:500]})",
            "internal": traceback.format_exc()[-6000:]}}


class TransportEnded(Exception):
    """Base of the exceptions that say the check's child (or its sandbox) ended: they pass
    through ``execute`` to the caller."""
