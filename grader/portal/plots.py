"""Plots of a result, drawn as SVG on the server from the data the result keeps.

- ``trajectory_2d``: the student's path of iterates against the reference's over the contours
  of the 2-D test function ``f(p) = 0.5 p^T A p + b^T p`` (from the case's visible inputs),
  and f along both paths;
- ``loss_curve``: the training loss per iteration, the student's against the reference's;
- wrong elements: for an array output that is wrong, a map of which elements are off (from
  the output's ``wrong_mask``), the worst one outlined.

Only what the (already filtered) result holds is drawn: students' results carry plot data and
maps of visible checks only, so hidden inputs are never drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup

from ..report.models import CheckResult, OutputResult, PlotData
from ..scoring.compare import unpack_mask
from .contours import contour_segments, join_segments
from .svg import Figure, finite


@dataclass
class Plot:
    """One figure of a result page: the SVG and a caption saying what it shows."""

    check_id: str
    title: str
    svg: Markup
    caption: str
    kind: str = "data"  # "data" (from the check's plot data) or "wrong_elements"


def _array(value: object) -> np.ndarray | None:
    if value is None:
        return None
    try:
        arr = np.array(value, dtype=np.float64)  # None -> nan
    except (TypeError, ValueError):
        return None
    return arr


def _path(value: object) -> np.ndarray | None:
    arr = _array(value)
    if arr is None or arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
        return None
    return arr


def _pt(p: np.ndarray) -> str:
    return f"({p[0]:.3g}, {p[1]:.3g})" if np.isfinite(p).all() else "(not finite)"


def trajectory_plots(check: CheckResult, data: PlotData) -> list[Plot]:
    """The paths over the contours, and f along them."""
    ref = _path(data.expected.get("path"))
    got = _path(data.got.get("path"))
    if ref is None:
        return []
    A = _array(data.inputs.get("A"))
    b = _array(data.inputs.get("b"))
    have_f = A is not None and A.shape == (2, 2) and b is not None and b.shape == (2,)
    pts = ref[np.isfinite(ref).all(axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    lo, hi = lo - 0.15 * span, hi + 0.15 * span
    fig = Figure(f"{check.name}: path of the iterates",
                 "Your update rule's path and the reference's on the test function"
                 + (f" {data.meta.get('function')}" if data.meta.get("function") else "")
                 + ", drawn over its contour lines.", width=520, height=360)
    # equal scale on both axes, so that the contours keep their shape
    w, h = hi - lo
    aspect = fig.plot_w / fig.plot_h
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        lo[0], hi[0] = lo[0] - grow, hi[0] + grow
    else:
        grow = (w / aspect - h) / 2
        lo[1], hi[1] = lo[1] - grow, hi[1] + grow
    fig.set_ranges((lo[0], hi[0]), (lo[1], hi[1]))
    if have_f:
        assert A is not None and b is not None
        xs = np.linspace(lo[0], hi[0], 48)
        ys = np.linspace(lo[1], hi[1], 34)
        X, Y = np.meshgrid(xs, ys)
        P = np.stack([X, Y], axis=-1)
        Z = 0.5 * np.einsum("...i,ij,...j->...", P, A, P) + P @ b
        f_start = float(0.5 * ref[0] @ A @ ref[0] + b @ ref[0])
        f_min = float(Z.min())
        top = max(f_start, f_min + 1e-9)
        for frac in (0.01, 0.04, 0.1, 0.2, 0.35, 0.55, 0.8, 1.0, 1.4):
            level = f_min + frac * (top - f_min)
            lines = join_segments(contour_segments(xs, ys, Z, level))
            if lines:
                d = " ".join("M" + " ".join(f"{fig.px(x):.1f},{fig.py(y):.1f}" for x, y in line)
                             for line in lines)
                fig.add(f'<path class="contour" clip-path="url(#{fig.clip_id()})" d="{d}"/>')
    if got is not None:
        fig.polyline([(p[0], p[1]) for p in got], "got", markers=True)
    fig.polyline([(p[0], p[1]) for p in ref], "ref", markers=True)
    start = ref[0]
    fig.add(f'<circle class="start" cx="{fig.px(start[0]):.1f}" cy="{fig.py(start[1]):.1f}" '
            f'r="5"/>')
    fig.axes("x", "y", grid=False)
    fig.legend([("ref", "reference"), ("got", "your update rule")])
    caption = f"Both runs start at {_pt(start)} and take {len(ref) - 1} steps. The reference " \
              f"ends at {_pt(ref[-1])}"
    if got is None:
        caption += "; your code produced no path (see the check's feedback)."
    else:
        outside = got[np.isfinite(got).all(axis=1)]
        leaves = bool(len(outside)) and bool(
            ((outside < lo) | (outside > hi)).any())
        caption += f"; yours ends at {_pt(got[-1])}."
        if leaves or len(outside) < len(got):
            caption += " Your path leaves the plotted area (it diverges or overshoots)."
    out = [Plot(check.id, "Path of the iterates", fig.render(), caption)]
    values = _value_curves(check, data)
    if values is not None:
        out.append(values)
    return out


def _value_curves(check: CheckResult, data: PlotData) -> Plot | None:
    ref = _array(data.expected.get("values"))
    if ref is None or ref.ndim != 1:
        return None
    got = _array(data.got.get("values"))
    series = [ref] + ([got] if got is not None and got.ndim == 1 else [])
    return _curve_plot(check, series, "Value of f at each iterate", "step", "f(p)",
                       "The test function's value along each path (log scale when all values "
                       "are positive).")


def _curve_plot(check: CheckResult, series: list[np.ndarray], title: str, x_label: str,
                y_label: str, desc: str) -> Plot | None:
    vals = finite(v for s in series for v in s.tolist())
    if not vals:
        return None
    positive = all(v > 0 for v in vals)
    log_y = positive and max(vals) / min(vals) > 50
    fig = Figure(f"{check.name}: {title}", desc, width=520, height=300)
    n = max(len(s) for s in series)
    lo, hi = min(vals), max(vals)
    if not log_y:
        pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    fig.set_ranges((0, max(1, n - 1)), (lo, hi), log_y=log_y)
    if len(series) > 1:
        fig.polyline(list(enumerate(series[1].tolist())), "got")
    fig.polyline(list(enumerate(series[0].tolist())), "ref")
    fig.axes(x_label, y_label + (" (log scale)" if log_y else ""))
    fig.legend([("ref", "reference"), ("got", "your update rule")])
    caption = f"Reference: {_ends(series[0])}."
    if len(series) > 1:
        caption += f" Yours: {_ends(series[1])}."
        if not np.isfinite(series[1]).all():
            caption += " Yours becomes NaN or infinite (it diverges)."
    else:
        caption += " Your code produced no values."
    return Plot(check.id, title, fig.render(), caption)


def _ends(s: np.ndarray) -> str:
    f = s[np.isfinite(s)]
    if not len(f):
        return "no finite value"
    return f"from {s[0]:.4g} to {f[-1]:.4g}" if np.isfinite(s[0]) else f"ends at {f[-1]:.4g}"


def loss_plots(check: CheckResult, data: PlotData) -> list[Plot]:
    """The loss per iteration, the student's against the reference's."""
    ref = _array(data.expected.get("losses"))
    if ref is None or ref.ndim != 1:
        return []
    got = _array(data.got.get("losses"))
    series = [ref] + ([got] if got is not None and got.ndim == 1 else [])
    plot = _curve_plot(check, series, "Training loss", "iteration", "loss",
                       "The minibatch loss at each iteration of training with your update "
                       "rule and with the reference's.")
    return [plot] if plot else []


PLOTTERS = {"trajectory_2d": trajectory_plots, "loss_curve": loss_plots}


def wrong_elements_plot(check: CheckResult, out: OutputResult) -> Plot | None:
    """Which elements of a wrong array output are off (the worst one outlined)."""
    if not out.shape or not out.wrong_mask or out.ok:
        return None
    try:
        mask = unpack_mask(out.shape, out.wrong_mask)
    except (ValueError, TypeError):
        return None
    shape = tuple(out.shape)
    worst = tuple(out.worst_index) if out.worst_index and len(out.worst_index) == len(shape) \
        else None
    note = ""
    if mask.ndim == 1:
        n = mask.size
        cols = n if n <= 40 else math.ceil(math.sqrt(n * 2))
        flat_worst = worst[0] if worst else None
        grid = np.zeros(math.ceil(n / cols) * cols, dtype=bool)
        grid[:n] = mask
        grid = grid.reshape(-1, cols)
        pos = divmod(flat_worst, cols) if flat_worst is not None else None
        if n > cols:
            note = f" Shown in rows of {cols}, in order."
        valid = np.zeros_like(grid)
        valid.reshape(-1)[:n] = True
    else:
        rows = shape[0]
        grid = mask.reshape(rows, -1)
        pos = None
        if worst:
            pos = (worst[0], int(np.ravel_multi_index(worst[1:], shape[1:]))
                   if len(shape) > 2 else worst[1])
        if len(shape) > 2:
            note = f" Axes after the first are flattened ({' x '.join(map(str, shape[1:]))} " \
                   "per row)."
        transposed = grid.shape[0] > 3 * grid.shape[1]
        if transposed:
            grid = grid.T
            pos = (pos[1], pos[0]) if pos else None
            note += " Drawn transposed (one column per row of the array)."
        valid = np.ones_like(grid)
    r, c = grid.shape
    cell = max(4.0, min(28.0, 460.0 / max(c, 1), 300.0 / max(r, 1)))
    width = int(c * cell + 70)
    height = int(r * cell + 50)
    fig = Figure(f"{check.name}: wrong elements of {out.path}",
                 f"Map of the {mask.size} elements of {out.path} (shape "
                 f"{'x'.join(map(str, shape))}): filled cells marked with a cross are the "
                 f"{int(mask.sum())} wrong ones.", width=max(width, 200), height=height,
                 margin=(10, 10, 40, 60))
    x0, y0 = fig.left, fig.top
    cells, crosses = [], []
    for i in range(r):
        for j in range(c):
            if not valid[i, j]:
                continue
            cls = "cell wrong" if grid[i, j] else "cell right"
            cells.append(f'<rect class="{cls}" x="{x0 + j * cell:.1f}" y="{y0 + i * cell:.1f}" '
                         f'width="{cell:.1f}" height="{cell:.1f}"/>')
            if grid[i, j] and cell >= 6:  # a mark, not only a colour
                a, b, d = x0 + j * cell + 1.5, y0 + i * cell + 1.5, cell - 3
                crosses.append(f"M{a:.1f} {b:.1f}l{d:.1f} {d:.1f}M{a + d:.1f} {b:.1f}"
                               f"l{-d:.1f} {d:.1f}")
    fig.add("".join(cells))
    if crosses:
        fig.add(f'<path class="cross" d="{"".join(crosses)}"/>')
    if pos is not None and 0 <= pos[0] < r and 0 <= pos[1] < c:
        fig.add(f'<rect class="worst" x="{x0 + pos[1] * cell:.1f}" '
                f'y="{y0 + pos[0] * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}"/>')
    fig.add(f'<text class="tick" x="{x0}" y="{y0 + r * cell + 16:.1f}">'
            f'{r} x {c}</text>')
    caption = (f"{int(mask.sum())} of {mask.size} elements of {out.path} are off "
               f"(filled, crossed cells)" + (f"; the worst, at index {list(worst)}, is outlined"
                                    if worst else "") + "." + note)
    return Plot(check.id, f"Wrong elements of {out.path}", fig.render(fixed=True), caption,
                kind="wrong_elements")


def check_plots(check: CheckResult) -> list[Plot]:
    """Every plot of one check (as far as its data allows)."""
    plots: list[Plot] = []
    if check.plot is not None and check.plot.kind in PLOTTERS:
        plots += PLOTTERS[check.plot.kind](check, check.plot)
    for out in check.outputs:
        p = wrong_elements_plot(check, out)
        if p is not None:
            plots.append(p)
    return plots
