"""Small helpers the trusted side may call inside a check's child (domain ``lib``).

They run in the student's process, so nothing they return is trusted more than the student's
own outputs: they only set up state (random seeds) or repeat the student's function at points
the trusted side chose, so that one operation replaces hundreds of round trips.
"""

from __future__ import annotations

import contextlib
import copy
import io
import random
import sys
import time
import warnings
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


def quadratic_path(fn: Any, A: Any, b: Any, p: Any, config: Any, steps: int,
                   seconds: float = 0.25) -> list:
    """``fn``'s results along its own path on ``f(p) = 0.5 p^T A p + b^T p``: ``out =
    fn(p, A @ p + b, config)``, then ``next_p, config = out`` and ``p`` the float array of
    ``next_p`` (of ``p``'s shape), ``steps`` times, or fewer: until a result is not such a
    pair, ``p`` is not finite, ``fn`` raises, or ``seconds`` have passed.

    A guess of the trusted side's loop (``DriverContext.chain``): it checks every step.
    """
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    with _quiet():
        return _quadratic_path(fn, A, b, p, config, int(steps), float(seconds))


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


@contextlib.contextmanager
def _quiet() -> Any:
    """What a guess prints, and the warnings it raises, are dropped (and not remembered as
    shown): the checked run prints them, once, as the plain loop does."""
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = _Discard()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout, sys.stderr = saved


def _quadratic_path(fn: Any, A: Any, b: Any, p: Any, config: Any, steps: int,
                    seconds: float) -> list:
    shape = p.shape
    out: list = []
    deadline = time.perf_counter() + seconds
    for _ in range(steps):
        try:
            # each result as it was returned (later steps may change its config in place),
            # and the next step's arguments fresh, as the trusted loop's arrive
            result = copy.deepcopy(fn(p, A @ p + b, config))
            out.append(result)
            if not isinstance(result, tuple) or len(result) != 2:
                break
            p = np.array(result[0], dtype=np.float64, copy=True).reshape(shape)
            config = copy.deepcopy(result[1])
        except Exception:  # noqa: BLE001 - the plain loop will say what went wrong
            break
        if not np.all(np.isfinite(p)) or time.perf_counter() > deadline:
            break
    return out
