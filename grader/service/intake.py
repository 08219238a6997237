"""Accepting a submission: refuse what can be refused cheaply, read the upload, check it can
be laid out, store it, queue it.

The order matters for availability: the caller's access (token, course membership, a
published assignment), the deadline and submission limit, the per-student rate limit and the
cap on submissions waiting to be graded are all checked on a few indexed rows before the
upload's content is looked at; only then are its files read (size limits) and laid out (a
notebook is reduced to its definitions, which is linear in its size and bounded by
``notebook_code_kb`` and ``notebook_cpu_seconds``). Everything that can be refused is refused
before anything is stored; the checks run again in the storing transaction (a concurrent
request of the same student may have been stored meanwhile). Once stored (submission and job
in one transaction), the answer is 202 and the queue is told.
"""

from __future__ import annotations

import logging

from ..config import Settings
from ..store.extensions import extension_of
from ..store.grades import lateness
from ..store.models import User, utcnow
from ..store.submissions import Quota, admission, create_submission, pending_job
from ..submission import files_submission, read_uploads
from ..telemetry.logs import current
from .access import assignment_seen
from .deps import Services
from .schemas import SubmissionAccepted

log = logging.getLogger("grader.service")


def quota_for(settings: Settings, instructor: bool) -> Quota | None:
    """The submission quota of a caller (course instructors have none)."""
    if instructor:
        return None
    return Quota(per_hour=settings.submissions_per_hour,
                 pending=settings.max_pending_per_student,
                 grading_seconds=settings.grading_seconds)


def accept_submission(svc: Services, course: str, assignment: str, user: User,
                      uploads: list[tuple[str, bytes]]) -> SubmissionAccepted:
    """Store ``uploads`` as a new submission of ``user`` and queue its grading.

    Raises:
        StoreError: unknown course/assignment, not enrolled, past the deadline, out of
            submissions (403), over the rate limit or with too many submissions waiting
            (429). SubmissionError (SubmissionTooLarge): files that cannot be graded.
    """
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        quota = quota_for(svc.settings, seen.instructor)
        admission(s, seen.assignment, user, utcnow(), quota)
        loaded = svc.runner.assignment(seen.assignment, s)
    raw = read_uploads(uploads, svc.settings)
    files_submission(raw, loaded, svc.settings)  # refuses what could not be graded
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        sub = create_submission(s, seen.assignment, user, raw, [n for n, _ in uploads],
                                utcnow(), quota_for(svc.settings, seen.instructor))
        job = pending_job(s, sub)
        if job is not None:  # the logs follow this request's id into the worker
            job.request_id = current("request_id")
        late = lateness(sub, seen.assignment, extension_of(s, seen.assignment, user))
        accepted = SubmissionAccepted(id=sub.id, status="queued", attempt=sub.attempt,
                                      late_days=late,
                                      url=f"/api/v1/submissions/{sub.id}")
    log.info("submission accepted", extra={"submission_id": accepted.id, "course": course,
                                           "assignment": assignment})
    svc.queue.notify()
    return accepted
