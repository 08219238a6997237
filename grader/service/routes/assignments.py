"""A course's assignments: adding, settings, listings, regrading all, grades export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import PlainTextResponse

from ...report.gradebook import render_csv
from ...store import jobs as job_rows
from ...store.assignments import list_assignments, update
from ...store.submissions import list_submissions
from ..access import assignment_seen, course_seen
from ..deps import Caller, Svc
from ..policy import set_policy
from ..problems import problems
from ..publishing import add_builtin_assignment, upload_bundle
from ..schemas import (
    AssignmentOut,
    AssignmentSettings,
    BuiltinIn,
    RegradeIn,
    RegradeOut,
    SubmissionSummary,
    ValidationOut,
)
from ..views import (
    assignment_out,
    gradebook,
    regrade_out,
    submission_lines,
)

router = APIRouter(prefix="/api/v1/courses/{course}/assignments", tags=["assignments"])


@router.get("")
def list_course_assignments(course: str, user: Caller, svc: Svc) -> list[AssignmentOut]:
    """The course's assignments (students: the published ones)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user)
        rows = list_assignments(s, seen.course, published_only=not seen.instructor)
        return [assignment_out(r, None, seen.instructor) for r in rows]


@router.post("", status_code=201, responses=problems(
    (404, "unknown built-in", "unknown built-in assignment 'fc-optimm' (known: dnn-optimizers, "
     "fc-optim, lr-schedules, mlp-backprop, rosenbrock)"),
    (409, "already added", "course demo already has an assignment 'fc-optim'")))
def add_builtin_route(course: str, body: BuiltinIn, user: Caller, svc: Svc) -> AssignmentOut:
    """Add a built-in assignment by slug (instructors), with its settings."""
    changes = body.model_dump(exclude_unset=True, exclude={"builtin"})
    row, loaded = add_builtin_assignment(svc, course, user, body.builtin, changes)
    return assignment_out(row, loaded, True)


@router.post("/bundle", status_code=202, responses=problems(
    (409, "slug taken", "course demo already has an assignment 'tiny-sgd' (send replace=true "
     "to put this version in its place)"),
    (409, "being validated", "a bundle of 'tiny-sgd' is already being validated (validation "
     "4, running); wait for its outcome at /api/v1/validations/4, then upload again if "
     "needed"),
    (422, "bad bundle", "a bundle holds exactly one manifest.toml, at its top or in one "
     "top folder (found: none)")))
def upload_bundle_route(
        course: str, user: Caller, svc: Svc,
        bundle: Annotated[UploadFile, File(description="Zip: manifest.toml, starter/, "
                                                       "cases.py, drivers.py, reference/.")],
        publish: Annotated[bool | None, Form(description="Publish (or unpublish) once it "
                                                         "passes.")] = None,
        replace: Annotated[bool, Form(description="Put this version in place of the "
                                                  "course's assignment of the same slug "
                                                  "(then regrade).")] = False,
) -> ValidationOut:
    """Upload a new assignment, or a new version of one (instructors). The zip, manifest and
    paths are checked at once (422 with what to fix); then a worker builds its fixtures in
    the sandbox and runs ``grader check`` 's validations: poll ``GET
    /api/v1/validations/{id}`` (202 here) for its progress and outcome. It is stored only if
    every validation passes."""
    data = bundle.file.read()
    changes = {} if publish is None else {"published": publish}
    return upload_bundle(svc, course, user, data, changes, replace=replace)


@router.get("/{assignment}")
def get_assignment_route(course: str, assignment: str, user: Caller, svc: Svc
                         ) -> AssignmentOut:
    """One assignment: policy, TODOs, files to submit."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        loaded = svc.runner.assignment(seen.assignment, s)
        return assignment_out(seen.assignment, loaded, seen.instructor)


@router.patch("/{assignment}", responses=problems(
    (422, "null setting", "title cannot be null; leave it out to keep its value")))
def update_assignment(course: str, assignment: str, body: AssignmentSettings, user: Caller,
                      svc: Svc) -> AssignmentOut:
    """Change settings (instructors): publish, due date, late policy, submission limit,
    resubmission penalty, release of hidden checks' details, which submission counts
    (``submission_policy``; a change queues every student's counted score for the LMS)."""
    changes = body.model_dump(exclude_unset=True)
    policy = changes.pop("submission_policy", None)
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        row = update(s, seen.assignment, changes)
        if policy is not None:
            set_policy(s, row, policy, user)
        return assignment_out(row, None, True)


@router.get("/{assignment}/submissions")
def list_assignment_submissions(course: str, assignment: str, user: Caller, svc: Svc
                                ) -> list[SubmissionSummary]:
    """Submissions to the assignment: all of them for instructors and TAs, one's own for
    students."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        return submission_lines(s, seen.assignment, None if seen.staff else user)


@router.post("/{assignment}/regrade", status_code=202)
def regrade_all(course: str, assignment: str, body: RegradeIn, user: Caller, svc: Svc
                ) -> RegradeOut:
    """Regrade every submission (instructors). A dry run changes nothing: poll
    ``GET /api/v1/regrades/{id}`` for the score changes, then commit them."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        batch, queued = job_rows.regrade(s, seen.assignment, user,
                                         list_submissions(s, seen.assignment), body.dry_run)
        lines = job_rows.regrade_lines(s, batch)
    svc.queue.notify()
    return regrade_out(batch.id, assignment, batch.dry_run, False, lines, queued)


@router.get("/{assignment}/grades.csv", response_class=PlainTextResponse,
            responses={200: {"content": {"text/csv": {}}}})
def export_grades(course: str, assignment: str, user: Caller, svc: Svc) -> PlainTextResponse:
    """Grades for an LMS gradebook (instructors): one line per student of the course, their
    counted submission (the assignment's ``submission_policy``), late and resubmission
    penalties applied. Instructors and TAs."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, staff=True)
        assert seen.assignment is not None
        lines = gradebook(s, seen.course, seen.assignment)
    text = render_csv(lines)
    return PlainTextResponse(text, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{course}-{assignment}-grades.csv"'})
