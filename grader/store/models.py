"""The service's tables (SQLAlchemy 2 declarative models).

Every change of schema comes with an Alembic migration in ``migrations/versions/`` (a test
compares the migrated database with these models).

- ``User`` with hashed API ``Token`` s; ``role`` is ``admin``, ``instructor`` or ``student``.
- ``Course`` and ``Enrollment`` (a user's role in one course: ``instructor`` or ``student``).
- ``Assignment``: a built-in (by slug) or an uploaded bundle (its validated folder, fixtures
  included, stored as a zip so any worker can materialise it), with its due date, late policy,
  submission limit and whether hidden checks' details are released.
- ``Submission``: the student's files exactly as accepted (stored before the 202 answer), the
  attempt number and lateness at submission time, and the current result's summary.
- ``Grading``: one result of grading a submission (the instructor view as JSON, the grader
  version and fixtures digest); ``applied`` gradings are the submission's history, the latest
  is current; a dry-run regrade's gradings are not applied until committed.
- ``Job``: a row of the queue (``queued``, ``running``, ``done``).
- ``Regrade``: a batch of regrade jobs (dry run or not) of one assignment.
- ``Worker``: a grading process of the scale-out queue and its last heartbeat (admin view).
- ``WebSession``: a signed-in browser of the web portal (the hash of its cookie, the token it
  signed in with, its CSRF secret, when it expires).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Largest id an ``Integer`` primary key holds on every database (PostgreSQL's int4).
MAX_ID = 2**31 - 1


def in_id_range(value: int) -> bool:
    """Whether ``value`` can be a row id (a larger one would be a database error on
    PostgreSQL, where SQLite just finds nothing)."""
    return 1 <= value <= MAX_ID


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[Token]] = relationship(back_populates="user",
                                               cascade="all, delete-orphan")


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="tokens")


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("course_id", "user_id", name="uq_enrollment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_assignment_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # builtin | bundle
    builtin_slug: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bundle: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    bundle_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    max_score: Mapped[float] = mapped_column(Float)
    check_report: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    late_percent_per_day: Mapped[float] = mapped_column(Float, default=0.0)
    late_cap_percent: Mapped[float] = mapped_column(Float, default=100.0)
    late_days_accepted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_submissions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resubmission_penalty_percent: Mapped[float] = mapped_column(Float, default=0.0)
    hidden_released: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submission_owner", "assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id",
                                                          ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late_days: Mapped[int] = mapped_column(Integer, default=0)
    filenames: Mapped[str] = mapped_column(Text)  # JSON list, as uploaded
    files: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # zip of the raw files
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()
    assignment: Mapped[Assignment] = relationship()


class Grading(Base):
    __tablename__ = "gradings"
    __table_args__ = (Index("ix_grading_submission", "submission_id", "applied"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id",
                                                          ondelete="CASCADE"))
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"),
                                        unique=True)
    applied: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16))  # graded | failed
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    grader_version: Mapped[str] = mapped_column(String(32))
    fixtures_digest: Mapped[str] = mapped_column(String(64), default="")
    sandbox: Mapped[str] = mapped_column(String(16), default="")
    result: Mapped[str] = mapped_column(Text, deferred=True)  # GradeResult JSON (instructor)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Regrade(Base):
    __tablename__ = "regrades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id",
                                                          ondelete="CASCADE"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_job_status", "status", "id"),
                      Index("ix_job_submission", "submission_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id",
                                                          ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # grade | regrade | preview
    regrade_id: Mapped[int | None] = mapped_column(ForeignKey("regrades.id",
                                                              ondelete="CASCADE"),
                                                   nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # the lease of a running job: its holder renews heartbeat_at; a stale one is re-queued
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)  # last holder
    # when a broker message was last sent for it (None: not sent since it was queued)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Worker(Base):
    """A grading process (``grader worker`` or an embedded server) and its last heartbeat."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    hostname: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    queues: Mapped[str] = mapped_column(String(200), default="")
    concurrency: Mapped[int] = mapped_column(Integer, default=1)
    sandbox: Mapped[str] = mapped_column(String(16), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie value
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id", ondelete="CASCADE"),
                                          index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()
