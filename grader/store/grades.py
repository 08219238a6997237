"""The grade a submission carries: its lateness and penalty under the student's policy
(extensions included) and its final score, and which submission of a student counts.

Which one counts is the assignment's ``submission_policy``:

- ``latest`` (the default): the student's newest submission, graded or not;
- ``best``: their graded submission with the highest final score (after penalties; of equal
  ones the newest); their newest while none is graded;
- ``chosen``: the graded submission the student chose (their "active submission", as on
  Gradescope); their newest until they choose, and again after each new submission (a new
  submission becomes the active one; the student can choose an older one again).

``Submission.score`` is the score before penalties with TA overrides applied (``review``);
the final score takes the late and resubmission penalties off it.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..scoring.penalties import extended, final_score, late_days, penalty_percent
from .assignments import policy_of
from .errors import Conflict, Forbidden, Invalid
from .extensions import as_policy, extension_of
from .models import Assignment, Extension, Submission, SubmissionChoice, User, utcnow

#: The values of ``Assignment.submission_policy``.
SUBMISSION_POLICIES = ("latest", "best", "chosen")

#: How each policy is said to students (the assignment page, the API's descriptions).
POLICY_WORDS = {
    "latest": "your latest submission counts",
    "best": "your best graded submission counts (highest score after penalties)",
    "chosen": "the submission you choose counts (your active submission); until you choose, "
              "and after each new submission, your latest counts",
}


def lateness(sub: Submission, row: Assignment, ext: Extension | None) -> int:
    """Started days ``sub`` was late for its student: against their extended due date if
    they have one (also for submissions made before it was granted), else as recorded when
    it was submitted."""
    if ext is not None and ext.due_at is not None:
        policy = extended(policy_of(row), as_policy(ext))
        return late_days(policy.due_at, sub.created_at)
    return sub.late_days


def penalty_of(sub: Submission, row: Assignment, ext: Extension | None) -> float:
    """The penalty (percent) ``sub`` carries under ``row`` 's policy, extended by ``ext``."""
    policy = extended(policy_of(row), as_policy(ext))
    return penalty_percent(policy, lateness(sub, row, ext), sub.attempt)


def final_of(sub: Submission, row: Assignment, ext: Extension | None) -> float | None:
    """``sub`` 's score after penalties (None until graded)."""
    if sub.score is None:
        return None
    return final_score(sub.score, penalty_of(sub, row, ext))


def pick_counted(subs: list[Submission], row: Assignment, ext: Extension | None,
                 chosen_id: int | None) -> Submission | None:
    """The submission among one student's ``subs`` that counts under ``row`` 's policy
    (``chosen_id``: their chosen one, if any)."""
    if not subs:
        return None
    latest = max(subs, key=lambda x: x.id)
    policy = row.submission_policy or "latest"
    if policy == "best":
        graded = [x for x in subs if x.status == "graded" and x.score is not None]
        if graded:
            return max(graded, key=lambda x: (final_of(x, row, ext) or 0.0, x.id))
    elif policy == "chosen" and chosen_id is not None:
        for x in subs:
            if x.id == chosen_id:
                return x
    return latest


def choice_of(s: Session, row: Assignment, user_id: int) -> int | None:
    """The id of the submission the student chose for ``row`` (any policy), if any."""
    return s.scalar(select(SubmissionChoice.submission_id).where(
        SubmissionChoice.assignment_id == row.id, SubmissionChoice.user_id == user_id))


def counted_submission(s: Session, row: Assignment, user_id: int) -> Submission | None:
    """The submission of a student that counts for ``row`` (under its policy)."""
    subs = list(s.scalars(select(Submission).where(Submission.assignment_id == row.id,
                                                   Submission.user_id == user_id)))
    if not subs:
        return None
    return pick_counted(subs, row, extension_of(s, row, user_id),
                        choice_of(s, row, user_id))


def counted_per_student(s: Session, row: Assignment) -> list[tuple[User, Submission]]:
    """Each student's submission to ``row`` that counts (under its policy), by name."""
    by_user: dict[int, list[Submission]] = defaultdict(list)
    for sub in s.scalars(select(Submission).where(Submission.assignment_id == row.id)):
        by_user[sub.user_id].append(sub)
    if not by_user:
        return []
    users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(list(by_user))))}
    exts = {e.user_id: e for e in s.scalars(select(Extension).where(
        Extension.assignment_id == row.id))}
    choices = dict(s.execute(select(SubmissionChoice.user_id, SubmissionChoice.submission_id)
                             .where(SubmissionChoice.assignment_id == row.id)).all())
    out = []
    for uid, subs in by_user.items():
        sub = pick_counted(subs, row, exts.get(uid), choices.get(uid))
        assert sub is not None
        out.append((users[uid], sub))
    return sorted(out, key=lambda pair: pair[0].name)


def choose_submission(s: Session, row: Assignment, user: User, sub: Submission
                      ) -> SubmissionChoice:
    """Make ``sub`` the student's active submission for ``row``.

    Raises:
        Conflict: the policy is not ``chosen``, or ``sub`` is not graded yet.
        Forbidden: ``sub`` is another student's. Invalid: ``sub`` is of another assignment.
    """
    if row.submission_policy != "chosen":
        raise Conflict(f"on {row.slug} {POLICY_WORDS[row.submission_policy or 'latest']}; "
                       "choosing a submission is only possible when the instructor sets the "
                       "policy to 'chosen'")
    if sub.user_id != user.id:
        raise Forbidden(f"submission {sub.id} belongs to another student")
    if sub.assignment_id != row.id:
        raise Invalid(f"submission {sub.id} is not a submission to {row.slug}")
    if sub.status != "graded":
        raise Conflict(f"attempt {sub.attempt} is {sub.status}, not graded: only a graded "
                       "submission can be your active one; wait for its result")
    found = s.get(SubmissionChoice, (row.id, user.id))
    if found is None:
        found = SubmissionChoice(assignment_id=row.id, user_id=user.id, submission_id=sub.id)
        s.add(found)
    else:
        found.submission_id = sub.id
        found.chosen_at = utcnow()
    s.flush()
    return found


def clear_choice(s: Session, row: Assignment, user_id: int) -> None:
    """Forget a student's chosen submission (a new submission becomes the active one)."""
    s.execute(delete(SubmissionChoice).where(SubmissionChoice.assignment_id == row.id,
                                             SubmissionChoice.user_id == user_id))


def counted_final(s: Session, row: Assignment, user_id: int
                  ) -> tuple[Submission | None, float | None]:
    """The counted submission of a student and its final score."""
    sub = counted_submission(s, row, user_id)
    if sub is None:
        return None, None
    return sub, final_of(sub, row, extension_of(s, row, user_id))
