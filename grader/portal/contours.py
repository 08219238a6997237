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


def contour_segments(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float
                     ) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Segments of the ``level`` set of ``z`` (shape ``(len(y), len(x))``), cell by cell
    (vectorised over the cells of each corner pattern)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    above = z > level
    code = (above[:-1, :-1].astype(int) | above[:-1, 1:] << 1 | above[1:, 1:] << 2
            | above[1:, :-1] << 3)
    # corner k of every cell: x, y and z arrays of shape (ny - 1, nx - 1)
    X0, Y0 = np.meshgrid(x[:-1], y[:-1])
    X1, Y1 = np.meshgrid(x[1:], y[1:])
    corners = {0: (X0, Y0, z[:-1, :-1]), 1: (X1, Y0, z[:-1, 1:]),
               2: (X1, Y1, z[1:, 1:]), 3: (X0, Y1, z[1:, :-1])}
    segs: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for pattern, pairs in _CASES.items():
        where = code == pattern
        if not pairs or not where.any():
            continue
        for e1, e2 in pairs:
            a = _crossings(corners, e1, level, where)
            b = _crossings(corners, e2, level, where)
            for pa, pb in zip(a, b, strict=True):
                if pa != pb:  # a level through a grid point gives empty segments
                    segs.append((pa, pb))
    return segs


def _crossings(corners: dict, edge: int, level: float, where: np.ndarray
               ) -> list[tuple[float, float]]:
    """Where ``level`` crosses ``edge`` of the cells in ``where`` (linear interpolation)."""
    i, j = _EDGE_ENDS[edge]
    ax, ay, az = (c[where] for c in corners[i])
    bx, by, bz = (c[where] for c in corners[j])
    dz = bz - az
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(dz != 0, (level - az) / np.where(dz != 0, dz, 1), 0.5)
    px = ax + t * (bx - ax)
    py = ay + t * (by - ay)
    return list(zip(px.tolist(), py.tolist(), strict=True))


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
