"""What portal pages show, read from the store (the routes stay thin).

Dashboard statistics need each student's latest result; their summaries (``stats.Outcome``)
are cached per grading id, since a stored grading never changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..report.models import GradeResult
from ..scoring.penalties import final_score
from ..service.schemas import SubmissionSummary
from ..service.views import penalty_of, submission_lines
from ..store.extensions import effective_policy, extension_of
from ..store.grades import counted_per_student, counted_submission
from ..store.models import Assignment, Course, Grading, Submission, User
from ..store.submissions import count_of, current_grading, result_json
from ..store.users import members
from .stats import ClassStats, Outcome, class_stats, outcome_of


class OutcomeCache:
    """Dashboard summaries of stored results, by grading id (bounded, thread-safe)."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self._items: OrderedDict[int, Outcome] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, s: Session, grading: Grading) -> Outcome:
        """The summary of ``grading`` 's result."""
        with self._lock:
            hit = self._items.get(grading.id)
            if hit is not None:
                self._items.move_to_end(grading.id)
                return hit
        outcome = outcome_of(GradeResult.model_validate_json(result_json(s, grading)))
        with self._lock:
            self._items[grading.id] = outcome
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return outcome


OUTCOMES = OutcomeCache()


@dataclass
class AssignmentLine:
    """One assignment on a course page."""

    row: Assignment
    submissions: int = 0
    students: int = 0
    mean_score: float | None = None
    used: int = 0
    left: int | None = None
    latest: Submission | None = None
    latest_final: float | None = None


def course_lines(s: Session, course: Course, rows: list[Assignment], user: User,
                 instructor: bool) -> list[AssignmentLine]:
    """The course page's table: counts and mean scores (instructors), or the caller's
    submissions used and left and latest score (students)."""
    out = []
    for row in rows:
        line = AssignmentLine(row=row)
        if instructor:
            line.submissions = s.scalar(select(func.count(Submission.id)).where(
                Submission.assignment_id == row.id)) or 0
            latest = counted_per_student(s, row)
            line.students = len(latest)
            scores = [sub.score for _, sub in latest
                      if sub.status == "graded" and sub.score is not None]
            line.mean_score = round(sum(scores) / len(scores), 2) if scores else None
        else:
            line.used = count_of(s, row, user)
            limit = effective_policy(s, row, user).max_submissions
            if limit is not None:
                line.left = max(0, limit - line.used)
            # the submission that counts (the assignment's submission_policy)
            line.latest = counted_submission(s, row, user.id)
            if line.latest is not None and line.latest.score is not None:
                line.latest_final = final_score(
                    line.latest.score, penalty_of(line.latest, row,
                                                  extension_of(s, row, user)))
        out.append(line)
    return out


@dataclass
class Dashboard:
    """The instructor's view of one assignment."""

    stats: ClassStats
    submissions: list[SubmissionSummary]
    students: int
    validation: list[tuple[bool, str]] = field(default_factory=list)
    validation_summary: str = ""


def parse_report(text: str) -> tuple[list[tuple[bool, str]], str]:
    """The lines of a stored validation report (``PASS``/``FAIL`` lines, then a summary)."""
    lines, summary = [], ""
    for raw in text.splitlines():
        if raw.startswith("PASS  "):
            lines.append((True, raw[6:]))
        elif raw.startswith("FAIL  "):
            lines.append((False, raw[6:]))
        elif raw.strip():
            summary = raw.strip()
    return lines, summary


def dashboard(s: Session, course: Course, row: Assignment) -> Dashboard:
    """Class statistics, every submission (newest first) and the validation report."""
    outcomes = []
    for _, sub in counted_per_student(s, row):
        g = current_grading(s, sub)
        if g is not None:
            outcomes.append(OUTCOMES.get(s, g))
    stats = class_stats(outcomes, row.max_score)
    subs = list(reversed(submission_lines(s, row, None)))
    students = sum(1 for e in members(s, course) if e.role == "student")
    lines, summary = parse_report(row.check_report or "")
    return Dashboard(stats=stats, submissions=subs, students=students, validation=lines,
                     validation_summary=summary)
