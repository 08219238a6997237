"""``grader check``: an assignment is publishable only if its grading is sound.

Validated, through the real sandbox and the real scorer:

1. the reference scores 100%;
2. the untouched starter scores 0 on every TODO;
3. every ``wrong`` variant loses points on its own TODO, only there, and is named in the
   feedback; every ``accepted`` variant scores 100%.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..engine import grade
from ..report.models import GradeResult
from ..sandbox.base import Sandbox
from ..submission import Submission
from .fixtures import Fixtures, load_fixtures
from .loader import Assignment
from .variants import variant_files


@dataclass
class CheckReport:
    """Outcome of ``grader check``: one line per validation, and whether all passed."""

    lines: list[tuple[bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for ok, _ in self.lines)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))

    def render(self) -> str:
        out = [f"{'PASS' if ok else 'FAIL'}  {text}" for ok, text in self.lines]
        out.append(f"\n{'assignment OK' if self.ok else 'assignment NOT OK'}: "
                   f"{sum(ok for ok, _ in self.lines)} of {len(self.lines)} validations passed")
        return "\n".join(out)


def _grade_files(assignment: Assignment, files: dict[str, bytes], sandbox: Sandbox,
                 settings: Settings, fixtures: Fixtures) -> GradeResult:
    return grade(assignment, Submission(files=files), sandbox, settings, fixtures=fixtures)


def check_assignment(assignment: Assignment, sandbox: Sandbox, settings: Settings,
                     log: object = None) -> CheckReport:
    """Run every validation of the module docstring."""
    report = CheckReport()
    fixtures = load_fixtures(assignment)
    m = assignment.manifest

    ref = _grade_files(assignment, assignment.reference_files(), sandbox, settings, fixtures)
    bad = [t for t in ref.todos if t.score < t.max_score]
    report.add(ref.status == "graded" and ref.score == m.max_score,
               f"reference scores {ref.score:g} / {m.max_score:g}"
               + (f" (short on: {', '.join(f'{t.id}: {t.feedback}' for t in bad)})" if bad else
                  "") + (f" ({ref.failure})" if ref.failure else ""))

    starter = _grade_files(assignment, assignment.starter_files(), sandbox, settings, fixtures)
    nonzero = [t for t in starter.todos if t.score > 0]
    report.add(starter.status == "graded" and not nonzero,
               "untouched starter scores 0 on every TODO" if not nonzero else
               "starter earns points on: " + ", ".join(f"{t.id} ({t.score:g})" for t in nonzero))

    for v in m.variants:
        res = _grade_files(assignment, variant_files(assignment, v), sandbox, settings, fixtures)
        todo = next(t for t in res.todos if t.id == v.todo)
        others = [t for t in res.todos if t.id != v.todo and t.score < t.max_score]
        if v.kind == "accepted":
            report.add(res.score == m.max_score,
                       f"accepted variant {v.id} ({v.mistake}) scores {res.score:g} / "
                       f"{m.max_score:g}")
            continue
        named = any(mm.id == v.id for mm in todo.mistakes)
        ok = todo.score < todo.max_score and not others and named
        text = (f"wrong variant {v.id}: {v.todo} {todo.score:g} / {todo.max_score:g}, "
                f"{'named' if named else 'NOT named'} in the feedback")
        if others:
            text += f"; also lost points on {', '.join(t.id for t in others)}"
        report.add(ok, text)
    return report
