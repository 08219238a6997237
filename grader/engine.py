"""Grading, end to end: submission in, per-TODO scores and feedback out.

``grade`` loads the fixtures, builds the job (files, given code, drivers, case inputs), runs
it in the sandbox, and scores the outputs outside it. Every call ends with a result: if the
sandbox or the grader itself breaks, the result says "grading failed" with score 0 and keeps
the traceback for instructors.
"""

from __future__ import annotations

import time
import traceback

from . import __version__
from .assignments.fixtures import Fixtures, load_fixtures
from .assignments.loader import Assignment
from .config import Settings
from .jobs import grade_job
from .report.models import GradeResult
from .sandbox.base import Sandbox, SandboxRun
from .scoring.score import score
from .submission import Submission


def _failed(assignment: Assignment, why: str, sandbox: str, seconds: float) -> GradeResult:
    return GradeResult(assignment=assignment.slug, title=assignment.manifest.title, score=0.0,
                       max_score=assignment.manifest.max_score, status="failed", todos=[],
                       sandbox=sandbox, grader_version=__version__, execution_time=seconds,
                       failure=why)


def run_notes(run: SandboxRun) -> list[str]:
    """Notes about how the sandboxed run itself went."""
    notes = []
    if run.timed_out:
        notes.append("the grading hit its overall time limit; checks not reached are marked "
                     "not run")
    if run.protocol_error:
        notes.append(f"the harness's output was damaged ({run.protocol_error}); checks after "
                     "the damage are marked not run")
    elif not run.finished and not run.timed_out:
        notes.append(f"the sandbox ended early (exit code {run.returncode}); checks not "
                     "reached are marked not run")
    for f in run.frames:
        if f.get("type") == "import" and f.get("placeholders"):
            names = ", ".join(f["placeholders"])
            notes.append(f"your code imports {names}, which the grading sandbox does not have; "
                         "a placeholder stands in and fails only if a graded function uses it")
            break
    return notes


def grade(assignment: Assignment, submission: Submission, sandbox: Sandbox,
          settings: Settings, fixtures: Fixtures | None = None) -> GradeResult:
    """Grade ``submission``; never raises for faults of the submission or the sandbox."""
    t0 = time.monotonic()
    try:
        fixtures = fixtures or load_fixtures(assignment)
        job = grade_job(assignment, submission.files, fixtures.cases, settings)
        run = sandbox.run(job, wall_seconds=settings.grading_seconds)
        if not run.frames or not any(f.get("type") == "hello" for f in run.frames):
            why = "the sandbox did not start the harness"
            if run.timed_out:
                why = "the sandbox timed out before the harness started"
            return _failed(assignment, f"{why}; stderr: {run.stderr.strip()[-800:]}",
                           sandbox.name, time.monotonic() - t0)
        result = score(assignment.manifest, fixtures, run.frames)
        result.notes = list(submission.notes) + run_notes(run)
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
