"""The assignment manifest (``assignments/<slug>/manifest.toml``) as typed models.

A manifest names the files students submit, the files and functions that are *given* (taken
from the starter, whatever the student sent), and the TODOs: each with an id (the function or
``Class.method`` the student implements), points, and checks. A check names a driver (in the
assignment's ``drivers.py``, run inside the sandbox), a case generator (in ``cases.py``), what
to compare and how, and who may see its details. Variants register known implementations:
``accepted`` ones (an equivalent convention that must pass) and ``wrong`` ones (classic
mistakes that must lose points and are named in the feedback when a submission matches them).
"""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Gradescope's Ubuntu 22.04 image)
    import tomli as tomllib  # type: ignore[no-redef]
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class Comparator(BaseModel):
    """How one output (or a glob of outputs) is judged.

    kinds:
      - ``close``: ``rel_error(got, expected) <= tol`` (the default);
      - ``exact``: equal value and type family (ints, strings, shapes);
      - ``self``: close to *another output of the same run*: ``against`` replaces the first
        component of the path (``grads.W1`` against ``numerical`` -> ``numerical.W1``), e.g.
        analytic gradients against the finite differences the trusted side computed from the
        student's own loss evaluations;
      - ``drop``: the decrease ``got[baseline] - got[path]`` is at least ``fraction`` of the
        reference's decrease (behaviour checks, e.g. training loss; both losses are computed
        by the driver outside the sandbox).

    A kink (``kink_input``): where that case input is exactly 0, a function with no derivative
    there (ReLU, leaky ReLU) may take any value between its one-sided derivatives, and 0:
    elements there pass when ``got`` lies between ``min(kink_slopes + [0]) * s`` and
    ``max(kink_slopes + [0]) * s``, with ``s`` the input ``kink_scale`` (upstream gradient)
    or 1.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["close", "exact", "self", "drop"] = "close"
    tol: float | None = None
    atol: float | None = Field(
        None, description="With kind close: also pass where |got - expected| <= atol "
                          "(statistics of random draws, values near zero).")
    against: str | None = None
    baseline: str | None = None
    fraction: float = 0.8
    label: str | None = Field(None, description="How to call this output in feedback.")
    kink_input: str | None = Field(None, description="Case input whose exact zeros are kinks "
                                   "of the function (see above).")
    kink_slopes: list[float] = Field(default_factory=lambda: [0.0, 1.0])
    kink_scale: str | None = Field(None, description="Case input the derivative at a kink is "
                                   "multiplied by (dout), if any.")

    @model_validator(mode="after")
    def _needs(self) -> Comparator:
        if self.kind == "self" and not self.against:
            raise ValueError("a 'self' comparator needs 'against'")
        if self.kind == "drop" and not self.baseline:
            raise ValueError("a 'drop' comparator needs 'baseline'")
        return self


class Check(BaseModel):
    """One scenario of a TODO; its case generator may produce several cases."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    driver: str
    cases: str = Field(description="Case generator function in cases.py.")
    params: dict = Field(default_factory=dict, description="Keyword arguments of the generator.")
    driver_params: dict = Field(default_factory=dict, description="Exposed as ctx.params.")
    target: str | None = Field(None, description="'module:qualname' (default: the TODO's).")
    visibility: Visibility = "hidden"
    weight: float = Field(1.0, gt=0)
    compare: dict[str, Comparator]
    blocks: list[str] = Field(
        default_factory=list,
        description="TODO ids this check's TODO may call: their calls are answered with the "
                    "reference's values (outside the sandbox), so the TODO is judged by its "
                    "result as if its blocks were right, whatever it calls and in whatever "
                    "order, and a bug in a block is charged to the block only.")
    explain: str | None = Field(None, description="Shown to students when the check fails.")


class Todo(BaseModel):
    """A function or method the student implements."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Function or Class.method name, e.g. 'adam', 'RMSProp.step'.")
    title: str
    file: str = Field(description="Submission file that holds it, e.g. 'nndl/optim.py'.")
    points: float = Field(gt=0)
    target: str | None = Field(None, description="qualname in the file's module (default: id).")
    uses_rng: bool = Field(False, description="The function draws from numpy's global random "
                           "generator: as a block, it is answered with the sandbox's generator "
                           "state.")
    checks: list[Check]

    @property
    def module(self) -> str:
        return module_of(self.file)

    @property
    def target_spec(self) -> str:
        return f"{self.module}:{self.target or self.id}"

    @field_validator("checks")
    @classmethod
    def _unique_checks(cls, checks: list[Check]) -> list[Check]:
        ids = [c.id for c in checks]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate check ids: {ids}")
        if not checks:
            raise ValueError("a TODO needs at least one check")
        return checks


class Variant(BaseModel):
    """A known implementation of one TODO, spliced into the reference for fixtures."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    todo: str
    kind: Literal["accepted", "wrong"]
    file: str = Field(description="Python file under the reference folder defining the "
                                  "replacement (a function, or a class with the method).")
    mistake: str = Field(description="Short name shown in feedback, e.g. 'Adam without bias "
                                     "correction'.")
    hint: str = ""


class Rewrite(BaseModel):
    """An equivalent rewrite of the reference (inlined helpers, other call orders, loops...)
    that ``grader check`` grades: it must get full marks."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    todo: str
    file: str = Field(description="Python file under the reference folder (variant format).")
    description: str = ""


class Limits(BaseModel):
    """Per-assignment overrides of the grader's limits (seconds, MB)."""

    model_config = ConfigDict(extra="forbid")
    check_seconds: float | None = None
    todo_seconds: float | None = None
    import_seconds: float | None = None
    memory_mb: int | None = None


class Manifest(BaseModel):
    """``manifest.toml``; see the module docstring."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    version: str = "1"
    seed: str | None = None
    modules: list[str] = Field(description="Student modules imported (in this order) by the "
                                           "import check.")
    submission_files: list[str]
    given_files: list[str] = Field(default_factory=list)
    given_functions: dict[str, list[str]] = Field(default_factory=dict)
    notebook_module: str | None = Field(
        None, description="Submission file an .ipynb is turned into (None: notebooks are "
                          "refused for this assignment).")
    starter: str = "starter"
    drivers: str = "drivers.py"
    cases: str = "cases.py"
    helpers: str = Field("helpers.py", description="Objects drivers pass into the student's "
                         "code (activations...), run inside the sandbox (optional file).")
    tol: float = 1e-6
    limits: Limits = Field(default_factory=Limits)
    todos: list[Todo]
    variants: list[Variant] = Field(default_factory=list)
    rewrites: list[Rewrite] = Field(default_factory=list)
    student_pack: bool = Field(False, description="A student pack (``grader pack``): visible "
                               "checks only, no reference, no case generators.")

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        ids = [t.id for t in self.todos]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate TODO ids: {ids}")
        for t in self.todos:
            if t.file not in self.submission_files:
                raise ValueError(f"TODO {t.id}: file {t.file} is not in submission_files")
            for c in t.checks:
                for dep in c.blocks:
                    if dep not in ids:
                        raise ValueError(f"check {t.id}/{c.id} names unknown block TODO {dep}")
                    if dep == t.id:
                        raise ValueError(f"check {t.id}/{c.id}: a TODO is not its own block")
        vids = [v.id for v in self.variants]
        if len(vids) != len(set(vids)):
            raise ValueError(f"duplicate variant ids: {vids}")
        for v in self.variants:
            if v.todo not in ids:
                raise ValueError(f"variant {v.id} is for unknown TODO {v.todo}")
        for r in self.rewrites:
            if r.todo not in ids:
                raise ValueError(f"rewrite {r.id} is for unknown TODO {r.todo}")
        for f in self.given_functions:
            if f not in self.submission_files:
                raise ValueError(f"given_functions names {f}, which is not a submission file")
        return self

    def todo(self, todo_id: str) -> Todo:
        for t in self.todos:
            if t.id == todo_id:
                return t
        raise KeyError(todo_id)

    @property
    def max_score(self) -> float:
        return float(sum(t.points for t in self.todos))


def module_of(path: str) -> str:
    """``'nndl/optim.py'`` -> ``'nndl.optim'``."""
    stem = path[:-3] if path.endswith(".py") else path
    if stem.endswith("/__init__"):
        stem = stem[: -len("/__init__")]
    return stem.replace("/", ".")


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest file.

    Raises:
        ValueError: the TOML is malformed or does not satisfy the schema (the message says
            which field).
    """
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Manifest.model_validate(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
