"""The course's audit trail (instructors): extensions, overrides, regrade requests, LMS
passback failures and roster syncs, newest first."""

from __future__ import annotations

from fastapi import APIRouter

from ...store import audit as audit_rows
from ...store.assignments import get_assignment
from ..access import course_seen
from ..course_schemas import AuditOut
from ..deps import Caller, Svc

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/courses/{course}/audit")
def course_audit(course: str, user: Caller, svc: Svc, assignment: str | None = None
                 ) -> list[AuditOut]:
    """Who granted, changed or answered what, and when (of one assignment, if given)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user, instructor=True)
        row = get_assignment(s, seen.course, assignment) if assignment else None
        return [AuditOut(**vars(e)) for e in audit_rows.events(s, seen.course, row)]
