"""Home (the caller's courses), a course page, and what instructors do on it: create a course,
enrol a roster, add a built-in assignment, upload a bundle."""

from __future__ import annotations

import base64
import csv
import io
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ...assignments.loader import builtin_slugs
from ...service.access import course_seen
from ...service.deps import Svc
from ...service.publishing import (
    AlreadyThere,
    add_builtin_assignment,
    upload_bundle,
    validation_seen,
)
from ...service.roster import parse_roster
from ...store import audit
from ...store.assignments import list_assignments
from ...store.courses import courses_of, create_course
from ...store.errors import Forbidden, Invalid, StoreError
from ...store.flashes import put_flash, take_flash
from ...store.lti import contexts_of_course
from ...store.users import enrol_roster, members, membership_of, remove_member, reset_course_token
from ..auth import SESSION_COOKIE, Page, Post, Viewer
from ..queries import course_lines, parse_report
from ..render import error_page, page

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, viewer: Page, svc: Svc) -> HTMLResponse:
    """The caller's courses."""
    with svc.store.read() as s:
        courses = courses_of(s, viewer.user)
    return page(request, "home.html", viewer, courses=courses)


@router.post("/courses")
def add_course(request: Request, viewer: Post, svc: Svc,
               slug: Annotated[str, Form(max_length=64)],
               title: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Create a course (instructors and admins)."""
    if viewer.user.role not in ("admin", "instructor"):
        raise Forbidden("only instructors and admins can create courses")
    with svc.store.write() as s:
        course = create_course(s, slug.strip(), title.strip() or slug.strip(), viewer.user)
    return RedirectResponse(f"/courses/{course.slug}?msg=course", status_code=303)


def _course_page(request: Request, viewer: Viewer, svc: Svc, course: str, status: int = 200,
                 **extra: object) -> HTMLResponse:
    with svc.store.read() as s:
        seen = course_seen(s, course, viewer.user)
        rows = list_assignments(s, seen.course, published_only=not seen.staff)
        lines = course_lines(s, seen.course, rows, viewer.user, seen.staff)
        roster = members(s, seen.course) if seen.staff else []
        roster_view = [(e.user.name, e.role) for e in roster]
        lms_linked = bool(contexts_of_course(s, seen.course.id)) if seen.instructor else False
    builtins = builtin_slugs(svc.settings) if seen.instructor else []
    return page(request, "course.html", viewer, status=status, course=seen.course,
                instructor=seen.instructor, staff=seen.staff, lms_linked=lms_linked,
                lines=lines, roster=roster_view,
                builtins=builtins, **extra)


@router.get("/courses/{course}")
def course_page(request: Request, course: str, viewer: Page, svc: Svc) -> HTMLResponse:
    """A course: its assignments (and, for instructors, the roster and the upload forms)."""
    return _course_page(request, viewer, svc, course)


@router.post("/courses/{course}/roster")
def roster_upload(request: Request, course: str, viewer: Post, svc: Svc,
                  file: Annotated[UploadFile, File()]) -> Response:
    """Enrol a roster CSV (ours or an LMS export), then redirect to the page that shows the
    new accounts' tokens once and each line that was not enrolled (post-redirect-get: a
    reload re-posts nothing)."""
    with svc.store.read() as s:
        course_seen(s, course, viewer.user, instructor=True)
    try:
        roster = parse_roster(file.file.read(), svc.settings.max_roster_rows)
        with svc.store.write() as s:
            seen = course_seen(s, course, viewer.user, instructor=True)
            entries = enrol_roster(s, seen.course, [(a, r) for a, r, _ in roster.rows])
            shown = {a: n for a, _, n in roster.rows}
            flash = put_flash(s, viewer.session, request.cookies[SESSION_COOKIE], {
                "entries": [{"name": e.name, "shown": shown.get(e.name, ""),
                             "role": e.role, "token": e.token} for e in entries],
                "problems": roster.problems})
    except StoreError as exc:
        return _course_page(request, viewer, svc, course, status=exc.status,
                            roster_error=exc.message)
    return RedirectResponse(f"/courses/{course}/roster/enrolled?flash={flash}",
                            status_code=303)


def _tokens_csv(entries: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "shown_name", "role", "token"])
    for e in entries:
        writer.writerow([e["name"], e.get("shown", ""), e["role"], e["token"] or ""])
    return "data:text/csv;base64," + base64.b64encode(out.getvalue().encode()).decode()


@router.get("/courses/{course}/roster/enrolled")
def roster_enrolled(request: Request, course: str, viewer: Page, svc: Svc,
                    flash: int = 0) -> HTMLResponse:
    """The tokens of the last roster upload or token reset, shown once (a reload shows
    that they were shown, never new tokens)."""
    with svc.store.write() as s:
        seen = course_seen(s, course, viewer.user, instructor=True)
        data = take_flash(s, viewer.session, request.cookies.get(SESSION_COOKIE, ""), flash)
        slug = seen.course.slug
    entries = data["entries"] if data else []
    return page(request, "roster_tokens.html", viewer, course=slug, entries=entries,
                problems=data["problems"] if data else [], gone=data is None,
                reset=bool(data and data.get("reset")),
                csv_url=_tokens_csv(entries) if entries else "")


@router.post("/courses/{course}/members/{name}/remove")
def remove_member_form(request: Request, course: str, name: str, viewer: Post, svc: Svc
                       ) -> Response:
    """Remove a student or TA from the course (instructors); their submissions are kept."""
    with svc.store.write() as s:
        seen = course_seen(s, course, viewer.user, instructor=True)
        row = remove_member(s, seen.course, name)
        audit.record(s, seen.course.id, "roster.remove", viewer.user, subject_id=row.user_id,
                     role=row.role)
    return RedirectResponse(f"/courses/{course}?msg=removed#roster-h", status_code=303)


@router.post("/courses/{course}/members/{name}/token")
def reset_token_form(request: Request, course: str, name: str, viewer: Post, svc: Svc
                     ) -> Response:
    """A new course token for a student or TA (instructors), shown once on the next page;
    their previous tokens for this course stop working."""
    with svc.store.write() as s:
        seen = course_seen(s, course, viewer.user, instructor=True)
        token = reset_course_token(s, seen.course, name)
        member = membership_of(s, seen.course, name)
        audit.record(s, seen.course.id, "token.reset", viewer.user, subject_id=member.user_id)
        flash = put_flash(s, viewer.session, request.cookies[SESSION_COOKIE], {
            "entries": [{"name": name, "shown": "", "role": member.role, "token": token}],
            "problems": [], "reset": True})
    return RedirectResponse(f"/courses/{course}/roster/enrolled?flash={flash}",
                            status_code=303)


@router.post("/courses/{course}/assignments/builtin")
def add_builtin(request: Request, course: str, viewer: Post, svc: Svc,
                builtin: Annotated[str, Form(max_length=64)]) -> Response:
    """Add a built-in assignment (unpublished)."""
    try:
        row, _ = add_builtin_assignment(svc, course, viewer.user, builtin, {})
    except StoreError as exc:
        if exc.status == 403:
            raise
        return _course_page(request, viewer, svc, course, status=exc.status,
                            builtin_error=exc.message)
    return RedirectResponse(f"/courses/{course}/assignments/{row.slug}?msg=added",
                            status_code=303)


@router.post("/courses/{course}/assignments/bundle")
def bundle_upload(request: Request, course: str, viewer: Post, svc: Svc,
                  bundle: Annotated[UploadFile, File()],
                  replace: Annotated[bool, Form()] = False) -> Response:
    """Upload a bundle: what needs no sandbox is checked at once (else its errors are shown
    and nothing is queued); then a worker validates it in the sandbox, watched on the
    validation's page (stored unpublished if it passes)."""
    data = bundle.file.read()
    try:
        out = upload_bundle(svc, course, viewer.user, data, {}, replace=replace)
    except Invalid as exc:
        return page(request, "bundle_failed.html", viewer, status=422, course=course,
                    detail=exc.message, lines=[], summary="",
                    filename=bundle.filename or "bundle.zip")
    except AlreadyThere as exc:
        return _course_page(request, viewer, svc, course, status=409,
                            bundle_error=exc.for_portal())
    except StoreError as exc:
        if exc.status in (401, 403):
            raise
        return error_page(request, exc.status, exc.message, viewer)
    return RedirectResponse(f"/validations/{out.id}", status_code=303)


@router.get("/validations/{validation_id}")
def validation_page(request: Request, validation_id: int, viewer: Page, svc: Svc) -> Response:
    """An uploaded bundle's validation: its progress while a worker runs it; once it passed,
    the assignment's page (with the validation report); if it failed, why, and the report."""
    out = validation_seen(svc, validation_id, viewer.user)
    if out.status == "passed" and out.assignment is not None:
        return RedirectResponse(f"/courses/{out.course}/assignments/{out.assignment.slug}"
                                "?msg=uploaded", status_code=303)
    lines, summary = parse_report(out.check_report or "")
    return page(request, "validation.html", viewer, v=out, lines=lines, summary=summary,
                pending=out.status in ("queued", "running"),
                poll_ms=int(svc.settings.portal_poll_seconds * 1000))


@router.get("/validations/{validation_id}/status")
def validation_status(validation_id: int, viewer: Page, svc: Svc) -> JSONResponse:
    """``{"status", "stage"}`` for the page's live status."""
    out = validation_seen(svc, validation_id, viewer.user)
    return JSONResponse({"id": out.id, "status": out.status, "stage": out.stage},
                        headers={"Cache-Control": "no-store"})
