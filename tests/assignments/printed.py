"""Numbers as a notebook printed them, and checks that we reproduce them to the printed digits.

``numpy`` prints floats with 8 decimals (fixed or scientific); a value reproduces a printed one
when it lies within half a unit of the last printed digit. ``parse`` keeps, for every element,
that half unit, so the check is exactly "rounds to what the notebook shows".
"""

from __future__ import annotations

import re

import numpy as np

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def parse(text: str) -> tuple[np.ndarray, np.ndarray]:
    """``(values, half_units)`` of a printed numpy array (rows in brackets) or scalar."""
    rows = [r for r in re.split(r"\]\s*\[", text.strip()) if r.strip()]
    values, halves = [], []
    for row in rows:
        vals, hs = [], []
        for token in _NUMBER.findall(row):
            mantissa, _, exp = token.lower().partition("e")
            decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
            vals.append(float(token))
            hs.append(0.5 * 10.0 ** (-decimals + (int(exp) if exp else 0)))
        values.append(vals)
        halves.append(hs)
    if "[" not in text:
        return np.array(values[0][0]), np.array(halves[0][0])
    if len(values) == 1:
        return np.array(values[0]), np.array(halves[0])
    return np.array(values), np.array(halves)


def assert_reproduces(got, text: str, what: str = "") -> None:
    """``got`` rounds to the printed ``text`` (same shape, every element within half a unit)."""
    printed, half = parse(text)
    got = np.asarray(got, dtype=np.float64)
    if printed.ndim == 1 and got.ndim == 2 and 1 in got.shape:
        got = got.reshape(-1)
    assert got.shape == printed.shape, f"{what}: shape {got.shape}, printed {printed.shape}"
    err = np.abs(got - printed)
    bad = err > half * (1 + 1e-9) + 1e-15
    assert not bad.any(), (f"{what}: {int(bad.sum())} element(s) differ from the printed "
                           f"values; worst {float(err.max()):.3g} at "
                           f"{np.unravel_index(int(np.argmax(err - half)), err.shape)}")
