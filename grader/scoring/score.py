"""From a submission's run to per-TODO scores and feedback (pure: no processes, no files).

Per case: how it ran first (import failure, error, timeout, crash); otherwise the outputs are
compared with the reference's and, failing that, with every *accepted* variant's (an
equivalent convention); a failing case is then matched against the *wrong* variants to name
the mistake (``mistakes.py``).

Per TODO: each manifest check carries a weight shared equally by its cases; the TODO's score
is ``points * passed weight / total weight``. Every case counts: a composite's checks answer
its blocks with the reference's values, so a bug in a block cannot reach it, and nothing is
excused. An import problem that costs a TODO is said once, on the TODO.

The student view is ``student_view.for_students``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..assignments.fixtures import Fixtures
from ..assignments.manifest import Check, Manifest, Todo, Variant
from ..report.models import (
    CheckResult,
    GradeResult,
    ImportProblem,
    Mistake,
    OutputResult,
    TodoResult,
)
from .compare import OutputCheck, evaluate
from .mistakes import NAME_SHARE, case_matches, rank, sureness
from .plotdata import plot_data
from .student_view import for_students, hide_hidden_pictures  # noqa: F401 - re-exported


@dataclass
class CaseVerdict:
    result: CheckResult
    check: Check
    weight: float
    matches: list


def _outputs(checks: list[OutputCheck]) -> list[OutputResult]:
    return [OutputResult(path=c.path, ok=c.ok, status=c.status, message=c.message,
                         detail=c.detail or None, rel_error=c.rel_error,
                         worst_index=c.worst_index, wrong_elements=c.wrong_elements,
                         total_elements=c.total_elements, shape=c.shape,
                         wrong_mask=c.wrong_mask) for c in checks]


def _type_name(err: dict) -> str:
    """The exception type as a plain identifier (a class of the student's may carry any text
    in its name, newlines included)."""
    return re.sub(r"[^\w.]", "", str(err.get("type") or "Error"))[:80] or "Error"


def _where(err: dict) -> str | None:
    """``file, line N, in function`` from the harness's error, each part sanitized."""
    f = err.get("file")
    if not isinstance(f, str) or not f:
        return None
    text = re.sub(r"[^\w./-]", "", f)[:120]
    line = err.get("line")
    if isinstance(line, int) and not isinstance(line, bool):
        text += f", line {line}"
    fn = err.get("function")
    if isinstance(fn, str) and re.fullmatch(r"[A-Za-z_]\w{0,80}", fn):
        text += f", in {fn}"
    return text


def _error_text(err: dict) -> str:
    where = _where(err)
    text = f"{_type_name(err)}: {err.get('message', '')}" + (f" ({where})" if where else "")
    if err.get("traceback"):
        text += "\n" + str(err["traceback"])
    return text


_NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")


class ImportIndex:
    """The import problems of a run, and why a name is undefined."""

    def __init__(self, run: Any, submission: Any = None) -> None:
        self.problems: list[ImportProblem] = []
        self.undefined: dict[str, str] = {}
        for name, frame in run.imports.modules.items():
            if frame.get("status") == "error":
                err = frame.get("error") or {}
                self.problems.append(ImportProblem(
                    module=name, message=f"{err.get('type', 'Error')}: {err.get('message', '')}",
                    file=err.get("file"), line=err.get("line"),
                    traceback=str(err.get("traceback") or "")))
            for fail in frame.get("failures") or []:
                err = fail.get("error") or {}
                names = [str(n) for n in fail.get("names") or []]
                what = (f"does not parse ({err.get('type', 'SyntaxError')})"
                        if fail.get("kind") == "syntax" else
                        f"raised {err.get('type', 'an exception')}")
                where = f"line {fail.get('line')}"
                src = str(fail.get("source_line") or "")
                if src:
                    where += f" (`{src[:60]}`)"
                msg = f"{where} {what}: {err.get('message', '')}"
                if names:
                    msg += f"; so {', '.join(f'`{n}`' for n in names)} " \
                           f"{'is' if len(names) == 1 else 'are'} undefined"
                self.problems.append(ImportProblem(
                    module=name, message=msg, file=err.get("file"), line=fail.get("line"),
                    traceback=str(err.get("traceback") or ""), names=names))
                for n in names:
                    self.undefined.setdefault(n, f"{name}: {msg}")
        for n, why in (getattr(submission, "dropped_names", None) or {}).items():
            self.undefined.setdefault(n, why)

    def explain(self, err: dict) -> str:
        """Why a NameError's name is undefined, if an import problem says so."""
        m = _NAME_ERROR.search(str(err.get("message", "")))
        if m and m.group(1) in self.undefined:
            return f" (`{m.group(1)}` is undefined because {self.undefined[m.group(1)]})"
        return ""


def primary(outputs: Any) -> Any:
    """A driver's outputs, or the first of its alternatives (``{"_alternatives": [...]}``:
    the same TODO run two fair ways, either of which may pass)."""
    if isinstance(outputs, dict) and isinstance(outputs.get("_alternatives"), list) \
            and outputs["_alternatives"]:
        return outputs["_alternatives"][0]
    return outputs


def judge_case(todo: Todo, check: Check, key: str, name: str, outcome: Any,
               fixtures: Fixtures, variants: list[Variant], tol: float, inputs: dict | None,
               imports: ImportIndex) -> tuple[CheckResult, list]:
    """The verdict on one case (see the module docstring) and its mistake matches."""
    base: dict[str, Any] = dict(id=key, name=name, visibility=check.visibility, score=0.0,
                                max_score=0.0)
    if outcome is None:
        return CheckResult(**base, status="not_run",
                           feedback="not run: the grading stopped before this check"), []
    status = outcome.status
    seconds = round(outcome.seconds, 4) if outcome.seconds else None
    if outcome.output:
        base["output"] = str(outcome.output)
    if status == "import_error":
        why = outcome.error or {}
        fail = why.get("failure")
        if fail:
            text = (f"not graded: `{(todo.target or todo.id).split('.')[0]}` is not defined "
                    f"because line {fail.get('line')} of {why.get('module')} "
                    f"{'does not parse' if fail.get('kind') == 'syntax' else 'raised an error'}")
        else:
            text = (f"not graded: module {why.get('module')} could not be imported "
                    f"({why.get('type', 'Error')}: {why.get('message', '')})")
        return CheckResult(**base, status="import_error", feedback=text), []
    if status == "timeout":
        return CheckResult(**base, status="timeout", seconds=seconds,
                           feedback=f"timed out: {outcome.reason}"), []
    if status == "crashed":
        return CheckResult(**base, status="crashed", seconds=seconds,
                           feedback=f"crashed: {outcome.reason}"), []
    if status == "too_large":
        return CheckResult(**base, status="error", seconds=seconds,
                           feedback=f"the results were too large and the check was stopped "
                                    f"({outcome.reason}); return arrays of the expected "
                                    "shapes"), []
    if status == "protocol":
        return CheckResult(**base, status="error", seconds=seconds,
                           feedback=f"stopped: {outcome.reason}"), []
    if status == "not_run":
        return CheckResult(**base, status="not_run", seconds=seconds,
                           feedback=outcome.reason or "not run"), []
    if status == "error":
        err = outcome.error or {}
        extra = imports.explain(err)
        return CheckResult(**base, status="error", seconds=seconds,
                           feedback=f"raised {_type_name(err)}: {err.get('message', '')}{extra}",
                           error=_error_text(err) + extra, error_type=_type_name(err),
                           where=_where(err), internal=err.get("internal")), []
    got = outcome.outputs
    expected = fixtures.expected.get(key)
    if expected is None:
        return CheckResult(**base, status="error", seconds=seconds,
                           feedback="grading error: no expected output for this case "
                                    "(fixtures out of date; tell your instructor)"), []
    expected = primary(expected)
    candidates = got["_alternatives"] if isinstance(got, dict) and isinstance(
        got.get("_alternatives"), list) and got["_alternatives"] else [got]
    tried = [evaluate(c, expected, check.compare, tol, inputs=inputs) for c in candidates]
    best = min(range(len(tried)), key=lambda k: sum(not r.ok for r in tried[k]))
    got, results = candidates[best], tried[best]
    kinked = any(r.extra.get("kink") for r in results)
    if all(r.ok for r in results):
        fb = "passed"
        if kinked:
            fb += (" (at inputs exactly 0, where the function has no derivative, your value "
                   "lies between the one-sided derivatives: accepted)")
        return CheckResult(**base, status="passed", seconds=seconds, feedback=fb,
                           outputs=_outputs(results)), []
    for v in variants:
        if v.kind != "accepted":
            continue
        alt = fixtures.variants.get(v.id, {}).get(key)
        if alt is None:
            continue
        alt_results = evaluate(got, primary(alt), check.compare, tol, inputs=inputs)
        if all(r.ok for r in alt_results):
            return CheckResult(**base, status="passed", seconds=seconds,
                               feedback=f"passed ({v.mistake}: accepted)",
                               accepted_variant=v.id, outputs=_outputs(alt_results)), []
    failing = [r for r in results if not r.ok]
    alternatives = {v.id: primary(fixtures.variants.get(v.id, {}).get(key))
                    for v in variants if v.kind == "wrong"}
    matches = case_matches(got, failing, check, [v for v in variants if v.kind == "wrong"],
                           {k: a for k, a in alternatives.items() if a is not None}, tol, inputs)
    feedback = "; ".join(r.message for r in failing[:3])
    if len(failing) > 3:
        feedback += f"; and {len(failing) - 3} more output(s) wrong"
    if check.explain:
        feedback += f" ({check.explain})"
    return CheckResult(**base, status="failed", seconds=seconds, feedback=feedback,
                       outputs=_outputs(results)), matches


def score(manifest: Manifest, fixtures: Fixtures, run: Any, submission: Any = None
          ) -> GradeResult:
    """Score a run (``engine.SubmissionRun``); the engine adds timing and notes."""
    imports = ImportIndex(run, submission)
    todos = []
    for todo in manifest.todos:
        variants = [v for v in manifest.variants if v.todo == todo.id]
        verdicts: list[CaseVerdict] = []
        for check in todo.checks:
            cases = fixtures.cases.get(f"{todo.id}/{check.id}", [])
            for i, case in enumerate(cases):
                key = f"{todo.id}/{check.id}#{i}"
                name = check.title if len(cases) == 1 else f"{check.title}: {case['name']}"
                outcome = run.outcomes.get(key)
                res, matches = judge_case(todo, check, key, name, outcome, fixtures, variants,
                                          manifest.tol, case.get("inputs"), imports)
                notes = getattr(outcome, "notes", None)
                if notes:  # what the driver had to do differently (a constructor that raised)
                    res.feedback = f"{res.feedback} (note: {'; '.join(notes)})"
                res.plot = plot_data(case, check.visibility == "visible",
                                     primary(outcome.outputs) if outcome is not None and
                                     res.status in ("passed", "failed") else None,
                                     primary(fixtures.expected.get(key)))
                verdicts.append(CaseVerdict(res, check, check.weight / max(1, len(cases)),
                                            matches))
        todos.append(_todo_result(todo, verdicts, imports))
    total = round(sum(t.score for t in todos), 2)
    return GradeResult(assignment=manifest.slug, title=manifest.title, score=total,
                       max_score=manifest.max_score, todos=todos,
                       import_errors=imports.problems, sandbox="", grader_version="",
                       execution_time=0.0, import_output=run.imports.output[:65536])


def _todo_result(todo: Todo, vs: list[CaseVerdict], imports: ImportIndex) -> TodoResult:
    total = sum(v.weight for v in vs)
    passed = sum(v.weight for v in vs if v.result.status == "passed")
    for v in vs:
        v.result.max_score = round(todo.points * v.weight / total, 4) if total else 0.0
        v.result.score = v.result.max_score if v.result.status == "passed" else 0.0
    pts = round(todo.points * passed / total, 2) if total else 0.0
    results = [v.result for v in vs]
    n_pass = sum(r.status == "passed" for r in results)
    failing_cases = [v for v in vs if v.result.status == "failed"]
    ranked = rank([v.matches for v in failing_cases]) if failing_cases else []
    mistakes = []
    n_failing = sum(r.status != "passed" for r in results)
    for variant, share, count in ranked:
        # the share over every non-passing case (errors and crashes explain nothing)
        overall = share * len(failing_cases) / max(1, n_failing)
        if overall >= NAME_SHARE or (mistakes == [] and share >= NAME_SHARE and
                                     overall >= NAME_SHARE / 2):
            mistakes.append(Mistake(id=variant.id, name=variant.mistake, hint=variant.hint,
                                    cases=count, share=round(overall, 3)))
    top = mistakes[0] if mistakes else None
    if top is not None:
        for v in failing_cases:
            if any(m.variant.id == top.id and m.share >= 0.5 for m in v.matches):
                v.result.mistake = top.id
                v.result.feedback = f"looks like {top.name}. {v.result.feedback}"
    if results and n_pass == len(results):
        status, feedback = "passed", f"all {len(results)} checks passed"
    elif any(r.status == "import_error" for r in results) and n_pass == 0:
        status = "not_graded"
        feedback = next(r.feedback for r in results if r.status == "import_error")
        why = [p.message for p in imports.problems
               if (todo.target or todo.id).split(".")[0] in p.names]
        if why:
            feedback += f": {why[0]}"
    else:
        status = "partial" if n_pass else "failed"
        first = next(r for r in results if r.status != "passed")
        feedback = f"{n_pass} of {len(results)} checks passed. First problem ({first.name}): " \
                   f"{first.feedback}"
        if top is not None:
            feedback = f"Likely mistake ({sureness(top.share)}: it explains " \
                       f"{top.cases} of {n_failing} failing check(s)): {top.name}. " \
                       f"{top.hint} " + feedback
    return TodoResult(id=todo.id, title=todo.title, file=todo.file, score=pts,
                      max_score=todo.points, status=status, feedback=feedback.strip(),
                      mistakes=mistakes, output="".join(r.output or "" for r in results)[:65536],
                      import_output="", output_truncated=False, checks=results)
