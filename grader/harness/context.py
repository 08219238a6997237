"""Fresh copies of case inputs, and the student's loaded modules (stdlib and numpy only).

Used on both sides of the boundary: the trusted side hands drivers ``FreshInputs`` (every
lookup a new deep copy, so a student's in-place update can neither break a later call nor be
penalised), and the harness finds the student's modules by their files.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np


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
