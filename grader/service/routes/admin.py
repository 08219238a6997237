"""The admin view of the grading queue."""

from __future__ import annotations

from fastapi import APIRouter

from ..admin import QueueReport, queue_report
from ..deps import Admin, Svc

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


@router.get("/queue")
def get_queue(admin: Admin, svc: Svc, inspect: bool = True) -> QueueReport:
    """Queue depth per lane (database and broker), workers with their heartbeats (and, with
    ``inspect``, those answering the broker now), throughput over the last 1/5/15/60 minutes,
    jobs retried after a worker died, recent failures and running jobs (admins)."""
    return queue_report(svc, inspect=inspect)
