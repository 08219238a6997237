"""A submission as the terminal shows it: the result table of ``grader grade`` once graded
(with penalties, when any), else one line of status."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from ..report.models import GradeResult
from ..report.table import print_table, render_table


def _all_checks(body: dict[str, Any]) -> str:
    return f"`grader status {body['id']} --json`"


def status_line(body: dict[str, Any]) -> str:
    """``submission 12 (fc-optim in demo, attempt 3): graded, 88.62 / 100``."""
    head = (f"submission {body['id']} ({body['assignment']} in {body['course']}, attempt "
            f"{body['attempt']}): {body['status']}")
    if body.get("score") is not None:
        head += f", {body['score']:g} / {body['max_score']:g}"
    return head


def penalty_line(body: dict[str, Any]) -> str | None:
    """The score after penalties, when a late day or a resubmission costs something."""
    if not body.get("penalty_percent") or body.get("final_score") is None:
        return None
    late = f", {body['late_days']} day(s) late" if body.get("late_days") else ""
    return (f"final score: {body['final_score']:g} / {body['max_score']:g} after a "
            f"{body['penalty_percent']:g}% penalty{late}")


def result_of(body: dict[str, Any]) -> GradeResult | None:
    """The graded result in a submission's body, if any."""
    return GradeResult.model_validate(body["result"]) if body.get("result") else None


def render_submission(body: dict[str, Any]) -> str:
    """The plain text ``show_submission`` writes."""
    result = result_of(body)
    text = (render_table(result, _all_checks(body)) if result is not None
            else status_line(body) + "\n")
    extra = penalty_line(body)
    return text + (extra + "\n" if extra else "")


def show_submission(body: dict[str, Any], stream: TextIO | None = None) -> None:
    """Write a submission to ``stream`` (stdout), the table coloured on a terminal."""
    stream = stream or sys.stdout
    result = result_of(body)
    if result is None:
        stream.write(status_line(body) + "\n")
    else:
        print_table(result, stream, _all_checks(body))
    extra = penalty_line(body)
    if extra:
        stream.write(extra + "\n")
    stream.flush()
