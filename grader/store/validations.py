"""The queue of bundle validations: uploaded bundles waiting for a worker to build their
fixtures and run ``grader check`` in its sandbox (so the API never needs one).

Its own table, with the claims and leases of the grading queue (``grader.store.jobs``): a
validation is claimed by an atomic ``queued -> running`` update carrying a fresh claim token,
its holder renews ``heartbeat_at`` while it works, a running validation whose heartbeat is
older than the lease is re-queued by whoever sweeps first, and only the holder of the claim
records how it ended (``finish``), in the same transaction as the assignment it stores.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import Course, User, Validation, in_id_range, utcnow

#: Characters of the build log kept per validation (the newest are kept).
LOG_CHARS = 20000


def create_validation(s: Session, course: Course, user: User, slug: str, title: str,
                      data: bytes, replace: bool, settings: dict[str, Any],
                      request_id: str | None = None) -> Validation:
    """Queue the validation of the bundle ``data`` (``slug``, from its manifest)."""
    row = Validation(course_id=course.id, user_id=user.id, slug=slug, title=title[:200],
                     replace=replace, settings=json.dumps(settings, default=str), upload=data,
                     upload_sha=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                     status="queued", stage="waiting for a worker", request_id=request_id,
                     created_at=utcnow())
    s.add(row)
    s.flush()
    return row


def pending_for(s: Session, course: Course, slug: str) -> Validation | None:
    """A queued or running validation of ``slug`` in ``course``, if any."""
    return s.scalar(select(Validation).where(
        Validation.course_id == course.id, Validation.slug == slug,
        Validation.status != "done").order_by(Validation.id).limit(1))


def claim_next(s: Session, claim: str, worker: str | None = None) -> Validation | None:
    """Take the oldest queued validation (None if none)."""
    while True:
        vid = s.scalar(select(Validation.id).where(Validation.status == "queued")
                       .order_by(Validation.id).limit(1))
        if vid is None:
            return None
        row = claim_validation(s, vid, claim, worker)
        if row is not None:
            return row


def claim_validation(s: Session, vid: int, claim: str, worker: str | None = None,
                     stale_before: datetime | None = None) -> Validation | None:
    """Take validation ``vid`` if it is queued, or (with ``stale_before``) running under a
    lease whose last heartbeat is older than that; None if it is not to be taken."""
    now = utcnow()
    takeable = Validation.status == "queued"
    if stale_before is not None:
        takeable = or_(takeable, and_(Validation.status == "running",
                                      Validation.heartbeat_at < stale_before))
    res = s.execute(update(Validation).where(Validation.id == vid, takeable)
                    .values(status="running", claim=claim, started_at=now, heartbeat_at=now,
                            worker=worker, attempts=Validation.attempts + 1,
                            stage="starting"))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return s.get(Validation, vid, populate_existing=True)


def heartbeat(s: Session, vid: int, claim: str) -> bool:
    """Renew the lease of a running validation; False if ``claim`` no longer holds it."""
    res = s.execute(update(Validation).where(Validation.id == vid,
                                             Validation.status == "running",
                                             Validation.claim == claim)
                    .values(heartbeat_at=utcnow()))
    return res.rowcount == 1  # type: ignore[attr-defined]


def progress(s: Session, vid: int, claim: str, stage: str, log: list[str]) -> bool:
    """Show how far the holder got (``stage``) and the build log so far; renews the lease."""
    text = "\n".join(log)[-LOG_CHARS:]
    res = s.execute(update(Validation).where(Validation.id == vid,
                                             Validation.status == "running",
                                             Validation.claim == claim)
                    .values(stage=stage[:200], log=text, heartbeat_at=utcnow()))
    return res.rowcount == 1  # type: ignore[attr-defined]


def finish(s: Session, vid: int, claim: str, outcome: str, *, report: str = "",
           detail: str = "", log: list[str] | None = None,
           assignment_id: int | None = None) -> bool:
    """End the validation with ``outcome`` (``passed`` or ``failed``) if ``claim`` still
    holds it; False (and nothing changed) if not. Call it in the transaction that stores
    the assignment, so that both happen or neither."""
    values: dict[str, Any] = dict(status="done", outcome=outcome, report=report, detail=detail,
                                  assignment_id=assignment_id, finished_at=utcnow(),
                                  stage="stored" if outcome == "passed" else "not stored")
    if log is not None:
        values["log"] = "\n".join(log)[-LOG_CHARS:]
    res = s.execute(update(Validation).where(Validation.id == vid,
                                             Validation.status == "running",
                                             Validation.claim == claim).values(**values))
    return res.rowcount == 1  # type: ignore[attr-defined]


def requeue_running(s: Session, claim: str | None = None) -> int:
    """Put every running validation back in the queue (the embedded server's start: what
    was running died with the previous process), or only the one held under ``claim`` (its
    worker process died). Returns how many."""
    running = update(Validation).where(Validation.status == "running")
    if claim is not None:
        running = running.where(Validation.claim == claim)
    res = s.execute(running
                    .values(status="queued", claim=None, stage="waiting for a worker "
                            "(the previous one stopped)"))
    return res.rowcount or 0  # type: ignore[attr-defined]


def requeue_stale(s: Session, stale_before: datetime) -> list[int]:
    """Re-queue running validations whose last heartbeat is older than ``stale_before``;
    returns the ids this call re-queued (each by one caller only)."""
    stale = list(s.execute(select(Validation.id, Validation.claim).where(
        Validation.status == "running", or_(Validation.heartbeat_at < stale_before,
                                            Validation.heartbeat_at.is_(None)))))
    taken = []
    for vid, claim in stale:
        res = s.execute(update(Validation).where(Validation.id == vid,
                                                 Validation.status == "running",
                                                 Validation.claim == claim)
                        .values(status="queued", claim=None, enqueued_at=None,
                                stage="waiting for a worker (the previous one stopped)"))
        if res.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(vid)
    return taken


def take_unsent(s: Session, resend_before: datetime, limit: int = 100) -> list[int]:
    """Mark queued validations without a broker message (never sent, or sent before
    ``resend_before``) as sent now and return their ids (each to one caller only)."""
    due = or_(Validation.enqueued_at.is_(None), Validation.enqueued_at < resend_before)
    ids = list(s.scalars(select(Validation.id).where(Validation.status == "queued", due)
                         .order_by(Validation.id).limit(limit)))
    if not ids:
        return []
    rows = s.execute(update(Validation).where(Validation.id.in_(ids),
                                              Validation.status == "queued", due)
                     .values(enqueued_at=utcnow()).returning(Validation.id))
    return sorted(vid for (vid,) in rows)


def unsend(s: Session, ids: list[int]) -> None:
    """Forget that messages were sent for ``ids`` (sending failed)."""
    if ids:
        s.execute(update(Validation).where(Validation.id.in_(ids),
                                           Validation.status == "queued")
                  .values(enqueued_at=None))


def get_validation(s: Session, vid: int) -> Validation:
    """Validation ``vid``.

    Raises:
        NotFound: no such validation.
    """
    row = s.get(Validation, vid) if in_id_range(vid) else None
    if row is None:
        raise NotFound(f"no bundle validation {vid}")
    return row


def list_validations(s: Session, course: Course, limit: int = 20) -> list[Validation]:
    """The course's latest validations, newest first."""
    return list(s.scalars(select(Validation).where(Validation.course_id == course.id)
                          .order_by(Validation.id.desc()).limit(limit)))


def counts(s: Session) -> dict[str, int]:
    """Validations per state: ``queued``, ``running``, ``passed``, ``failed``."""
    out = {"queued": 0, "running": 0, "passed": 0, "failed": 0}
    rows = s.execute(select(Validation.status, Validation.outcome, func.count(Validation.id))
                     .group_by(Validation.status, Validation.outcome))
    for status, outcome, n in rows:
        key = outcome if status == "done" else status
        out[key] = out.get(key, 0) + n
    return out
