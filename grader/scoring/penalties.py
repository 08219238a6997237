"""Late and resubmission penalties (pure functions over a policy and a submission's facts).

- Lateness is counted in started days: one second past the due date is one day late.
- The late penalty is ``late_percent_per_day`` per day, at most ``late_cap_percent``.
- A submission more than ``late_days_accepted`` days late is refused (``None``: always taken).
- The ``n``-th submission (n > 1) costs ``(n - 1) * resubmission_penalty_percent``.
- Penalties add up, at most 100%; the final score is ``score * (1 - penalty / 100)``.
- A student's ``Extension`` (``extended``) may move their due date later, excuse late days
  (``free_late_days``: that many started days late carry no penalty, and the last accepted
  day moves as far) and add submissions to the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class Policy:
    """An assignment's due date, late policy and submission limit."""

    due_at: datetime | None = None
    late_percent_per_day: float = 0.0
    late_cap_percent: float = 100.0
    late_days_accepted: int | None = None
    max_submissions: int | None = None
    resubmission_penalty_percent: float = 0.0
    free_late_days: int = 0


@dataclass(frozen=True)
class Extension:
    """What one student was granted on top of an assignment's policy."""

    due_at: datetime | None = None
    extra_late_days: int = 0
    extra_submissions: int = 0


def extended(policy: Policy, ext: Extension | None) -> Policy:
    """``policy`` as it applies to a student with extension ``ext`` (None: unchanged).

    A later ``due_at`` replaces the due date (never an earlier one); ``extra_late_days`` are
    excused late days (no penalty, and the last accepted day moves as far);
    ``extra_submissions`` raise the limit.
    """
    if ext is None:
        return policy
    accepted = policy.late_days_accepted
    limit = policy.max_submissions
    due = policy.due_at
    if ext.due_at is not None:
        due = ext.due_at if due is None else max(due, ext.due_at)
    return replace(
        policy, due_at=due,
        late_days_accepted=None if accepted is None else accepted + ext.extra_late_days,
        max_submissions=None if limit is None else limit + ext.extra_submissions,
        free_late_days=policy.free_late_days + ext.extra_late_days)


def late_days(due_at: datetime | None, submitted_at: datetime) -> int:
    """Started days past the due date (0 when on time or without a due date)."""
    if due_at is None or submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at).total_seconds() / 86400)


def refusal(policy: Policy, submitted_at: datetime, previous: int) -> str | None:
    """Why a new submission is refused (past the last accepted day, out of attempts), if so."""
    if policy.max_submissions is not None and previous >= policy.max_submissions:
        return (f"you have used all {policy.max_submissions} submissions allowed for this "
                "assignment; ask your instructor if you need another")
    days = late_days(policy.due_at, submitted_at)
    if policy.late_days_accepted is not None and days > policy.late_days_accepted:
        assert policy.due_at is not None
        return (f"the assignment was due {policy.due_at.isoformat()} and late submissions "
                f"are accepted for {policy.late_days_accepted} day(s); this one would be "
                f"{days} day(s) late")
    return None


def penalty_percent(policy: Policy, days_late: int, attempt: int) -> float:
    """Total penalty in percent for a submission ``days_late`` late, ``attempt``-th of its
    student (the policy's ``free_late_days`` are not charged)."""
    charged = max(0, days_late - policy.free_late_days)
    late = min(policy.late_cap_percent, charged * policy.late_percent_per_day)
    resub = max(0, attempt - 1) * policy.resubmission_penalty_percent
    return float(min(100.0, max(0.0, late) + max(0.0, resub)))


def final_score(score: float, penalty: float) -> float:
    """``score`` less ``penalty`` percent, rounded to 4 decimals."""
    return round(score * (1.0 - penalty / 100.0), 4)
