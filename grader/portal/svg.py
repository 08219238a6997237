"""A small SVG plotting kit for server-side charts (no JavaScript, no plotting library).

``Figure`` maps data coordinates to pixels inside margins, draws axes with round ticks, and
collects elements; ``Figure.render`` returns the ``<svg>`` as markup safe to put in a page.
Every figure has a ``<title>`` and a ``<desc>`` (screen readers, and what a browser shows when
it cannot draw). Colours are set by CSS classes (``static/portal.css``) so that series differ
by dash pattern and marker too, not by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (about ``n`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def fmt(x: float) -> str:
    """A tick label: short, no trailing zeros."""
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.0e}"
    return f"{x:.4g}"


def finite(values: Iterable[float | None]) -> list[float]:
    """The finite numbers among ``values``."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


class Figure:
    """An SVG of ``width`` x ``height`` px with a plotting area inside margins."""

    def __init__(self, title: str, desc: str, width: int = 480, height: int = 320,
                 margin: tuple[int, int, int, int] = (16, 16, 44, 56)) -> None:
        self.title, self.desc = title, desc
        self.width, self.height = width, height
        self.top, self.right, self.bottom, self.left = margin
        self.x0, self.x1, self.y0, self.y1 = 0.0, 1.0, 0.0, 1.0
        self.log_y = False
        self.parts: list[str] = []
        self.uid = f"fig{next(_ids)}"

    # --- coordinates ---------------------------------------------------------------------
    def set_ranges(self, x: tuple[float, float], y: tuple[float, float],
                   log_y: bool = False) -> None:
        """Data ranges of the axes (widened if empty)."""
        self.log_y = log_y
        x0, x1 = x
        y0, y1 = y
        if log_y:
            y0, y1 = math.log10(y0), math.log10(y1)
        if x1 <= x0:
            x0, x1 = x0 - 0.5, x0 + 0.5
        if y1 <= y0:
            y0, y1 = y0 - 0.5, y0 + 0.5
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def px(self, x: float) -> float:
        return self.left + (x - self.x0) / (self.x1 - self.x0) * self.plot_w

    def py(self, y: float) -> float:
        if self.log_y:
            y = math.log10(max(y, 1e-300))
        return self.top + (1 - (y - self.y0) / (self.y1 - self.y0)) * self.plot_h

    # --- drawing -------------------------------------------------------------------------
    def add(self, svg: str) -> None:
        self.parts.append(svg)

    def clip_id(self) -> str:
        return f"{self.uid}-clip"

    def axes(self, x_label: str, y_label: str, x_ticks: Sequence[float] | None = None,
             y_ticks: Sequence[float] | None = None, grid: bool = True) -> None:
        """Axes box, ticks, labels."""
        xt = list(x_ticks) if x_ticks is not None else nice_ticks(self.x0, self.x1)
        if y_ticks is not None:
            yt = list(y_ticks)
        elif self.log_y:
            yt = [10.0 ** e for e in range(math.floor(self.y0), math.ceil(self.y1) + 1)]
        else:
            yt = nice_ticks(self.y0, self.y1)
        left, top = self.left, self.top
        right, bottom = self.left + self.plot_w, self.top + self.plot_h
        out = [f'<rect class="frame" x="{left}" y="{top}" width="{self.plot_w:.1f}" '
               f'height="{self.plot_h:.1f}"/>']
        for t in xt:
            if not self.x0 - 1e-12 <= t <= self.x1 + 1e-12:
                continue
            x = self.px(t)
            if grid:
                out.append(f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                           f'y2="{bottom:.1f}"/>')
            out.append(f'<text class="tick" x="{x:.1f}" y="{bottom + 16:.1f}" '
                       f'text-anchor="middle">{escape(fmt(t))}</text>')
        for t in yt:
            v = math.log10(t) if self.log_y else t
            if not self.y0 - 1e-12 <= v <= self.y1 + 1e-12:
                continue
            y = self.py(t)
            if grid:
                out.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{right:.1f}" '
                           f'y2="{y:.1f}"/>')
            out.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" '
                       f'text-anchor="end">{escape(fmt(t))}</text>')
        out.append(f'<text class="label" x="{left + self.plot_w / 2:.1f}" '
                   f'y="{self.height - 6}" text-anchor="middle">{escape(x_label)}</text>')
        out.append(f'<text class="label" transform="translate(14 {top + self.plot_h / 2:.1f}) '
                   f'rotate(-90)" text-anchor="middle">{escape(y_label)}</text>')
        self.parts[:0] = out

    def polyline(self, points: Iterable[tuple[float, float]], cls: str,
                 markers: bool = False) -> None:
        """A line through the finite ``points`` (broken where a point is missing)."""
        runs: list[list[str]] = [[]]
        for x, y in points:
            if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)) or \
                    (self.log_y and y <= 0):
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append(f"{self.px(x):.1f},{self.py(y):.1f}")
        dots = []
        for run in runs:
            if len(run) >= 2:
                self.add(f'<polyline class="{cls}" clip-path="url(#{self.clip_id()})" '
                         f'points="{" ".join(run)}"/>')
            if markers or len(run) == 1:
                for p in run:
                    x, y = p.split(",")
                    dots.append(f'<circle cx="{x}" cy="{y}" r="2.2"/>')
        if dots:
            self.add(f'<g class="{cls} dots" clip-path="url(#{self.clip_id()})">'
                     f'{"".join(dots)}</g>')

    def legend(self, items: Sequence[tuple[str, str]], x: float | None = None,
               y: float | None = None) -> None:
        """Legend lines ``(css class, label)`` at the top right of the plot area."""
        # room for the labels at the phone's larger font (portal.css)
        width = 44 + 11 * max((len(label) for _, label in items), default=0)
        x = x if x is not None else self.left + self.plot_w - width + 4
        y = y if y is not None else self.top + 16
        box_h = 22 * len(items) + 6
        out = [f'<rect class="legend-box" x="{x - 8:.1f}" y="{y - 16:.1f}" width="{width}" '
               f'height="{box_h}"/>']
        for i, (cls, label) in enumerate(items):
            yy = y + 22 * i
            out.append(f'<line class="{cls}" x1="{x:.1f}" y1="{yy - 4:.1f}" x2="{x + 24:.1f}" '
                       f'y2="{yy - 4:.1f}"/>')
            out.append(f'<text class="legend" x="{x + 30:.1f}" y="{yy:.1f}">'
                       f'{escape(label)}</text>')
        self.add("".join(out))

    def render(self, fixed: bool = False) -> Markup:
        """The ``<svg>`` element: as wide as its column, or (``fixed``) at most its own size,
        for figures whose text must not grow."""
        tid, did = f"{self.uid}-title", f"{self.uid}-desc"
        clip = (f'<clipPath id="{self.clip_id()}"><rect x="{self.left}" y="{self.top}" '
                f'width="{self.plot_w:.1f}" height="{self.plot_h:.1f}"/></clipPath>')
        return Markup(
            f'<svg class="chart{" fixed" if fixed else ""}" viewBox="0 0 {self.width} '
            f'{self.height}" width="{self.width}" height="{self.height}" role="img" '
            f'aria-labelledby="{tid} {did}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{tid}">{escape(self.title)}</title><desc id="{did}">'
            f'{escape(self.desc)}</desc><defs>{clip}</defs>{"".join(self.parts)}</svg>')
