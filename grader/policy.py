"""Late and resubmission policies: pure functions over dates and counts.

- ``LatePolicy``: ``percent_per_day`` is taken off for every started day after the due date
  (after ``grace_minutes``), up to ``max_percent``; past ``last_day`` days late a submission is
  not accepted (score 0).
- ``SubmissionLimit``: at most ``max_submissions`` count; each submission beyond
  ``free_submissions`` costs ``penalty_percent`` (of the score) more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field


class LatePolicy(BaseModel):
    """How lateness reduces a score (see the module docstring)."""

    percent_per_day: float = Field(0.0, ge=0, le=100)
    max_percent: float = Field(100.0, ge=0, le=100)
    last_day: int | None = Field(None, ge=0, description="Days late after which a submission "
                                                           "is not accepted.")
    grace_minutes: int = Field(0, ge=0)


class SubmissionLimit(BaseModel):
    """How many submissions count, and what extra ones cost."""

    max_submissions: int | None = Field(None, ge=1)
    free_submissions: int | None = Field(None, ge=1)
    penalty_percent: float = Field(0.0, ge=0, le=100)


@dataclass(frozen=True)
class Adjustment:
    """Multiply the raw score by ``factor``; ``reason`` says why (empty if nothing applies)."""

    factor: float
    reason: str
    accepted: bool = True


def late_adjustment(policy: LatePolicy, due: datetime | None, submitted: datetime
                    ) -> Adjustment:
    """The late penalty of a submission made at ``submitted`` for a due date ``due``."""
    if due is None:
        return Adjustment(1.0, "")
    late = submitted - due - timedelta(minutes=policy.grace_minutes)
    if late <= timedelta(0):
        return Adjustment(1.0, "")
    days = math.ceil(late.total_seconds() / 86400)
    if policy.last_day is not None and days > policy.last_day:
        return Adjustment(0.0, f"submitted {days} day(s) late; submissions more than "
                               f"{policy.last_day} day(s) late are not accepted", False)
    percent = min(policy.max_percent, policy.percent_per_day * days)
    if percent <= 0:
        return Adjustment(1.0, f"submitted {days} day(s) late (no penalty)")
    return Adjustment(1 - percent / 100, f"submitted {days} day(s) late: -{percent:g}%")


def resubmission_adjustment(limit: SubmissionLimit, number: int) -> Adjustment:
    """The adjustment for the ``number``-th submission (1-based) of a student."""
    if limit.max_submissions is not None and number > limit.max_submissions:
        return Adjustment(0.0, f"submission {number} is over the limit of "
                               f"{limit.max_submissions}; it does not count", False)
    if limit.free_submissions is not None and number > limit.free_submissions \
            and limit.penalty_percent > 0:
        extra = number - limit.free_submissions
        percent = min(100.0, extra * limit.penalty_percent)
        return Adjustment(1 - percent / 100, f"resubmission {number}: -{percent:g}%")
    return Adjustment(1.0, "")


def combine(*adjustments: Adjustment) -> Adjustment:
    """Apply several adjustments one after the other."""
    factor = 1.0
    reasons = []
    accepted = True
    for a in adjustments:
        factor *= a.factor
        accepted = accepted and a.accepted
        if a.reason:
            reasons.append(a.reason)
    return Adjustment(factor, "; ".join(reasons), accepted)
