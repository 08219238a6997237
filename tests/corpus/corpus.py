"""The corpus: its cases, graded by the real engine beside the oracle, and the comparison.

Two kinds of case, each a submission folder (``nndl/*.py``) under its own name:

- ``tests/corpus/real/<case>/``: real public student code, rebuilt locally from ``index.json``
  by ``python -m tests.corpus.collect`` (not committed; see README.md there).
- ``tests/corpus/cases/<case>/``: cases we wrote ourselves, each reproducing a call-structure
  pattern or bug seen in the real code (committed, so CI always has them).

Files a case lacks come from the assignment's starter; the TODOs of those files are marked
``starter`` (not the student's work) and left out of the agreement counts.
"""

from __future__ import annotations

import ast
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import (
    oracle,
    oracle_dnn_optimizers,
    oracle_lr_schedules,
    oracle_mlp_backprop,
    oracle_rosenbrock,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CASES_DIR = HERE / "cases"
REAL_DIR = HERE / "real"
# slug -> the module with its TODOS and TODO_FILE (and, but for fc-optim, its CHECKS)
SPECS = {"fc-optim": oracle, "lr-schedules": oracle_lr_schedules,
         "rosenbrock": oracle_rosenbrock, "mlp-backprop": oracle_mlp_backprop,
         "dnn-optimizers": oracle_dnn_optimizers}
KNOWN = HERE / "known_disagreements.txt"


@dataclass
class Case:
    """One submission folder of the corpus."""

    name: str
    path: Path
    real: bool
    slug: str = "fc-optim"

    @property
    def spec(self):  # noqa: ANN201 - a module
        """The oracle module of this case's assignment."""
        return SPECS[self.slug]

    def student_files(self) -> dict[str, bytes]:
        """The student's own files (relative path -> bytes)."""
        return {str(p.relative_to(self.path)): p.read_bytes()
                for p in sorted(self.path.rglob("*.py"))}

    def files(self) -> dict[str, bytes]:
        """The submission as graded: the starter's files under the student's own."""
        starter = ROOT / "assignments" / self.slug / "starter"
        wanted = (starter / "nndl").rglob("*.py") if self.slug == "fc-optim" else \
            starter.glob("*.py")
        files = {str(p.relative_to(starter)): p.read_bytes() for p in sorted(wanted)}
        files.update(self.student_files())
        return files

    def provenance(self) -> dict:
        """Where a real case came from (repository, commit, paths), or {} for ours."""
        meta = self.path / "PROVENANCE.json"
        return json.loads(meta.read_text()) if meta.exists() else {}


def cases() -> list[Case]:
    """Every case present: ours always (cases/<slug>/<case>/), the real ones (fc-optim) where
    they have been rebuilt (real/<case>/)."""
    found = []
    for slug in SPECS:
        base = CASES_DIR / slug
        if base.is_dir():
            found += [Case(f"{slug}/{p.name}", p, False, slug) for p in sorted(base.iterdir())
                      if p.is_dir() and any(p.rglob("*.py"))]
    if REAL_DIR.is_dir():
        found += [Case(f"real/{p.name}", p, True) for p in sorted(REAL_DIR.iterdir())
                  if (p / "nndl").is_dir()]
    return found


def intended_wrong(case: Case) -> set[str]:
    """The TODOs one of our cases gets wrong on purpose (its WRONG.txt)."""
    path = case.path / "WRONG.txt"
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")}


def manifest_errors() -> dict[str, str]:
    """slug -> why its manifest does not load here."""
    from grader.assignments.loader import load_assignment
    from grader.config import Settings

    errors = {}
    for slug in SPECS:
        try:
            load_assignment(slug, Settings())
        except Exception as e:  # noqa: BLE001 - any failure to load is reported as such
            errors[slug] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    return errors


def authorship(case: Case) -> dict[str, str]:
    """Per TODO: ``student`` (defined in a file of theirs), ``absent`` (their file lacks the
    function or method) or ``starter`` (the file is the starter's)."""
    own = case.student_files()
    out = {}
    for todo in case.spec.TODOS:
        rel = case.spec.TODO_FILE[todo]
        if rel not in own:
            out[todo] = "starter"
            continue
        try:
            tree = ast.parse(own[rel])
        except SyntaxError:
            out[todo] = "student"
            continue
        names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        if "." in todo:
            cls, meth = todo.split(".")
            methods = {m.name for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls
                       for m in n.body if isinstance(m, ast.FunctionDef)}
            out[todo] = "student" if meth in methods else "absent"
        else:
            out[todo] = "student" if todo in names else "absent"
    return out


@dataclass
class Row:
    """One (case, TODO): the oracle's verdict beside the grader's."""

    case: str
    slug: str
    todo: str
    authored: str
    oracle_ok: bool
    oracle_why: str
    grader_ok: bool
    grader_score: float
    grader_max: float
    feedback: str
    mistakes: list[str] = field(default_factory=list)

    @property
    def agree(self) -> bool:
        """Full marks exactly when the oracle says correct."""
        return self.oracle_ok == self.grader_ok


def known_disagreements() -> dict[tuple[str, str], str]:
    """(case, TODO) -> reason, from known_disagreements.txt (``case todo: reason`` lines)."""
    out = {}
    if KNOWN.exists():
        for line in KNOWN.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                head, _, reason = line.partition(":")
                case, todo = head.split()
                out[(case, todo)] = reason.strip()
    return out


def grade_case(case: Case, assignment, sandbox, settings) -> list[Row]:
    """Grade one case with the real engine and judge it with the oracle."""
    from grader.engine import grade
    from grader.submission import files_submission

    files = case.files()
    verdicts = oracle.judge(files, case.spec.TODOS, case.slug)
    result = grade(assignment, files_submission(files, assignment, settings), sandbox, settings)
    if result.status != "graded":
        raise AssertionError(f"{case.name}: grading failed: {result.failure}")
    todos = {t.id: t for t in result.todos}
    authored = authorship(case)
    rows = []
    for todo in case.spec.TODOS:
        t = todos[todo]
        rows.append(Row(case.name, case.slug, todo, authored[todo],
                        verdicts[todo]["verdict"] == "correct", verdicts[todo]["why"],
                        t.score >= t.max_score - 1e-9, t.score, t.max_score, t.feedback,
                        [m.id for m in t.mistakes]))
    return rows


_WORKER: dict = {}


def _init_worker() -> None:
    from grader.config import Settings
    from grader.sandbox.process import ProcessSandbox

    settings = Settings()
    _WORKER.update(settings=settings, sandbox=ProcessSandbox(settings), assignments={})


def _grade_in_worker(case: Case) -> list[Row]:
    from grader.assignments.loader import load_assignment

    loaded = _WORKER["assignments"]
    if case.slug not in loaded:
        loaded[case.slug] = load_assignment(case.slug, _WORKER["settings"])
    return grade_case(case, loaded[case.slug], _WORKER["sandbox"], _WORKER["settings"])


def grade_all(selected: list[Case] | None = None, workers: int | None = None) -> list[Row]:
    """Grade every case, in a few worker processes (not threads: CPython 3.11's ast.parse is
    not safe in two threads at once, and the engine parses submissions)."""
    selected = cases() if selected is None else selected
    workers = workers or int(os.environ.get("CORPUS_WORKERS", "3"))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        batches = list(pool.map(_grade_in_worker, selected))
    return [row for batch in batches for row in batch]
