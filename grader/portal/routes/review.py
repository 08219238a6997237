"""Manual review in the portal: TA overrides (set, release), students' regrade requests and
staff answers, and the course's list of regrade requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...service.access import course_seen, submission_seen
from ...service.deps import Svc
from ...service.views import request_out
from ...store import review as review_rows
from ...store.assignments import list_assignments
from ...store.errors import Invalid
from ...store.lti import queue_score
from ..auth import Page, Post
from ..render import page

router = APIRouter(include_in_schema=False)


def _score(text: str, what: str = "score") -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise Invalid(f"the {what} must be a number; got {text.strip()[:40]!r}") from None


def _back(submission_id: int, msg: str) -> RedirectResponse:
    return RedirectResponse(f"/submissions/{submission_id}?msg={msg}#review", status_code=303)


@router.post("/submissions/{submission_id}/overrides")
def set_override(submission_id: int, viewer: Post, svc: Svc,
                 todo: Annotated[str, Form(max_length=200)],
                 score: Annotated[str, Form(max_length=40)],
                 comment: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Override one TODO's score with a comment (instructors and TAs)."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, viewer.user, staff=True)
        assert seen.submission is not None and seen.assignment is not None
        review_rows.set_override(s, seen.assignment, seen.submission, todo, _score(score),
                                 comment, viewer.user)
        queue_score(s, seen.submission, "override")
    return _back(submission_id, "override")


@router.post("/submissions/{submission_id}/overrides/{todo}/release")
def release_override(submission_id: int, todo: str, viewer: Post, svc: Svc) -> Response:
    """Release an override (the grader's score counts again)."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, viewer.user, staff=True)
        assert seen.submission is not None and seen.assignment is not None
        review_rows.release_override(s, seen.assignment, seen.submission, todo, viewer.user)
        queue_score(s, seen.submission, "override released")
    return _back(submission_id, "released")


@router.post("/submissions/{submission_id}/regrade-requests")
def file_request(submission_id: int, viewer: Post, svc: Svc,
                 todo: Annotated[str, Form(max_length=200)],
                 message: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """A student asks for one TODO to be looked at again."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, viewer.user)
        assert seen.submission is not None and seen.assignment is not None
        review_rows.open_request(s, seen.assignment, seen.submission, todo, message,
                                 viewer.user)
    return _back(submission_id, "request")


@router.post("/regrade-requests/{request_id}/answer")
def answer_request(request_id: int, viewer: Post, svc: Svc,
                   answer: Annotated[str, Form(max_length=4000)] = "",
                   score: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Staff answer a regrade request (with a new score: also an override)."""
    with svc.store.write() as s:
        req = review_rows.get_request(s, request_id)
        seen = submission_seen(s, req.submission_id, viewer.user, staff=True)
        assert seen.submission is not None and seen.assignment is not None
        new = _score(score, "new score") if score.strip() else None
        review_rows.answer_request(s, seen.assignment, seen.submission, req, answer,
                                   viewer.user, new)
        if new is not None:
            queue_score(s, seen.submission, "regrade request answered")
        sid = req.submission_id
    return _back(sid, "answered")


@router.get("/courses/{course}/regrade-requests")
def requests_page(request: Request, course: str, viewer: Page, svc: Svc) -> HTMLResponse:
    """The course's regrade requests, open ones first (instructors and TAs)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, viewer.user, staff=True)
        rows = {a.id: a for a in list_assignments(s, seen.course, published_only=False)}
        found = [request_out(s, r, course, rows[sub.assignment_id].slug)
                 for r, sub in review_rows.course_requests(s, list(rows), None)]
    found.sort(key=lambda r: (r.status != "open", r.id))
    return page(request, "regrade_requests.html", viewer, course=seen.course,
                requests=found)

