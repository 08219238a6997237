"""Manual review: TA overrides of a TODO's score, and students' regrade requests.

An override replaces one TODO's score of one submission, with a comment the student reads
beside both scores. It is kept across regrades (the new grading's TODO score is replaced
again) until a TA releases it. ``Submission.score`` is the score with the active overrides
applied (``with_overrides``, called whenever a grading or an override changes); the stored
gradings keep the grader's own scores.

A student files a regrade request on one TODO of their graded submission with a message;
staff answer it (and may set an override in the same step). One open request per TODO.
Everything here is written to the audit trail.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..report.models import GradeResult
from . import audit
from .errors import Conflict, Forbidden, Invalid, NotFound
from .models import (
    Assignment,
    Grading,
    Override,
    RegradeRequest,
    Submission,
    User,
    in_id_range,
    utcnow,
)
from .submissions import current_grading, result_json

MAX_TEXT = 4000


def active_overrides(s: Session, sub: Submission) -> dict[str, Override]:
    """The active override of each TODO of ``sub``."""
    rows = s.scalars(select(Override).where(Override.submission_id == sub.id,
                                            Override.released_at.is_(None))
                     .order_by(Override.id))
    return {o.todo_id: o for o in rows}


def override_history(s: Session, sub: Submission) -> list[Override]:
    """Every override of ``sub``, released ones included, oldest first."""
    return list(s.scalars(select(Override).where(Override.submission_id == sub.id)
                          .order_by(Override.id)))


def todo_scores(result: GradeResult) -> dict[str, tuple[float, float]]:
    """``{todo id: (score, max score)}`` of a result."""
    return {t.id: (t.score, t.max_score) for t in result.todos}


def with_overrides(s: Session, sub: Submission, grading: Grading | None = None) -> None:
    """Set ``sub.score`` to its current grading's score with the active overrides applied
    (an override of a TODO that the grading does not have is kept but not counted)."""
    g = grading or current_grading(s, sub)
    if g is None:
        return
    overrides = active_overrides(s, sub)
    if not overrides or g.status != "graded":
        sub.score = g.score
        return
    scores = todo_scores(GradeResult.model_validate_json(result_json(s, g)))
    total = g.score
    for todo, o in overrides.items():
        if todo in scores:
            total += o.score - scores[todo][0]
    sub.score = round(max(0.0, total), 4)
    s.flush()


def _graded_result(s: Session, sub: Submission) -> GradeResult:
    g = current_grading(s, sub)
    if g is None or g.status != "graded":
        raise Conflict(f"submission {sub.id} is {sub.status}; a TODO can be reviewed once "
                       "it is graded")
    return GradeResult.model_validate_json(result_json(s, g))


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid(f"the {what} is empty: say why")
    if len(value) > MAX_TEXT:
        raise Invalid(f"the {what} is longer than {MAX_TEXT} characters")
    return value


def _todo(result: GradeResult, sub: Submission, todo_id: str) -> tuple[float, float]:
    scores = todo_scores(result)
    if todo_id not in scores:
        known = ", ".join(scores) or "none"
        raise NotFound(f"submission {sub.id} has no TODO {todo_id[:80]!r} (its TODOs: "
                       f"{known})")
    return scores[todo_id]


def set_override(s: Session, row: Assignment, sub: Submission, todo_id: str, score: float,
                 comment: str, actor: User) -> Override:
    """Give TODO ``todo_id`` of ``sub`` the score ``score`` (replacing an active override).

    Raises:
        Conflict: not graded. NotFound: no such TODO. Invalid: score out of range, no
            comment.
    """
    result = _graded_result(s, sub)
    auto, top = _todo(result, sub, todo_id)
    if not 0 <= score <= top:
        raise Invalid(f"the score of {todo_id} must be between 0 and {top:g}; got {score:g}")
    comment = _text(comment, "comment")
    old = active_overrides(s, sub).get(todo_id)
    now = utcnow()
    if old is not None:
        old.released_at, old.released_by = now, actor.id
    o = Override(submission_id=sub.id, todo_id=todo_id, score=float(score), comment=comment,
                 created_by=actor.id, created_at=now)
    s.add(o)
    s.flush()
    before = sub.score
    with_overrides(s, sub)
    audit.record(s, row.course_id, "override.set", actor, assignment_id=row.id,
                 subject_id=sub.user_id, submission_id=sub.id, todo=todo_id,
                 grader_score=auto, score=float(score), replaced=old.score if old else None,
                 comment=comment, submission_score_before=before,
                 submission_score_after=sub.score)
    return o


def release_override(s: Session, row: Assignment, sub: Submission, todo_id: str,
                     actor: User) -> Override:
    """Release the active override of ``todo_id``: the grader's score counts again.

    Raises:
        NotFound: no active override of that TODO.
    """
    o = active_overrides(s, sub).get(todo_id)
    if o is None:
        raise NotFound(f"TODO {todo_id[:80]!r} of submission {sub.id} has no override to "
                       "release")
    o.released_at, o.released_by = utcnow(), actor.id
    s.flush()
    before = sub.score
    with_overrides(s, sub)
    audit.record(s, row.course_id, "override.release", actor, assignment_id=row.id,
                 subject_id=sub.user_id, submission_id=sub.id, todo=todo_id,
                 released_score=o.score, submission_score_before=before,
                 submission_score_after=sub.score)
    return o


def requests_of(s: Session, sub: Submission) -> list[RegradeRequest]:
    """The regrade requests of ``sub``, oldest first."""
    return list(s.scalars(select(RegradeRequest).where(RegradeRequest.submission_id == sub.id)
                          .order_by(RegradeRequest.id)))


def open_request(s: Session, row: Assignment, sub: Submission, todo_id: str, message: str,
                 user: User) -> RegradeRequest:
    """A student asks for TODO ``todo_id`` of their submission to be looked at again.

    Raises:
        Forbidden: not the submission's owner. Conflict: not graded, or a request on that
            TODO is already open. NotFound: no such TODO. Invalid: no message.
    """
    if sub.user_id != user.id:
        raise Forbidden("only the student who submitted can ask for a regrade of it")
    result = _graded_result(s, sub)
    _todo(result, sub, todo_id)
    message = _text(message, "message")
    for r in requests_of(s, sub):
        if r.todo_id == todo_id and r.status == "open":
            raise Conflict(f"you already have an open regrade request on {todo_id} "
                           f"(request {r.id}); wait for its answer")
    req = RegradeRequest(submission_id=sub.id, todo_id=todo_id, user_id=user.id,
                         message=message, status="open", created_at=utcnow())
    s.add(req)
    s.flush()
    audit.record(s, row.course_id, "regrade_request.open", user, assignment_id=row.id,
                 subject_id=user.id, submission_id=sub.id, todo=todo_id, request=req.id,
                 message=message)
    return req


def get_request(s: Session, request_id: int) -> RegradeRequest:
    """Regrade request ``request_id``.

    Raises:
        NotFound: no such request.
    """
    req = s.get(RegradeRequest, request_id) if in_id_range(request_id) else None
    if req is None:
        raise NotFound(f"no regrade request {request_id}")
    return req


def answer_request(s: Session, row: Assignment, sub: Submission, req: RegradeRequest,
                   answer: str, actor: User, score: float | None = None) -> RegradeRequest:
    """Answer a request; with ``score``, also override the TODO (the answer is the
    override's comment).

    Raises:
        Conflict: already answered. Invalid: no answer, score out of range.
    """
    if req.status != "open":
        raise Conflict(f"regrade request {req.id} was already answered")
    answer = _text(answer, "answer")
    if score is not None:
        set_override(s, row, sub, req.todo_id, score, answer, actor)
    req.status, req.answer, req.answered_by, req.answered_at = (
        "answered", answer, actor.id, utcnow())
    s.flush()
    audit.record(s, row.course_id, "regrade_request.answer", actor, assignment_id=row.id,
                 subject_id=sub.user_id, submission_id=sub.id, todo=req.todo_id,
                 request=req.id, answer=answer, score=score)
    return req


def course_requests(s: Session, assignment_ids: list[int], status: str | None
                    ) -> list[tuple[RegradeRequest, Submission]]:
    """Regrade requests on submissions to these assignments (``status`` only, if given),
    oldest first."""
    q = (select(RegradeRequest, Submission)
         .join(Submission, Submission.id == RegradeRequest.submission_id)
         .where(Submission.assignment_id.in_(assignment_ids)))
    if status:
        q = q.where(RegradeRequest.status == status)
    return [(r, sub) for r, sub in s.execute(q.order_by(RegradeRequest.id))]
