"""Grading an assignment's reference, starter and every registered variant once per module."""

from __future__ import annotations

from grader.assignments.loader import Assignment
from grader.assignments.variants import variant_files
from grader.engine import grade
from grader.report.models import GradeResult
from grader.submission import Submission


def grade_files(assignment: Assignment, files: dict[str, bytes], sandbox, settings
                ) -> GradeResult:
    return grade(assignment, Submission(files=files), sandbox, settings)


def grade_all(assignment: Assignment, sandbox, settings) -> dict[str, GradeResult]:
    """``reference``, ``starter`` and each variant id -> its result."""
    out = {"reference": grade_files(assignment, assignment.reference_files(), sandbox,
                                    settings),
           "starter": grade_files(assignment, assignment.starter_files(), sandbox, settings)}
    for v in assignment.manifest.variants:
        out[v.id] = grade_files(assignment, variant_files(assignment, v), sandbox, settings)
    return out


def wrong_variants(assignment: Assignment) -> list[str]:
    return [v.id for v in assignment.manifest.variants if v.kind == "wrong"]


def accepted_variants(assignment: Assignment) -> list[str]:
    return [v.id for v in assignment.manifest.variants if v.kind == "accepted"]


def assert_full_marks(result: GradeResult) -> None:
    assert result.status == "graded", result.failure
    short = {t.id: t.feedback for t in result.todos if t.score < t.max_score}
    assert result.score == result.max_score and not short, short


def assert_zero_everywhere(result: GradeResult) -> None:
    assert result.status == "graded", result.failure
    earned = {t.id: t.score for t in result.todos if t.score > 0}
    assert result.score == 0 and not earned, earned


def assert_caught(assignment: Assignment, result: GradeResult, variant_id: str) -> None:
    """The variant loses points on its own TODO only, and the feedback names the mistake."""
    variant = next(v for v in assignment.manifest.variants if v.id == variant_id)
    hit = next(t for t in result.todos if t.id == variant.todo)
    assert hit.score < hit.max_score, (variant_id, hit.feedback)
    assert [m.id for m in hit.mistakes][:1] == [variant.id], (variant_id, hit.mistakes)
    assert variant.mistake in hit.feedback and (variant.hint or "") in hit.feedback
    others = {t.id: t.feedback for t in result.todos
              if t.id != variant.todo and t.score < t.max_score}
    assert not others, others
