"""Courses and their rosters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from ...store import audit
from ...store.courses import courses_of, create_course
from ...store.users import enrol_roster, members, membership_of, remove_member, reset_course_token
from ..access import course_seen
from ..deps import Caller, Staff, Svc
from ..problems import problems
from ..roster import parse_roster
from ..schemas import CourseIn, CourseOut, MemberOut, RosterLine, RosterOut

router = APIRouter(prefix="/api/v1", tags=["courses"])


@router.get("/courses")
def list_courses(user: Caller, svc: Svc) -> list[CourseOut]:
    """The courses the caller is in (admins: all)."""
    with svc.store.read() as s:
        return [CourseOut(slug=c.slug, title=c.title, role=r)  # type: ignore[arg-type]
                for c, r in courses_of(s, user)]


@router.post("/courses", status_code=201, responses=problems(
    (403, "not staff", "only instructors and admins can do this"),
    (409, "slug taken", "a course 'cs231n' already exists")))
def add_course(body: CourseIn, user: Staff, svc: Svc) -> CourseOut:
    """Create a course (instructors and admins); an instructor creating it teaches it."""
    with svc.store.write() as s:
        course = create_course(s, body.slug, body.title, user)
    return CourseOut(slug=course.slug, title=course.title, role="instructor")


@router.get("/courses/{course}")
def get_course_route(course: str, user: Caller, svc: Svc) -> CourseOut:
    """One course the caller is in."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user)
    return CourseOut(slug=seen.course.slug, title=seen.course.title,
                     role=seen.role)  # type: ignore[arg-type]


@router.get("/courses/{course}/roster")
def get_roster(course: str, user: Caller, svc: Svc) -> list[MemberOut]:
    """Everyone in the course (its instructors)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user, instructor=True)
        return [MemberOut(name=e.user.name, role=e.role)  # type: ignore[arg-type]
                for e in members(s, seen.course)]


@router.post("/courses/{course}/roster", responses=problems(
    (413, "too many lines", "the roster has 501 lines; the limit is 500"),
    (422, "bad line", "roster line 3: 'bob' is listed twice")))
def upload_roster(course: str, file: Annotated[UploadFile, File(
        description="CSV with a header row: name[,role] (role: student, ta or instructor), "
                    "or an LMS export (Canvas: name, email, SIS id columns).")],
                  user: Caller, svc: Svc) -> RosterOut:
    """Enrol a roster (its instructors). Every name new to the course is enrolled (its
    account created if needed) and gets a course token, shown once, that opens this course
    only; whether an account existed elsewhere is not said. Names already in the course
    get none. A bad line is not enrolled and is reported in ``problems`` (one sentence per
    line, with its number); the other lines are. A file that cannot be read at all (not
    UTF-8, no header, too many lines) changes nothing (422, 413)."""
    with svc.store.read() as s:
        course_seen(s, course, user, instructor=True)
    roster = parse_roster(file.file.read(), svc.settings.max_roster_rows)
    with svc.store.write() as s:
        seen = course_seen(s, course, user, instructor=True)
        entries = enrol_roster(s, seen.course, [(a, r) for a, r, _ in roster.rows])
    return RosterOut(course=course, problems=roster.problems, enrolled=[
        RosterLine(name=e.name, role=e.role, enrolled=e.enrolled,  # type: ignore[arg-type]
                   token=e.token) for e in entries])


@router.delete("/courses/{course}/roster/{name}", status_code=204)
def remove_from_roster(course: str, name: str, user: Caller, svc: Svc) -> None:
    """Remove a student or TA from the course (its instructors): their enrolment and their
    tokens for this course go; their account and submissions stay."""
    with svc.store.write() as s:
        seen = course_seen(s, course, user, instructor=True)
        row = remove_member(s, seen.course, name)
        audit.record(s, seen.course.id, "roster.remove", user, subject_id=row.user_id,
                     role=row.role)


@router.post("/courses/{course}/roster/{name}/token")
def reset_token(course: str, name: str, user: Caller, svc: Svc) -> RosterLine:
    """A new course token for a student or TA (its instructors); shown once. Their previous
    tokens for this course stop working."""
    with svc.store.write() as s:
        seen = course_seen(s, course, user, instructor=True)
        token = reset_course_token(s, seen.course, name)
        member = membership_of(s, seen.course, name)
        audit.record(s, seen.course.id, "token.reset", user, subject_id=member.user_id)
        return RosterLine(name=name, role=member.role,  # type: ignore[arg-type]
                          enrolled=False, token=token)
