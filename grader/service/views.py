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
from ..scoring.penalties import extended, final_score
from ..scoring.score import for_students, hide_hidden_pictures
from ..store import grades
from ..store.assignments import policy_of
from ..store.extensions import as_policy, extension_of, extensions_by_user
from ..store.models import (
    Assignment,
    Course,
    Extension,
    Override,
    RegradeRequest,
    Submission,
    User,
    Validation,
)
from ..store.review import active_overrides, override_history, requests_of, todo_scores
from ..store.submissions import (
    current_grading,
    gradings_of,
    list_submissions,
    result_json,
)
from ..store.users import members
from .course_schemas import ExtensionOut, OverrideOut, RegradeRequestOut, ReviewOut
from .schemas import (
    AssignmentOut,
    GradingOut,
    RegradeLineOut,
    RegradeOut,
    SubmissionOut,
    SubmissionSummary,
    TodoOut,
    ValidationOut,
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


def penalty_of(sub: Submission, row: Assignment, ext: Extension | None = None) -> float:
    """The penalty (percent) ``sub`` carries under ``row`` 's current policy and the
    student's extension ``ext``."""
    return grades.penalty_of(sub, row, ext)


def summary(sub: Submission, row: Assignment, student: str, ext: Extension | None = None
            ) -> SubmissionSummary:
    """A line of a submissions listing (``ext``: the student's extension)."""
    penalty = penalty_of(sub, row, ext)
    return SubmissionSummary(
        id=sub.id, student=student, attempt=sub.attempt, status=sub.status,
        created_at=sub.created_at, graded_at=sub.graded_at,
        late_days=grades.lateness(sub, row, ext), penalty_percent=penalty, score=sub.score,
        max_score=sub.max_score,
        final_score=None if sub.score is None else final_score(sub.score, penalty))


def extension_out(s: Session, row: Assignment, ext: Extension) -> ExtensionOut:
    """An extension with the policy it gives its student."""
    policy = extended(policy_of(row), as_policy(ext))
    by = s.get(User, ext.granted_by) if ext.granted_by else None
    return ExtensionOut(student=ext.user.name, due_at=ext.due_at,
                        extra_late_days=ext.extra_late_days,
                        extra_submissions=ext.extra_submissions, reason=ext.reason,
                        granted_by=by.name if by else None, updated_at=ext.updated_at,
                        effective_due_at=policy.due_at,
                        late_days_accepted=policy.late_days_accepted,
                        max_submissions=policy.max_submissions)


def _name(s: Session, user_id: int | None) -> str | None:
    user = s.get(User, user_id) if user_id else None
    return user.name if user else None


def override_out(s: Session, o: Override, scores: dict[str, tuple[float, float]]
                 ) -> OverrideOut:
    """An override beside the grader's score of its TODO."""
    auto = scores.get(o.todo_id)
    return OverrideOut(todo=o.todo_id, score=o.score, grader_score=auto[0] if auto else None,
                       max_score=auto[1] if auto else None, comment=o.comment,
                       by=_name(s, o.created_by), created_at=o.created_at,
                       released_at=o.released_at, released_by=_name(s, o.released_by))


def request_out(s: Session, r: RegradeRequest, course: str | None = None,
                assignment: str | None = None) -> RegradeRequestOut:
    """A regrade request with its answer."""
    return RegradeRequestOut(
        id=r.id, submission_id=r.submission_id, course=course, assignment=assignment,
        student=_name(s, r.user_id) or "?", todo=r.todo_id, message=r.message,
        status=r.status, answer=r.answer,  # type: ignore[arg-type]
        answered_by=_name(s, r.answered_by), answered_at=r.answered_at,
        created_at=r.created_at)


def review_out(s: Session, sub: Submission, result: GradeResult | None, staff: bool
               ) -> ReviewOut:
    """The overrides and regrade requests of ``sub`` (released ones for staff only)."""
    scores = todo_scores(result) if result is not None else {}
    active = active_overrides(s, sub)
    released = [override_out(s, o, scores) for o in override_history(s, sub)
                if o.released_at is not None] if staff else []
    return ReviewOut(overrides=[override_out(s, o, scores) for o in active.values()],
                     released=released,
                     requests=[request_out(s, r) for r in requests_of(s, sub)])


def submission_out(s: Session, sub: Submission, row: Assignment, course: Course,
                   instructor: bool, staff: bool | None = None) -> SubmissionOut:
    """A submission with its result, extension and review, as the caller may see it
    (``staff``: instructors and TAs; default: ``instructor``)."""
    student = s.get(User, sub.user_id)
    assert student is not None
    ext = extension_of(s, row, student)
    line = summary(sub, row, student.name, ext)
    counted = grades.counted_submission(s, row, student.id)
    history = None
    if instructor:
        history = [GradingOut(id=g.id, status=g.status, score=g.score, max_score=g.max_score,
                              grader_version=g.grader_version, sandbox=g.sandbox,
                              created_at=g.created_at) for g in gradings_of(s, sub)]
    result = result_for(s, sub, row, instructor)
    g = current_grading(s, sub)
    return SubmissionOut(
        id=sub.id, course=course.slug, assignment=row.slug, student=student.name,
        attempt=sub.attempt, status=sub.status, created_at=sub.created_at,
        graded_at=sub.graded_at, files=json.loads(sub.filenames), late_days=line.late_days,
        penalty_percent=line.penalty_percent, score=sub.score, max_score=sub.max_score,
        final_score=line.final_score, auto_score=g.score if g else None,
        counted=counted is not None and counted.id == sub.id,
        extension=extension_out(s, row, ext) if ext else None,
        review=review_out(s, sub, result, instructor if staff is None else staff),
        result=result, history=history)


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
        submission_policy=row.submission_policy or "latest",  # type: ignore[arg-type]
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
    exts = extensions_by_user(s, row)
    counted = {x.id for _, x in grades.counted_per_student(s, row)
               if user is None or x.user_id == user.id}
    out = [summary(x, row, names[x.user_id], exts.get(x.user_id)) for x in subs]
    for line in out:
        line.counted = line.id in counted
    return out


def gradebook(s: Session, course: Course, row: Assignment) -> list[GradebookRow]:
    """One line per student of ``course`` (and anyone else who submitted): the counted
    submission to ``row`` (its ``submission_policy``), penalties applied; students without
    a submission are 'missing'."""
    latest = {u.name: sub for u, sub in grades.counted_per_student(s, row)}
    students = {e.user.name for e in members(s, course) if e.role == "student"}
    exts = {e.user.name: e for e in extensions_by_user(s, row).values()}
    lines = []
    for name in sorted(students | set(latest)):
        sub = latest.get(name)
        ext = exts.get(name)
        if sub is None:
            lines.append(GradebookRow(student=name, extension=describe_extension(ext)))
            continue
        penalty = penalty_of(sub, row, ext)
        g = current_grading(s, sub)
        overridden = sorted(active_overrides(s, sub))
        lines.append(GradebookRow(
            student=name, submission_id=sub.id, attempt=sub.attempt,
            submitted_at=sub.created_at, status=sub.status,
            late_days=grades.lateness(sub, row, ext), score=sub.score,
            max_score=sub.max_score or row.max_score, penalty_percent=penalty,
            final_score=None if sub.score is None else final_score(sub.score, penalty),
            grader_version=g.grader_version if g else None,
            extension=describe_extension(ext), overrides=" ".join(overridden)))
    return lines


def validation_out(row: Validation, course: Course, assignment: AssignmentOut | None
                   ) -> ValidationOut:
    """A bundle validation as its course's instructors see it."""
    status = row.outcome if row.status == "done" and row.outcome else row.status
    return ValidationOut(
        id=row.id, course=course.slug, slug=row.slug, title=row.title, replace=row.replace,
        status=status, stage=row.stage, build_log=row.log.splitlines() if row.log else [],
        check_report=row.report or None, detail=row.detail or None, attempts=row.attempts,
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
        assignment=assignment, url=f"/api/v1/validations/{row.id}")


def describe_extension(ext: Extension | None) -> str:
    """An extension in a few words (gradebook column): ``due 2030-01-31T23:59:00+00:00;
    2 extra late day(s); 1 extra submission(s)``."""
    if ext is None:
        return ""
    parts = []
    if ext.due_at is not None:
        parts.append(f"due {ext.due_at.isoformat()}")
    if ext.extra_late_days:
        parts.append(f"{ext.extra_late_days} extra late day(s)")
    if ext.extra_submissions:
        parts.append(f"{ext.extra_submissions} extra submission(s)")
    return "; ".join(parts)
