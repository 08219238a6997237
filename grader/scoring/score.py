"""From harness frames to per-TODO scores and feedback (pure: no processes, no files).

Per case: the harness's status first (error, timeout, crash, import failure); otherwise the
outputs are compared with the reference's and, failing that, with every *accepted* variant's;
a failing case is then matched against the *wrong* variants to name the mistake.

Per TODO: each manifest check carries a weight shared equally by its cases; the TODO's score
is ``points * passed weight / counted weight``. A check with ``depends_on`` is *excused* (not
counted) when one of those TODOs did not pass all its own checks: one bug is charged once.
"""

from __future__ import annotations

from collections import Counter
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
from .plotdata import plot_data


@dataclass
class CaseVerdict:
    result: CheckResult
    check: Check
    weight: float


def _outputs(checks: list[OutputCheck]) -> list[OutputResult]:
    return [OutputResult(path=c.path, ok=c.ok, status=c.status, message=c.message,
                         detail=c.detail or None, rel_error=c.rel_error,
                         worst_index=c.worst_index, wrong_elements=c.wrong_elements,
                         total_elements=c.total_elements, shape=c.shape,
                         wrong_mask=c.wrong_mask) for c in checks]


def _error_text(err: dict) -> str:
    where = ""
    if err.get("file"):
        where = f" ({err['file']}, line {err.get('line')}"
        where += f", in {err['function']})" if err.get("function") else ")"
    text = f"{err.get('type', 'Error')}: {err.get('message', '')}{where}"
    if err.get("traceback"):
        text += "\n" + str(err["traceback"])
    return text


def judge_case(todo: Todo, check: Check, key: str, name: str, frame: dict | None,
               fixtures: Fixtures, variants: list[Variant], tol: float,
               imports: dict[str, ImportProblem]) -> CheckResult:
    """The verdict on one case (see the module docstring)."""
    base = dict(id=key, name=name, visibility=check.visibility, score=0.0, max_score=0.0)
    if frame is None:
        return CheckResult(**base, status="not_run",
                           feedback="not run: the grading stopped before this check "
                                    "(time limit of the whole grading?)")
    status = frame.get("status")
    seconds = frame.get("seconds")
    if frame.get("output"):
        base["output"] = str(frame["output"])
    if status == "import_error":
        mod = frame.get("module", "?")
        prob = imports.get(mod)
        why = prob.message if prob else "it could not be imported"
        return CheckResult(**base, status="import_error", seconds=seconds,
                           feedback=f"not graded: module {mod} could not be imported ({why})")
    if status == "timeout":
        return CheckResult(**base, status="timeout", seconds=seconds,
                           feedback=f"timed out: {frame.get('reason', '')}")
    if status == "crashed":
        return CheckResult(**base, status="crashed", seconds=seconds,
                           feedback=f"crashed: {frame.get('reason', '')}")
    if status == "not_run":
        return CheckResult(**base, status="not_run", seconds=seconds,
                           feedback=frame.get("reason", "not run"))
    if status == "error":
        err = frame.get("error") or {}
        text = _error_text(err)
        return CheckResult(**base, status="error", seconds=seconds,
                           feedback=f"raised {err.get('type', 'an exception')}: "
                                    f"{err.get('message', '')}",
                           error=text, internal=err.get("internal"))
    got = frame.get("outputs")
    expected = fixtures.expected.get(key)
    if expected is None:
        return CheckResult(**base, status="error", seconds=seconds,
                           feedback="grading error: no expected output for this case "
                                    "(fixtures out of date; tell your instructor)")
    results = evaluate(got, expected, check.compare, tol)
    if all(r.ok for r in results):
        return CheckResult(**base, status="passed", seconds=seconds, feedback="passed",
                           outputs=_outputs(results))
    # an accepted variant (an equivalent convention) may match instead
    for v in variants:
        if v.kind != "accepted":
            continue
        alt = fixtures.variants.get(v.id, {}).get(key)
        if alt is None:
            continue
        alt_results = evaluate(got, alt, check.compare, tol)
        if all(r.ok for r in alt_results):
            return CheckResult(**base, status="passed", seconds=seconds,
                               feedback=f"passed ({v.mistake}: accepted)",
                               accepted_variant=v.id, outputs=_outputs(alt_results))
    mistake = None
    for v in variants:
        if v.kind != "wrong":
            continue
        alt = fixtures.variants.get(v.id, {}).get(key)
        if alt is None:
            continue
        fp = evaluate(got, alt, check.compare, tol, kinds=("close", "exact", "calls"))
        if fp and all(r.ok for r in fp):
            mistake = v
            break
    failing = [r for r in results if not r.ok]
    feedback = "; ".join(r.message for r in failing[:3])
    if len(failing) > 3:
        feedback += f"; and {len(failing) - 3} more output(s) wrong"
    if mistake is not None:
        feedback = f"looks like {mistake.mistake}. {feedback}"
    if check.explain:
        feedback += f" ({check.explain})"
    return CheckResult(**base, status="failed", seconds=seconds, feedback=feedback,
                       mistake=mistake.id if mistake else None, outputs=_outputs(results))


def score(manifest: Manifest, fixtures: Fixtures, frames: list[dict[str, Any]]) -> GradeResult:
    """Score a grading from the harness's frames (the engine adds timing and notes)."""
    by_key = {f.get("check"): f for f in frames if f.get("type") == "check"}
    imports: dict[str, ImportProblem] = {}
    for f in frames:
        if f.get("type") == "import" and f.get("status") != "ok":
            err = f.get("error") or {}
            imports[f["module"]] = ImportProblem(
                module=f["module"], message=f"{err.get('type', 'Error')}: "
                f"{err.get('message', '')}", file=err.get("file"), line=err.get("line"),
                traceback=str(err.get("traceback") or ""))
    todo_frames = {f.get("todo"): f for f in frames if f.get("type") == "todo"}

    verdicts: dict[str, list[CaseVerdict]] = {}
    for todo in manifest.todos:
        variants = [v for v in manifest.variants if v.todo == todo.id]
        out = []
        for check in todo.checks:
            cases = fixtures.cases.get(f"{todo.id}/{check.id}", [])
            for i, case in enumerate(cases):
                key = f"{todo.id}/{check.id}#{i}"
                name = check.title if len(cases) == 1 else f"{check.title}: {case['name']}"
                frame = by_key.get(key)
                res = judge_case(todo, check, key, name, frame, fixtures, variants,
                                 manifest.tol, imports)
                res.plot = plot_data(case, check.visibility == "visible",
                                     (frame or {}).get("outputs") if res.status in
                                     ("passed", "failed") else None,
                                     fixtures.expected.get(key))
                out.append(CaseVerdict(res, check, check.weight / max(1, len(cases))))
        verdicts[todo.id] = out

    clean = {tid for tid, vs in verdicts.items()
             if vs and all(v.result.status == "passed" for v in vs if not v.check.depends_on)}
    todos = []
    for todo in manifest.todos:
        vs = verdicts[todo.id]
        counted = passed = 0.0
        for v in vs:
            broken = [d for d in v.check.depends_on if d not in clean]
            if broken and v.result.status != "passed":
                v.result.status = "excused"
                v.result.feedback = (f"not counted: this check also runs your "
                                     f"{', '.join(broken)}, which failed its own checks "
                                     f"(one bug is charged once). It said: "
                                     f"{v.result.feedback}")
                continue
            counted += v.weight
            if v.result.status == "passed":
                passed += v.weight
        for v in vs:
            if v.result.status != "excused" and counted:
                v.result.max_score = round(todo.points * v.weight / counted, 4)
                v.result.score = v.result.max_score if v.result.status == "passed" else 0.0
        pts = round(todo.points * passed / counted, 2) if counted else 0.0
        todos.append(_todo_result(todo, vs, pts, todo_frames.get(todo.id) or {}, manifest))
    total = round(sum(t.score for t in todos), 2)
    return GradeResult(assignment=manifest.slug, title=manifest.title, score=total,
                       max_score=manifest.max_score, todos=todos,
                       import_errors=list(imports.values()), sandbox="", grader_version="",
                       execution_time=0.0)


def _todo_result(todo: Todo, vs: list[CaseVerdict], pts: float, frame: dict,
                 manifest: Manifest) -> TodoResult:
    results = [v.result for v in vs]
    counted = [r for r in results if r.status != "excused"]
    n_pass = sum(r.status == "passed" for r in counted)
    variants = {v.id: v for v in manifest.variants}
    counts = Counter(r.mistake for r in counted if r.mistake)
    mistakes = [Mistake(id=m, name=variants[m].mistake, hint=variants[m].hint, cases=c)
                for m, c in counts.most_common()]
    if counted and n_pass == len(counted):
        status, feedback = "passed", f"all {len(counted)} checks passed"
    elif any(r.status == "import_error" for r in counted) and n_pass == 0:
        status = "not_graded"
        feedback = next(r.feedback for r in counted if r.status == "import_error")
    else:
        status = "partial" if n_pass else "failed"
        first = next(r for r in counted if r.status != "passed")
        feedback = f"{n_pass} of {len(counted)} checks passed. First problem ({first.name}): " \
                   f"{first.feedback}"
        if mistakes:
            m = mistakes[0]
            feedback = f"Likely mistake: {m.name} ({m.cases} failing check(s) match it). " \
                       f"{m.hint} " + feedback
    excused = len(results) - len(counted)
    if excused:
        feedback += f" ({excused} check(s) not counted because a TODO they use failed)"
    return TodoResult(id=todo.id, title=todo.title, file=todo.file, score=pts,
                      max_score=todo.points, status=status, feedback=feedback.strip(),
                      mistakes=mistakes, output=str(frame.get("output", ""))[:65536],
                      import_output=str(frame.get("import_output", "")),
                      output_truncated=bool(frame.get("output_truncated")), checks=results)


def for_students(result: GradeResult) -> GradeResult:
    """The student view: nothing that could reveal a hidden case's inputs or values.

    Hidden checks keep their status, the wrong output's name, rel_error, worst index and named
    mistake, and an exception's type and line in the student's code, but lose values, plot
    data and maps of wrong elements,
    exception messages (a student could raise one holding the inputs) and what the code printed
    during them (the TODO's output keeps import-time and visible checks' prints). Instructors'
    tracebacks go too.
    """
    r = result.model_copy(deep=True)
    r.audience = "student"
    for t in r.todos:
        shown = [t.import_output] + [c.output or "" for c in t.checks
                                     if c.visibility == "visible"]
        t.output = "".join(shown)
        for c in t.checks:
            c.internal = None
            if c.visibility != "visible":
                c.output = None
                for o in c.outputs:
                    o.detail = None
                if c.error:
                    c.error = c.error.split(":", 1)[0] + " (message hidden for hidden checks)" \
                        + ("\n" + c.error.split("\n", 1)[1] if "\n" in c.error else "")
                    c.feedback = "raised " + c.error.split("\n", 1)[0]
    hide_hidden_pictures(r)
    if r.status == "failed" and r.failure:
        r.failure = "grading failed; your instructor has the details"
    return r


def hide_hidden_pictures(result: GradeResult) -> None:
    """Drop, in place, what would let a hidden check be drawn: its plot data and its map of
    wrong elements (students see pictures of visible checks only, released or not)."""
    for t in result.todos:
        for c in t.checks:
            if c.visibility != "visible":
                c.plot = None
                for o in c.outputs:
                    o.shape = None
                    o.wrong_mask = None
