"""An assignment: the instructor's dashboard (validation, publishing, settings, class
statistics, submissions, regrades, grades export) or the student's page (policy, submitting,
their submissions)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from ...report.gradebook import render_csv
from ...service.access import assignment_seen, submission_seen
from ...service.deps import Svc
from ...service.intake import accept_submission
from ...service.policy import choose, set_policy
from ...service.schemas import AssignmentSettings
from ...service.views import gradebook, submission_lines
from ...store import jobs as job_rows
from ...store.assignments import update
from ...store.errors import StoreError
from ...store.extensions import effective_policy, extension_of
from ...store.grades import POLICY_WORDS, SUBMISSION_POLICIES
from ...store.submissions import count_of, list_submissions
from ...submission import SubmissionError, SubmissionTooLarge
from ..auth import Page, Post, Viewer
from ..charts import histogram_chart, pass_rate_chart
from ..code import markdown
from ..queries import dashboard
from ..render import page

router = APIRouter(prefix="/courses/{course}/assignments/{assignment}",
                   include_in_schema=False)


def _assignment_page(request: Request, viewer: Viewer, svc: Svc, course: str,
                     assignment: str, status: int = 200, **extra: object) -> HTMLResponse:
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user)
        row = seen.assignment
        assert row is not None
        loaded = svc.runner.assignment(row, s)
        m = loaded.manifest
        description = markdown(m.description)
        if seen.staff:
            board = dashboard(s, seen.course, row)
            return page(request, "assignment_staff.html", viewer, status=status,
                        course=seen.course, a=row, manifest=m, board=board,
                        instructor=seen.instructor, description=description,
                        policy_words=POLICY_WORDS, policies=SUBMISSION_POLICIES,
                        pass_chart=pass_rate_chart(board.stats),
                        hist_chart=histogram_chart(board.stats), **extra)
        used = count_of(s, row, viewer.user)
        mine = list(reversed(submission_lines(s, row, viewer.user)))
        policy = effective_policy(s, row, viewer.user)
        ext = extension_of(s, row, viewer.user)
        subs = list_submissions(s, row, viewer.user)
    left = None if policy.max_submissions is None else max(0, policy.max_submissions - used)
    now = datetime.now(UTC)
    files = {x.id: json.loads(x.filenames) for x in subs}
    return page(request, "assignment_student.html", viewer, status=status, course=seen.course,
                a=row, manifest=m, used=used, left=left, mine=mine, policy=policy, ext=ext,
                description=description, files=files,
                policy_words=POLICY_WORDS, chosen=row.submission_policy == "chosen",
                past_due=bool(policy.due_at and policy.due_at < now), **extra)


@router.get("")
def assignment_page(request: Request, course: str, assignment: str, viewer: Page, svc: Svc
                    ) -> HTMLResponse:
    """The dashboard (instructors) or the submission page (students)."""
    return _assignment_page(request, viewer, svc, course, assignment)


@router.get("/starter.zip")
def starter_zip(course: str, assignment: str, viewer: Page, svc: Svc) -> Response:
    """The assignment's starter files as a zip (what students download and fill in)."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user)
        assert seen.assignment is not None
        loaded = svc.runner.assignment(seen.assignment, s)
    files = loaded.starter_files()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            zf.writestr(zipfile.ZipInfo(f"{assignment}/{rel}", (1980, 1, 1, 0, 0, 0)),
                        files[rel], compress_type=zipfile.ZIP_DEFLATED)
    return Response(out.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{assignment}-starter.zip"',
        "Cache-Control": "no-store"})


@router.post("/choose")
def choose_active(request: Request, course: str, assignment: str, viewer: Post, svc: Svc,
                  submission_id: Annotated[int, Form(ge=1)]) -> Response:
    """Make one of the student's graded submissions the one that counts (policy chosen)."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user)
        assert seen.assignment is not None
        sub = submission_seen(s, submission_id, viewer.user).submission
        assert sub is not None
        try:
            choose(s, seen.assignment, viewer.user, sub)
        except StoreError as exc:
            if exc.status in (403, 404):
                raise
            error = exc.message
        else:
            error = None
    if error is not None:
        return _assignment_page(request, viewer, svc, course, assignment, status=409,
                                submit_error=error)
    return RedirectResponse(f"/courses/{course}/assignments/{assignment}?msg=chosen",
                            status_code=303)


@router.post("/publish")
def publish(request: Request, course: str, assignment: str, viewer: Post, svc: Svc,
            published: Annotated[bool, Form()]) -> Response:
    """Publish or unpublish (instructors)."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        update(s, seen.assignment, {"published": published})
    msg = "published" if published else "unpublished"
    return RedirectResponse(f"/courses/{course}/assignments/{assignment}?msg={msg}",
                            status_code=303)


def _optional(value: str) -> str | None:
    return value.strip() or None


@router.post("/settings")
def save_settings(request: Request, course: str, assignment: str, viewer: Post, svc: Svc,
                  title: Annotated[str, Form(max_length=200)] = "",
                  due_at: Annotated[str, Form(max_length=40)] = "",
                  late_percent_per_day: Annotated[str, Form(max_length=20)] = "0",
                  late_cap_percent: Annotated[str, Form(max_length=20)] = "100",
                  late_days_accepted: Annotated[str, Form(max_length=20)] = "",
                  max_submissions: Annotated[str, Form(max_length=20)] = "",
                  resubmission_penalty_percent: Annotated[str, Form(max_length=20)] = "0",
                  hidden_released: Annotated[bool, Form()] = False,
                  submission_policy: Annotated[str, Form(max_length=16)] = "") -> Response:
    """Due date (UTC), late policy, submission limit, release of hidden details, which
    submission counts."""
    with svc.store.read() as s:
        assignment_seen(s, course, assignment, viewer.user, instructor=True)
    raw = {"due_at": _optional(due_at), "late_percent_per_day": late_percent_per_day or "0",
           "late_cap_percent": late_cap_percent or "100",
           "late_days_accepted": _optional(late_days_accepted),
           "max_submissions": _optional(max_submissions),
           "resubmission_penalty_percent": resubmission_penalty_percent or "0",
           "hidden_released": hidden_released}
    if submission_policy:
        raw["submission_policy"] = submission_policy
    if title.strip():
        raw["title"] = title.strip()
    try:
        changes = AssignmentSettings.model_validate(raw).model_dump()
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}"
                  for e in exc.errors()]
        return _assignment_page(request, viewer, svc, course, assignment, status=422,
                                settings_errors=errors)
    changes = {k: v for k, v in changes.items() if k in raw}
    new_policy = changes.pop("submission_policy", None)
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        update(s, seen.assignment, changes)
        if new_policy is not None:
            set_policy(s, seen.assignment, new_policy, viewer.user)
    return RedirectResponse(f"/courses/{course}/assignments/{assignment}?msg=saved",
                            status_code=303)


@router.post("/submit")
def submit(request: Request, course: str, assignment: str, viewer: Post, svc: Svc,
           files: Annotated[list[UploadFile], File()]) -> Response:
    """Submit files (file picker or drag and drop); then the submission's page."""
    uploads = [(f.filename or "", f.file.read()) for f in files if f.filename]
    try:
        accepted = accept_submission(svc, course, assignment, viewer.user, uploads)
    except SubmissionError as exc:
        status = 413 if isinstance(exc, SubmissionTooLarge) else 422
        return _assignment_page(request, viewer, svc, course, assignment, status=status,
                                submit_error=str(exc))
    except StoreError as exc:
        if exc.status == 404:
            raise
        return _assignment_page(request, viewer, svc, course, assignment, status=exc.status,
                                submit_error=exc.message)
    return RedirectResponse(f"/submissions/{accepted.id}", status_code=303)


@router.post("/regrade")
def regrade(request: Request, course: str, assignment: str, viewer: Post, svc: Svc,
            dry_run: Annotated[bool, Form()] = True) -> Response:
    """Regrade every submission (a dry run first, by default)."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, instructor=True)
        assert seen.assignment is not None
        batch, _ = job_rows.regrade(s, seen.assignment, viewer.user,
                                    list_submissions(s, seen.assignment), dry_run)
    svc.queue.notify()
    return RedirectResponse(f"/regrades/{batch.id}", status_code=303)


@router.get("/grades.csv")
def grades_csv(course: str, assignment: str, viewer: Page, svc: Svc) -> PlainTextResponse:
    """Grades for an LMS gradebook (instructors and TAs)."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, viewer.user, staff=True)
        assert seen.assignment is not None
        lines = gradebook(s, seen.course, seen.assignment)
    return PlainTextResponse(render_csv(lines), media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-grades.csv"',
        "Cache-Control": "no-store"})
