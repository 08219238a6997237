"""The admin view of the grading queue: what is waiting (database and broker), who grades
(workers and their heartbeats), how fast (throughput over recent windows) and what failed."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from ..store import stats
from ..store import workers as worker_rows
from ..store.models import utcnow
from .deps import Services


class LaneCounts(BaseModel):
    queued: int
    running: int
    done: int


class WorkerOut(BaseModel):
    name: str
    hostname: str
    pid: int
    queues: str
    concurrency: int
    sandbox: str
    started_at: datetime
    seen_at: datetime = Field(description="Last heartbeat.")
    alive: bool = Field(description="Heartbeat within three sweeps and not stopped.")
    stopped_at: datetime | None = None
    running_jobs: int


class WindowOut(BaseModel):
    window_seconds: int
    finished: int
    failed: int
    per_minute: float
    mean_wait_seconds: float | None = Field(description="Queued to started.")
    mean_run_seconds: float | None = Field(description="Started to finished.")


class FailureOut(BaseModel):
    submission_id: int
    job_id: int
    kind: str
    assignment: str
    worker: str | None
    at: datetime
    reason: str = Field(description="The instructor's failure text in one line (for an "
                                    "internal error, the exception).")


class RunningOut(BaseModel):
    job_id: int
    kind: str
    submission_id: int
    worker: str | None
    attempts: int
    started_at: datetime | None
    heartbeat_at: datetime | None


class QueueReport(BaseModel):
    """``GET /api/v1/admin/queue``."""

    backend: str = Field(description="embedded (the server's threads) or celery.")
    queue: dict = Field(description="The backend's description (as in /health).")
    lanes: dict[str, LaneCounts] = Field(description="Jobs per lane (interactive: students' "
                                                     "submissions; bulk: regrades) and status.")
    oldest_queued_seconds: float | None
    broker: dict | None = Field(None, description="celery: messages waiting per lane, "
                                                  "messages held by workers (unacked).")
    live_workers: dict | None = Field(None, description="celery: workers answering a ping "
                                                        "now, and their active gradings.")
    workers: list[WorkerOut]
    throughput: list[WindowOut]
    retried_last_hour: int = Field(description="Jobs finished in the last hour that had to "
                                               "be started again (a worker died).")
    recent_failures: list[FailureOut]
    running: list[RunningOut]


def queue_report(svc: Services, inspect: bool = True) -> QueueReport:
    """The admin view now (``inspect``: also ask the workers over the broker, up to 1 s)."""
    now = utcnow()
    live = svc.queue.status(inspect=inspect)
    alive_after = now - timedelta(seconds=3 * svc.settings.sweep_seconds)
    with svc.store.read() as s:
        lanes = stats.lanes(s)
        running = stats.running(s)
        rows = worker_rows.recent(s, now - timedelta(hours=1))
        report = dict(
            lanes={k: LaneCounts(**v) for k, v in lanes.items()},
            oldest_queued_seconds=stats.oldest_queued_seconds(s, now),
            throughput=[WindowOut(**w) for w in stats.throughput(s, now)],
            retried_last_hour=stats.retried(s, now - timedelta(hours=1)),
            recent_failures=[FailureOut(**f) for f in stats.recent_failures(s)],
            running=[RunningOut(**r) for r in running])
    per_worker: dict[str, int] = {}
    for r in running:
        per_worker[r["worker"] or "?"] = per_worker.get(r["worker"] or "?", 0) + 1
    workers = [WorkerOut(name=w.name, hostname=w.hostname, pid=w.pid, queues=w.queues,
                         concurrency=w.concurrency, sandbox=w.sandbox, started_at=w.started_at,
                         seen_at=w.seen_at, stopped_at=w.stopped_at,
                         alive=w.stopped_at is None and w.seen_at >= alive_after,
                         running_jobs=per_worker.get(w.name, 0)) for w in rows]
    desc = svc.queue.describe()
    if svc.settings.queue == "embedded":  # the server's own worker processes
        name = f"embedded@{socket.gethostname()}"
        workers.append(WorkerOut(name=name, hostname=socket.gethostname(), pid=0,
                                 queues="interactive,bulk", concurrency=svc.settings.workers,
                                 sandbox=str(desc.get("sandbox", "")), started_at=now,
                                 seen_at=now, alive=True,
                                 running_jobs=sum(per_worker.values())))
    return QueueReport(backend=svc.settings.queue, queue=desc, broker=live.get("broker"),
                       live_workers=live.get("live"), workers=workers, **report)
