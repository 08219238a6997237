"""The audit trail of a course: who granted, changed, answered or sent what, and when.

Every change to a student's grade that is not a grading (extensions, TODO overrides, regrade
requests and their answers, LMS score passback) writes one event in the same transaction as
the change itself, so the trail never misses a change nor records one that did not happen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .models import Assignment, AuditEvent, Course, User, utcnow

#: What an event can record.
ACTIONS = ("extension.grant", "extension.revoke", "override.set", "override.release",
           "regrade_request.open", "regrade_request.answer", "lti.roster_sync",
           "lti.score_failed", "assignment.submission_policy", "submission.choose",
           "roster.remove", "token.reset")


def record(s: Session, course_id: int, action: str, actor: User | None, *,
           assignment_id: int | None = None, subject_id: int | None = None,
           submission_id: int | None = None, **detail: Any) -> AuditEvent:
    """Add one event (in the caller's transaction)."""
    assert action in ACTIONS, action
    event = AuditEvent(course_id=course_id, assignment_id=assignment_id,
                       actor_id=actor.id if actor else None, action=action,
                       subject_id=subject_id, submission_id=submission_id,
                       detail=json.dumps(detail, default=str, sort_keys=True),
                       created_at=utcnow())
    s.add(event)
    s.flush()
    return event


@dataclass
class AuditLine:
    """One event as people read it."""

    id: int
    at: datetime
    action: str
    actor: str | None
    assignment: str | None
    student: str | None
    submission_id: int | None
    detail: dict[str, Any]


def events(s: Session, course: Course, assignment: Assignment | None = None,
           limit: int = 1000) -> list[AuditLine]:
    """The course's events (of one assignment, if given), newest first."""
    actor, subject = aliased(User), aliased(User)
    q = (select(AuditEvent, actor.name, subject.name, Assignment.slug)
         .outerjoin(actor, actor.id == AuditEvent.actor_id)
         .outerjoin(subject, subject.id == AuditEvent.subject_id)
         .outerjoin(Assignment, Assignment.id == AuditEvent.assignment_id)
         .where(AuditEvent.course_id == course.id))
    if assignment is not None:
        q = q.where(AuditEvent.assignment_id == assignment.id)
    rows = s.execute(q.order_by(AuditEvent.id.desc()).limit(limit))
    return [AuditLine(id=e.id, at=e.created_at, action=e.action, actor=a, assignment=slug,
                      student=subj, submission_id=e.submission_id,
                      detail=json.loads(e.detail or "{}"))
            for e, a, subj, slug in rows]
