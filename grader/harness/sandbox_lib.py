"""Small helpers the trusted side may call inside a check's child (domain ``lib``).

They run in the student's process, so nothing they return is trusted more than the student's
own outputs: they only set up state (random seeds) or repeat the student's function at points
the trusted side chose, so that one operation replaces hundreds of round trips.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np


def seed(value: int) -> None:
    """Seed numpy's global generator and ``random`` (what a notebook cell does)."""
    np.random.seed(int(value))
    random.seed(int(value))


def set_rng_state(state: Any) -> None:
    """Restore numpy's global generator to ``state`` (the tuple of ``np.random.get_state``)."""
    np.random.set_state(tuple(state))


def get_rng_state() -> Any:
    """numpy's global generator state, as plain data."""
    return list(np.random.get_state())


def bare(cls: type) -> Any:
    """An instance of ``cls`` made without its constructor (when the constructor, a TODO of
    its own, raises); the trusted side then sets the state under test."""
    return cls.__new__(cls)


def perturbed_calls(fn: Any, args: list, kwargs: dict, table: Any, edits: list,
                    pick: list | None = None) -> np.ndarray:
    """``fn(*args, **kwargs)`` once per edit, with ``table[key].flat[index] += delta`` applied
    for that call only; returns the results (each indexed by ``pick``) as a float array.

    ``table`` is a dict of arrays the function reads (a net's ``params``), ``edits`` a list of
    ``[key, flat_index, delta]`` chosen by the trusted side, which computes the finite
    differences from what comes back.
    """
    out = np.empty(len(edits), dtype=np.float64)
    for n, (key, index, delta) in enumerate(edits):
        arr = table[key]
        old = arr.flat[index]
        arr.flat[index] = old + delta
        try:
            value = fn(*args, **kwargs)
        finally:
            arr.flat[index] = old
        for k in pick or []:
            value = value[k]
        out[n] = float(value)
    return out
