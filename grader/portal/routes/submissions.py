"""A submission's page (live status, then the result with its plots), its status as JSON for
the page's script, and regrades (one submission, or a batch's dry-run diff and commit)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ...service.access import regrade_seen, submission_seen
from ...service.deps import Svc
from ...service.views import regrade_out, submission_out
from ...store import jobs as job_rows
from ...store.submissions import files_of
from ...store.waiting import waiting_of
from ..auth import Page, Post
from ..code import code_files
from ..plots import check_plots
from ..render import page

router = APIRouter(include_in_schema=False)

PENDING = ("queued", "running")


@router.get("/submissions/{submission_id}")
def submission_page(request: Request, submission_id: int, viewer: Page, svc: Svc
                    ) -> HTMLResponse:
    """Status while pending (updated live by the page's script, or by a refresh without
    JavaScript); once graded, the per-TODO table, feedback, named mistakes and plots."""
    with svc.store.read() as s:
        seen = submission_seen(s, submission_id, viewer.user)
        assert seen.submission is not None and seen.assignment is not None
        out = submission_out(s, seen.submission, seen.assignment, seen.course,
                             seen.instructor, seen.staff)
        row = seen.assignment
        owner = seen.submission.user_id == viewer.user.id
        code = code_files(files_of(s, seen.submission))
        waiting = waiting_of(s, seen.submission, svc.settings.workers)
    plots = {}
    if out.result is not None:
        for t in out.result.todos:
            found = [p for c in t.checks for p in check_plots(c)]
            plots[t.id] = sorted(found, key=lambda p: p.kind == "wrong_elements")
    return page(request, "submission.html", viewer, sub=out, a=row, course=seen.course,
                instructor=seen.instructor, staff=seen.staff, owner=owner,
                overrides={o.todo: o for o in (out.review.overrides if out.review else [])},
                plots=plots, pending=out.status in PENDING, code=code, waiting=waiting,
                poll_ms=int(svc.settings.portal_poll_seconds * 1000))


@router.get("/submissions/{submission_id}/status")
def submission_status(submission_id: int, viewer: Page, svc: Svc) -> JSONResponse:
    """``{"status", "score", "max_score"}`` for the page's live status (and, while queued,
    ``waiting``: the place in the queue and a rough wait)."""
    with svc.store.read() as s:
        seen = submission_seen(s, submission_id, viewer.user)
        assert seen.submission is not None
        sub = seen.submission
        body = {"id": sub.id, "status": sub.status, "score": sub.score,
                "max_score": sub.max_score}
        waiting = waiting_of(s, sub, svc.settings.workers)
        if waiting is not None:
            body["waiting"] = waiting.sentence()
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/submissions/{submission_id}/regrade")
def regrade_one(submission_id: int, viewer: Post, svc: Svc) -> Response:
    """Regrade one submission now (instructors)."""
    with svc.store.write() as s:
        seen = submission_seen(s, submission_id, viewer.user, instructor=True)
        assert seen.submission is not None and seen.assignment is not None
        job_rows.regrade(s, seen.assignment, viewer.user, [seen.submission], False)
    svc.queue.notify()
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


def _batch(svc: Svc, regrade_id: int, viewer: Page, commit: bool) -> tuple:
    with svc.store.write() as s:
        batch, row = regrade_seen(s, regrade_id, viewer.user)
        if commit:
            job_rows.commit_regrade(s, batch)
        lines = job_rows.regrade_lines(s, batch)
        out = regrade_out(batch.id, row.slug, batch.dry_run, batch.committed_at is not None,
                          lines)
        course = row.course.slug
    return out, course


@router.get("/regrades/{regrade_id}")
def regrade_page(request: Request, regrade_id: int, viewer: Page, svc: Svc) -> HTMLResponse:
    """A regrade's progress and its diff (old and new score per submission)."""
    out, course = _batch(svc, regrade_id, viewer, commit=False)
    return page(request, "regrade.html", viewer, batch=out, course=course,
                pending=out.status == "running",
                poll_ms=int(svc.settings.portal_poll_seconds * 1000))


@router.get("/regrades/{regrade_id}/status")
def regrade_status(regrade_id: int, viewer: Page, svc: Svc) -> JSONResponse:
    """``{"status", "done", "total"}`` for the page's live status."""
    out, _ = _batch(svc, regrade_id, viewer, commit=False)
    done = sum(1 for line in out.lines if line.status == "done")
    return JSONResponse({"id": out.id, "status": out.status, "done": done,
                         "total": len(out.lines)}, headers={"Cache-Control": "no-store"})


@router.post("/regrades/{regrade_id}/commit")
def commit(regrade_id: int, viewer: Post, svc: Svc) -> Response:
    """Apply a finished dry run."""
    _batch(svc, regrade_id, viewer, commit=True)
    return RedirectResponse(f"/regrades/{regrade_id}?msg=committed", status_code=303)
