"""Courses."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, Forbidden, Invalid, NotFound
from .models import Course, Enrollment, User
from .users import enrol

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SLUG_RULE = "1 to 64 characters: lower-case letters, digits and -, not starting with -"


def check_slug(slug: str, what: str = "course") -> str:
    """``slug`` if valid.

    Raises:
        Invalid: it is not (the message gives the rule).
    """
    if not SLUG_RE.match(slug):
        raise Invalid(f"invalid {what} slug {slug[:80]!r}: use {SLUG_RULE}")
    return slug


def create_course(s: Session, slug: str, title: str, owner: User | None) -> Course:
    """A new course; ``owner`` (if any, and not an admin) becomes its instructor.

    Raises:
        Invalid: bad slug. Conflict: the slug is taken. Forbidden: ``owner`` signed in with
            a course token.
    """
    check_slug(slug)
    if owner is not None and owner.token_course_id is not None:
        raise Forbidden("this token opens one course only; creating a course needs an "
                        "account token (an admin prints one with `grader users token NAME`)")
    if s.scalar(select(Course).where(Course.slug == slug)) is not None:
        raise Conflict(f"a course {slug!r} already exists")
    course = Course(slug=slug, title=title.strip()[:200] or slug)
    s.add(course)
    s.flush()
    if owner is not None and owner.role != "admin":
        enrol(s, course, owner, "instructor")
    return course


def find_course(s: Session, slug: str) -> Course | None:
    """The course ``slug``, or None."""
    return s.scalar(select(Course).where(Course.slug == slug))


def get_course(s: Session, slug: str) -> Course:
    """The course ``slug``.

    Raises:
        NotFound: no such course.
    """
    course = find_course(s, slug)
    if course is None:
        raise NotFound(f"no course {slug[:80]!r}")
    return course


def courses_of(s: Session, user: User) -> list[tuple[Course, str]]:
    """``(course, role)`` for every course ``user`` may see (admins: all, as instructor)."""
    if user.token_course_id is None and user.role == "admin":
        return [(c, "instructor") for c in s.scalars(select(Course).order_by(Course.slug))]
    q = select(Course, Enrollment.role).join(Enrollment).where(Enrollment.user_id == user.id)
    if user.token_course_id is not None:  # a course token: that course only
        q = q.where(Course.id == user.token_course_id)
    rows = s.execute(q.order_by(Course.slug))
    return [(c, r) for c, r in rows]
