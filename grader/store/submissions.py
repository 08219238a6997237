"""Submissions: accepted files stored before the answer, with their job, and their results."""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..scoring.penalties import late_days, refusal
from .errors import Forbidden, NotFound, TooMany
from .extensions import effective_policy
from .models import Assignment, Grading, Job, Submission, SubmissionChoice, User, in_id_range


def pack_files(files: dict[str, bytes]) -> bytes:
    """Files as a zip (how a submission's files are stored)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            zf.writestr(zipfile.ZipInfo(rel, (1980, 1, 1, 0, 0, 0)), files[rel],
                        compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def unpack_files(data: bytes) -> dict[str, bytes]:
    """The files of ``pack_files``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def count_of(s: Session, assignment: Assignment, user: User) -> int:
    """How many submissions ``user`` made to ``assignment``."""
    return s.scalar(select(func.count(Submission.id)).where(
        Submission.assignment_id == assignment.id, Submission.user_id == user.id)) or 0


@dataclass(frozen=True)
class Quota:
    """How much one student may submit: ``per_hour`` submissions to one assignment in any
    hour, ``pending`` submissions queued or being graded at once (0: no limit). The wait
    announced for ``pending`` is the recent gradings' mean time, at most
    ``grading_seconds``."""

    per_hour: int = 0
    pending: int = 0
    grading_seconds: float = 120.0


def _in_words(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def pending_of(s: Session, user: User) -> int:
    """How many of ``user`` 's submissions (any assignment) are queued or being graded."""
    return s.scalar(select(func.count(Job.id)).join(Submission, Submission.id ==
                                                    Job.submission_id)
                    .where(Submission.user_id == user.id, Job.kind == "grade",
                           Job.status.in_(("queued", "running")))) or 0


def typical_grading_seconds(s: Session, limit: int = 20) -> float | None:
    """Mean run time of the latest ``limit`` finished gradings of submissions (None if
    none yet)."""
    rows = s.execute(select(Job.started_at, Job.finished_at)
                     .where(Job.kind == "grade", Job.status == "done",
                            Job.finished_at.is_not(None), Job.started_at.is_not(None))
                     .order_by(Job.id.desc()).limit(limit)).all()
    spans = [(end - start).total_seconds() for start, end in rows if end >= start]
    return sum(spans) / len(spans) if spans else None


def admission(s: Session, assignment: Assignment, user: User, now: datetime,
              quota: Quota | None = None) -> None:
    """Refuse a new submission of ``user`` to ``assignment`` now, if it must be: cheap
    checks only (counts over indexed rows), run before the upload is read and again when it
    is stored.

    The student's extension counts (a later due date, excused late days, extra
    submissions); the recorded ``late_days`` are against the assignment's own due date.

    Raises:
        Forbidden: past the last accepted day, or out of submissions.
        TooMany: ``quota.pending`` submissions already waiting, or ``quota.per_hour`` made
            in the last hour (``retry_after_seconds``: when one more would be accepted).
    """
    previous = count_of(s, assignment, user)
    why = refusal(effective_policy(s, assignment, user), now, previous)
    if why:
        raise Forbidden(why)
    if quota is None:
        return
    if quota.pending:
        waiting = pending_of(s, user)
        if waiting >= quota.pending:
            typical = typical_grading_seconds(s) or 10.0
            wait = min(max(1.0, typical), quota.grading_seconds)
            raise TooMany(
                f"you already have {waiting} submission(s) waiting to be graded; the limit is "
                f"{quota.pending} at a time, so that every student's work is graded "
                f"promptly. Wait for a result (a grading takes about {_in_words(wait)}), "
                "then submit again", math.ceil(wait))
    if quota.per_hour:
        since = now - timedelta(hours=1)
        recent = list(s.scalars(select(Submission.created_at).where(
            Submission.assignment_id == assignment.id, Submission.user_id == user.id,
            Submission.created_at > since).order_by(Submission.created_at)))
        if len(recent) >= quota.per_hour:
            # the submission that must leave the hour's window before one more fits
            frees = recent[len(recent) - quota.per_hour] + timedelta(hours=1)
            wait = (frees - now).total_seconds()
            raise TooMany(
                f"you have submitted to {assignment.slug} {len(recent)} times in the last "
                f"hour; the limit is {quota.per_hour} an hour. You can submit again in "
                f"{_in_words(wait)} (at {frees.strftime('%H:%M:%S')} UTC)", math.ceil(wait))


def create_submission(s: Session, assignment: Assignment, user: User, files: dict[str, bytes],
                      filenames: list[str], now: datetime, quota: Quota | None = None
                      ) -> Submission:
    """Store a submission and queue its grading (one transaction: both or neither), if
    ``admission`` lets it in. The student's row is locked first (PostgreSQL; SQLite
    serializes writers anyway), so concurrent requests of one student are counted one after
    the other.

    Raises:
        Forbidden, TooMany: see ``admission``.
    """
    s.execute(select(User.id).where(User.id == user.id).with_for_update())
    admission(s, assignment, user, now, quota)
    previous = count_of(s, assignment, user)
    sub = Submission(assignment_id=assignment.id, user_id=user.id, attempt=previous + 1,
                     created_at=now, late_days=late_days(assignment.due_at, now),
                     filenames=json.dumps(filenames), files=pack_files(files),
                     size_bytes=sum(len(v) for v in files.values()), status="queued")
    s.add(sub)
    s.flush()
    # a new submission becomes the active one (policy "chosen"; see grader.store.grades)
    s.execute(delete(SubmissionChoice).where(SubmissionChoice.assignment_id == assignment.id,
                                             SubmissionChoice.user_id == user.id))
    s.add(Job(submission_id=sub.id, kind="grade", status="queued", created_at=now))
    s.flush()
    return sub


def get_submission(s: Session, submission_id: int) -> Submission:
    """Submission ``submission_id``.

    Raises:
        NotFound: no such submission.
    """
    sub = s.get(Submission, submission_id) if in_id_range(submission_id) else None
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    return sub


def files_of(s: Session, sub: Submission) -> dict[str, bytes]:
    """The files of ``sub`` as they were accepted."""
    data = s.scalar(select(Submission.files).where(Submission.id == sub.id))
    return unpack_files(data or b"")


def list_submissions(s: Session, assignment: Assignment, user: User | None = None
                     ) -> list[Submission]:
    """Submissions to ``assignment`` (of ``user`` only, if given), oldest first."""
    q = select(Submission).where(Submission.assignment_id == assignment.id)
    if user is not None:
        q = q.where(Submission.user_id == user.id)
    return list(s.scalars(q.order_by(Submission.id)))


def current_grading(s: Session, sub: Submission) -> Grading | None:
    """The latest applied grading of ``sub``, if any."""
    return s.scalar(select(Grading).where(Grading.submission_id == sub.id,
                                          Grading.applied.is_(True))
                    .order_by(Grading.id.desc()).limit(1))


def gradings_of(s: Session, sub: Submission) -> list[Grading]:
    """Every applied grading of ``sub``, oldest first (its history)."""
    return list(s.scalars(select(Grading).where(Grading.submission_id == sub.id,
                                                Grading.applied.is_(True))
                          .order_by(Grading.id)))


def result_json(s: Session, grading: Grading) -> str:
    """The stored result (instructor view) of ``grading``."""
    return s.scalar(select(Grading.result).where(Grading.id == grading.id)) or "{}"


def pending_job(s: Session, sub: Submission) -> Job | None:
    """A queued or running grade/regrade job of ``sub``, if any."""
    return s.scalar(select(Job).where(Job.submission_id == sub.id,
                                      Job.kind.in_(("grade", "regrade")),
                                      Job.status.in_(("queued", "running")))
                    .order_by(Job.id).limit(1))
