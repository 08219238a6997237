"""The native result of a grading (``--format json``), as typed models.

Contract (other tools rely on it): ``{"assignment", "score", "max_score", "todos": [{"id",
"score", "max_score", "status", "feedback", "checks": [...]}], ...}``; a TODO's ``id`` is the
function or method the student implements.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
CheckStatus = Literal["passed", "failed", "error", "timeout", "crashed", "not_run",
                      "import_error", "excused"]
TodoStatus = Literal["passed", "partial", "failed", "not_graded"]


class OutputResult(BaseModel):
    """Verdict on one output of a check (``detail`` holds values: hidden from students on
    hidden checks)."""

    path: str
    ok: bool
    status: str
    message: str
    detail: str | None = None
    rel_error: float | None = None
    worst_index: list[int] | None = None
    wrong_elements: int | None = None
    total_elements: int | None = None
    shape: list[int] | None = Field(None, description="Shape of an array output that is "
                                    "wrong (with wrong_mask).")
    wrong_mask: str | None = Field(None, description="Which elements are wrong: hex of the "
                                   "packed bits of a boolean array of `shape`, C order (arrays "
                                   "up to 10000 elements; students: visible checks only).")


PlotValue = float | None | list
"""A number, or an array as nested lists (NaN and inf are stored as null)."""


class PlotData(BaseModel):
    """What a plot of one case needs (cases whose meta names a ``plot``): the student's and
    the reference's numeric outputs and, for visible checks only, the case's inputs."""

    kind: str = Field(description="The case meta's `plot`, e.g. trajectory_2d, loss_curve.")
    meta: dict[str, str | float | int | bool] = Field(default_factory=dict)
    got: dict[str, PlotValue] = Field(default_factory=dict, description="The student's "
                                      "numeric outputs by dotted path.")
    expected: dict[str, PlotValue] = Field(default_factory=dict)
    inputs: dict[str, PlotValue] = Field(default_factory=dict, description="Visible checks "
                                         "only: the case's numeric inputs by dotted path.")


class CheckResult(BaseModel):
    """One case of one check of a TODO."""

    id: str = Field(description="'todo/check#case'")
    name: str
    visibility: Visibility
    status: CheckStatus
    score: float
    max_score: float
    feedback: str
    mistake: str | None = Field(None, description="Named mistake this output matches.")
    accepted_variant: str | None = None
    outputs: list[OutputResult] = Field(default_factory=list)
    error: str | None = Field(None, description="Exception with the student's traceback.")
    error_type: str | None = Field(None, description="The exception's type name.")
    where: str | None = Field(None, description="Where in the student's files it was raised "
                              "('nndl/optim.py, line 12, in adam').")
    internal: str | None = Field(None, description="Full traceback (instructors only).")
    output: str | None = Field(None, description="What the student's code printed during "
                                                 "this check (hidden checks: instructors only).")
    seconds: float | None = None
    plot: PlotData | None = Field(None, description="Data for a plot of this case "
                                  "(students: visible checks only).")


class Mistake(BaseModel):
    """A named mistake recognised in a TODO's outputs."""

    id: str
    name: str
    hint: str
    cases: int = Field(description="How many failing cases match it.")
    share: float = Field(1.0, description="Fraction of the TODO's failing cases it explains "
                         "(how sure the grader is).")


class TodoResult(BaseModel):
    """The score and feedback of one TODO."""

    id: str
    title: str
    file: str
    score: float
    max_score: float
    status: TodoStatus
    feedback: str
    mistakes: list[Mistake] = Field(default_factory=list)
    output: str = Field("", description="What the student's code printed (capped): at import "
                                        "time and, for students, during visible checks.")
    import_output: str = Field("", description="What the student's modules printed when "
                                               "imported.")
    output_truncated: bool = False
    checks: list[CheckResult]


class ImportProblem(BaseModel):
    """A module of the submission that could not be imported."""

    module: str
    message: str
    file: str | None = None
    line: int | None = None
    traceback: str = ""
    names: list[str] = Field(default_factory=list, description="Names left undefined: the "
                             "statement that failed would have defined them.")


class GradeResult(BaseModel):
    """A whole grading."""

    assignment: str
    title: str
    score: float
    max_score: float
    status: Literal["graded", "failed"] = "graded"
    todos: list[TodoResult]
    notes: list[str] = Field(default_factory=list)
    import_errors: list[ImportProblem] = Field(default_factory=list)
    import_output: str = Field("", description="What the submission's modules printed when "
                               "they were imported.")
    sandbox: str
    grader_version: str
    execution_time: float
    audience: Literal["student", "instructor"] = "instructor"
    failure: str | None = Field(None, description="Why grading failed, when status is failed "
                                                  "(instructors see the traceback).")
