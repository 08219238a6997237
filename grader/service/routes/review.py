"""Manual review: TA overrides of a TODO's score, regrade requests and their answers."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from ...store import review as review_rows
from ...store.assignments import list_assignments
from ...store.lti import queue_score
from ..access import course_seen, submission_seen
from ..course_schemas import (
    AnswerIn,
    OverrideIn,
    OverrideOut,
    RegradeRequestIn,
    RegradeRequestOut,
    ReviewOut,
)
from ..deps import Caller, Svc
from ..problems import problems
from ..views import override_out, request_out, result_for, review_out

router = APIRouter(prefix="/api/v1", tags=["review"])


@router.get("/submissions/{submission_id}/review")
def get_review(submission_id: int, user: Caller, svc: Svc) -> ReviewOut:
    """The submission's overrides (with comments and both scores) and regrade requests."""
    with svc.store.read() as s:
        seen = submission_seen(s, submission_id, user)
        assert seen.submission is not None and seen.assignment is not None
        result = result_for(s, seen.submission, seen.assignment, True)
        return review_out(s, seen.submission, result, seen.staff)


@router.put("/submissions/{submission_id}/overrides/{todo}", responses=problems(
    (409, "not graded yet", "submission 12 is queued; a TODO can be reviewed once it is "
     "graded"),
    (422, "score out of range", "the score of adam must be between 0 and 13; got 14")))
def set_override(submission_id: int, todo: str, body: OverrideIn, user: Caller, svc: Svc
                 ) -> OverrideOut:
    """Give one TODO a score of your own with a comment (instructors and TAs). It holds
    across regrades until released; the student sees the comment and both scores."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, user, staff=True)
        assert seen.submission is not None and seen.assignment is not None
        o = review_rows.set_override(s, seen.assignment, seen.submission, todo, body.score,
                                     body.comment, user)
        queue_score(s, seen.submission, "override")
        result = result_for(s, seen.submission, seen.assignment, True)
        return override_out(s, o, review_rows.todo_scores(result) if result else {})


@router.delete("/submissions/{submission_id}/overrides/{todo}", status_code=204)
def release_override(submission_id: int, todo: str, user: Caller, svc: Svc) -> Response:
    """Release an override: the grader's score of the TODO counts again."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, user, staff=True)
        assert seen.submission is not None and seen.assignment is not None
        review_rows.release_override(s, seen.assignment, seen.submission, todo, user)
        queue_score(s, seen.submission, "override released")
    return Response(status_code=204)


@router.post("/submissions/{submission_id}/regrade-requests", status_code=201,
             responses=problems(
                 (403, "not the student", "only the student who submitted can ask for a "
                  "regrade of it"),
                 (409, "already asked", "you already have an open regrade request on adam "
                  "(request 5); wait for its answer")))
def file_request(submission_id: int, body: RegradeRequestIn, user: Caller, svc: Svc
                 ) -> RegradeRequestOut:
    """Ask for one TODO of your graded submission to be looked at again (its student)."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, user)
        assert seen.submission is not None and seen.assignment is not None
        req = review_rows.open_request(s, seen.assignment, seen.submission, body.todo,
                                       body.message, user)
        return request_out(s, req, seen.course.slug, seen.assignment.slug)


@router.get("/courses/{course}/regrade-requests")
def list_requests(course: str, user: Caller, svc: Svc,
                  status: Literal["open", "answered"] | None = None
                  ) -> list[RegradeRequestOut]:
    """The course's regrade requests, oldest first (instructors and TAs)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user, staff=True)
        rows = {a.id: a for a in list_assignments(s, seen.course, published_only=False)}
        return [request_out(s, r, course, rows[sub.assignment_id].slug)
                for r, sub in review_rows.course_requests(s, list(rows), status)]


@router.post("/regrade-requests/{request_id}/answer", responses=problems(
    (409, "already answered", "regrade request 5 was already answered")))
def answer_request(request_id: int, body: AnswerIn, user: Caller, svc: Svc
                   ) -> RegradeRequestOut:
    """Answer a regrade request (instructors and TAs); with ``score``, also override the
    TODO (the answer is the override's comment)."""
    with svc.store.write() as s:
        req = review_rows.get_request(s, request_id)
        seen = submission_seen(s, req.submission_id, user, staff=True)
        assert seen.submission is not None and seen.assignment is not None
        review_rows.answer_request(s, seen.assignment, seen.submission, req, body.answer,
                                   user, body.score)
        if body.score is not None:
            queue_score(s, seen.submission, "regrade request answered")
        return request_out(s, req, seen.course.slug, seen.assignment.slug)

