"""What a driver sees: fresh inputs, the student's objects, and recording stubs.

A *driver* is a function in the assignment's ``drivers.py`` (run inside the sandbox) that
exercises one TODO on one case and returns a dict of named outputs. The context it receives:

- ``ctx.inputs[name]`` returns a *fresh deep copy* of the case input on every access, so a
  student's in-place update can neither break a later call nor be penalised;
- ``ctx.target`` is the student's function or class for the check (``module:qualname``);
- ``ctx.resolve("module:Name.attr")`` reaches any other student object;
- ``ctx.stubs`` lists the recording stubs installed for this check; their call log is added to
  the outputs as ``calls`` by the harness.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from .importer import resolve


def fresh_copy(value: Any) -> Any:
    """A deep copy of plain data (arrays are copied, containers rebuilt)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: fresh_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fresh_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(fresh_copy(v) for v in value)
    return copy.copy(value)


class FreshInputs(Mapping):
    """Read-only mapping of case inputs; every lookup returns a new deep copy."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return fresh_copy(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class RecordingStub:
    """Replaces a student function: records each call's arguments, returns a fake's result.

    The fake is a driver function ``fake(call_index, *args, **kwargs)`` that returns values of
    the right shapes (not the real computation), so the TODO under test is checked for its own
    wiring: what it passes in, and what it does with what comes back.
    """

    def __init__(self, name: str, fake: Callable[..., Any], log: list[dict]) -> None:
        self.__name__ = name
        self._fake = fake
        self._log = log
        self._count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._log.append({
            "fn": self.__name__,
            "args": [fresh_copy(a) for a in args],
            "kwargs": {k: fresh_copy(v) for k, v in kwargs.items()},
        })
        index = self._count
        self._count += 1
        return self._fake(index, *args, **kwargs)


class Context:
    """The driver's view of one check (see the module docstring)."""

    def __init__(self, inputs: dict[str, Any], target: str | None, params: dict[str, Any],
                 student_modules: Callable[[], list[Any]]) -> None:
        self.inputs = FreshInputs(inputs)
        self.params = params
        self._target_spec = target
        self._student_modules = student_modules
        self.calls: list[dict] = []
        self._patched: list[tuple[Any, str, Any]] = []

    @property
    def target(self) -> Any:
        """The student's object named by the check's ``target`` (``module:qualname``)."""
        if not self._target_spec:
            raise RuntimeError("this check declares no target")
        return resolve(self._target_spec)

    def resolve(self, spec: str) -> Any:
        """Any student object by ``module:qualname``."""
        return resolve(spec)

    def install_stub(self, name: str, fake: Callable[..., Any]) -> None:
        """Replace ``name`` in every loaded student module with a recording stub."""
        stub = RecordingStub(name, fake, self.calls)
        for mod in self._student_modules():
            if name in getattr(mod, "__dict__", {}):
                self._patched.append((mod, name, mod.__dict__[name]))
                setattr(mod, name, stub)

    def restore(self) -> None:
        """Undo every stub (run after the check, whatever happened)."""
        while self._patched:
            mod, name, original = self._patched.pop()
            setattr(mod, name, original)


def student_modules_under(src_dir: str) -> Callable[[], list[Any]]:
    """A callable listing the loaded modules whose files live in ``src_dir``."""
    prefix = src_dir.rstrip("/") + "/"

    def mods() -> list[Any]:
        out = []
        for mod in list(sys.modules.values()):
            f = getattr(mod, "__file__", None)
            if isinstance(f, str) and f.startswith(prefix):
                out.append(mod)
        return out

    return mods
