"""The service's tables (SQLAlchemy 2 declarative models).

Every change of schema comes with an Alembic migration in ``migrations/versions/`` (a test
compares the migrated database with these models).

- ``User`` with hashed API ``Token`` s; ``role`` is ``admin``, ``instructor`` or ``student``.
  A token opens the whole account, or (``course_id``, from a roster upload) one course only.
- ``Course`` and ``Enrollment`` (a user's role in one course: ``instructor`` or ``student``).
- ``Assignment``: a built-in (by slug) or an uploaded bundle (its validated folder, fixtures
  included, stored as a zip so any worker can materialise it), with its due date, late policy,
  submission limit, whether hidden checks' details are released, and which submission of a
  student counts (``submission_policy``: latest, best, or chosen by the student).
- ``SubmissionChoice``: a student's chosen ("active") submission under the ``chosen`` policy.
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
- ``WebFlash``: what one page shows once after a form's redirect (a roster's new tokens),
  encrypted with the session cookie's key.
- ``Validation``: an uploaded bundle waiting for, or done with, its validation by a worker
  (fixtures built and ``grader check`` run in the sandbox): a queue of its own, with the same
  claims and leases as ``Job``; a bundle that passes becomes an ``Assignment``.
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

    # Not stored: set on the caller when they signed in with a course token (see
    # ``grader.store.users.user_for_token``): the only course it opens, and their role there.
    token_course_id = None
    token_course_role = None

    @property
    def acting_role(self) -> str:
        """The role this caller acts with: the account's role, or with a course token the
        role in that course (never admin), so a course token grants nothing outside it."""
        if self.token_course_id is None:
            return self.role
        return "instructor" if self.token_course_role == "instructor" else "student"


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(64), default="")
    # a course token (from a roster upload) opens that course only; None: the whole account
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                                  nullable=True, index=True)
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
    # which submission of a student counts: latest | best | chosen (``grader.store.grades``)
    submission_policy: Mapped[str] = mapped_column(String(16), default="latest",
                                                   server_default="latest")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submission_owner", "assignment_id", "user_id"),
                      Index("ix_submission_user", "user_id"))  # fair claims, per-student caps

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


class SubmissionChoice(Base):
    """The submission a student chose to count (policy ``chosen``; their "active
    submission"). None chosen, or a newer submission made since: their latest counts."""

    __tablename__ = "submission_choices"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id",
                                                          ondelete="CASCADE"),
                                               primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id",
                                                          ondelete="CASCADE"), index=True)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    # the HTTP request that queued it (the logs' request_id, followed into the worker)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


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


class WebFlash(Base):
    """Something a page shows once after a POST redirected to it (post-redirect-get): a
    roster's new tokens. Encrypted with a key derived from the session's cookie, which is
    never stored, so the row alone reveals nothing; read once, then deleted."""

    __tablename__ = "web_flashes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("web_sessions.id", ondelete="CASCADE"),
                                            index=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Validation(Base):
    """An uploaded bundle and its validation, run by a worker like a grading.

    ``status`` is the queue's state (``queued``, ``running``, ``done``, with the claim and lease
    columns of ``Job``); ``outcome`` says how it ended: ``passed`` (stored as
    ``assignment_id``) or ``failed`` (``detail`` says why, ``report`` holds the validations).
    """

    __tablename__ = "validations"
    __table_args__ = (Index("ix_validation_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    replace: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[str] = mapped_column(Text, default="{}")  # JSON: applied once it passes
    upload: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # the zip as uploaded
    upload_sha: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # passed|failed
    stage: Mapped[str] = mapped_column(String(200), default="")  # progress, for the instructor
    log: Mapped[str] = mapped_column(Text, default="")  # the fixtures' build log, one per line
    report: Mapped[str] = mapped_column(Text, default="")  # ``grader check`` 's report
    detail: Mapped[str] = mapped_column(Text, default="")  # why it failed
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship()


# --- course tools (issue 15): extensions, manual review, audit trail, LTI 1.3 ----------------


class Extension(Base):
    """One student's extension on one assignment (the latest grant replaces the previous)."""

    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", name="uq_extension"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id",
                                                          ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    extra_late_days: Mapped[int] = mapped_column(Integer, default=0)
    extra_submissions: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                   nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AuditEvent(Base):
    """Who did what to whose grade: extensions, overrides, regrade requests, LMS passback."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_course", "course_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id",
                                                                 ondelete="CASCADE"),
                                                      nullable=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                   nullable=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id",
                                                                 ondelete="SET NULL"),
                                                      nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Override(Base):
    """A TA's score for one TODO of one submission; applies until released (survives
    regrades). Rows are history: the active one has ``released_at`` None."""

    __tablename__ = "todo_overrides"
    __table_args__ = (Index("ix_override_submission", "submission_id", "released_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id",
                                                          ondelete="CASCADE"))
    todo_id: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                   nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                    nullable=True)


class RegradeRequest(Base):
    """A student's request to look at one TODO again, and the staff's answer."""

    __tablename__ = "regrade_requests"
    __table_args__ = (Index("ix_regrade_request_submission", "submission_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id",
                                                          ondelete="CASCADE"))
    todo_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                    nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiKey(Base):
    """A signing key of this tool (RS256); the newest active one signs, all active ones are
    in the JWKS (so that a rotation does not break tokens in flight)."""

    __tablename__ = "lti_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiPlatform(Base):
    """A registered LMS (issuer + client id given to this tool)."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    jwks_url: Mapped[str] = mapped_column(String(1000))
    token_audience: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    deployment_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiContext(Base):
    """An LMS course (context) mapped to one of our courses, with its roster service."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lti_context"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id",
                                                        ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    deployment_id: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    memberships_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiLineItem(Base):
    """Where an assignment's scores go in one LMS course (the AGS line item)."""

    __tablename__ = "lti_line_items"
    __table_args__ = (UniqueConstraint("context_id", "assignment_id", name="uq_lti_line_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id",
                                                          ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255), default="")
    lineitem_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    lineitems_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    scopes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    lms_assignment_id: Mapped[str | None] = mapped_column(String(255), nullable=True)


class LtiUser(Base):
    """An LMS user (platform + ``sub``) and the account they sign in to here."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_id", "sub", name="uq_lti_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id",
                                                        ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    display_name: Mapped[str] = mapped_column(String(300), default="")
    sortable_name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(300), default="")
    sis_id: Mapped[str] = mapped_column(String(255), default="")
    lms_user_id: Mapped[str] = mapped_column(String(255), default="")
    login_id: Mapped[str] = mapped_column(String(255), default="")


class LtiLaunchState(Base):
    """An OIDC login in progress: its state (hashed) and nonce, used once."""

    __tablename__ = "lti_launch_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the state
    nonce: Mapped[str] = mapped_column(String(100))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id",
                                                        ondelete="CASCADE"))
    target_link_uri: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiScorePost(Base):
    """A score to send to an LMS line item (an outbox: written with the grade, sent by the
    API's sender thread; retried on failure)."""

    __tablename__ = "lti_score_posts"
    __table_args__ = (Index("ix_lti_score_post_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_item_id: Mapped[int] = mapped_column(ForeignKey("lti_line_items.id",
                                                         ondelete="CASCADE"))
    lti_user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id",
                                                                 ondelete="SET NULL"),
                                                      nullable=True)
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
