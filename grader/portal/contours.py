"""Contour lines of a function sampled on a grid (marching squares; pure numpy).

``contour_segments(x, y, z, level)`` returns the segments where the piecewise-linear
interpolation of ``z`` crosses ``level``; plots join them into one SVG path per level.
"""

from __future__ import annotations

import numpy as np

# For each of the 16 corner patterns (bit 0: bottom-left, 1: bottom-right, 2: top-right,
# 3: top-left above the level), the pairs of cell edges the line crosses.
# Edges: 0 bottom, 1 right, 2 top, 3 left.
_CASES: dict[int, list[tuple[int, int]]] = {
    0: [], 15: [],
    1: [(3, 0)], 14: [(3, 0)],
    2: [(0, 1)], 13: [(0, 1)],
    3: [(3, 1)], 12: [(3, 1)],
    4: [(1, 2)], 11: [(1, 2)],
    6: [(0, 2)], 9: [(0, 2)],
    7: [(3, 2)], 8: [(3, 2)],
    5: [(3, 2), (0, 1)], 10: [(3, 0), (1, 2)],
}


_EDGE_ENDS = {0: (0, 1), 1: (1, 2), 2: (3, 2), 3: (0, 3)}


def _crossing(corners: dict[int, tuple[float, float, float]], edge: int, level: float
              ) -> tuple[float, float]:
    """Where ``level`` crosses ``edge`` of a cell (linear interpolation)."""
    a, b = (corners[k] for k in _EDGE_ENDS[edge])
    t = (level - a[2]) / (b[2] - a[2]) if b[2] != a[2] else 0.5
    return (float(a[0] + t * (b[0] - a[0])), float(a[1] + t * (b[1] - a[1])))


def contour_segments(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float
                     ) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Segments of the ``level`` set of ``z`` (shape ``(len(y), len(x))``)."""
    segs = []
    above = z > level
    for j in range(len(y) - 1):
        for i in range(len(x) - 1):
            code = (int(above[j, i]) | int(above[j, i + 1]) << 1 |
                    int(above[j + 1, i + 1]) << 2 | int(above[j + 1, i]) << 3)
            pairs = _CASES[code]
            if not pairs:
                continue
            corners = {0: (x[i], y[j], z[j, i]), 1: (x[i + 1], y[j], z[j, i + 1]),
                       2: (x[i + 1], y[j + 1], z[j + 1, i + 1]),
                       3: (x[i], y[j + 1], z[j + 1, i])}
            for e1, e2 in pairs:
                a, b = _crossing(corners, e1, level), _crossing(corners, e2, level)
                if a != b:  # a level through a grid point gives empty segments
                    segs.append((a, b))
    return segs


Point = tuple[float, float]


def join_segments(segs: list[tuple[Point, Point]]) -> list[list[Point]]:
    """Chain segments that share end points into polylines (fewer, shorter SVG paths).

    Neighbouring cells compute a shared crossing from the same corners in the same order, so
    shared end points are exactly equal.
    """
    ends: dict[Point, list[int]] = {}
    for k, (a, b) in enumerate(segs):
        ends.setdefault(a, []).append(k)
        ends.setdefault(b, []).append(k)
    used = [False] * len(segs)
    lines: list[list[Point]] = []

    def extend(line: list[Point]) -> None:
        while True:
            tail = line[-1]
            nxt = next((k for k in ends.get(tail, []) if not used[k]), None)
            if nxt is None:
                return
            used[nxt] = True
            a, b = segs[nxt]
            line.append(b if a == tail else a)

    for k, (a, b) in enumerate(segs):
        if used[k]:
            continue
        used[k] = True
        line = [a, b]
        extend(line)
        line.reverse()
        extend(line)
        lines.append(line)
    return lines
