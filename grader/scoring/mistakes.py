"""Naming a mistake: which registered wrong variant explains a TODO's failing outputs.

Real bugs come in combinations (no bias correction *and* ``t`` never incremented), so a
variant is not asked to match every output: for each failing case, only the outputs that are
wrong against the reference are compared with the variant's, and the variant's share of the
case is the fraction of those it reproduces. Over the TODO, a variant's share is the sum of
its case shares over the number of failing cases. The best variant is named when it explains
at least ``NAME_SHARE`` of the failing cases (one failing check in eleven matched by
coincidence is not a diagnosis), with how sure the grader is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..assignments.manifest import Check, Variant
from .compare import OutputCheck, evaluate

NAME_SHARE = 0.5
STRUCTURAL = frozenset({"none", "missing", "type", "unsupported"})
SURE_SHARE = 0.8


@dataclass
class CaseMatch:
    variant: Variant
    share: float  # of the case's failing outputs this variant reproduces


def case_matches(got: Any, failing: list[OutputCheck], check: Check, variants: list[Variant],
                 alternatives: dict[str, Any], tol: float, inputs: dict | None
                 ) -> list[CaseMatch]:
    """For one failing case: each wrong variant's share of its failing outputs."""
    labels = {f.path for f in failing}
    out = []
    for v in variants:
        alt = alternatives.get(v.id)
        if alt is None:
            continue
        # NaN where the variant has NaN (a sqrt of a negative) is the variant's mistake too
        res = evaluate(got, alt, check.compare, tol, kinds=("close", "exact"), inputs=inputs,
                       nan_equal=True)
        relevant = [r for r in res if r.path in labels]
        if not relevant:
            continue
        # an output that is missing or not even an array is no formula's mistake: a variant
        # that does not reproduce that explains nothing here (an untouched starter returns
        # None and an unchanged config, which "state not saved" would half explain)
        structural = {f.path for f in failing if f.status in STRUCTURAL}
        if any(not r.ok for r in relevant if r.path in structural):
            continue
        hit = sum(r.ok for r in relevant)
        if hit:
            out.append(CaseMatch(v, hit / len(relevant)))
    return out


def rank(per_case: list[list[CaseMatch]]) -> list[tuple[Variant, float, int]]:
    """``(variant, share of the failing cases, cases it explains fully or partly)``, best
    first, over a TODO's failing cases (``per_case``: one list per failing case)."""
    n = len(per_case)
    totals: dict[str, list[Any]] = {}
    for matches in per_case:
        for m in matches:
            entry = totals.setdefault(m.variant.id, [m.variant, 0.0, 0])
            entry[1] += m.share
            entry[2] += 1
    ranked = [(v, share / n if n else 0.0, count) for v, share, count in totals.values()]
    ranked.sort(key=lambda x: (-x[1], -x[2], x[0].id))
    return ranked


def sureness(share: float) -> str:
    return "very likely" if share >= SURE_SHARE else "probably"

