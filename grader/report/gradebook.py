"""Grades as CSV for an LMS gradebook: one line per student, late penalties applied (ours),
and the same grades in Canvas's gradebook import format (``render_canvas_csv``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

COLUMNS = ["student", "submission_id", "attempt", "submitted_at", "status", "late_days",
           "score", "max_score", "penalty_percent", "final_score", "grader_version",
           "extension", "overrides"]


@dataclass
class GradebookRow:
    """A student's counted (latest) submission; ``submission_id`` None if they sent none."""

    student: str
    submission_id: int | None = None
    attempt: int | None = None
    submitted_at: datetime | None = None
    status: str = "missing"
    late_days: int | None = None
    score: float | None = None
    max_score: float | None = None
    penalty_percent: float | None = None
    final_score: float | None = None
    grader_version: str | None = None
    extension: str = ""  # the student's extension in a few words (empty: none)
    overrides: str = ""  # TODOs whose score a TA overrode (space-separated ids)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    # a cell starting with = + - @ is a formula to spreadsheets: neutralise it
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def render_csv(rows: list[GradebookRow]) -> str:
    """The CSV text (header first)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_cell(getattr(r, c)) for c in COLUMNS])
    return out.getvalue()


#: Canvas's gradebook import columns before the assignment's (its own export's order).
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass
class CanvasRow:
    """One student in Canvas's terms: ``name`` as Canvas sorts it ("Last, First"), Canvas's
    user ``id``, ``sis_user_id`` and ``login_id`` when known (from LTI launches or the
    roster), and the final score (None: leave the cell empty, Canvas keeps what it has)."""

    name: str
    id: str = ""
    sis_user_id: str = ""
    login_id: str = ""
    section: str = ""
    score: float | None = None


def render_canvas_csv(title: str, points: float, rows: list[CanvasRow],
                      canvas_assignment_id: str | None = None) -> str:
    """Grades of one assignment in the layout Canvas's gradebook import reads: a header
    ``Student, ID, SIS User ID, SIS Login ID, Section, <title> (<id>)``, a "Points Possible"
    row, then one row per student. Without a Canvas assignment id the column is new to
    Canvas, which then creates the assignment on import."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    column = f"{title} ({canvas_assignment_id})" if canvas_assignment_id else title
    w.writerow(CANVAS_COLUMNS + [_cell(column)])
    w.writerow(["    Points Possible", "", "", "", "", f"{points:g}"])
    for r in rows:
        w.writerow([_cell(r.name), _cell(r.id), _cell(r.sis_user_id), _cell(r.login_id),
                    _cell(r.section), _cell(r.score)])
    return out.getvalue()
