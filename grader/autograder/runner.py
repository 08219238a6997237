"""What ``run_autograder`` runs inside Gradescope: grade ``/autograder/submission``.

Gradescope's layout: our zip unpacked to ``/autograder/source``, the submission in
``/autograder/submission``, ``/autograder/submission_metadata.json`` beside it, results
expected at ``/autograder/results/results.json``.

Order of work:

1. ``/autograder`` becomes ``0700`` (root only): the student's code, run as a fresh
   unprivileged uid, cannot read the fixtures, the submission folder or the results path;
2. the submission is graded in the best sandbox that works here (bubblewrap if it can create
   namespaces, else the unprivileged-user sandbox);
3. the late policy and submission limit from ``config.json`` (``grader.scoring.penalties``)
   are applied using the metadata;
4. ``results.json`` is written last, atomically, by root; if anything above raised, it says
   score 0 with a visible "autograder failed" test and the traceback in a hidden one.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("GRADER_AUTOGRADER_ROOT", "/autograder"))


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def failure_results(message: str, trace: str, seconds: float) -> dict[str, Any]:
    """A valid results.json for a grading that could not finish."""
    from ..report.gradescope import GradescopeResults, GradescopeTest

    return GradescopeResults(
        score=0.0, execution_time=round(seconds, 3),
        output="The autograder failed to grade this submission. " + message,
        tests=[
            GradescopeTest(name="autograder failed", number="1", score=0.0, max_score=0.0,
                           status="failed", output=message, visibility="visible"),
            GradescopeTest(name="autograder traceback (instructors only)", number="2",
                           score=0.0, max_score=0.0, status="failed", output=trace[-20000:],
                           visibility="hidden"),
        ]).model_dump()


def _pick_sandbox(settings: Any) -> Any:
    from ..sandbox.base import SandboxError
    from ..sandbox.process import ProcessSandbox
    from ..sandbox.user import UserSandbox

    try:
        box = ProcessSandbox(settings)
        probe = box.run({"protocol": 1, "mode": "nothing", "limits": {}}, wall_seconds=30)
        if any(f.get("type") == "hello" for f in probe.frames):
            return box
    except SandboxError:
        pass
    return UserSandbox(settings)


def grade_here(root: Path = ROOT) -> dict[str, Any]:
    """Grade the submission under ``root``; returns results.json's content."""
    from ..assignments.loader import load_assignment
    from ..config import Settings
    from ..engine import grade
    from ..report.gradescope import to_gradescope
    from ..scoring.penalties import Policy, final_score, late_days, penalty_percent, refusal
    from ..scoring.score import for_students
    from ..submission import SubmissionError, load_submission

    source = root / "source"
    config = json.loads((source / "config.json").read_text())
    settings = Settings(assignments_dir=source / "src" / "assignments")
    assignment = load_assignment(config["slug"], settings)
    try:
        submission = load_submission(root / "submission", assignment, settings)
    except SubmissionError as exc:
        return failure_results(f"Your submission could not be graded: {exc}", "", 0.0) | {
            "tests": [{"name": "submission", "number": "1", "score": 0.0, "max_score":
                       assignment.manifest.max_score, "status": "failed", "output": str(exc),
                       "visibility": "visible", "tags": []}]}
    sandbox = _pick_sandbox(settings)
    result = grade(assignment, submission, sandbox, settings)
    view = for_students(result)
    gs = to_gradescope(view).model_dump()
    meta_path = root / "submission_metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    due = _parse_time((meta.get("assignment") or {}).get("due_date"))
    created = _parse_time(meta.get("created_at"))
    previous = len(meta.get("previous_submissions") or [])
    policy = Policy(due_at=due, **config.get("policy", {}))
    refused = refusal(policy, created, previous) if created else None
    if refused:
        gs["score"] = 0.0
        gs["output"] += f"\nScore set to 0: {refused}."
    else:
        days = late_days(due, created) if created else 0
        penalty = penalty_percent(policy, days, previous + 1)
        if penalty:
            gs["score"] = round(final_score(result.score, penalty), 2)
            why = []
            if days:
                why.append(f"{days} day(s) late")
            if previous:
                why.append(f"submission {previous + 1}")
            gs["output"] += (f"\nScore adjusted to {gs['score']:g} (-{penalty:g}%: "
                             f"{', '.join(why)}).")
    gs["output"] += f"\nGraded in the '{sandbox.name}' sandbox."
    return gs


def main() -> int:
    """Entry point of ``run_autograder``; always writes results.json."""
    t0 = time.monotonic()
    results_dir = ROOT / "results"
    content: dict[str, Any] | None = None
    try:
        os.chmod(ROOT, 0o700)
        results_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(results_dir, 0o700)
        content = grade_here(ROOT)
    except BaseException as exc:  # noqa: BLE001 - every grading ends with a results.json
        content = failure_results(f"({type(exc).__name__}) Please tell your instructor.",
                                  traceback.format_exc(), time.monotonic() - t0)
    finally:
        if content is None:
            content = failure_results("(interrupted)", "", time.monotonic() - t0)
        content["execution_time"] = round(time.monotonic() - t0, 3)
        results_dir.mkdir(parents=True, exist_ok=True)
        tmp = results_dir / ".results.json.tmp"
        tmp.write_text(json.dumps(content, indent=1))
        os.replace(tmp, results_dir / "results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
