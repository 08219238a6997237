"""Importing student code: clear diagnostics and placeholders for unavailable modules.

Notebooks import what their experiment cells need (pandas, torch, matplotlib...). A module the
sandbox lacks must not sink graded functions that never use it, so a missing *third-party*
module is bound to a placeholder that raises only when something actually uses it.
``autograd.numpy`` is treated as numpy. A missing module of the submission's own packages is a
real error and is reported as such.

A placeholder can also be subclassed: notebooks define model classes next to the graded
functions (``class Network(nn.Module)``), and such a class must not sink the module. The
subclass is created; making an instance of it raises the same clear error.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import traceback
import types
from typing import Any

import numpy as np


class ModuleUnavailableError(ImportError):
    """Raised when student code uses a module the grading sandbox does not provide."""


def _unavailable(name: str) -> ModuleUnavailableError:
    top = name.split(".")[0]
    return ModuleUnavailableError(
        f"'{name}' is not available: module '{top}' is not installed in the grading "
        f"sandbox (only the standard library and numpy are). Graded functions must not "
        f"use it."
    )


class _MissingBase:
    """Base of a class derived from a placeholder (``class Net(nn.Module)``): the class can be
    defined, its methods read; creating an instance raises ``ModuleUnavailableError``."""

    _grader_name = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise _unavailable(cls._grader_name)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        pass  # class keywords meant for the unavailable base are ignored


class _Missing:
    """Stand-in for anything reached through an unavailable module."""

    __slots__ = ("_grader_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_grader_name", name)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise _unavailable(object.__getattribute__(self, "_grader_name"))

    def __mro_entries__(self, bases: tuple) -> tuple[type]:
        """Used as a base class: stand in with a real class whose instances cannot be made."""
        name = object.__getattribute__(self, "_grader_name")
        return (type(name.rsplit(".", 1)[-1], (_MissingBase,), {"_grader_name": name}),)

    def __getattr__(self, attr: str) -> _Missing:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Missing(f"{object.__getattribute__(self, '_grader_name')}.{attr}")

    def __setattr__(self, attr: str, value: Any) -> None:
        pass

    def __getitem__(self, key: Any) -> _Missing:
        return _Missing(f"{object.__getattribute__(self, '_grader_name')}[...]")

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __repr__(self) -> str:
        return f"<unavailable {object.__getattribute__(self, '_grader_name')}>"

    __call__ = _fail
    __iter__ = _fail
    __len__ = _fail
    __bool__ = _fail
    __float__ = _fail
    __int__ = _fail
    __index__ = _fail
    __array__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = _fail
    __enter__ = _fail


class _PlaceholderModule(types.ModuleType):
    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Missing(f"{self.__name__}.{attr}")


class _PlaceholderLoader(importlib.abc.Loader):
    def __init__(self, finder: PlaceholderFinder) -> None:
        self.finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        name = spec.name
        if name == "autograd.numpy" or name.startswith("autograd.numpy."):
            return np if name == "autograd.numpy" else _numpy_sub(name)
        mod = _PlaceholderModule(name)
        mod.__path__ = []
        mod.__all__ = []
        self.finder.used.add(name.split(".")[0])
        return mod

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def _numpy_sub(name: str) -> types.ModuleType:
    sub = name[len("autograd.numpy."):]
    try:
        return importlib.import_module(f"numpy.{sub}")
    except ImportError:
        return _PlaceholderModule(name)


class PlaceholderFinder(importlib.abc.MetaPathFinder):
    """Last-resort finder: unavailable third-party modules become placeholders.

    ``own_packages`` are the top-level names the submission provides; missing modules under
    them are real errors. ``used`` collects the placeholder names for the feedback.
    """

    def __init__(self, own_packages: set[str]) -> None:
        self.own = own_packages
        self.used: set[str] = set()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        top = fullname.split(".")[0]
        if top in self.own or top in sys.stdlib_module_names or top == "numpy":
            return None
        return importlib.machinery.ModuleSpec(fullname, _PlaceholderLoader(self), is_package=True)


class StudentFinder(importlib.abc.MetaPathFinder):
    """First finder: the submission's own ``.py`` files load statement by statement
    (``statements.StatementLoader``), so one failing statement costs only what it defines."""

    def __init__(self, src_dir: str, own: set[str], make_loader: Any) -> None:
        self.prefix = src_dir.rstrip("/") + "/"
        self.own = own
        self.make_loader = make_loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.split(".")[0] not in self.own:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.origin, str):
            return spec
        if spec.origin.startswith(self.prefix) and spec.origin.endswith(".py"):
            spec.loader = self.make_loader(spec.origin)
        return spec


def own_packages(src_dir: str) -> set[str]:
    """Top-level module and package names provided by the submission in ``src_dir``."""
    names = set()
    for entry in os.listdir(src_dir):
        full = os.path.join(src_dir, entry)
        if entry.endswith(".py"):
            names.add(entry[:-3])
        elif os.path.isdir(full) and entry.isidentifier():
            names.add(entry)
    return names


def describe_exception(exc: BaseException, src_dir: str, limit_frames: int = 8) -> dict:
    """A student-readable description of ``exc``: type, message, and where in *their* files.

    Returns a dict with ``type``, ``message``, ``file``, ``line``, ``function`` (the innermost
    frame inside the submission, if any) and ``traceback`` (frames inside the submission only,
    as text, so harness internals never clutter the feedback).
    """
    info: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": _safe_str(exc),
        "file": None,
        "line": None,
        "function": None,
        "traceback": "",
    }
    prefix = src_dir.rstrip("/") + "/"
    if isinstance(exc, SyntaxError):
        fname = exc.filename or ""
        info["file"] = fname[len(prefix):] if fname.startswith(prefix) else fname
        info["line"] = exc.lineno
        info["message"] = exc.msg or info["message"]
        text = (exc.text or "").rstrip("\n")
        info["traceback"] = f'  File "{info["file"]}", line {exc.lineno}\n    {text.strip()}'
        return info
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(prefix)]
    lines = []
    for f in frames[-limit_frames:]:
        rel = f.filename[len(prefix):]
        lines.append(f'  File "{rel}", line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line.strip()}")
    if frames:
        last = frames[-1]
        info["file"] = last.filename[len(prefix):]
        info["line"] = last.lineno
        info["function"] = last.name
    info["traceback"] = "\n".join(lines)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        info["module"] = exc.name
    return info


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - student exception classes may raise in __str__
        text = f"<{type(exc).__name__} whose message could not be shown>"
    return text[:2000]


def import_module(name: str) -> types.ModuleType:
    """Import a student module by dotted name."""
    return importlib.import_module(name)


def resolve(spec: str) -> Any:
    """Resolve ``"package.module:Attr.attr"`` to an object."""
    modname, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(modname)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj
