"""A student's choice of the submission that counts (the assignment's policy ``chosen``, as
Gradescope's "active submission")."""

from __future__ import annotations

from fastapi import APIRouter

from ...store.errors import Invalid
from ..access import assignment_seen, submission_seen
from ..deps import Caller, Svc
from ..policy import choose
from ..schemas import ChooseIn, SubmissionSummary
from ..views import submission_lines

router = APIRouter(prefix="/api/v1/courses/{course}/assignments/{assignment}",
                   tags=["assignments"])


@router.put("/active-submission")
def choose_active(course: str, assignment: str, body: ChooseIn, user: Caller, svc: Svc
                  ) -> list[SubmissionSummary]:
    """Choose which of your graded submissions counts (students; only when the assignment's
    ``submission_policy`` is ``chosen``: else 409). A new submission becomes the active one
    again. Answers your submissions, ``counted`` marking the active one."""
    with svc.store.write() as s:
        seen = assignment_seen(s, course, assignment, user)
        assert seen.assignment is not None
        sub = submission_seen(s, body.submission_id, user).submission
        assert sub is not None
        if sub.assignment_id != seen.assignment.id:
            raise Invalid(f"submission {sub.id} is not a submission to {assignment}")
        choose(s, seen.assignment, user, sub)
        return submission_lines(s, seen.assignment, user)
