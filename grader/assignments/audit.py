"""The leak audit: no input the sandbox receives gives another check's expected output away.

Every child receives only the inputs of its own case, when it runs it; but the student's code
can keep what it saw (a file, shared memory created at import time), so an input that equals
(or is a close transform of: transposed, reshaped, negated, permuted) the expected output of
another case could be kept by one child and used to answer the other case. The audit finds
every such shared value, between the reference's expected outputs and all case inputs, and:

- a **hidden** case's expected output may appear in no other case's inputs, ever (what is
  kept could leave the sandbox through a visible check's outputs in a later submission);
- a **visible** case's expected output (shown to the student anyway) may appear in the
  inputs of cases that run *after* it: the notebook replays of seed 003 feed each cell the
  state the reference reached in the one before. ``order_checks`` puts producers first; the
  fixtures record that order and the engine keeps it.

Arrays of fewer than ``MIN_ELEMENTS`` elements, constant arrays and arrays of small integers
are too common to mean anything and are left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from .loader import Assignment

MIN_ELEMENTS = 4


@dataclass
class SharedValue:
    """``producer``'s expected output at ``out_path`` appears in ``consumer``'s inputs."""

    producer: str  # case key "todo/check#i"
    out_path: str
    consumer: str
    in_path: str
    producer_visible: bool

    def group(self, key: str) -> str:
        return key.rpartition("#")[0]

    def allowed(self, order: list[str]) -> bool:
        if not self.producer_visible:
            return False
        p, c = self.group(self.producer), self.group(self.consumer)
        if p == c:
            return int(self.producer.rpartition("#")[2]) < int(self.consumer.rpartition("#")[2])
        return p in order and c in order and order.index(p) < order.index(c)

    def describe(self) -> str:
        kind = "visible" if self.producer_visible else "HIDDEN"
        return (f"  the expected {self.out_path} of {self.producer} ({kind}) is in the inputs "
                f"of {self.consumer} ({self.in_path})")

    def as_dict(self) -> dict[str, Any]:
        return {"producer": self.producer, "out_path": self.out_path,
                "consumer": self.consumer, "in_path": self.in_path,
                "producer_visible": self.producer_visible}


def _leaves(value: Any, path: str = "") -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                         for v in value):
            out.append((path, np.asarray(value, dtype=np.float64)))
        else:
            for i, v in enumerate(value):
                out += _leaves(v, f"{path}[{i}]")
    elif isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        out.append((path, value))
    return out


def fingerprint(arr: np.ndarray) -> str | None:
    """A key equal for an array and its transposes, reshapes, permutations and negation
    (None for arrays too small or too plain to mean anything)."""
    a = np.asarray(arr, dtype=np.float64).reshape(-1)
    if a.size < MIN_ELEMENTS or not np.all(np.isfinite(a)):
        return None
    if np.ptp(a) == 0:
        return None
    if np.all(a == np.round(a)) and np.max(np.abs(a)) < 1000:
        return None
    vals = np.sort(np.abs(a))
    text = ",".join(f"{v:.6e}" for v in vals.tolist())
    return hashlib.sha1(text.encode()).hexdigest()


def audit_leaks(assignment: Assignment, cases: dict[str, list[dict]], expected: dict[str, Any],
                answers: dict[str, list] | None = None) -> list[SharedValue]:
    """Every shared value (see the module docstring). ``answers``: per case, the block calls
    the reference's run answered (what the oracle sent into the sandbox counts as input)."""
    visible = {f"{t.id}/{c.id}": c.visibility == "visible"
               for t in assignment.manifest.todos for c in t.checks}
    own_inputs: dict[str, set[str]] = {}
    for group, lst in cases.items():
        for i, case in enumerate(lst):
            own_inputs[f"{group}#{i}"] = {fp for _, arr in _leaves(case["inputs"])
                                          if (fp := fingerprint(arr)) is not None}
    produced: dict[str, list[tuple[str, str]]] = {}
    for key, outputs in expected.items():
        for path, arr in _leaves(outputs):
            fp = fingerprint(arr)
            # an output that repeats the case's own input (dw after the call) is no secret
            if fp is not None and fp not in own_inputs.get(key, set()):
                produced.setdefault(fp, []).append((key, path))
    found: list[SharedValue] = []
    seen = set()
    for group, lst in cases.items():
        for i, case in enumerate(lst):
            consumer = f"{group}#{i}"
            received = _leaves(case["inputs"])
            for k, (request, answer) in enumerate((answers or {}).get(consumer) or []):
                name = request.get("block", "?") if isinstance(request, dict) else "?"
                received += _leaves(answer.get("value") if isinstance(answer, dict) else None,
                                    f"answer {k} of {name}")
            for in_path, arr in received:
                fp = fingerprint(arr)
                for producer, out_path in produced.get(fp or "", []):
                    if producer == consumer:
                        continue
                    item = (producer, out_path, consumer, in_path)
                    if item in seen:
                        continue
                    seen.add(item)
                    found.append(SharedValue(producer, out_path, consumer, in_path,
                                             visible.get(producer.rpartition("#")[0], False)))
    return found


def order_checks(assignment: Assignment, shared: list[SharedValue]) -> list[str]:
    """The order of the ``todo/check`` groups: the engine's default (TODO by TODO, blocks
    before composites, visible checks first in each), changed only where a visible producer
    must run before a consumer."""
    from ..engine import plan

    m = assignment.manifest
    dummy = {f"{t.id}/{c.id}": [{}] for t in m.todos for c in t.checks}
    default = [f"{pc.todo.id}/{pc.check.id}" for pc in plan(m, dummy)]
    before: dict[str, set[str]] = {g: set() for g in default}
    for s in shared:
        p, c = s.group(s.producer), s.group(s.consumer)
        if s.producer_visible and p != c:
            before[c].add(p)
    order: list[str] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(g: str) -> None:
        if g in placed or g in visiting:
            return  # a cycle: left as it is; the audit reports what stays unordered
        visiting.add(g)
        for p in sorted(before[g], key=default.index):
            place(p)
        visiting.discard(g)
        placed.add(g)
        order.append(g)

    for g in default:
        place(g)
    return order
