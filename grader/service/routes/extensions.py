"""Per-student extensions of an assignment (instructors): grant one, upload a CSV, list,
download as CSV, revoke. Every change is in the course's audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile
from fastapi.responses import PlainTextResponse

from ...store import extensions as ext_rows
from ...store.lti import queue_student
from ...store.users import get_user
from ..access import assignment_seen
from ..course_schemas import ExtensionIn, ExtensionOut
from ..deps import Caller, Svc
from ..views import extension_out

router = APIRouter(prefix="/api/v1/courses/{course}/assignments/{assignment}/extensions",
                   tags=["extensions"])


@router.get("")
def list_extensions(course: str, assignment: str, user: Caller, svc: Svc
                    ) -> list[ExtensionOut]:
    """Every student's extension on the assignment, with the policy it gives them."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        return [extension_out(s, seen.assignment, e)
                for e in ext_rows.list_extensions(s, seen.assignment)]


@router.post("")
def grant_extension(course: str, assignment: str, body: ExtensionIn, user: Caller, svc: Svc
                    ) -> ExtensionOut:
    """Give one student a later due date, excused late days or extra submissions (replacing
    their extension, if any). Their submissions' penalties follow at once."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        row = ext_rows.grant(s, seen.assignment, ext_rows.Grant(**body.model_dump()), user)
        queue_student(s, seen.assignment, row.user_id, "extension")
        return extension_out(s, seen.assignment, row)


@router.post("/csv")
def upload_extensions(course: str, assignment: str, user: Caller, svc: Svc,
                      file: Annotated[UploadFile, File(description=(
                          "CSV with a header row: student,due_at,extra_late_days,"
                          "extra_submissions,reason (every column but student optional)."))]
                      ) -> list[ExtensionOut]:
    """Grant the extensions of a CSV, all lines or none."""
    with svc.store.read() as s:
        assignment_seen(s, course, assignment, user, instructor=True)
    grants = ext_rows.parse_csv(file.file.read(), svc.settings.max_roster_rows)
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        rows = ext_rows.grant_many(s, seen.assignment, grants, user)
        for row in rows:
            queue_student(s, seen.assignment, row.user_id, "extension")
        return [extension_out(s, seen.assignment, r) for r in rows]


@router.get("/csv", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
def download_extensions(course: str, assignment: str, user: Caller, svc: Svc
                        ) -> PlainTextResponse:
    """The extensions as a CSV (what the upload reads, and `grader export-gradescope
    --extensions` takes)."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        text = ext_rows.render_csv([(e.user.name, e) for e in
                                    ext_rows.list_extensions(s, seen.assignment)])
    return PlainTextResponse(text, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-extensions.csv"'})


@router.delete("/{student}", status_code=204)
def revoke_extension(course: str, assignment: str, student: str, user: Caller, svc: Svc
                     ) -> Response:
    """Take a student's extension back (the assignment's policy applies to them again)."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        ext_rows.revoke(s, seen.assignment, student, user)
        queue_student(s, seen.assignment, get_user(s, student).id, "extension revoked")
    return Response(status_code=204)
