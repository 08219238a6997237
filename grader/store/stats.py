"""What the admin view reports about the queue: jobs per lane and status, throughput and
timings over recent windows, jobs that ran more than once, recent failures, running jobs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .jobs import lane
from .models import Assignment, Grading, Job, Submission

#: Windows of the throughput figures, seconds.
WINDOWS = (60, 300, 900, 3600)


def lanes(s: Session) -> dict[str, dict[str, int]]:
    """Jobs per lane (interactive, bulk) and status (queued, running, done)."""
    out = {name: {"queued": 0, "running": 0, "done": 0} for name in ("interactive", "bulk")}
    for kind, status, n in s.execute(select(Job.kind, Job.status, func.count(Job.id))
                                     .group_by(Job.kind, Job.status)):
        out[lane(kind)][status] = out[lane(kind)].get(status, 0) + n
    return out


def oldest_queued_seconds(s: Session, now: datetime) -> float | None:
    """How long the oldest queued job has waited (None: nothing queued)."""
    first = s.scalar(select(func.min(Job.created_at)).where(Job.status == "queued"))
    if first is None:
        return None
    if first.tzinfo is None:  # SQLite's min() returns the stored text, read back naive
        first = first.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - first).total_seconds())


def throughput(s: Session, now: datetime) -> list[dict]:
    """Per window: jobs finished, of which failed, per minute, and the mean wait (queued to
    started) and run (started to finished) of those jobs, seconds."""
    since = now - timedelta(seconds=max(WINDOWS))
    rows = list(s.execute(select(Job.created_at, Job.started_at, Job.finished_at,
                                 Grading.status)
                          .join(Grading, Grading.job_id == Job.id)
                          .where(Job.finished_at >= since)))
    out = []
    for window in WINDOWS:
        start = now - timedelta(seconds=window)
        chosen = [r for r in rows if r.finished_at >= start]
        waits = [(r.started_at - r.created_at).total_seconds() for r in chosen if r.started_at]
        runs = [(r.finished_at - r.started_at).total_seconds() for r in chosen if r.started_at]
        out.append({"window_seconds": window, "finished": len(chosen),
                    "failed": sum(r.status == "failed" for r in chosen),
                    "per_minute": round(len(chosen) * 60 / window, 2),
                    "mean_wait_seconds": _mean(waits), "mean_run_seconds": _mean(runs)})
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def retried(s: Session, since: datetime) -> int:
    """Jobs finished since ``since`` that had to be started more than once (a worker died)."""
    return s.scalar(select(func.count(Job.id)).where(Job.finished_at >= since,
                                                     Job.attempts > 1)) or 0


def recent_failures(s: Session, limit: int = 10) -> list[dict]:
    """The latest failed gradings: which submission, assignment and job, when, and why (the
    instructor's failure text in one line)."""
    rows = s.execute(select(Grading.id, Grading.submission_id, Grading.job_id,
                            Grading.created_at, Grading.result, Job.kind, Job.worker,
                            Assignment.slug)
                     .join(Job, Job.id == Grading.job_id)
                     .join(Submission, Submission.id == Grading.submission_id)
                     .join(Assignment, Assignment.id == Submission.assignment_id)
                     .where(Grading.status == "failed")
                     .order_by(Grading.id.desc()).limit(limit))
    out = []
    for r in rows:
        try:
            failure = json.loads(r.result).get("failure") or ""
        except ValueError:
            failure = ""
        out.append({"submission_id": r.submission_id, "job_id": r.job_id, "kind": r.kind,
                    "assignment": r.slug, "worker": r.worker, "at": r.created_at,
                    "reason": _reason(failure)})
    return out


def _reason(failure: str) -> str:
    """One line saying why: a traceback's last line (the exception), else the first line."""
    lines = [line.strip() for line in failure.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].startswith("internal error") and len(lines) > 1:
        return f"internal error: {lines[-1]}"[:300]
    return lines[0][:300]


def running(s: Session, limit: int = 100) -> list[dict]:
    """Running jobs: id, kind, submission, worker, started and last heartbeat."""
    rows = s.execute(select(Job).where(Job.status == "running").order_by(Job.id).limit(limit))
    return [{"job_id": j.id, "kind": j.kind, "submission_id": j.submission_id,
             "worker": j.worker, "attempts": j.attempts, "started_at": j.started_at,
             "heartbeat_at": j.heartbeat_at} for (j,) in rows]
