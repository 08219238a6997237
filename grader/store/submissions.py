"""Submissions: accepted files stored before the answer, with their job, and their results."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..scoring.penalties import late_days, refusal
from .assignments import policy_of
from .errors import Forbidden, NotFound
from .models import Assignment, Grading, Job, Submission, User, in_id_range


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


def create_submission(s: Session, assignment: Assignment, user: User, files: dict[str, bytes],
                      filenames: list[str], now: datetime) -> Submission:
    """Store a submission and queue its grading (one transaction: both or neither).

    Raises:
        Forbidden: past the last accepted day, or out of submissions (message says which).
    """
    previous = count_of(s, assignment, user)
    why = refusal(policy_of(assignment), now, previous)
    if why:
        raise Forbidden(why)
    sub = Submission(assignment_id=assignment.id, user_id=user.id, attempt=previous + 1,
                     created_at=now, late_days=late_days(assignment.due_at, now),
                     filenames=json.dumps(filenames), files=pack_files(files),
                     size_bytes=sum(len(v) for v in files.values()), status="queued")
    s.add(sub)
    s.flush()
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


def latest_per_student(s: Session, assignment: Assignment) -> list[tuple[User, Submission]]:
    """Each student's latest submission to ``assignment`` (the one that counts), by name."""
    latest = (select(Submission.user_id, func.max(Submission.id).label("sid"))
              .where(Submission.assignment_id == assignment.id)
              .group_by(Submission.user_id).subquery())
    rows = s.execute(select(User, Submission).join(latest, latest.c.user_id == User.id)
                     .join(Submission, Submission.id == latest.c.sid).order_by(User.name))
    return [(u, sub) for u, sub in rows]
