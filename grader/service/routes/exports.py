"""Whole-assignment downloads (instructors): every counted submission as one zip, and the
grades in Canvas's gradebook import format."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, StreamingResponse

from ..access import assignment_seen
from ..deps import Caller, Svc
from ..exports import canvas_csv, stream, submissions_zip

router = APIRouter(prefix="/api/v1/courses/{course}/assignments/{assignment}",
                   tags=["exports"])


@router.get("/submissions.zip", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})
def download_submissions(course: str, assignment: str, user: Caller, svc: Svc
                         ) -> StreamingResponse:
    """Each student's counted (latest) submission, a folder per student with the files as
    they were accepted, and ``index.csv`` listing them with their scores."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        f = submissions_zip(s, seen.assignment)
    return StreamingResponse(stream(f), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-submissions.zip"',
        "Cache-Control": "no-store"})


@router.get("/grades-canvas.csv", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
def canvas_grades(course: str, assignment: str, user: Caller, svc: Svc) -> PlainTextResponse:
    """The grades as Canvas's gradebook import reads them (Grades > Import in Canvas)."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        text = canvas_csv(s, seen.course, seen.assignment)
    return PlainTextResponse(text, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-canvas.csv"',
        "Cache-Control": "no-store"})
