"""The API's request and response bodies (typed; they make the OpenAPI schema at /docs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..report.models import GradeResult
from .course_schemas import ExtensionOut, ReviewOut

Role = Literal["admin", "instructor", "student"]
CourseRole = Literal["instructor", "ta", "student"]
#: Which submission of a student counts (see ``grader.store.grades``).
SubmissionPolicy = Literal["latest", "best", "chosen"]
Status = Literal["queued", "running", "graded", "failed"]

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$"


class Problem(BaseModel):
    """Every error: what went wrong and what to do."""

    detail: str


class CourseOut(BaseModel):
    slug: str
    title: str
    role: CourseRole = Field(description="The caller's role in the course.")


class MeOut(BaseModel):
    name: str
    role: Role
    courses: list[CourseOut]


class UserIn(BaseModel):
    name: str = Field(pattern=NAME, max_length=64)
    role: Role = "student"
    course: str | None = Field(None, pattern=SLUG, description="Enrol in this course too.")


class TokenOut(BaseModel):
    name: str
    role: Role
    token: str = Field(description="Shown once; send it as 'Authorization: Bearer <token>'.")


class CourseIn(BaseModel):
    slug: str = Field(pattern=SLUG, max_length=64)
    title: str = Field("", max_length=200)


class MemberOut(BaseModel):
    name: str
    role: CourseRole


class RosterLine(BaseModel):
    name: str
    role: CourseRole
    enrolled: bool = Field(description="Enrolled by this upload (new to the course; its "
                                       "course token is here); false: already a member.")
    token: str | None = Field(None, description="A course token (shown once) that opens this "
                                                "course only; for names new to the course.")


class RosterOut(BaseModel):
    course: str
    enrolled: list[RosterLine]
    problems: list[str] = Field(default_factory=list, description="One sentence per line "
                                "that was not enrolled (with its line number).")


class AssignmentSettings(BaseModel):
    """Settings an instructor can change (absent fields are left as they are)."""

    title: str | None = Field(None, min_length=1, max_length=200)
    published: bool | None = None
    due_at: datetime | None = Field(None, description="ISO 8601 with a time zone; null for "
                                                      "no due date.")
    late_percent_per_day: float | None = Field(None, ge=0, le=100)
    late_cap_percent: float | None = Field(None, ge=0, le=100)
    late_days_accepted: int | None = Field(None, ge=0, le=3650, description="Submissions "
                                           "later than this many days past due are refused; "
                                           "null: always accepted.")
    max_submissions: int | None = Field(None, ge=1, le=100000, description="Per student; "
                                        "null: unlimited.")
    resubmission_penalty_percent: float | None = Field(None, ge=0, le=100, description=(
        "Percent taken off for each submission after a student's first."))
    hidden_released: bool | None = Field(None, description="Students see hidden checks' "
                                                           "details.")
    submission_policy: SubmissionPolicy | None = Field(None, description=(
        "Which submission of a student counts (gradebook, exports, LMS grade passback): "
        "latest; best (highest final score); chosen (the student picks their active "
        "submission; their latest until they do, and after each new submission)."))

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A due date without a time zone is taken as UTC; it must be a date in UTC too
        (``0001-01-01T00:00:00+14:00`` is a day before year 1 there)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError(
                f"{value.isoformat()} is outside the years 1 to 9999 once converted to UTC; "
                "give a due date such as 2026-05-01T23:59:00Z") from None


class BuiltinIn(AssignmentSettings):
    """Add a built-in assignment to a course."""

    builtin: str = Field(pattern=SLUG, description="Built-in slug, e.g. fc-optim.")


class TodoOut(BaseModel):
    id: str
    title: str
    file: str
    points: float


class AssignmentOut(BaseModel):
    slug: str
    title: str
    source: Literal["builtin", "bundle"]
    max_score: float
    published: bool
    due_at: datetime | None
    late_percent_per_day: float
    late_cap_percent: float
    late_days_accepted: int | None
    max_submissions: int | None
    resubmission_penalty_percent: float
    hidden_released: bool
    submission_policy: SubmissionPolicy = "latest"
    submission_files: list[str] = Field(default_factory=list)
    accepts_notebooks: bool = False
    todos: list[TodoOut] = Field(default_factory=list)
    check_report: str | None = Field(None, description="Validation report (instructors).")


class ValidationOut(BaseModel):
    """An uploaded bundle's validation (run by a worker): poll it until passed or failed."""

    id: int
    course: str
    slug: str
    title: str
    replace: bool = Field(description="A new version of the course's assignment of this slug.")
    status: Literal["queued", "running", "passed", "failed"]
    stage: str = Field(description="What the worker is doing (or did last).")
    build_log: list[str] = Field(description="The fixtures' build log so far.")
    check_report: str | None = Field(None, description="`grader check` 's report, once run.")
    detail: str | None = Field(None, description="Why it failed (what to fix).")
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    assignment: AssignmentOut | None = Field(None, description="The stored assignment, once "
                                             "passed.")
    url: str


class SubmissionAccepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 12, "status": "queued", "attempt": 1, "late_days": 0,
        "url": "/api/v1/submissions/12"}]})

    id: int
    status: Status
    attempt: int
    late_days: int
    url: str


class GradingOut(BaseModel):
    id: int
    status: str
    score: float
    max_score: float
    grader_version: str
    sandbox: str
    created_at: datetime


class SubmissionOut(BaseModel):
    id: int
    course: str
    assignment: str
    student: str
    attempt: int
    status: Status
    created_at: datetime
    graded_at: datetime | None
    files: list[str]
    late_days: int
    penalty_percent: float
    score: float | None = Field(description="Score before penalties.")
    max_score: float | None
    final_score: float | None = Field(description="Score after late/resubmission penalties.")
    counted: bool = Field(False, description="This is the student's submission that counts "
                                             "under the assignment's submission_policy.")
    auto_score: float | None = Field(None, description="The grader's score, before TA "
                                     "overrides (equal to score when there are none).")
    extension: ExtensionOut | None = Field(None, description="The student's extension on "
                                           "the assignment, if any.")
    review: ReviewOut | None = Field(None, description="TA overrides (with their comments) "
                                     "and regrade requests of this submission.")
    result: GradeResult | None = Field(None, description="Once graded: the native result "
                                       "(students get their view of it).")
    history: list[GradingOut] | None = Field(None, description="Every applied grading "
                                             "(instructors).")


class SubmissionSummary(BaseModel):
    id: int
    student: str
    attempt: int
    status: Status
    created_at: datetime
    graded_at: datetime | None
    late_days: int
    penalty_percent: float
    score: float | None
    max_score: float | None
    final_score: float | None
    counted: bool = Field(False, description="This is the student's submission that counts "
                                             "under the assignment's submission_policy.")


class ChooseIn(BaseModel):
    """A student's choice of the submission that counts (policy ``chosen``)."""

    submission_id: int = Field(ge=1, description="One of your graded submissions to this "
                                                 "assignment.")


class RegradeIn(BaseModel):
    dry_run: bool = Field(False, description="Grade again without changing any score; list "
                                             "the changes; commit them later.")


class RegradeLineOut(BaseModel):
    submission_id: int
    student: str
    status: Literal["queued", "running", "done"]
    old_score: float | None
    new_score: float | None
    max_score: float | None
    changed: bool
    grader_version: str | None


class RegradeOut(BaseModel):
    id: int
    assignment: str
    dry_run: bool
    status: Literal["running", "done", "committed"]
    queued: int | None = Field(None, description="Jobs queued by this request.")
    changes: int = Field(description="Submissions whose score changes (among those done).")
    lines: list[RegradeLineOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    queue: dict
    jobs: dict[str, int]
    validations: dict[str, int] = Field(default_factory=dict, description="Bundle "
                                        "validations per state.")
