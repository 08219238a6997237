"""Users, API tokens and course enrolments.

A token is ``gr_`` plus 43 random URL-safe characters (256 bits); only its SHA-256 is stored,
so a copy of the database grants nothing. A fast hash suffices for random tokens of this
length (nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import Conflict, Invalid, NotFound
from .models import Course, Enrollment, Token, User

ROLES = ("admin", "instructor", "student")
COURSE_ROLES = ("instructor", "ta", "student")  # ta: reviews (issue 15; 16 adds more)
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
NAME_RULE = ("1 to 64 characters: letters, digits and _ . @ + -, starting with a letter or "
             "digit")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_name(name: str) -> str:
    """``name`` if it is a valid user name.

    Raises:
        Invalid: it is not (the message gives the rule).
    """
    if not NAME_RE.match(name):
        raise Invalid(f"invalid user name {name[:80]!r}: use {NAME_RULE}")
    return name


def create_user(s: Session, name: str, role: str) -> User:
    """A new user.

    Raises:
        Invalid: bad name or role. Conflict: the name is taken.
    """
    check_name(name)
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if s.scalar(select(User).where(User.name == name)) is not None:
        raise Conflict(f"a user called {name!r} already exists")
    user = User(name=name, role=role)
    s.add(user)
    s.flush()
    return user


def get_user(s: Session, name: str) -> User:
    """The user called ``name``.

    Raises:
        NotFound: no such user.
    """
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user called {name!r}")
    return user


def issue_token(s: Session, user: User, label: str = "", course: Course | None = None) -> str:
    """A new token for ``user`` (returned once, stored hashed); with ``course``, a course
    token that opens that course only."""
    token = "gr_" + secrets.token_urlsafe(32)
    s.add(Token(user_id=user.id, digest=hash_token(token), label=label[:64],
                course_id=course.id if course is not None else None))
    s.flush()
    return token


def caller_of(s: Session, row: Token) -> User:
    """The owner of token ``row`` as a caller: with a course token, marked with the course it
    opens and the role there (``User.acting_role``)."""
    user = row.user
    user.token_course_id = row.course_id
    user.token_course_role = None
    if row.course_id is not None:
        user.token_course_role = s.scalar(select(Enrollment.role).where(
            Enrollment.course_id == row.course_id, Enrollment.user_id == user.id))
    return user


def user_for_token(s: Session, token: str) -> User | None:
    """The owner of ``token`` as a caller (see ``caller_of``), or None."""
    if not token or len(token) > 200:
        return None
    row = s.scalar(select(Token).where(Token.digest == hash_token(token)))
    return caller_of(s, row) if row is not None else None


def enrol(s: Session, course: Course, user: User, role: str) -> Enrollment:
    """Put ``user`` in ``course`` with ``role`` (updating the role of a member).

    Raises:
        Invalid: unknown course role.
    """
    if role not in COURSE_ROLES:
        raise Invalid(f"unknown course role {role!r}; use instructor, ta or student")
    row = membership(s, course, user)
    if row is None:
        row = Enrollment(course_id=course.id, user_id=user.id, role=role)
        s.add(row)
    else:
        row.role = role
    s.flush()
    return row


def membership(s: Session, course: Course, user: User) -> Enrollment | None:
    """``user`` 's enrolment in ``course``, if any."""
    return s.scalar(select(Enrollment).where(Enrollment.course_id == course.id,
                                             Enrollment.user_id == user.id))


def course_role(s: Session, course: Course, user: User) -> str | None:
    """``instructor`` (admins count as instructors everywhere), ``student`` or None. A caller
    with a course token has a role in that course only (their enrolment's)."""
    if user.token_course_id is not None:
        if course.id != user.token_course_id:
            return None
    elif user.role == "admin":
        return "instructor"
    row = membership(s, course, user)
    return row.role if row else None


def members(s: Session, course: Course) -> list[Enrollment]:
    """Everyone in ``course``, instructors first, then by name."""
    rows = s.scalars(select(Enrollment).join(User).where(Enrollment.course_id == course.id)
                     .order_by(Enrollment.role, User.name))
    return list(rows)


@dataclass
class RosterEntry:
    """One line of a roster: ``enrolled`` (new to the course, ``token`` a course token for
    it) or already a member (no token)."""

    name: str
    role: str
    enrolled: bool
    token: str | None


def enrol_roster(s: Session, course: Course, rows: list[tuple[str, str]]) -> list[RosterEntry]:
    """Enrol every ``(name, course role)`` (checked lines: see ``grader.service.roster``),
    creating accounts for new names.

    Every line that was not a member of ``course`` gets a **course token**, whether its
    account is new or exists in other courses: the answer is the same for both, so a roster
    upload tells its instructor nothing about accounts outside their course, and the token
    opens this course only (an instructor cannot take over an account that exists outside
    their course). Lines already in the course get no token (their role is updated).

    Raises:
        Invalid: a bad name or role (the message names the row).
    """
    out = []
    for number, (name, role) in enumerate(rows, start=2):
        try:
            check_name(name)
            if role not in COURSE_ROLES:
                raise Invalid(f"unknown role {role!r}; use student, ta or instructor")
        except Invalid as exc:
            raise Invalid(f"roster line {number}: {exc.message}") from None
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            user = create_user(s, name, "instructor" if role == "instructor" else "student")
        new_here = membership(s, course, user) is None
        enrol(s, course, user, role)
        token = issue_token(s, user, label=f"roster:{course.slug}", course=course) \
            if new_here else None
        out.append(RosterEntry(name=name, role=role, enrolled=new_here, token=token))
    return out


def membership_of(s: Session, course: Course, name: str) -> Enrollment:
    """The enrolment of user ``name`` in ``course``.

    Raises:
        NotFound: not a member.
    """
    user = s.scalar(select(User).where(User.name == name[:64]))
    row = membership(s, course, user) if user is not None else None
    if row is None:
        raise NotFound(f"{name[:80]!r} is not a member of course {course.slug}")
    return row


def remove_member(s: Session, course: Course, name: str) -> Enrollment:
    """Take student or TA ``name`` out of ``course``: their enrolment and their tokens for
    this course go (which ends their sessions with those tokens); their account, other
    courses and submissions stay (a removed student's submissions still count if they are
    enrolled again).

    Raises:
        NotFound: not a member. Conflict: an instructor (an admin changes instructors).
    """
    row = membership_of(s, course, name)
    if row.role == "instructor":
        raise Conflict(f"{name!r} is an instructor of {course.slug}; only students and TAs "
                       "are removed here (an admin changes a course's instructors)")
    s.execute(delete(Token).where(Token.user_id == row.user_id, Token.course_id == course.id))
    s.delete(row)
    s.flush()
    return row


def reset_course_token(s: Session, course: Course, name: str) -> str:
    """A new course token for student or TA ``name`` of ``course`` (returned once); their
    previous tokens for this course stop working (and their sessions with them). Their
    account tokens, if any, are untouched.

    Raises:
        NotFound: not a member. Conflict: an instructor.
    """
    row = membership_of(s, course, name)
    if row.role == "instructor":
        raise Conflict(f"{name!r} is an instructor of {course.slug}; an admin makes "
                       f"instructors' tokens (`grader users token {name}`)")
    s.execute(delete(Token).where(Token.user_id == row.user_id, Token.course_id == course.id))
    return issue_token(s, row.user, label=f"reset:{course.slug}", course=course)
