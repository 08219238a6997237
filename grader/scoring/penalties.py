"""Late and resubmission penalties (pure functions over a policy and a submission's facts).

- Lateness is counted in started days: one second past the due date is one day late.
- The late penalty is ``late_percent_per_day`` per day, at most ``late_cap_percent``.
- A submission more than ``late_days_accepted`` days late is refused (``None``: always taken).
- The ``n``-th submission (n > 1) costs ``(n - 1) * resubmission_penalty_percent``.
- Penalties add up, at most 100%; the final score is ``score * (1 - penalty / 100)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    student."""
    late = min(policy.late_cap_percent, days_late * policy.late_percent_per_day)
    resub = max(0, attempt - 1) * policy.resubmission_penalty_percent
    return float(min(100.0, max(0.0, late) + max(0.0, resub)))


def final_score(score: float, penalty: float) -> float:
    """``score`` less ``penalty`` percent, rounded to 4 decimals."""
    return round(score * (1.0 - penalty / 100.0), 4)
