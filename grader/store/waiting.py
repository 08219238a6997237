"""Where a queued submission stands: its place in the grading queue and a rough wait, for
the submission's page while it waits."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Job, Submission
from .submissions import pending_job, typical_grading_seconds


@dataclass
class Waiting:
    """``position`` 1 is next; ``running``: gradings under way; ``seconds``: a rough wait
    (None until a grading has finished, to measure one by)."""

    position: int
    running: int
    seconds: int | None

    def sentence(self) -> str:
        """As the page says it."""
        ahead = self.position - 1
        text = (f"position {self.position} in the queue: " +
                ("you are next" if ahead == 0 else
                 f"{ahead} submission{'s' if ahead != 1 else ''} ahead of yours") +
                f", {self.running} being graded now")
        if self.seconds is not None:
            text += f"; about {self.seconds} s to wait" if self.seconds < 120 else \
                f"; about {math.ceil(self.seconds / 60)} min to wait"
        return text


def waiting_of(s: Session, sub: Submission, workers: int) -> Waiting | None:
    """Where ``sub`` stands while it is queued (None when it is not queued). The queue is
    fair between students, so the position counts the jobs queued before this one: an
    estimate, as is the wait (the recent gradings' mean time per worker)."""
    job = pending_job(s, sub)
    if job is None or job.status != "queued":
        return None
    kinds = ("grade", "regrade")
    ahead = s.scalar(select(func.count(Job.id)).where(
        Job.kind.in_(kinds), Job.status == "queued", Job.id < job.id)) or 0
    running = s.scalar(select(func.count(Job.id)).where(
        Job.kind.in_(kinds), Job.status == "running")) or 0
    per = typical_grading_seconds(s)
    seconds = None
    if per is not None:
        seconds = max(1, math.ceil((ahead + 1 + running) * per / max(1, workers)))
    return Waiting(position=ahead + 1, running=running, seconds=seconds)
