"""Loading an assignment's reference solution (and its helpers) in the trusted process.

The reference answers the block calls of composite checks and serves drivers that compute an
expected side outside the sandbox. It is loaded into private module objects, never into
``sys.modules``: two assignments may both have a package ``nndl``, and nothing the grader
imports may be shadowed. Each reference module gets its own ``__import__`` that resolves the
reference's own packages (``from .layers import *``, ``from nndl.layers import *``) from
the private set, and everything else (numpy) normally; a third-party module that is not
installed becomes the harness's placeholder, which fails only when used.

Only trusted code is loaded this way (the built-in assignments, an instructor's own folder on
their machine or in their Gradescope autograder); an uploaded bundle's reference runs in a
sandbox of its own.
"""

from __future__ import annotations

import builtins
import threading
import types
from typing import Any

from .importer import _PlaceholderModule

#: Serialises the use of numpy's global random generator by reference code (block answers
#: that draw random numbers run with the sandbox's generator state, one at a time).
RNG_LOCK = threading.RLock()


class ReferenceMissing(LookupError):
    """A name the trusted side looked for is not in the reference."""


def _module_name(rel: str) -> tuple[str, bool]:
    stem = rel[:-3]
    if stem.endswith("/__init__") or stem == "__init__":
        return stem[: -len("/__init__")].replace("/", "."), True
    return stem.replace("/", "."), False


class ReferenceNamespace:
    """Private modules built from ``files`` (relative path -> source bytes)."""

    def __init__(self, files: dict[str, bytes], extra: dict[str, str] | None = None) -> None:
        self.sources: dict[str, tuple[str, str, bool]] = {}
        for rel, data in files.items():
            if not rel.endswith(".py"):
                continue
            name, is_pkg = _module_name(rel)
            if name:
                self.sources[name] = (data.decode("utf-8"), rel, is_pkg)
        for name, source in (extra or {}).items():
            self.sources[name] = (source, f"<{name}>", False)
        self.own = {n.split(".")[0] for n in self.sources}
        # packages implied by files (nndl/layers.py without nndl/__init__.py)
        for name in list(self.sources):
            parts = name.split(".")
            for i in range(1, len(parts)):
                self.sources.setdefault(".".join(parts[:i]), ("", f"<{parts[0]}>", True))
        self.modules: dict[str, types.ModuleType] = {}
        self._lock = threading.RLock()
        self._builtins = dict(builtins.__dict__)
        self._builtins["__import__"] = self._import

    def load(self, name: str) -> types.ModuleType:
        """The private module ``name`` (loaded on first use)."""
        with self._lock:
            mod = self.modules.get(name)
            if mod is not None:
                return mod
            if name not in self.sources:
                raise ReferenceMissing(f"the reference has no module {name}")
            source, filename, is_pkg = self.sources[name]
            mod = types.ModuleType(name)
            mod.__file__ = filename
            mod.__dict__["__builtins__"] = self._builtins
            if is_pkg:
                mod.__path__ = []  # type: ignore[attr-defined]
                mod.__package__ = name
            else:
                mod.__package__ = name.rpartition(".")[0]
            self.modules[name] = mod
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(self.load(parent), child, mod)
            try:
                exec(compile(source, filename, "exec"), mod.__dict__)  # noqa: S102 - trusted
            except BaseException:
                del self.modules[name]
                raise
            return mod

    def _import(self, name: str, globals: dict | None = None, locals: dict | None = None,
                fromlist: tuple = (), level: int = 0) -> Any:
        if level:
            package = (globals or {}).get("__package__") or ""
            base = package.rsplit(".", level - 1)[0] if level > 1 else package
            name = f"{base}.{name}" if name else base
        top = name.split(".")[0]
        if top not in self.own:
            try:
                return builtins.__import__(name, globals, locals, fromlist, 0)
            except ModuleNotFoundError:
                mod = _PlaceholderModule(name)
                mod.__path__ = []  # type: ignore[attr-defined]
                return mod
        mod = self.load(name)
        if fromlist:
            for item in fromlist:
                if item != "*" and not hasattr(mod, item) and f"{name}.{item}" in self.sources:
                    self.load(f"{name}.{item}")
            return mod
        return self.load(top)

    def resolve(self, spec: str) -> Any:
        """``"package.module:Name.attr"`` in the reference."""
        modname, _, attr = spec.partition(":")
        obj: Any = self.load(modname)
        for part in filter(None, attr.split(".")):
            obj = getattr(obj, part)
        return obj

    def load_all(self) -> None:
        for name in sorted(self.sources):
            self.load(name)

    def module_of(self, obj: Any) -> str | None:
        """Name of the private module that defines ``obj``'s class/function, if any."""
        mod = getattr(obj, "__module__", None)
        return mod if isinstance(mod, str) and mod in self.modules else None

