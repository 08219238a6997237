"""Instructors' course tools in the portal: extensions, similarity (ranked pairs and the
side-by-side view), the audit trail, whole-assignment downloads, and LMS roster sync."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from ...service.access import assignment_seen, course_seen
from ...service.deps import Svc
from ...service.exports import canvas_csv, stream, submissions_zip
from ...service.lti.client import PlatformError
from ...service.lti.roster import sync_course
from ...service.similarity import class_similarity, pair_detail
from ...service.views import extension_out
from ...store import audit as audit_rows
from ...store import extensions as ext_rows
from ...store import lti as lti_rows
from ...store.assignments import get_assignment
from ...store.errors import Conflict, Invalid
from ...store.lti import queue_student
from ...store.users import get_user, members
from ..auth import Page, Post
from ..render import page

router = APIRouter(prefix="/courses/{course}", include_in_schema=False)
A = "/assignments/{assignment}"


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError:
        raise Invalid(f"{what} must be a whole number; got {text.strip()[:40]!r}") from None


def _when(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"the due date must be a date and time; got {text.strip()[:40]!r}") \
            from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# --- extensions -------------------------------------------------------------------------------


@router.get(A + "/extensions")
def extensions_page(request: Request, course: str, assignment: str, viewer: Page, svc: Svc
                    ) -> HTMLResponse:
    """Every extension of the assignment, and the forms to grant one or a CSV."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        rows = [extension_out(s, seen.assignment, e)
                for e in ext_rows.list_extensions(s, seen.assignment)]
        students = sorted(e.user.name for e in members(s, seen.course)
                          if e.role == "student")
    return page(request, "extensions.html", viewer, course=seen.course, a=seen.assignment,
                rows=rows, students=students)


@router.post(A + "/extensions")
def grant(course: str, assignment: str, viewer: Post, svc: Svc,
          student: Annotated[str, Form(max_length=64)],
          due_at: Annotated[str, Form(max_length=40)] = "",
          extra_late_days: Annotated[str, Form(max_length=10)] = "0",
          extra_submissions: Annotated[str, Form(max_length=10)] = "0",
          reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Grant one student an extension."""
    g = ext_rows.Grant(student=student.strip(), due_at=_when(due_at),
                       extra_late_days=_int(extra_late_days, "extra late days"),
                       extra_submissions=_int(extra_submissions, "extra submissions"),
                       reason=reason)
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        row = ext_rows.grant(s, seen.assignment, g, viewer.user)
        queue_student(s, seen.assignment, row.user_id, "extension")
    return RedirectResponse(f"/courses/{course}/assignments/{assignment}/extensions"
                            "?msg=extension", status_code=303)


@router.post(A + "/extensions/csv")
def grant_csv(course: str, assignment: str, viewer: Post, svc: Svc,
              file: Annotated[UploadFile, File()]) -> Response:
    """Grant the extensions of a CSV (all lines or none)."""
    grants = ext_rows.parse_csv(file.file.read(), svc.settings.max_roster_rows)
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        for row in ext_rows.grant_many(s, seen.assignment, grants, viewer.user):
            queue_student(s, seen.assignment, row.user_id, "extension")
    return RedirectResponse(f"/courses/{course}/assignments/{assignment}/extensions"
                            "?msg=extensions", status_code=303)


@router.post(A + "/extensions/{student}/revoke")
def revoke(course: str, assignment: str, student: str, viewer: Post, svc: Svc) -> Response:
    """Take a student's extension back."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        ext_rows.revoke(s, seen.assignment, student, viewer.user)
        queue_student(s, seen.assignment, get_user(s, student).id, "extension revoked")
    return RedirectResponse(f"/courses/{course}/assignments/{assignment}/extensions"
                            "?msg=revoked", status_code=303)


# --- similarity -------------------------------------------------------------------------------


@router.get(A + "/similarity")
def similarity_page(request: Request, course: str, assignment: str, viewer: Page, svc: Svc
                    ) -> HTMLResponse:
    """The most similar pairs of students' TODO code (instructors only)."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        out = class_similarity(svc, s, seen.course, seen.assignment)
    return page(request, "similarity.html", viewer, course=seen.course, a=seen.assignment,
                sim=out)


def _segments(code: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``code`` cut into (text, shared?) pieces along ``spans``."""
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(code))
        if start > at:
            out.append((code[at:start], False))
        if end > start:
            out.append((code[start:end], True))
        at = max(at, end)
    if at < len(code):
        out.append((code[at:], False))
    return out


@router.get(A + "/similarity/{submission_a}/{submission_b}")
def similarity_pair(request: Request, course: str, assignment: str, submission_a: int,
                    submission_b: int, viewer: Page, svc: Svc) -> HTMLResponse:
    """Two students' TODO code side by side, shared regions marked."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        d = pair_detail(svc, s, seen.assignment, submission_a, submission_b)
    todos = [(t, _segments(t.code_a, t.spans_a), _segments(t.code_b, t.spans_b))
             for t in d.todos]
    return page(request, "similarity_pair.html", viewer, course=seen.course,
                a=seen.assignment, d=d, todos=todos)


# --- audit, downloads, roster sync -----------------------------------------------------------


@router.get("/audit")
def audit_page(request: Request, course: str, viewer: Page, svc: Svc,
               assignment: str | None = None) -> HTMLResponse:
    """Who granted, changed or answered what (instructors)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, viewer.user, instructor=True)
        row = get_assignment(s, seen.course, assignment) if assignment else None
        events = audit_rows.events(s, seen.course, row)
    return page(request, "audit.html", viewer, course=seen.course, events=events,
                assignment=assignment)


@router.get(A + "/submissions.zip")
def download_zip(course: str, assignment: str, viewer: Page, svc: Svc) -> StreamingResponse:
    """Every student's counted submission, a folder each."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        f = submissions_zip(s, seen.assignment)
    return StreamingResponse(stream(f), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-submissions.zip"',
        "Cache-Control": "no-store"})


@router.get(A + "/grades-canvas.csv")
def download_canvas(course: str, assignment: str, viewer: Page, svc: Svc
                    ) -> PlainTextResponse:
    """The grades in Canvas's gradebook import format."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        text = canvas_csv(s, seen.course, seen.assignment)
    return PlainTextResponse(text, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-canvas.csv"',
        "Cache-Control": "no-store"})


@router.post("/lti/roster-sync")
def roster_sync(request: Request, course: str, viewer: Post, svc: Svc) -> HTMLResponse:
    """Enrol the LMS course's members with their LMS roles; show what changed."""
    with svc.store.read() as s:
        seen = course_seen(s, course, viewer.user, instructor=True)
        linked = bool(lti_rows.contexts_of_course(s, seen.course.id))
    if not linked:
        raise Conflict(f"course {course} is not linked to an LMS course: launch the tool "
                       "from the LMS course first (as its instructor)")
    try:
        report = sync_course(svc.store, svc.settings, seen.course, viewer.user)
    except PlatformError as exc:
        raise Conflict(f"the roster could not be read from the LMS: {exc}") from None
    return page(request, "roster_sync.html", viewer, course=seen.course, report=report)
