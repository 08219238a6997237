"""Grades as CSV for an LMS gradebook: one line per student, late penalties applied."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

COLUMNS = ["student", "submission_id", "attempt", "submitted_at", "status", "late_days",
           "score", "max_score", "penalty_percent", "final_score", "grader_version"]


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
