"""Which submission counts, as the service changes it: an instructor sets an assignment's
``submission_policy``, a student chooses their active submission (policy ``chosen``). Either
can change the score that counts, so both queue the students' scores again for the LMS (the
outbox posts only what changed hands; see ``grader.store.lti``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import audit
from ..store.errors import Invalid
from ..store.grades import SUBMISSION_POLICIES, choose_submission
from ..store.lti import queue_student
from ..store.models import Assignment, Submission, User


def set_policy(s: Session, row: Assignment, policy: str, by: User) -> bool:
    """Set ``row`` 's submission policy; True if it changed (then every student's counted
    score is queued for the LMS again).

    Raises:
        Invalid: an unknown policy.
    """
    if policy not in SUBMISSION_POLICIES:
        raise Invalid(f"unknown submission policy {policy[:40]!r}; use one of "
                      f"{', '.join(SUBMISSION_POLICIES)}")
    if (row.submission_policy or "latest") == policy:
        return False
    old = row.submission_policy or "latest"
    row.submission_policy = policy
    s.flush()
    audit.record(s, row.course_id, "assignment.submission_policy", by,
                 assignment_id=row.id, old=old, new=policy)
    requeue_all(s, row, f"submission policy: {policy}")
    return True


def requeue_all(s: Session, row: Assignment, reason: str) -> int:
    """Queue every student's counted score of ``row`` for the LMS again."""
    users = s.scalars(select(Submission.user_id).where(Submission.assignment_id == row.id)
                      .distinct())
    return sum(queue_student(s, row, uid, reason) for uid in users)


def choose(s: Session, row: Assignment, user: User, sub: Submission) -> None:
    """Make ``sub`` ``user`` 's active submission (see ``choose_submission``) and queue its
    score for the LMS."""
    choose_submission(s, row, user, sub)
    audit.record(s, row.course_id, "submission.choose", user, assignment_id=row.id,
                 subject_id=user.id, submission_id=sub.id, attempt=sub.attempt)
    queue_student(s, row, user.id, "active submission chosen")
