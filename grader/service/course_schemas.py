"""Request and response bodies of the course tools: extensions, manual review (overrides and
regrade requests), the audit trail, similarity, LTI administration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$"


class ExtensionIn(BaseModel):
    """What to grant one student (absent fields grant nothing of their kind)."""

    student: str = Field(pattern=NAME, max_length=64)
    due_at: datetime | None = Field(None, description="A later due date for this student "
                                    "(ISO 8601; no zone: UTC).")
    extra_late_days: int = Field(0, ge=0, le=3650, description="Started days late that carry "
                                 "no penalty (the last accepted day moves as far).")
    extra_submissions: int = Field(0, ge=0, le=100000, description="Added to the "
                                   "submission limit.")
    reason: str = Field("", max_length=2000, description="Kept in the audit trail.")

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A date without a time zone is taken as UTC."""
        return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


class ExtensionOut(BaseModel):
    student: str
    due_at: datetime | None
    extra_late_days: int
    extra_submissions: int
    reason: str
    granted_by: str | None
    updated_at: datetime
    effective_due_at: datetime | None = Field(description="The due date that applies to the "
                                              "student.")
    late_days_accepted: int | None = Field(description="Days past their due date the "
                                           "student's submissions are still accepted.")
    max_submissions: int | None = Field(description="The student's submission limit.")


class OverrideIn(BaseModel):
    score: float = Field(ge=0, description="The TODO's new score (0 to its points).")
    comment: str = Field(min_length=1, max_length=4000, description="Why; the student reads "
                         "it beside both scores.")


class OverrideOut(BaseModel):
    todo: str
    score: float
    grader_score: float | None = Field(description="What the grader gave this TODO in the "
                                       "current grading.")
    max_score: float | None
    comment: str
    by: str | None
    created_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None


class RegradeRequestIn(BaseModel):
    todo: str = Field(min_length=1, max_length=200, description="The TODO's id, e.g. adam.")
    message: str = Field(min_length=1, max_length=4000, description="What should be looked "
                         "at again, and why.")


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=4000)
    score: float | None = Field(None, ge=0, description="Also override the TODO with this "
                                "score (the answer becomes the override's comment).")


class RegradeRequestOut(BaseModel):
    id: int
    submission_id: int
    course: str | None = None
    assignment: str | None = None
    student: str
    todo: str
    message: str
    status: Literal["open", "answered"]
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    created_at: datetime


class ReviewOut(BaseModel):
    overrides: list[OverrideOut] = Field(description="Active overrides.")
    released: list[OverrideOut] = Field(default_factory=list, description="Released or "
                                        "replaced overrides (staff only).")
    requests: list[RegradeRequestOut]


class AuditOut(BaseModel):
    id: int
    at: datetime
    action: str
    actor: str | None
    assignment: str | None
    student: str | None
    submission_id: int | None
    detail: dict[str, Any]


class SimilarityPairOut(BaseModel):
    a: str = Field(description="Student (alphabetically first).")
    b: str
    submission_a: int
    submission_b: int
    similarity: float = Field(description="The larger share of either student's TODO code "
                              "(normalized tokens) found in the other's, 0 to 1.")
    similarity_a: float
    similarity_b: float
    matched_tokens: int
    todos: dict[str, float] = Field(description="Per TODO: the larger share matched.")
    url: str


class SimilarityOut(BaseModel):
    assignment: str
    students: int
    pairs: list[SimilarityPairOut]
    excluded: list[str] = Field(description="Students whose counted submission has no TODO "
                                "code to compare (and why).")


class RegionOut(BaseModel):
    a_start: int
    a_end: int
    b_start: int
    b_end: int


class SimilarityTodoOut(BaseModel):
    todo: str
    code_a: str
    code_b: str
    spans_a: list[tuple[int, int]]
    spans_b: list[tuple[int, int]]
    similarity_a: float
    similarity_b: float


class SimilarityDetailOut(BaseModel):
    a: str
    b: str
    submission_a: int
    submission_b: int
    similarity: float
    todos: list[SimilarityTodoOut]


class PlatformIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=200)
    auth_login_url: str = Field(max_length=1000, description="The platform's OIDC "
                                "authorization endpoint.")
    auth_token_url: str = Field(max_length=1000, description="Its OAuth 2 token endpoint.")
    jwks_url: str = Field(max_length=1000, description="Its public keys (JWKS).")
    deployment_ids: list[str] = Field(min_length=1)
    token_audience: str | None = Field(None, max_length=1000, description="The 'aud' of our "
                                       "client assertions if not the token URL (Moodle, "
                                       "Canvas: the token URL).")


class PlatformOut(BaseModel):
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    deployment_ids: list[str]
    token_audience: str | None


class ToolConfigOut(BaseModel):
    """What to enter in the LMS when registering this tool."""

    login_url: str
    launch_url: str
    jwks_url: str
    platforms: list[PlatformOut]


class RosterSyncOut(BaseModel):
    course: str
    members: int
    enrolled: int
    created: int
    updated_roles: int
    inactive: list[str]


class PassbackOut(BaseModel):
    student: str
    status: str
    score_given: float
    score_maximum: float
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
