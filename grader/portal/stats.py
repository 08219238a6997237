"""Class statistics of an assignment for the instructor's dashboard (pure).

Over each student's latest graded submission: per-TODO pass rates, a histogram of scores, and
the most common named mistakes, as a share of the failures of their TODO ("Adam: missing bias
correction, 37% of failures").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..report.models import GradeResult


@dataclass(frozen=True)
class TodoOutcome:
    """What the dashboard needs of one TODO of one result."""

    todo: str
    title: str
    status: str
    score: float
    max_score: float
    mistakes: tuple[tuple[str, str], ...]  # (id, name)


@dataclass(frozen=True)
class Outcome:
    """What the dashboard needs of one result."""

    status: str
    score: float
    max_score: float
    todos: tuple[TodoOutcome, ...]


def outcome_of(result: GradeResult) -> Outcome:
    """The dashboard's summary of ``result``."""
    return Outcome(status=result.status, score=result.score, max_score=result.max_score,
                   todos=tuple(TodoOutcome(t.id, t.title, t.status, t.score, t.max_score,
                                           tuple((m.id, m.name) for m in t.mistakes))
                               for t in result.todos))


@dataclass
class TodoRate:
    """Pass rate of one TODO."""

    todo: str
    title: str
    passed: int
    partial: int
    failed: int
    mean_fraction: float

    @property
    def total(self) -> int:
        return self.passed + self.partial + self.failed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass
class MistakeStat:
    """A named mistake and how many of its TODO's failures it explains."""

    todo: str
    todo_title: str
    mistake: str
    name: str
    count: int
    failures: int

    @property
    def share(self) -> float:
        return self.count / self.failures if self.failures else 0.0

    def sentence(self) -> str:
        """'Adam: missing bias correction, 37% of failures (3 of 8)'."""
        return (f"{self.todo_title}: {self.name}, {self.share:.0%} of failures "
                f"({self.count} of {self.failures})")


@dataclass
class ClassStats:
    """Everything the dashboard charts."""

    graded: int = 0
    failed_gradings: int = 0
    mean_score: float | None = None
    max_score: float = 0.0
    histogram: list[tuple[float, float, int]] = field(default_factory=list)  # lo, hi, n
    todos: list[TodoRate] = field(default_factory=list)
    mistakes: list[MistakeStat] = field(default_factory=list)


def class_stats(outcomes: list[Outcome], max_score: float, bins: int = 10) -> ClassStats:
    """Statistics over ``outcomes`` (one per student: their latest graded submission)."""
    out = ClassStats(max_score=max_score)
    graded = [o for o in outcomes if o.status == "graded"]
    out.graded = len(graded)
    out.failed_gradings = sum(o.status == "failed" for o in outcomes)
    scores = [o.score for o in graded]
    if scores:
        out.mean_score = round(sum(scores) / len(scores), 2)
    width = max_score / bins if max_score > 0 else 1.0
    counts = [0] * bins
    for sc in scores:
        counts[min(bins - 1, max(0, int(sc / width)))] += 1
    out.histogram = [(round(i * width, 4), round((i + 1) * width, 4), counts[i])
                     for i in range(bins)]
    order: list[str] = []
    titles: dict[str, str] = {}
    per: dict[str, list[TodoOutcome]] = {}
    for o in graded:
        for t in o.todos:
            if t.todo not in per:
                order.append(t.todo)
                titles[t.todo] = t.title
            per.setdefault(t.todo, []).append(t)
    for tid in order:
        ts = per[tid]
        passed = sum(t.status == "passed" for t in ts)
        partial = sum(t.status == "partial" for t in ts)
        frac = sum(t.score / t.max_score for t in ts if t.max_score) / len(ts)
        out.todos.append(TodoRate(tid, titles[tid], passed, partial, len(ts) - passed - partial,
                                  round(frac, 4)))
        failures = [t for t in ts if t.status != "passed"]
        named = Counter()
        names: dict[str, str] = {}
        for t in failures:
            for mid, name in set(t.mistakes):
                named[mid] += 1
                names[mid] = name
        for mid, n in named.items():
            out.mistakes.append(MistakeStat(tid, titles[tid], mid, names[mid], n,
                                            len(failures)))
    out.mistakes.sort(key=lambda m: (-m.count, -m.share, m.todo, m.mistake))
    return out
