"""The rows of grading processes (``grader worker``): registered at start, renewed by each
sweep (their heartbeat), marked stopped at a clean exit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Worker, utcnow


def beat(s: Session, name: str, hostname: str, pid: int, queues: str, concurrency: int,
         sandbox: str) -> Worker:
    """Create or renew the row of worker ``name`` (seen now, running)."""
    now = utcnow()
    row = s.scalar(select(Worker).where(Worker.name == name))
    if row is None:
        row = Worker(name=name, started_at=now)
        s.add(row)
    row.hostname, row.pid, row.queues = hostname[:200], pid, queues[:200]
    row.concurrency, row.sandbox = concurrency, sandbox[:16]
    row.seen_at, row.stopped_at = now, None
    s.flush()
    return row


def stopped(s: Session, name: str) -> None:
    """Mark worker ``name`` as stopped (a clean shutdown)."""
    row = s.scalar(select(Worker).where(Worker.name == name))
    if row is not None:
        row.stopped_at = utcnow()
        s.flush()


def recent(s: Session, since: datetime) -> list[Worker]:
    """Workers seen since ``since``, by name."""
    return list(s.scalars(select(Worker).where(Worker.seen_at >= since).order_by(Worker.name)))
