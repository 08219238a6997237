"""Pairwise similarity of students' TODO code, for instructors looking for shared work.

Only what students wrote is compared: for each TODO, the body of the function or method it
names (by AST, from the submission as it is graded: notebooks extracted, given files
replaced by the assignment's), without its docstring; the starter's version of the same
function is boilerplate, so an untouched starter or its comments match nothing. Code is
compared with ``copydetect``: tokens normalized (names become V, F, O; strings S; comments and
whitespace dropped), winnowed k-gram fingerprints, and the character ranges of the original
code behind every shared fingerprint (the side-by-side view highlights them).

A pair's similarity is the larger of the two shares: the share of A's TODO code (in
normalized tokens) found in B's, and of B's in A's.
"""

from __future__ import annotations

import ast
import io
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from . import safe_ast
from .assignments.loader import Assignment


def _find(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last definition of ``qualname`` (``f`` or ``Class.method``) in ``tree``."""
    body: list[ast.stmt] = tree.body
    parts = qualname.split(".")
    found: Any = None
    for i, name in enumerate(parts):
        last = i == len(parts) - 1
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef) if last else (ast.ClassDef,)
        hits = [n for n in body if isinstance(n, kinds) and n.name == name]
        if not hits:
            return None
        found = hits[-1]  # the last definition wins, as when Python runs the module
        body = found.body
    return found


def function_code(source: str, qualname: str) -> str:
    """The source of function ``qualname`` in ``source`` without its docstring ('' if the
    module does not parse or has no such function)."""
    try:
        tree = safe_ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    node = _find(tree, qualname)
    if node is None:
        return ""
    lines = source.splitlines(keepends=True)
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    text = "".join(lines[start - 1:node.end_lineno])
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, str) and first.end_lineno is not None:
        a, b = first.lineno - start, first.end_lineno - start + 1
        kept = text.splitlines(keepends=True)
        text = "".join(kept[:a] + kept[b:])
    return text


def todo_sources(assignment: Assignment, files: dict[str, bytes]) -> dict[str, str]:
    """``{todo id: its code}`` of the laid-out submission ``files`` (missing ones: '')."""
    out = {}
    for t in assignment.manifest.todos:
        raw = files.get(t.file, b"")
        text = raw.decode("utf-8", "replace")
        # a target may name a class (its constructor is the TODO): then the id says which
        out[t.id] = function_code(text, t.target or t.id) or function_code(text, t.id)
    return out


@dataclass
class Settings:
    """copydetect's thresholds, in characters of normalized code: matches shorter than
    ``noise`` are ignored, matches of ``guarantee`` or more are always found."""

    noise: int = 25
    guarantee: int = 30

    @property
    def window(self) -> int:
        return max(1, self.guarantee - self.noise + 1)


@dataclass
class Fingerprints:
    """One student's TODO code and its fingerprints (one per TODO)."""

    codes: dict[str, str]
    prints: dict[str, Any] = field(default_factory=dict)

    @property
    def written(self) -> bool:
        """Whether any TODO has code of the student's own (beyond the starter's)."""
        return any(len(fp.hashes) for fp in self.prints.values())

    def coverage(self, todo: str) -> float:
        fp = self.prints.get(todo)
        return float(fp.token_coverage) if fp is not None else 0.0


def _fingerprint(code: str, cfg: Settings, boilerplate: Any) -> Any:
    from copydetect import CodeFingerprint

    return CodeFingerprint("todo.py", cfg.noise, cfg.window, boilerplate=boilerplate,
                           language="python", fp=io.StringIO(code))


class Boilerplate:
    """The starter's fingerprints per TODO (what nobody is credited or blamed for)."""

    def __init__(self, assignment: Assignment, cfg: Settings) -> None:
        starter = todo_sources(assignment, assignment.starter_files())
        self.hashes = {}
        for todo, code in starter.items():
            fp = _fingerprint(code, cfg, None) if code else None
            self.hashes[todo] = sorted(fp.hashes) if fp is not None else []


def fingerprints(codes: dict[str, str], boiler: Boilerplate, cfg: Settings) -> Fingerprints:
    """Fingerprints of one student's TODO code."""
    import numpy as np

    out = Fingerprints(codes=codes)
    for todo, code in codes.items():
        if code.strip():
            out.prints[todo] = _fingerprint(code, cfg, np.array(boiler.hashes.get(todo, []),
                                                                dtype=np.int64))
    return out


@dataclass
class TodoMatch:
    """How much of one TODO's code two students share, and where."""

    todo: str
    matched: int
    share_a: float
    share_b: float
    spans_a: list[tuple[int, int]]
    spans_b: list[tuple[int, int]]


@dataclass
class PairMatch:
    """Two students' TODO code compared."""

    a: str
    b: str
    similarity: float
    share_a: float
    share_b: float
    matched: int
    todos: list[TodoMatch]


def _spans(slices: Any) -> list[tuple[int, int]]:
    if len(slices) == 0 or len(slices[0]) == 0:
        return []
    return [(int(s), int(e)) for s, e in zip(slices[0], slices[1], strict=True)]


def compare(a: Fingerprints, b: Fingerprints, name_a: str, name_b: str) -> PairMatch:
    """Compare two students TODO by TODO; shares are over all their TODO code."""
    from copydetect import compare_files

    todos, matched_a, matched_b = [], 0.0, 0.0
    cover_a = sum(a.coverage(t) for t in a.prints)
    cover_b = sum(b.coverage(t) for t in b.prints)
    total = 0
    for todo in a.codes:
        fa, fb = a.prints.get(todo), b.prints.get(todo)
        if fa is None or fb is None or not fa.hashes or not fb.hashes:
            continue
        overlap, (sa, sb), (slices_a, slices_b) = compare_files(fa, fb)
        if not overlap:
            continue
        matched_a += sa * fa.token_coverage
        matched_b += sb * fb.token_coverage
        total += int(overlap)
        todos.append(TodoMatch(todo=todo, matched=int(overlap), share_a=round(float(sa), 4),
                               share_b=round(float(sb), 4), spans_a=_spans(slices_a),
                               spans_b=_spans(slices_b)))
    share_a = round(matched_a / cover_a, 4) if cover_a else 0.0
    share_b = round(matched_b / cover_b, 4) if cover_b else 0.0
    return PairMatch(a=name_a, b=name_b, similarity=max(share_a, share_b), share_a=share_a,
                     share_b=share_b, matched=total, todos=todos)


def ranked_pairs(students: dict[str, Fingerprints], limit: int) -> list[PairMatch]:
    """Every pair of students with some shared code, most similar first (at most
    ``limit``)."""
    pairs = []
    for x, y in itertools.combinations(sorted(students), 2):
        m = compare(students[x], students[y], x, y)
        if m.matched:
            pairs.append(m)
    pairs.sort(key=lambda m: (-m.similarity, -m.matched, m.a, m.b))
    return pairs[:limit]


class FingerprintCache:
    """Fingerprints by (submission id, assignment version): a stored submission's files
    never change. Bounded, thread-safe."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Fingerprints] = OrderedDict()
        self._boiler: dict[str, Boilerplate] = {}
        self._lock = threading.Lock()

    def boilerplate(self, key: str, assignment: Assignment, cfg: Settings) -> Boilerplate:
        with self._lock:
            hit = self._boiler.get(key)
        if hit is None:
            hit = Boilerplate(assignment, cfg)
            with self._lock:
                self._boiler[key] = hit
        return hit

    def get(self, key: tuple) -> Fingerprints | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple, value: Fingerprints) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
