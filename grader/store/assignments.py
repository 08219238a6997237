"""A course's assignments: built-ins added by slug and validated bundles, with their policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..assignments.bundle import materialize
from ..assignments.loader import Assignment as LoadedAssignment
from ..assignments.loader import load_assignment
from ..config import Settings
from ..scoring.penalties import Policy
from .errors import Conflict, Invalid, NotFound
from .models import Assignment, Course

POLICY_FIELDS = ("due_at", "late_percent_per_day", "late_cap_percent", "late_days_accepted",
                 "max_submissions", "resubmission_penalty_percent")
EDITABLE = POLICY_FIELDS + ("published", "hidden_released", "title", "submission_policy")
NULLABLE = ("due_at", "late_days_accepted", "max_submissions")


def _unique(s: Session, course: Course, slug: str) -> None:
    if s.scalar(select(Assignment.id).where(Assignment.course_id == course.id,
                                            Assignment.slug == slug)) is not None:
        raise Conflict(f"course {course.slug} already has an assignment {slug!r}")


def add_builtin(s: Session, course: Course, loaded: LoadedAssignment, report: str,
                settings: dict[str, Any]) -> Assignment:
    """Add the built-in ``loaded`` to ``course`` with the given settings (see ``EDITABLE``).

    Raises:
        Conflict: the course has an assignment of that slug.
    """
    _unique(s, course, loaded.slug)
    row = Assignment(course_id=course.id, slug=loaded.slug, title=loaded.manifest.title,
                     source="builtin", builtin_slug=loaded.slug,
                     max_score=loaded.manifest.max_score, check_report=report)
    s.add(row)
    _apply(row, settings)
    s.flush()
    return row


def add_bundle(s: Session, course: Course, loaded: LoadedAssignment, bundle: bytes, sha: str,
               report: str, settings: dict[str, Any]) -> Assignment:
    """Add a validated bundle (its folder zipped with its fixtures) to ``course``.

    Raises:
        Conflict: the course has an assignment of that slug.
    """
    _unique(s, course, loaded.slug)
    row = Assignment(course_id=course.id, slug=loaded.slug, title=loaded.manifest.title,
                     source="bundle", bundle=bundle, bundle_sha=sha,
                     max_score=loaded.manifest.max_score, check_report=report)
    s.add(row)
    _apply(row, settings)
    s.flush()
    return row


def replace_bundle(s: Session, row: Assignment, loaded: LoadedAssignment, bundle: bytes,
                   sha: str, report: str) -> Assignment:
    """Put a new validated version of a bundle in place (submissions keep their results
    until regraded).

    Raises:
        Conflict: ``row`` is a built-in.
    """
    if row.source != "bundle":
        raise Conflict(f"{row.slug} is a built-in assignment; it cannot be replaced by a "
                       "bundle")
    row.bundle, row.bundle_sha, row.check_report = bundle, sha, report
    row.title, row.max_score = loaded.manifest.title, loaded.manifest.max_score
    s.flush()
    return row


def _apply(row: Assignment, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if key not in EDITABLE:
            raise Invalid(f"{key} cannot be changed")
        if value is None and key not in NULLABLE:
            raise Invalid(f"{key} cannot be null; leave it out to keep its value")
        setattr(row, key, value)


def update(s: Session, row: Assignment, changes: dict[str, Any]) -> Assignment:
    """Change an assignment's settings (fields of ``EDITABLE``)."""
    _apply(row, changes)
    s.flush()
    return row


def find_assignment(s: Session, course: Course, slug: str) -> Assignment | None:
    """The assignment ``slug`` of ``course``, or None."""
    return s.scalar(select(Assignment).where(Assignment.course_id == course.id,
                                             Assignment.slug == slug))


def get_assignment(s: Session, course: Course, slug: str) -> Assignment:
    """The assignment ``slug`` of ``course``.

    Raises:
        NotFound: no such assignment in the course.
    """
    row = find_assignment(s, course, slug)
    if row is None:
        raise NotFound(f"course {course.slug} has no assignment {slug[:80]!r}")
    return row


def list_assignments(s: Session, course: Course, published_only: bool) -> list[Assignment]:
    """The course's assignments by slug (only the published ones if asked)."""
    q = select(Assignment).where(Assignment.course_id == course.id)
    if published_only:
        q = q.where(Assignment.published.is_(True))
    return list(s.scalars(q.order_by(Assignment.slug)))


def policy_of(row: Assignment) -> Policy:
    """The due date, late policy and submission limit of ``row``."""
    return Policy(**{k: getattr(row, k) for k in POLICY_FIELDS})


def open_assignment(s: Session, row: Assignment, settings: Settings,
                    cache: Path) -> LoadedAssignment:
    """The loadable assignment behind ``row`` (a stored bundle is unpacked under ``cache``)."""
    if row.source == "builtin":
        return load_assignment(row.builtin_slug or row.slug, settings)
    assert row.bundle_sha is not None
    target = cache / row.bundle_sha
    if not (target / "manifest.toml").is_file():
        data = s.scalar(select(Assignment.bundle).where(Assignment.id == row.id))
        assert data is not None
        materialize(data, row.bundle_sha, cache)
    return load_assignment(target, settings)
