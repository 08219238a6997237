"""The grade a submission carries: its lateness and penalty under the student's policy
(extensions included) and its final score, and which submission of a student counts.

``Submission.score`` is the score before penalties with TA overrides applied (``review``);
the final score takes the late and resubmission penalties off it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..scoring.penalties import extended, final_score, late_days, penalty_percent
from .assignments import policy_of
from .extensions import as_policy, extension_of
from .models import Assignment, Extension, Submission


def lateness(sub: Submission, row: Assignment, ext: Extension | None) -> int:
    """Started days ``sub`` was late for its student: against their extended due date if
    they have one (also for submissions made before it was granted), else as recorded when
    it was submitted."""
    if ext is not None and ext.due_at is not None:
        policy = extended(policy_of(row), as_policy(ext))
        return late_days(policy.due_at, sub.created_at)
    return sub.late_days


def penalty_of(sub: Submission, row: Assignment, ext: Extension | None) -> float:
    """The penalty (percent) ``sub`` carries under ``row`` 's policy, extended by ``ext``."""
    policy = extended(policy_of(row), as_policy(ext))
    return penalty_percent(policy, lateness(sub, row, ext), sub.attempt)


def final_of(sub: Submission, row: Assignment, ext: Extension | None) -> float | None:
    """``sub`` 's score after penalties (None until graded)."""
    if sub.score is None:
        return None
    return final_score(sub.score, penalty_of(sub, row, ext))


def counted_submission(s: Session, row: Assignment, user_id: int) -> Submission | None:
    """The submission of a student that counts for ``row`` (their latest)."""
    return s.scalar(select(Submission).where(Submission.assignment_id == row.id,
                                             Submission.user_id == user_id)
                    .order_by(Submission.id.desc()).limit(1))


def counted_final(s: Session, row: Assignment, user_id: int
                  ) -> tuple[Submission | None, float | None]:
    """The counted submission of a student and its final score."""
    sub = counted_submission(s, row, user_id)
    if sub is None:
        return None, None
    return sub, final_of(sub, row, extension_of(s, row, user_id))
