"""Accepting a submission: read the upload, check it can be laid out, store it, queue it.

Everything that can be refused is refused before anything is stored; once stored (submission
and job in one transaction), the answer is 202 and the queue is told.
"""

from __future__ import annotations

from ..store.models import User, utcnow
from ..store.submissions import create_submission
from ..submission import files_submission, read_uploads
from .access import assignment_seen
from .deps import Services
from .schemas import SubmissionAccepted


def accept_submission(svc: Services, course: str, assignment: str, user: User,
                      uploads: list[tuple[str, bytes]]) -> SubmissionAccepted:
    """Store ``uploads`` as a new submission of ``user`` and queue its grading.

    Raises:
        StoreError: unknown course/assignment, not enrolled, past the deadline, out of
            submissions. SubmissionError (SubmissionTooLarge): files that cannot be graded.
    """
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        loaded = svc.runner.assignment(seen.assignment, s)
    raw = read_uploads(uploads, svc.settings)
    files_submission(raw, loaded, svc.settings)  # refuses what could not be graded
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        sub = create_submission(s, seen.assignment, user, raw, [n for n, _ in uploads],
                                utcnow())
        accepted = SubmissionAccepted(id=sub.id, status="queued", attempt=sub.attempt,
                                      late_days=sub.late_days,
                                      url=f"/api/v1/submissions/{sub.id}")
    svc.queue.notify()
    return accepted
