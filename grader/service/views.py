"""Shaping stored rows into API responses, as the caller may see them.

Students get ``for_students`` of the stored (instructor) result until the instructor releases
hidden checks' details; after that they see those details too, but never tracebacks of the
grader itself.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..assignments.loader import Assignment as LoadedAssignment
from ..report.gradebook import GradebookRow
from ..report.models import GradeResult
from ..scoring.penalties import final_score, penalty_percent
from ..scoring.score import for_students, hide_hidden_pictures
from ..store.assignments import policy_of
from ..store.models import Assignment, Course, Submission, User
from ..store.submissions import (
    current_grading,
    gradings_of,
    latest_per_student,
    list_submissions,
    result_json,
)
from ..store.users import members
from .schemas import (
    AssignmentOut,
    GradingOut,
    RegradeLineOut,
    RegradeOut,
    SubmissionOut,
    SubmissionSummary,
    TodoOut,
)


def student_view(result: GradeResult, released: bool) -> GradeResult:
    """What a student may see of ``result``."""
    if not released:
        return for_students(result)
    r = result.model_copy(deep=True)
    r.audience = "student"
    for t in r.todos:
        for c in t.checks:
            c.internal = None
    hide_hidden_pictures(r)
    if r.status == "failed" and r.failure:
        r.failure = "grading failed; your instructor has the details"
    return r


def result_for(s: Session, sub: Submission, row: Assignment, instructor: bool
               ) -> GradeResult | None:
    """The current result of ``sub`` as the caller may see it (None before grading)."""
    g = current_grading(s, sub)
    if g is None:
        return None
    result = GradeResult.model_validate_json(result_json(s, g))
    return result if instructor else student_view(result, row.hidden_released)


def penalty_of(sub: Submission, row: Assignment) -> float:
    """The penalty (percent) ``sub`` carries under ``row`` 's current policy."""
    return penalty_percent(policy_of(row), sub.late_days, sub.attempt)


def summary(sub: Submission, row: Assignment, student: str) -> SubmissionSummary:
    """A line of a submissions listing."""
    penalty = penalty_of(sub, row)
    return SubmissionSummary(
        id=sub.id, student=student, attempt=sub.attempt, status=sub.status,
        created_at=sub.created_at, graded_at=sub.graded_at, late_days=sub.late_days,
        penalty_percent=penalty, score=sub.score, max_score=sub.max_score,
        final_score=None if sub.score is None else final_score(sub.score, penalty))


def submission_out(s: Session, sub: Submission, row: Assignment, course: Course,
                   instructor: bool) -> SubmissionOut:
    """A submission with its result, as the caller may see it."""
    student = s.get(User, sub.user_id)
    assert student is not None
    line = summary(sub, row, student.name)
    history = None
    if instructor:
        history = [GradingOut(id=g.id, status=g.status, score=g.score, max_score=g.max_score,
                              grader_version=g.grader_version, sandbox=g.sandbox,
                              created_at=g.created_at) for g in gradings_of(s, sub)]
    return SubmissionOut(
        id=sub.id, course=course.slug, assignment=row.slug, student=student.name,
        attempt=sub.attempt, status=sub.status, created_at=sub.created_at,
        graded_at=sub.graded_at, files=json.loads(sub.filenames), late_days=sub.late_days,
        penalty_percent=line.penalty_percent, score=sub.score, max_score=sub.max_score,
        final_score=line.final_score, result=result_for(s, sub, row, instructor),
        history=history)


def assignment_out(row: Assignment, loaded: LoadedAssignment | None, instructor: bool
                   ) -> AssignmentOut:
    """An assignment with its policy (and its TODOs when the files are at hand)."""
    m = loaded.manifest if loaded else None
    return AssignmentOut(
        slug=row.slug, title=row.title, source=row.source, max_score=row.max_score,  # type: ignore[arg-type]
        published=row.published, due_at=row.due_at,
        late_percent_per_day=row.late_percent_per_day, late_cap_percent=row.late_cap_percent,
        late_days_accepted=row.late_days_accepted, max_submissions=row.max_submissions,
        resubmission_penalty_percent=row.resubmission_penalty_percent,
        hidden_released=row.hidden_released,
        submission_files=list(m.submission_files) if m else [],
        accepts_notebooks=bool(m and m.notebook_module),
        todos=[TodoOut(id=t.id, title=t.title, file=t.file, points=t.points)
               for t in (m.todos if m else [])],
        check_report=row.check_report if instructor else None)


def regrade_out(batch_id: int, assignment: str, dry_run: bool, committed: bool,
                lines: list, queued: int | None = None) -> RegradeOut:
    """A regrade batch and its per-submission score changes."""
    done = all(line.status == "done" for line in lines)
    return RegradeOut(
        id=batch_id, assignment=assignment, dry_run=dry_run, queued=queued,
        status="committed" if committed else ("done" if done else "running"),
        changes=sum(1 for line in lines if line.changed),
        lines=[RegradeLineOut(submission_id=x.submission_id, student=x.student,
                              status=x.status, old_score=x.old_score, new_score=x.new_score,
                              max_score=x.max_score, changed=x.changed,
                              grader_version=x.grader_version) for x in lines])


def submission_lines(s: Session, row: Assignment, user: User | None
                     ) -> list[SubmissionSummary]:
    """The submissions to ``row`` (``user`` 's only, if given), oldest first."""
    subs = list_submissions(s, row, user)
    names = {u.id: u.name for u in s.scalars(
        select(User).where(User.id.in_({x.user_id for x in subs})))}
    return [summary(x, row, names[x.user_id]) for x in subs]


def gradebook(s: Session, course: Course, row: Assignment) -> list[GradebookRow]:
    """One line per student of ``course`` (and anyone else who submitted): the latest
    submission to ``row``, penalties applied; students without a submission are 'missing'."""
    latest = {u.name: sub for u, sub in latest_per_student(s, row)}
    students = {e.user.name for e in members(s, course) if e.role == "student"}
    lines = []
    for name in sorted(students | set(latest)):
        sub = latest.get(name)
        if sub is None:
            lines.append(GradebookRow(student=name))
            continue
        penalty = penalty_of(sub, row)
        g = current_grading(s, sub)
        lines.append(GradebookRow(
            student=name, submission_id=sub.id, attempt=sub.attempt,
            submitted_at=sub.created_at, status=sub.status, late_days=sub.late_days,
            score=sub.score, max_score=sub.max_score or row.max_score, penalty_percent=penalty,
            final_score=None if sub.score is None else final_score(sub.score, penalty),
            grader_version=g.grader_version if g else None))
    return lines
