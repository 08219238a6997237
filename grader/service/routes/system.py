"""Health, the caller, users and the built-in catalogue."""

from __future__ import annotations

from fastapi import APIRouter

from ... import __version__
from ...assignments.loader import builtin_slugs, load_assignment
from ...store import jobs as job_rows
from ...store.courses import courses_of, get_course
from ...store.users import create_user, enrol, issue_token
from ...store.validations import counts as validation_counts
from ...store.validations import list_validations
from ..access import course_seen
from ..deps import Admin, Caller, Staff, Svc
from ..problems import problems
from ..publishing import validation_seen
from ..schemas import CourseOut, HealthOut, MeOut, TokenOut, UserIn, ValidationOut
from ..views import validation_out

router = APIRouter(prefix="/api/v1")


@router.get("/health", tags=["system"])
def health(svc: Svc) -> HealthOut:
    """Liveness, the queue (backend, workers, sandbox) and jobs per status. No token needed."""
    with svc.store.read() as s:
        jobs = job_rows.counts(s)
        validations = validation_counts(s)
    return HealthOut(status="ok", version=__version__, queue=svc.queue.describe(), jobs=jobs,
                     validations=validations)


@router.get("/validations/{validation_id}", tags=["assignments"])
def get_validation(validation_id: int, user: Caller, svc: Svc) -> ValidationOut:
    """An uploaded bundle's validation (its course's instructors): ``status`` queued, running,
    passed (``assignment`` is the stored one) or failed (``detail`` says why,
    ``check_report`` has the validations); ``stage`` and ``build_log`` show the progress."""
    return validation_seen(svc, validation_id, user)


@router.get("/courses/{course}/validations", tags=["assignments"])
def list_course_validations(course: str, user: Caller, svc: Svc) -> list[ValidationOut]:
    """The course's latest bundle validations, newest first (instructors)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user, instructor=True)
        return [validation_out(v, seen.course, None)
                for v in list_validations(s, seen.course)]


@router.get("/me", tags=["users"])
def me(user: Caller, svc: Svc) -> MeOut:
    """Who the token belongs to, and the courses they are in."""
    with svc.store.read() as s:
        courses = [CourseOut(slug=c.slug, title=c.title, role=r)  # type: ignore[arg-type]
                   for c, r in courses_of(s, user)]
    return MeOut(name=user.name, role=user.acting_role, courses=courses)  # type: ignore[arg-type]


@router.post("/users", status_code=201, tags=["users"], responses=problems(
    (403, "not an admin", "only admins can do this"),
    (409, "name taken", "a user called 'alice' already exists")))
def add_user(body: UserIn, admin: Admin, svc: Svc) -> TokenOut:
    """Create a user and their first token (admins). With ``course``, also enrol them."""
    with svc.store.write() as s:
        course = get_course(s, body.course) if body.course else None
        user = create_user(s, body.name, body.role)
        if course is not None:
            enrol(s, course, user, "student" if body.role == "student" else "instructor")
        token = issue_token(s, user, label="api")
    return TokenOut(name=user.name, role=body.role, token=token)


@router.get("/builtins", tags=["assignments"], responses=problems(
    (403, "not staff", "only instructors and admins can do this")))
def builtins(user: Staff, svc: Svc) -> list[dict]:
    """The built-in assignments an instructor can add to a course by slug."""
    out = []
    for slug in builtin_slugs(svc.settings):
        m = load_assignment(slug, svc.settings).manifest
        out.append({"slug": slug, "title": m.title, "max_score": m.max_score,
                    "todos": [t.id for t in m.todos]})
    return out
