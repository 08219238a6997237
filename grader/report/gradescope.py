"""Gradescope's ``results.json`` as typed models, and conversion from our result.

One Gradescope test per TODO. Hidden checks are listed in a test's output as ``[hidden]``
lines with their verdict only; their values never appear.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .models import GradeResult

GSVisibility = Literal["hidden", "after_due_date", "after_published", "visible"]


class GradescopeTest(BaseModel):
    """One entry of ``tests`` in Gradescope's results.json."""

    name: str
    number: str
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str
    output_format: Literal["text", "html", "simple_format", "md", "ansi"] = "text"
    visibility: GSVisibility = "visible"
    tags: list[str] = Field(default_factory=list)


class GradescopeResults(BaseModel):
    """Gradescope's results.json (documented top-level fields only)."""

    score: float
    execution_time: float
    output: str
    output_format: Literal["text", "html", "simple_format", "md", "ansi"] = "text"
    visibility: GSVisibility = "visible"
    stdout_visibility: GSVisibility = "hidden"
    tests: list[GradescopeTest]


def to_gradescope(result: GradeResult) -> GradescopeResults:
    """Convert a (student-view) result to Gradescope's format."""
    tests = []
    for n, todo in enumerate(result.todos, start=1):
        lines = [todo.feedback, ""]
        for c in todo.checks:
            mark = {"passed": "PASS", "excused": "N/A "}.get(c.status, "FAIL")
            tag = "" if c.visibility == "visible" else "[hidden] "
            lines.append(f"{mark} {tag}{c.name}: {c.feedback}")
        if todo.output:
            lines += ["", "Your code printed:", todo.output[:4000]]
        tests.append(GradescopeTest(
            name=f"{todo.id} ({todo.file})", number=str(n), score=todo.score,
            max_score=todo.max_score, status="passed" if todo.status == "passed" else "failed",
            output="\n".join(lines).strip(),
            tags=[todo.id] + [m.id for m in todo.mistakes]))
    header = [f"{result.title}: {result.score:g} / {result.max_score:g}"]
    header += [f"Note: {n}" for n in result.notes]
    for p in result.import_errors:
        header.append(f"Import failed: {p.module}: {p.message}"
                      + (f" ({p.file}, line {p.line})" if p.file else ""))
    if result.status == "failed":
        header.append(f"Grading failed: {result.failure}")
    return GradescopeResults(score=result.score, execution_time=round(result.execution_time, 3),
                             output="\n".join(header), tests=tests)
