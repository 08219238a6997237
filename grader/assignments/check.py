"""``grader check``: an assignment is publishable only if its grading is sound.

Validated, through the real sandbox and the real scorer:

1. the reference scores 100%;
2. the untouched starter scores 0 on every TODO;
3. every ``wrong`` variant loses points on its own TODO, only there, and is named in the
   feedback; every ``accepted`` variant scores 100%;
4. every equivalent rewrite (generated for composite TODOs, or listed in the manifest; see
   ``rewrites.py``) scores 100%;
5. no input the sandbox receives gives a hidden check's expected output away, and every
   visible one that is reused runs first (``audit.py``; recorded when the fixtures were
   built).
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
from .rewrites import generated, listed
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

    for rw in generated(assignment) + listed(assignment):
        res = _grade_files(assignment, rw.files, sandbox, settings, fixtures)
        short = [f"{t.id} {t.score:g}/{t.max_score:g}: {t.feedback[:160]}" for t in res.todos
                 if t.score < t.max_score]
        report.add(res.score == m.max_score and res.status == "graded",
                   f"equivalent rewrite {rw.id} ({rw.description}) scores {res.score:g} / "
                   f"{m.max_score:g}" + (f" (short on: {'; '.join(short)})" if short else ""))

    shared = fixtures.info.get("shared_values") or []
    hidden = [v for v in shared if not v.get("producer_visible")]
    order = fixtures.order or []

    def before(v: dict) -> bool:
        p, c = v["producer"].rpartition("#")[0], v["consumer"].rpartition("#")[0]
        return p == c or (p in order and c in order and order.index(p) < order.index(c))

    late = [v for v in shared if v.get("producer_visible") and not before(v)]
    report.add(not hidden and not late,
               "no input gives another check's expected output away"
               + (f" ({len(shared)} visible value(s) reused by checks that run after them)"
                  if shared else "")
               if not hidden and not late else
               "inputs give expected outputs away: " + "; ".join(
                   f"{v['producer']} {v['out_path']} in {v['consumer']} {v['in_path']}"
                   for v in (hidden + late)[:5]))
    return report
