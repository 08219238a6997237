"""Data for the plots of a result (pure): cases whose meta names a ``plot`` keep the student's
and the reference's numeric outputs, and for visible checks their inputs, in the stored
result, so that a result page can draw them (a 2-D trajectory over the function's contours, a
loss curve) long after the grading, without the fixtures.

Only numbers are kept: every numeric leaf of the outputs (nested dicts and lists flattened to
dotted paths), arrays up to ``PLOT_MAX_ELEMENTS`` elements (inputs: up to
``PLOT_MAX_INPUT_ELEMENTS``, enough for a 2-D function's matrix and starting point, not a
data set), as nested lists of numbers to 6 significant digits (enough to draw) with NaN and inf as
null. Hidden checks never keep inputs; the student view drops the plot data of hidden
checks altogether (``score.for_students``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..report.models import PlotData, PlotValue
from .compare import dotted, leaves

PLOT_MAX_ELEMENTS = 5000
"""Output arrays larger than this are not kept for plots."""
PLOT_MAX_INPUT_ELEMENTS = 100
"""Input arrays larger than this are not kept for plots."""


def _number(x: float) -> float | None:
    return float(f"{x:.6g}") if math.isfinite(x) else None


def plot_value(value: Any, max_elements: int = PLOT_MAX_ELEMENTS) -> PlotValue | bool:
    """``value`` as JSON numbers, or False if it is not numeric (or too large)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number(float(value))
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" \
            and value.size <= max_elements:
        arr = value.astype(np.float64)
        if arr.ndim == 0:
            return _number(float(arr))
        return _rounded(arr.tolist())
    return False


def _rounded(x: Any) -> Any:
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return _number(x)


def numeric_leaves(value: Any, max_elements: int = PLOT_MAX_ELEMENTS) -> dict[str, PlotValue]:
    """Every numeric leaf of ``value`` by dotted path (see the module docstring)."""
    out: dict[str, PlotValue] = {}
    if value is None:
        return out
    for path, leaf in leaves(value).items():
        v = plot_value(leaf, max_elements)
        if v is not False:
            out[dotted(path) or "value"] = v  # type: ignore[assignment]
    return out


def plot_data(case: dict, visible: bool, got: Any, expected: Any) -> PlotData | None:
    """The plot data of one case (None when its meta names no plot)."""
    meta = case.get("meta") or {}
    kind = meta.get("plot")
    if not kind:
        return None
    extra = {k: v for k, v in meta.items() if k != "plot"
             and isinstance(v, (str, int, float, bool))}
    return PlotData(kind=str(kind), meta=extra, got=numeric_leaves(got),
                    expected=numeric_leaves(expected),
                    inputs=numeric_leaves(case.get("inputs"), PLOT_MAX_INPUT_ELEMENTS)
                    if visible else {})
