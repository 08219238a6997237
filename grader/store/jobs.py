"""The queue's rows: claiming jobs, recording results, recovering after a crash, regrades.

A job is claimed by an atomic ``queued -> running`` update carrying a fresh claim token; its
result is recorded only by the holder of that claim, in one transaction with the job's end.
So a job whose server died mid-grading (re-queued at the next start) is graded again, but only
one result is ever recorded for it.

With several processes on one database (the scale-out queue), a claim is also a lease: its
holder renews ``heartbeat_at`` while grading; a running job whose heartbeat is older than the
lease is re-queued by whoever sweeps first (one conditional update, so exactly once), and the
dead holder's claim is void. ``enqueued_at`` records when a broker message was last sent for a
queued job, so messages lost between a commit and the send are sent again. A message is a
turn in its lane (``claim_turn``): every queued job is owed one, and a turn that takes a job
whose own message is not sent yet hands that job's debt to the turn's job, so no queued job is
ever left without a message.

Interactive jobs (``grade``) are taken before bulk ones (``regrade``, ``preview``). Within a
lane, claims are fair across students (``next_fair``): the next job is the oldest queued job
of the student with the fewest jobs running, among those the one served least recently (whose
latest job started longest ago, or never), so one student's pile of slow submissions delays
another student's by at most the gradings already running. The service also caps how many
submissions one student may have waiting (``grader.store.submissions.admission``).

Kinds: ``grade`` (a new submission), ``regrade`` (applied at once), ``preview`` (a dry-run
regrade: recorded but not applied until the regrade is committed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from ..report.models import GradeResult
from .errors import Conflict, NotFound
from .lti import queue_score
from .models import Assignment, Grading, Job, Regrade, Submission, User, in_id_range, utcnow
from .review import with_overrides
from .submissions import current_grading, pending_job


def new_claim() -> str:
    """A fresh claim token."""
    return uuid.uuid4().hex


#: Job kinds a student is waiting for; the others are bulk work (regrades).
INTERACTIVE = ("grade",)


def lane(kind: str) -> str:
    """``interactive`` for a job a student waits for, else ``bulk``."""
    return "interactive" if kind in INTERACTIVE else "bulk"


LANES = ("interactive", "bulk")


def in_lane(lane_name: str) -> ColumnElement[bool]:
    """The condition on ``Job.kind`` of the jobs of lane ``lane_name``."""
    return Job.kind.in_(INTERACTIVE) if lane_name == "interactive" \
        else Job.kind.not_in(INTERACTIVE)


def next_fair(s: Session, lane_name: str) -> int | None:
    """The id of the job of lane ``lane_name`` to claim next, fairly across students: the
    oldest queued job of the student with the fewest running jobs, ties broken by the
    student served least recently (latest start of any of their jobs, never first), then by
    job id. Jobs without a submission count as one owner of their own."""
    owner = Submission.user_id
    heads = (select(owner.label("owner"), func.min(Job.id).label("job_id"))
             .select_from(Job).outerjoin(Submission, Submission.id == Job.submission_id)
             .where(Job.status == "queued", in_lane(lane_name))
             .group_by(owner).subquery())
    ran, ran_sub = aliased(Job), aliased(Submission)
    running = (select(func.count(ran.id)).select_from(ran)
               .join(ran_sub, ran_sub.id == ran.submission_id)
               .where(ran_sub.user_id == heads.c.owner, ran.status == "running")
               .scalar_subquery())
    old, old_sub = aliased(Job), aliased(Submission)
    served = (select(func.max(old.started_at)).select_from(old)
              .join(old_sub, old_sub.id == old.submission_id)
              .where(old_sub.user_id == heads.c.owner).scalar_subquery())
    return s.scalar(select(heads.c.job_id)
                    .order_by(running, case((served.is_(None), 0), else_=1), served,
                              heads.c.job_id).limit(1))


def claim_next(s: Session, claim: str, worker: str | None = None,
               lane_name: str | None = None) -> Job | None:
    """Take the next queued job (None if none): of lane ``lane_name``, or interactive ones
    first; within a lane fairly across students (``next_fair``)."""
    for this_lane in (lane_name,) if lane_name else LANES:
        while True:
            job_id = next_fair(s, this_lane)
            if job_id is None:
                break
            job = claim_job(s, job_id, claim, worker)
            if job is not None:
                return job
    return None


def claim_turn(s: Session, turn_id: int, claim: str, worker: str | None = None,
               stale_before: datetime | None = None) -> Job | None:
    """Take the job due next in the lane of job ``turn_id``, whose broker message is being
    handled; None if there is nothing to do (``turn_id`` does not exist, or nothing is
    queued and job ``turn_id`` is not running under a lease older than ``stale_before``).

    The message was job ``turn_id``'s turn. If the job taken has no message yet (it was
    queued, or re-queued from a dead worker, a moment ago and its message is about to be
    sent), that message is no longer owed; job ``turn_id``, if still queued, is owed one
    instead (``enqueued_at`` cleared, so ``take_unsent`` sends it). Without this hand-over,
    the taken job's message would be skipped (it is no longer queued) and job ``turn_id``
    would wait for ``job_republish_seconds``."""
    kind = s.scalar(select(Job.kind).where(Job.id == turn_id)) if in_id_range(turn_id) \
        else None
    if kind is None:
        return None
    job = claim_next(s, claim, worker, lane_name=lane(kind)) \
        or claim_job(s, turn_id, claim, worker, stale_before=stale_before)
    if job is not None and job.enqueued_at is None:
        job.enqueued_at = utcnow()  # served by this turn: no message owed any more
        if job.id != turn_id:
            s.execute(update(Job).where(Job.id == turn_id, Job.status == "queued")
                      .values(enqueued_at=None))
    return job


def claim_job(s: Session, job_id: int, claim: str, worker: str | None = None,
              stale_before: datetime | None = None) -> Job | None:
    """Take job ``job_id`` if it is queued, or (with ``stale_before``) running under a lease
    whose last heartbeat is older than that; None if it is not to be taken (someone holds
    it, or it is done)."""
    now = utcnow()
    takeable = Job.status == "queued"
    if stale_before is not None:
        takeable = or_(takeable, and_(Job.status == "running",
                                      Job.heartbeat_at < stale_before))
    res = s.execute(update(Job).where(Job.id == job_id, takeable)
                    .values(status="running", claim=claim, started_at=now, heartbeat_at=now,
                            worker=worker, attempts=Job.attempts + 1))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = s.get(Job, job_id, populate_existing=True)
    assert job is not None
    if job.kind == "grade":
        s.execute(update(Submission).where(Submission.id == job.submission_id)
                  .values(status="running"))
    return job


def record_result(s: Session, job_id: int, claim: str, result: GradeResult,
                  fixtures_digest: str = "") -> Grading | None:
    """Record ``result`` for the job and end it, if ``claim`` still holds it (else None)."""
    job = s.get(Job, job_id, populate_existing=True)
    if job is None or job.status != "running" or job.claim != claim:
        return None
    now = utcnow()
    applied = job.kind != "preview"
    grading = Grading(submission_id=job.submission_id, job_id=job.id, applied=applied,
                      status=result.status, score=result.score, max_score=result.max_score,
                      grader_version=result.grader_version, fixtures_digest=fixtures_digest,
                      sandbox=result.sandbox[:16], result=result.model_dump_json(),
                      created_at=now)
    s.add(grading)
    job.status = "done"
    job.finished_at = now
    s.flush()
    if applied:
        _refresh(s, job.submission_id)
    return grading


def _refresh(s: Session, submission_id: int) -> None:
    """Copy the current (latest applied) grading's summary onto the submission, with TA
    overrides applied, and queue the new score for the LMS (if the course is linked)."""
    sub = s.get(Submission, submission_id)
    assert sub is not None
    g = current_grading(s, sub)
    if g is not None:
        sub.status, sub.score, sub.max_score, sub.graded_at = (
            g.status, g.score, g.max_score, g.created_at)
        with_overrides(s, sub, g)
    s.flush()
    queue_score(s, sub, "graded")


def requeue_running(s: Session, claim: str | None = None) -> int:
    """Put every running job back in the queue (at the start of the only server of a
    database: whatever was running died with the previous process), or only the one held
    under ``claim`` (its worker process died). Returns how many."""
    running = select(Job.id).where(Job.status == "running")
    if claim is not None:
        running = running.where(Job.claim == claim)
    ids = list(s.scalars(running))
    if not ids:
        return 0
    s.execute(update(Job).where(Job.id.in_(ids)).values(status="queued", claim=None))
    graded = select(Job.submission_id).where(Job.id.in_(ids), Job.kind == "grade")
    s.execute(update(Submission).where(Submission.id.in_(graded))
              .values(status="queued"))
    return len(ids)


def heartbeat(s: Session, job_id: int, claim: str) -> bool:
    """Renew the lease of a running job; False if ``claim`` no longer holds it."""
    res = s.execute(update(Job).where(Job.id == job_id, Job.status == "running",
                                      Job.claim == claim).values(heartbeat_at=utcnow()))
    return res.rowcount == 1  # type: ignore[attr-defined]


def requeue_stale(s: Session, stale_before: datetime) -> list[int]:
    """Re-queue running jobs whose last heartbeat is older than ``stale_before`` (their
    worker died); returns the ids this call re-queued (each stale job is re-queued by one
    caller only, whoever else sweeps at the same time)."""
    stale = list(s.execute(select(Job.id, Job.claim).where(
        Job.status == "running", or_(Job.heartbeat_at < stale_before,
                                     Job.heartbeat_at.is_(None)))))
    taken = []
    for job_id, claim in stale:
        res = s.execute(update(Job).where(Job.id == job_id, Job.status == "running",
                                          Job.claim == claim)
                        .values(status="queued", claim=None, enqueued_at=None))
        if res.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(job_id)
    if taken:
        graded = select(Job.submission_id).where(Job.id.in_(taken), Job.kind == "grade")
        s.execute(update(Submission).where(Submission.id.in_(graded),
                                           Submission.status == "running")
                  .values(status="queued"))
    return taken


def take_unsent(s: Session, resend_before: datetime, limit: int = 1000
                ) -> list[tuple[int, str]]:
    """Mark queued jobs that have no broker message (never sent, or sent before
    ``resend_before``) as sent now, and return them as ``(id, kind)`` for the caller to send.
    Concurrent callers never get the same job (a conditional update per batch)."""
    due = or_(Job.enqueued_at.is_(None), Job.enqueued_at < resend_before)
    ids = list(s.scalars(select(Job.id).where(Job.status == "queued", due)
                         .order_by(Job.id).limit(limit)))
    if not ids:
        return []
    rows = s.execute(update(Job).where(Job.id.in_(ids), Job.status == "queued", due)
                     .values(enqueued_at=utcnow()).returning(Job.id, Job.kind))
    return sorted((job_id, kind) for job_id, kind in rows)


def unsend(s: Session, job_ids: list[int]) -> None:
    """Forget that messages were sent for ``job_ids`` (sending failed): the next sweep sends
    them."""
    if job_ids:
        s.execute(update(Job).where(Job.id.in_(job_ids), Job.status == "queued")
                  .values(enqueued_at=None))


def counts(s: Session) -> dict[str, int]:
    """Jobs per status."""
    rows = s.execute(select(Job.status, func.count(Job.id)).group_by(Job.status))
    out = {"queued": 0, "running": 0, "done": 0}
    out.update({status: n for status, n in rows})
    return out


def get_job(s: Session, job_id: int) -> Job:
    """Job ``job_id``.

    Raises:
        NotFound: no such job.
    """
    job = s.get(Job, job_id) if in_id_range(job_id) else None
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


# --- regrades ----------------------------------------------------------------------------


def regrade(s: Session, assignment: Assignment, user: User, submissions: list[Submission],
            dry_run: bool) -> tuple[Regrade, int]:
    """Queue a regrade of ``submissions``; returns the batch and how many jobs were queued.

    Idempotent: a submission that already has a grade or regrade job waiting or running gets
    no second one (that job's result will be the fresh one). A dry run queues ``preview``
    jobs whose results are applied only by ``commit_regrade``.
    """
    batch = Regrade(assignment_id=assignment.id, created_by=user.id, dry_run=dry_run)
    s.add(batch)
    s.flush()
    queued = 0
    for sub in submissions:
        if not dry_run and pending_job(s, sub) is not None:
            continue
        s.add(Job(submission_id=sub.id, kind="preview" if dry_run else "regrade",
                  regrade_id=batch.id, status="queued"))
        queued += 1
    s.flush()
    return batch, queued


@dataclass
class RegradeLine:
    """One submission of a regrade: its score before and after."""

    submission_id: int
    student: str
    status: str
    old_score: float | None
    new_score: float | None
    max_score: float | None
    grader_version: str | None

    @property
    def changed(self) -> bool:
        return self.new_score is not None and self.new_score != self.old_score


def regrade_lines(s: Session, batch: Regrade) -> list[RegradeLine]:
    """Per job of ``batch``: the score before the regrade and the new one (once graded)."""
    lines = []
    rows = s.execute(select(Job, Submission, User).join(Submission, Job.submission_id ==
                                                        Submission.id)
                     .join(User, User.id == Submission.user_id)
                     .where(Job.regrade_id == batch.id).order_by(Job.id))
    for job, sub, user in rows:
        new = s.scalar(select(Grading).where(Grading.job_id == job.id))
        if new is None or not new.applied:
            old = current_grading(s, sub)
        else:
            old = s.scalar(select(Grading).where(Grading.submission_id == sub.id,
                                                 Grading.applied.is_(True),
                                                 Grading.id < new.id)
                           .order_by(Grading.id.desc()).limit(1))
        lines.append(RegradeLine(
            submission_id=sub.id, student=user.name, status=job.status,
            old_score=old.score if old else None, new_score=new.score if new else None,
            max_score=(new or old).max_score if (new or old) else None,
            grader_version=new.grader_version if new else None))
    return lines


def get_regrade(s: Session, regrade_id: int) -> Regrade:
    """Regrade batch ``regrade_id``.

    Raises:
        NotFound: no such batch.
    """
    batch = s.get(Regrade, regrade_id) if in_id_range(regrade_id) else None
    if batch is None:
        raise NotFound(f"no regrade {regrade_id}")
    return batch


def commit_regrade(s: Session, batch: Regrade) -> int:
    """Apply a finished dry run's results; returns how many were applied (0 the second time).

    Raises:
        Conflict: not a dry run, or some of its jobs have not finished.
    """
    if not batch.dry_run:
        raise Conflict(f"regrade {batch.id} was not a dry run; its results are already "
                       "applied")
    if batch.committed_at is not None:
        return 0
    waiting = s.scalar(select(func.count(Job.id)).where(Job.regrade_id == batch.id,
                                                        Job.status != "done")) or 0
    if waiting:
        raise Conflict(f"regrade {batch.id} still has {waiting} submission(s) to grade; "
                       "commit once its status is done")
    gradings = list(s.scalars(select(Grading).join(Job, Job.id == Grading.job_id)
                              .where(Job.regrade_id == batch.id, Grading.applied.is_(False))
                              .order_by(Grading.id)))
    for g in gradings:
        g.applied = True
    s.flush()
    for sid in sorted({g.submission_id for g in gradings}):
        _refresh(s, sid)
    batch.committed_at = utcnow()
    s.flush()
    return len(gradings)
