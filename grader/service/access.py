"""Who may see or do what: courses, assignments and submissions as seen by the caller.

Unknown things are 404 for everyone; a course the caller is not in is 403; students do not see
unpublished assignments (404, as if absent) nor other students' submissions (403).

Course staff are instructors and TAs (``STAFF_ROLES``): TAs see the course's submissions and
review them (overrides, regrade requests); everything else staff do is for instructors only.
(Issue 15 adds the ``ta`` role with this minimal check; issue 16 extends what TAs do.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..store.assignments import get_assignment
from ..store.courses import get_course
from ..store.errors import Forbidden, NotFound
from ..store.jobs import get_regrade
from ..store.models import Assignment, Course, Regrade, Submission, User
from ..store.submissions import get_submission
from ..store.users import course_role

#: Course roles that see every submission of the course and review them.
STAFF_ROLES = ("instructor", "ta")


@dataclass
class Seen:
    """A course (and assignment, submission) with the caller's role in the course."""

    course: Course
    role: str
    assignment: Assignment | None = None
    submission: Submission | None = None

    @property
    def instructor(self) -> bool:
        return self.role == "instructor"

    @property
    def staff(self) -> bool:
        """Instructor or TA of the course."""
        return self.role in STAFF_ROLES


def course_seen(s: Session, slug: str, user: User, instructor: bool = False,
                staff: bool = False) -> Seen:
    """The course ``slug`` if the caller is in it (as an instructor, or staff, if asked).

    Raises:
        NotFound: no such course. Forbidden: not a member, or not an instructor (staff).
    """
    course = get_course(s, slug)
    role = course_role(s, course, user)
    if role is None:
        raise Forbidden(f"you are not enrolled in course {slug}")
    if instructor and role != "instructor":
        raise Forbidden(f"only instructors of course {slug} can do this")
    if staff and role not in STAFF_ROLES:
        raise Forbidden(f"only instructors and TAs of course {slug} can do this")
    return Seen(course=course, role=role)


def assignment_seen(s: Session, course: str, slug: str, user: User,
                    instructor: bool = False, staff: bool = False) -> Seen:
    """An assignment of a course the caller is in (students: published ones only).

    Raises:
        NotFound, Forbidden: as ``course_seen``; an unknown (or, to students, unpublished)
            assignment is NotFound.
    """
    seen = course_seen(s, course, user, instructor, staff)
    row = get_assignment(s, seen.course, slug)
    if not seen.staff and not row.published:
        raise NotFound(f"course {course} has no assignment {slug[:80]!r}")
    seen.assignment = row
    return seen


def submission_seen(s: Session, submission_id: int, user: User,
                    instructor: bool = False, staff: bool = False) -> Seen:
    """A submission the caller may see: their own, or any of a course they teach (or TA).

    Raises:
        NotFound: no such submission. Forbidden: another student's, or (``instructor``,
            ``staff``) the caller does not teach (or TA) its course.
    """
    sub = get_submission(s, submission_id)
    row = s.get(Assignment, sub.assignment_id)
    assert row is not None
    course = s.get(Course, row.course_id)
    assert course is not None
    role = course_role(s, course, user)
    outside = user.token_course_id is not None and course.id != user.token_course_id
    if outside or (role not in STAFF_ROLES and sub.user_id != user.id):
        # a course token opens that course only
        raise Forbidden(f"submission {submission_id} belongs to another student")
    if instructor and role != "instructor":
        raise Forbidden(f"only instructors of course {course.slug} can do this")
    if staff and role not in STAFF_ROLES:
        raise Forbidden(f"only instructors and TAs of course {course.slug} can do this")
    return Seen(course=course, role=role or "student", assignment=row, submission=sub)


def regrade_seen(s: Session, regrade_id: int, user: User) -> tuple[Regrade, Assignment]:
    """A regrade batch of a course the caller teaches, and its assignment.

    Raises:
        NotFound: no such batch. Forbidden: the caller does not teach its course.
    """
    batch = get_regrade(s, regrade_id)
    row = s.get(Assignment, batch.assignment_id)
    assert row is not None
    course = s.get(Course, row.course_id)
    assert course is not None
    course_seen(s, course.slug, user, instructor=True)
    return batch, row
