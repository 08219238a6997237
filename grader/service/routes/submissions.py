"""Submitting, polling, results, Gradescope JSON, regrading one, regrade batches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from ...report.gradescope import GradescopeResults, to_gradescope
from ...store import jobs as job_rows
from ...store.errors import Conflict
from ..access import regrade_seen, submission_seen
from ..deps import Caller, Svc
from ..intake import accept_submission
from ..problems import problems
from ..schemas import RegradeIn, RegradeOut, SubmissionAccepted, SubmissionOut
from ..views import regrade_out, result_for, submission_out

router = APIRouter(prefix="/api/v1", tags=["submissions"])


@router.post("/courses/{course}/assignments/{assignment}/submissions", status_code=202,
             responses=problems(
                 (403, "past the deadline", "the assignment was due 2026-05-01T23:59:00+00:00 "
                  "and late submissions are accepted for 2 day(s); this one would be 3 day(s) "
                  "late"),
                 (403, "out of submissions", "you have used all 5 submissions allowed for "
                  "this assignment; ask your instructor if you need another"),
                 (409, "assignment unusable", "the assignment cannot be used right now: "
                  "fc-optim has no fixtures yet; run `grader fixtures build fc-optim`"),
                 (413, "file too large", "nndl/optim.py is 66560 bytes; the limit is 64 KB "
                  "per file"),
                 (413, "too many files", "7 files were uploaded; the limit is 6 files"),
                 (422, "nothing to grade", "none of the files this assignment grades was "
                  "found (expected nndl/optim.py); got the Python file other.py"),
                 (422, "wrong kind of file", "'notes.txt': submit .py files, a folder as a "
                  ".zip, or an .ipynb notebook"),
                 (429, "too many waiting", "you already have 2 submission(s) waiting to be "
                  "graded; the limit is 2 at a time, so that every student's work is graded "
                  "promptly. Wait for a result (a grading takes about 10 seconds), then submit "
                  "again")))
def submit(course: str, assignment: str, user: Caller, svc: Svc,
           files: Annotated[list[UploadFile], File(
               description="The .py files (a name may carry its folder, e.g. nndl/optim.py), "
                           "or one .zip of the folder, or one .ipynb.")],
           ) -> SubmissionAccepted:
    """Submit files for grading. The submission is stored before this answers 202 with its
    id; poll ``GET /api/v1/submissions/{id}`` until ``status`` is graded or failed."""
    uploads = [(f.filename or "", f.file.read()) for f in files]
    return accept_submission(svc, course, assignment, user, uploads)


@router.get("/submissions/{submission_id}")
def get_submission_route(submission_id: int, user: Caller, svc: Svc) -> SubmissionOut:
    """Status (queued, running, graded, failed), scores with penalties and, once graded, the
    native result (students: their view; hidden details only once released)."""
    with svc.store.read() as s:
        seen = submission_seen(s, submission_id, user)
        assert seen.submission is not None and seen.assignment is not None
        return submission_out(s, seen.submission, seen.assignment, seen.course,
                              seen.instructor, seen.staff)


@router.get("/submissions/{submission_id}/gradescope", responses=problems(
    (409, "not graded yet", "submission 12 is queued; poll GET /api/v1/submissions/12 until it "
     "is graded")))
def get_gradescope(submission_id: int, user: Caller, svc: Svc) -> GradescopeResults:
    """The result as Gradescope's results.json (409 until graded)."""
    with svc.store.read() as s:
        seen = submission_seen(s, submission_id, user)
        assert seen.submission is not None and seen.assignment is not None
        result = result_for(s, seen.submission, seen.assignment, seen.instructor)
        if result is None:
            raise Conflict(f"submission {submission_id} is {seen.submission.status}; poll "
                           f"GET /api/v1/submissions/{submission_id} until it is graded")
    return to_gradescope(result)


@router.post("/submissions/{submission_id}/regrade", status_code=202)
def regrade_one(submission_id: int, body: RegradeIn, user: Caller, svc: Svc) -> RegradeOut:
    """Regrade one submission (instructors); idempotent while a grading of it is pending."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, user, instructor=True)
        assert seen.submission is not None and seen.assignment is not None
        batch, queued = job_rows.regrade(s, seen.assignment, user, [seen.submission],
                                         body.dry_run)
        lines = job_rows.regrade_lines(s, batch)
    svc.queue.notify()
    return regrade_out(batch.id, seen.assignment.slug, batch.dry_run, False, lines, queued)


def _batch(svc: Svc, regrade_id: int, user: Caller, commit: bool) -> RegradeOut:
    with svc.store.write() as s:
        batch, row = regrade_seen(s, regrade_id, user)
        if commit:
            job_rows.commit_regrade(s, batch)
        lines = job_rows.regrade_lines(s, batch)
        return regrade_out(batch.id, row.slug, batch.dry_run, batch.committed_at is not None,
                           lines)


@router.get("/regrades/{regrade_id}", tags=["regrades"])
def get_regrade(regrade_id: int, user: Caller, svc: Svc) -> RegradeOut:
    """A regrade's progress and score changes (instructors of its course)."""
    return _batch(svc, regrade_id, user, commit=False)


@router.post("/regrades/{regrade_id}/commit", tags=["regrades"], responses=problems(
    (409, "still grading", "regrade 3 still has 2 submission(s) to grade; commit once its "
     "status is done"),
    (409, "not a dry run", "regrade 3 was not a dry run; its results are already applied")))
def commit_regrade(regrade_id: int, user: Caller, svc: Svc) -> RegradeOut:
    """Apply a finished dry run's new scores (once; committing again changes nothing)."""
    return _batch(svc, regrade_id, user, commit=True)
