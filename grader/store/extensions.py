"""Per-student extensions: a later due date, excused late days, extra submissions.

An instructor grants one student an extension (or many at once from a CSV); granting again
replaces the student's previous extension, revoking removes it. Each grant and revocation is
in the audit trail with who did it and what changed. The policy a student's submissions are
judged by is ``effective_policy``: the assignment's, extended (``scoring.penalties.extended``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..scoring.penalties import Extension as PolicyExtension
from ..scoring.penalties import Policy, extended
from . import audit
from .assignments import policy_of
from .errors import Invalid, NotFound, TooLarge
from .models import Assignment, Extension, User, utcnow
from .users import get_user, membership

MAX_LATE_DAYS = 3650
MAX_EXTRA_SUBMISSIONS = 100000
CSV_COLUMNS = ("student", "due_at", "extra_late_days", "extra_submissions", "reason")


@dataclass
class Grant:
    """What to grant one student (a line of a CSV, or one request)."""

    student: str
    due_at: datetime | None = None
    extra_late_days: int = 0
    extra_submissions: int = 0
    reason: str = ""


def as_policy(ext: Extension | None) -> PolicyExtension | None:
    """The stored extension as the penalties module reads it."""
    if ext is None:
        return None
    return PolicyExtension(due_at=ext.due_at, extra_late_days=ext.extra_late_days,
                           extra_submissions=ext.extra_submissions)


def extension_of(s: Session, assignment: Assignment, user: User | int) -> Extension | None:
    """``user`` 's extension on ``assignment``, if any."""
    uid = user if isinstance(user, int) else user.id
    return s.scalar(select(Extension).where(Extension.assignment_id == assignment.id,
                                            Extension.user_id == uid))


def extensions_by_user(s: Session, assignment: Assignment) -> dict[int, Extension]:
    """Every extension on ``assignment``, by user id."""
    rows = s.scalars(select(Extension).where(Extension.assignment_id == assignment.id))
    return {e.user_id: e for e in rows}


def list_extensions(s: Session, assignment: Assignment) -> list[Extension]:
    """Every extension on ``assignment``, by student name."""
    return list(s.scalars(select(Extension).join(User, User.id == Extension.user_id)
                          .where(Extension.assignment_id == assignment.id)
                          .order_by(User.name)))


def effective_policy(s: Session, assignment: Assignment, user: User | int) -> Policy:
    """The policy ``user`` 's submissions to ``assignment`` are judged by."""
    return extended(policy_of(assignment), as_policy(extension_of(s, assignment, user)))


def _check(assignment: Assignment, g: Grant) -> None:
    if g.due_at is not None and g.due_at.tzinfo is None:
        g.due_at = g.due_at.replace(tzinfo=UTC)
    if not 0 <= g.extra_late_days <= MAX_LATE_DAYS:
        raise Invalid(f"extra_late_days must be between 0 and {MAX_LATE_DAYS}; got "
                      f"{g.extra_late_days}")
    if not 0 <= g.extra_submissions <= MAX_EXTRA_SUBMISSIONS:
        raise Invalid(f"extra_submissions must be between 0 and {MAX_EXTRA_SUBMISSIONS}; got "
                      f"{g.extra_submissions}")
    if g.due_at is None and not g.extra_late_days and not g.extra_submissions:
        raise Invalid("an extension must give a later due date, extra late days or extra "
                      "submissions; to take one back, revoke it")
    if g.due_at is not None and assignment.due_at is not None and \
            g.due_at <= assignment.due_at:
        raise Invalid(f"the extended due date {g.due_at.isoformat()} is not later than the "
                      f"assignment's due date {assignment.due_at.isoformat()}")
    if g.due_at is not None and assignment.due_at is None:
        raise Invalid(f"{assignment.slug} has no due date, so a later one means nothing; "
                      "set the assignment's due date first")
    if len(g.reason) > 2000:
        raise Invalid("the reason is longer than 2000 characters")


def _student(s: Session, assignment: Assignment, name: str) -> User:
    try:
        user = get_user(s, name)
    except NotFound:
        raise NotFound(f"no user called {name[:80]!r}") from None
    row = membership(s, assignment.course, user)
    if row is None or row.role != "student":
        raise Invalid(f"{name} is not a student of course {assignment.course.slug}")
    return user


def _describe(ext: Extension | None) -> dict | None:
    if ext is None:
        return None
    return {"due_at": ext.due_at.isoformat() if ext.due_at else None,
            "extra_late_days": ext.extra_late_days,
            "extra_submissions": ext.extra_submissions, "reason": ext.reason}


def grant(s: Session, assignment: Assignment, g: Grant, actor: User) -> Extension:
    """Give ``g.student`` the extension ``g`` (replacing theirs, if any); audited.

    Raises:
        NotFound: no such user. Invalid: not a student of the course, nothing granted, a due
            date not later than the assignment's, values out of range.
    """
    _check(assignment, g)
    student = _student(s, assignment, g.student)
    row = extension_of(s, assignment, student)
    before = _describe(row)
    now = utcnow()
    if row is None:
        row = Extension(assignment_id=assignment.id, user_id=student.id, created_at=now)
        s.add(row)
    row.due_at, row.extra_late_days, row.extra_submissions = (
        g.due_at, g.extra_late_days, g.extra_submissions)
    row.reason, row.granted_by, row.updated_at = g.reason.strip(), actor.id, now
    s.flush()
    audit.record(s, assignment.course_id, "extension.grant", actor,
                 assignment_id=assignment.id, subject_id=student.id,
                 before=before, after=_describe(row))
    return row


def grant_many(s: Session, assignment: Assignment, grants: list[Grant], actor: User
               ) -> list[Extension]:
    """Grant every line (all or none: the caller's transaction rolls back on an error).

    Raises:
        Invalid, NotFound: as ``grant``, the message naming the CSV line.
    """
    out = []
    for number, g in enumerate(grants, start=2):
        try:
            out.append(grant(s, assignment, g, actor))
        except (Invalid, NotFound) as exc:
            raise Invalid(f"extensions line {number}: {exc.message}") from None
    return out


def revoke(s: Session, assignment: Assignment, name: str, actor: User) -> None:
    """Take back ``name`` 's extension; audited.

    Raises:
        NotFound: no such user, or they have no extension on the assignment.
    """
    student = get_user(s, name)
    row = extension_of(s, assignment, student)
    if row is None:
        raise NotFound(f"{name} has no extension on {assignment.slug}")
    before = _describe(row)
    s.delete(row)
    s.flush()
    audit.record(s, assignment.course_id, "extension.revoke", actor,
                 assignment_id=assignment.id, subject_id=student.id, before=before)


def _int(value: str, column: str, number: int) -> int:
    try:
        return int(value) if value.strip() else 0
    except ValueError:
        raise Invalid(f"extensions line {number}: {column} must be a whole number; got "
                      f"{value[:40]!r}") from None


def _when(value: str, number: int) -> datetime | None:
    if not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"extensions line {number}: due_at must be an ISO 8601 date and time "
                      f"such as 2030-01-31T23:59:00+00:00; got {value[:60]!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_csv(data: bytes, max_rows: int) -> list[Grant]:
    """The grants of an extensions CSV: a header with ``student`` (or ``name``) and any of
    ``due_at`` (ISO 8601; no zone: UTC), ``extra_late_days``, ``extra_submissions``,
    ``reason``; an empty cell grants nothing of its kind.

    Raises:
        Invalid: not UTF-8, no student column, a bad value or a name twice (the line named).
        TooLarge: more than ``max_rows`` lines.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the extensions file is not UTF-8 text (byte offset {exc.start})") \
            from None
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows:
        raise Invalid("the extensions file is empty: send a CSV with a header row "
                      f"'{','.join(CSV_COLUMNS)}' and one line per student")
    header = [h.strip().lower() for h in rows[0]]
    key = "student" if "student" in header else "name" if "name" in header else None
    if key is None:
        raise Invalid("the extensions file's first line must be a header with a 'student' "
                      f"column; got {', '.join(header)[:200]!r}")
    if len(rows) - 1 > max_rows:
        raise TooLarge(f"the extensions file has {len(rows) - 1} lines; the limit is "
                       f"{max_rows}")

    def cell(r: list[str], column: str) -> str:
        i = header.index(column) if column in header else None
        return r[i] if i is not None and i < len(r) else ""

    out, seen = [], set()
    for number, r in enumerate(rows[1:], start=2):
        name = cell(r, key).strip()
        if not name:
            raise Invalid(f"extensions line {number}: the student is empty")
        if name in seen:
            raise Invalid(f"extensions line {number}: {name!r} is listed twice")
        seen.add(name)
        out.append(Grant(student=name, due_at=_when(cell(r, "due_at"), number),
                         extra_late_days=_int(cell(r, "extra_late_days"), "extra_late_days",
                                              number),
                         extra_submissions=_int(cell(r, "extra_submissions"),
                                                "extra_submissions", number),
                         reason=cell(r, "reason").strip()))
    return out


def render_csv(rows: list[tuple[str, Extension]]) -> str:
    """``(student, extension)`` pairs as an extensions CSV (what ``parse_csv`` reads, and
    ``grader export-gradescope --extensions`` takes)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for name, e in rows:
        w.writerow([name, e.due_at.isoformat() if e.due_at else "", e.extra_late_days,
                    e.extra_submissions, e.reason])
    return out.getvalue()
