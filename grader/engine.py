"""Grading, end to end: submission in, per-TODO scores and feedback out.

``grade`` opens a session in the sandbox with the submission's files (the zygote imports them
once), then drives every case from trusted code, one fresh child per TODO (reset between its
cases): the driver sends the case's inputs to the student's functions when it runs them and
collects what they return; the expected side (fixtures, finite differences, losses) is
computed outside. Cases run TODO by TODO, blocks before the composites that call them, and in
each TODO its visible checks before its hidden ones (``plan``), so nothing a child could keep
from an earlier case helps a later one: a composite's block answers come after every check of
those blocks. Scoring happens outside too. Every call ends with a result: if the sandbox or
the grader itself breaks, the result says "grading failed" with score 0 and keeps the
traceback for instructors.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field

from . import __version__
from .assignments.fixtures import Fixtures, load_fixtures
from .assignments.loader import Assignment
from .assignments.manifest import Check, Manifest, Todo
from .config import Settings
from .driving.host import CaseOutcome, DriverHost, LocalHost, SandboxedHost
from .report.models import GradeResult
from .sandbox.base import Sandbox
from .sandbox.channel import ChannelEnd
from .sandbox.payloads import limits_for, session_payload
from .sandbox.session import ImportReport, Session, SessionBroken
from .scoring.score import score
from .submission import Submission

#: Seconds a TODO's checks may compute once one of them timed out.
AFTER_TIMEOUT_SECONDS = 1.0
#: A failing check that ran this long is a slow fault (a memory bomb); three in a row in one
#: TODO and its other checks are not run.
SLOW_FAULT_SECONDS = 0.5


def case_key(todo: Todo, check: Check, index: int) -> str:
    """Identifier of one case of one check: ``'adam/hidden-chain#2'``."""
    return f"{todo.id}/{check.id}#{index}"


@dataclass
class PlannedCase:
    todo: Todo
    check: Check
    index: int
    key: str


@dataclass
class SubmissionRun:
    """Everything a sandboxed run of a submission produced (scoring reads it)."""

    imports: ImportReport = field(default_factory=ImportReport)
    outcomes: dict[str, CaseOutcome] = field(default_factory=dict)
    sandbox: str = ""
    end: ChannelEnd | None = None
    broken: str | None = None
    seconds: float = 0.0


def plan(manifest: Manifest, cases: dict[str, list[dict]], todo_ids: list[str] | None = None,
         order: list[str] | None = None) -> list[PlannedCase]:
    """The order cases run in: TODO by TODO, each after the TODOs its checks use as blocks,
    and in each TODO its visible checks, then the others (so that a TODO's cases can share
    one child); ``order`` (the fixtures' order, where one check's expected output is
    another's input) overrides this where it says so."""
    todos = {t.id: t for t in manifest.todos}
    deps: dict[str, set[str]] = {t.id: set() for t in manifest.todos}
    for t in manifest.todos:
        for c in t.checks:
            deps[t.id].update(c.blocks)
    ranked: list[str] = []
    seen: set[str] = set()

    def visit(tid: str, stack: tuple = ()) -> None:
        if tid in seen or tid in stack:
            return
        for d in sorted(deps[tid], key=lambda x: [t.id for t in manifest.todos].index(x)):
            visit(d, stack + (tid,))
        seen.add(tid)
        ranked.append(tid)

    for t in manifest.todos:
        visit(t.id)
    rank = {tid: i for i, tid in enumerate(ranked)}
    groups = [(todos[tid], c) for tid in ranked for c in todos[tid].checks]
    if order:
        pos = {g: i for i, g in enumerate(order)}
        groups.sort(key=lambda g: (pos.get(f"{g[0].id}/{g[1].id}", len(pos)), rank[g[0].id]))
    else:
        groups.sort(key=lambda g: (rank[g[0].id], g[1].visibility != "visible"))
    out = []
    for todo, check in groups:
        if todo_ids is not None and todo.id not in todo_ids:
            continue
        for i, _ in enumerate(cases.get(f"{todo.id}/{check.id}", [])):
            out.append(PlannedCase(todo, check, i, case_key(todo, check, i)))
    return out


def undefined_target(report: ImportReport, todo: Todo) -> dict | None:
    """Why a TODO's function cannot be called at all: its module did not import, or the
    statement defining it failed (None when it is there to call)."""
    mod = report.modules.get(todo.module)
    if mod is None:
        return {"module": todo.module, "message": "the module was not imported"}
    if mod.get("status") == "error":
        return {"module": todo.module, **(mod.get("error") or {})}
    top = (todo.target or todo.id).split(".")[0]
    for fail in mod.get("failures") or []:
        if top in (fail.get("names") or []):
            return {"module": todo.module, "failure": fail}
    return None


def start_session(assignment: Assignment, sandbox: Sandbox, settings: Settings) -> Session:
    """A grading's sandbox session, started: the harness boots (its interpreter, numpy) while
    the caller prepares the rest; ``run_submission`` opens it."""
    limits = limits_for(assignment, settings)
    return sandbox.session({**limits, "wall_seconds": settings.grading_seconds},
                           wall_seconds=settings.grading_seconds)


def run_submission(assignment: Assignment, files: dict[str, bytes], sandbox: Sandbox,
                   settings: Settings, fixtures_cases: dict[str, list[dict]],
                   host: DriverHost, todo_ids: list[str] | None = None,
                   order: list[str] | None = None,
                   session: Session | None = None) -> SubmissionRun:
    """Run every planned case of ``files`` in one sandbox session (see the module docstring):
    ``session`` if given (from ``start_session``, not yet opened), else a new one.

    Never raises for faults of the code under test; a broken sandbox leaves the remaining
    cases ``not_run`` with the reason. The session is closed on return.
    """
    t0 = time.monotonic()
    m = assignment.manifest
    limits = limits_for(assignment, settings)
    run = SubmissionRun(sandbox=sandbox.name)
    if session is None:
        session = start_session(assignment, sandbox, settings)
    todo_spent: dict[str, float] = {}
    timeouts: dict[str, int] = {}
    slow_faults: dict[str, int] = {}
    planned: list[PlannedCase] = []
    try:
        planned = plan(m, fixtures_cases, todo_ids, order)
        run.imports = session.open(session_payload(assignment, files, settings))
        last_group: str | None = None
        for n, pc in enumerate(planned):
            why = undefined_target(run.imports, pc.todo)
            if why is not None:
                run.outcomes[pc.key] = CaseOutcome(status="import_error", error=why)
                continue
            if todo_spent.get(pc.todo.id, 0.0) >= float(limits["todo_seconds"]):
                run.outcomes[pc.key] = CaseOutcome(
                    status="not_run", reason="not run: this TODO's time limit "
                    f"({limits['todo_seconds']:g} s for all its checks) had passed")
                continue
            if timeouts.get(pc.todo.id, 0) >= 2:
                run.outcomes[pc.key] = CaseOutcome(
                    status="not_run", reason="not run: two checks of this TODO timed out "
                    "already (an infinite loop?); fix that first")
                continue
            if slow_faults.get(pc.todo.id, 0) >= 3:
                run.outcomes[pc.key] = CaseOutcome(
                    status="not_run", reason="not run: three checks of this TODO in a row "
                    "failed slowly (out of memory, or crashing after long work); fix that "
                    "first")
                continue
            # after one timeout, the TODO's other checks get a short limit: a loop that never
            # ends costs one full limit, not one per check
            seconds = AFTER_TIMEOUT_SECONDS if timeouts.get(pc.todo.id) else None
            case = fixtures_cases[f"{pc.todo.id}/{pc.check.id}"][pc.index]
            # a TODO's cases share a child, reset in between
            group = pc.todo.id
            nxt = planned[n + 1] if n + 1 < len(planned) else None
            keep = nxt is not None and nxt.todo.id == group
            outcome = host.run_case(session, pc.todo, pc.check, case["inputs"],
                                    case.get("meta") or {}, seconds, pc.key,
                                    reuse=group == last_group, keep=keep)
            last_group = group if keep else None
            run.outcomes[pc.key] = outcome
            todo_spent[pc.todo.id] = todo_spent.get(pc.todo.id, 0.0) + outcome.seconds
            if outcome.status == "timeout":
                timeouts[pc.todo.id] = timeouts.get(pc.todo.id, 0) + 1
            elif outcome.status in ("error", "crashed") and outcome.seconds >= SLOW_FAULT_SECONDS:
                slow_faults[pc.todo.id] = slow_faults.get(pc.todo.id, 0) + 1
            else:
                slow_faults[pc.todo.id] = 0
    except SessionBroken as exc:
        run.broken = str(exc)
    finally:
        run.end = session.close()
    for pc in planned:
        if pc.key not in run.outcomes:
            why = "the grading's overall time limit passed" if run.end and \
                run.end.timed_out else f"the sandbox stopped ({run.broken or 'it ended'})"
            run.outcomes[pc.key] = CaseOutcome(status="not_run", reason=f"not run: {why}")
    run.seconds = time.monotonic() - t0
    return run


_hosts: dict[tuple[str, str], DriverHost] = {}
_hosts_lock = threading.Lock()


def host_for(assignment: Assignment, sandbox: Sandbox | None = None,
             settings: Settings | None = None) -> DriverHost:
    """The driver host of an assignment: in this process for trusted code (cached per
    process and assignment version), else a new sandboxed host (close it after the grading).
    """
    if not assignment.trusted:
        if sandbox is None or settings is None:
            raise ValueError("an untrusted assignment's drivers need a sandbox")
        return SandboxedHost(assignment, sandbox, settings)
    key = (str(assignment.root), assignment.source_digest())
    with _hosts_lock:
        host = _hosts.get(key)
        if host is None:
            host = LocalHost(assignment)
            if len(_hosts) > 32:
                _hosts.clear()
            _hosts[key] = host
        return host


def _failed(assignment: Assignment, why: str, sandbox: str, seconds: float) -> GradeResult:
    return GradeResult(assignment=assignment.slug, title=assignment.manifest.title, score=0.0,
                       max_score=assignment.manifest.max_score, status="failed", todos=[],
                       sandbox=sandbox, grader_version=__version__, execution_time=seconds,
                       failure=why)


def run_notes(run: SubmissionRun) -> list[str]:
    """Notes about how the sandboxed run itself went."""
    notes = []
    if run.end is not None and run.end.timed_out:
        notes.append("the grading hit its overall time limit; checks not reached are marked "
                     "not run")
    elif run.broken:
        notes.append(f"the sandbox stopped during the grading ({run.broken}); checks not "
                     "reached are marked not run")
    used = sorted({p for f in run.imports.modules.values() for p in f.get("placeholders") or []})
    if used:
        notes.append(f"your code imports {', '.join(used)}, which the grading sandbox does not "
                     "have; a placeholder stands in and fails only if a graded function uses it")
    return notes


def grade(assignment: Assignment, submission: Submission, sandbox: Sandbox,
          settings: Settings, fixtures: Fixtures | None = None,
          host: DriverHost | None = None) -> GradeResult:
    """Grade ``submission``; never raises for faults of the submission or the sandbox."""
    t0 = time.monotonic()
    session: Session | None = None
    try:
        own_host = host is None
        host = host or host_for(assignment, sandbox, settings)
        try:
            if fixtures is None:
                # the sandbox boots on another core while the fixtures are read (grader grade)
                session = start_session(assignment, sandbox, settings)
                try:
                    fixtures = load_fixtures(assignment)
                except BaseException:
                    session.close()
                    raise
            run = run_submission(assignment, submission.files, sandbox, settings,
                                 fixtures.cases, host, order=fixtures.order, session=session)
        finally:
            if own_host and not assignment.trusted:
                host.close()
        if not run.imports.hello:
            end = run.end
            why = "the sandbox did not start the harness"
            if end is not None and end.timed_out:
                why = "the sandbox timed out before the harness started"
            return _failed(assignment, f"{why}; stderr: {(end.stderr if end else '')[-800:]}",
                           sandbox.name, time.monotonic() - t0)
        result = score(assignment.manifest, fixtures, run, submission)
        result.notes = list(submission.notes) + run_notes(run) + result.notes
        result.sandbox = sandbox.name
        if sandbox.name == "none":
            result.notes.append("graded WITHOUT a sandbox (--insecure): the code ran with the "
                                "grader's privileges")
    except Exception:  # noqa: BLE001 - every job ends with a result
        return _failed(assignment, "internal error:\n" + traceback.format_exc()[-4000:],
                       sandbox.name, time.monotonic() - t0)
    result.grader_version = __version__
    result.execution_time = round(time.monotonic() - t0, 3)
    return result
