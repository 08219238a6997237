"""What ``run_autograder`` runs inside Gradescope: grade ``/autograder/submission``.

Gradescope's layout: our zip unpacked to ``/autograder/source``, the submission in
``/autograder/submission``, ``/autograder/submission_metadata.json`` beside it, results
expected at ``/autograder/results/results.json``.

Order of work:

1. ``/autograder`` becomes ``0700`` (root only): the student's code, run as a fresh
   unprivileged uid, cannot read the fixtures, the submission folder or the results path;
2. the submission is graded in the best sandbox that works here (bubblewrap if it can create
   namespaces, else the unprivileged-user sandbox, after the runner dropped its own network
   with ``unshare(CLONE_NEWNET)`` where the container allows it: ``network.py``; a hidden
   test in results.json tells the instructor how the code was isolated, network included);
3. the late policy and submission limit from ``config.json`` (``grader.scoring.penalties``)
   are applied using the metadata, extended by the submitting student's extension if
   ``config.json`` has one for their email, name or SID (``users`` of the metadata);
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

from .network import drop_network

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


def _pick_sandbox(settings: Any) -> tuple[Any, str | None]:
    """The sandbox to grade in, and (for the fallback) why bubblewrap could not be used."""
    from ..sandbox.base import SandboxError
    from ..sandbox.process import ProcessSandbox
    from ..sandbox.user import UserSandbox

    why = None
    try:
        box = ProcessSandbox(settings)
        ok, why = box.probe()
        if ok:
            return box, None
    except (SandboxError, OSError) as exc:
        why = str(exc)[-300:]
    return UserSandbox(settings), why


def isolation_test(why_not_bwrap: str, network: Any) -> dict[str, Any]:
    """A hidden results.json test telling the instructor how the student's code was
    isolated when bubblewrap could not be used."""
    lines = ["The student's code ran in the unprivileged-user sandbox, because bubblewrap "
             f"could not be used here ({why_not_bwrap.rstrip('.')}): a fresh uid that cannot "
             "read the autograder's files, with process, memory and time limits, but no "
             "filesystem or PID namespace.", ""]
    if network.dropped:
        lines.append(f"Network: isolated; {network.how}.")
    else:
        lines.append(f"Network: NOT isolated; {network.how}. The student's code could open "
                     "network connections from this container while it was graded. Where "
                     "the network matters, grade with the grader service's sandboxes (Docker "
                     "or bubblewrap) instead.")
    return {"name": "sandbox isolation (instructors only)", "number": "", "score": 0.0,
            "max_score": 0.0, "status": "passed" if network.dropped else "failed",
            "output": "\n".join(lines), "visibility": "hidden", "tags": ["sandbox"]}


def extension_for(meta: dict[str, Any], extensions: dict[str, dict]) -> tuple[str, Any] | None:
    """The extension of the submission's first user found in ``extensions`` (by email, then
    name, then SID), with the key it matched."""
    from ..scoring.penalties import Extension

    for user in meta.get("users") or []:
        for key in (user.get("email"), user.get("name"), user.get("sid")):
            if key and key in extensions:
                e = extensions[key]
                return key, Extension(due_at=_parse_time(e.get("due_at")),
                                      extra_late_days=int(e.get("extra_late_days") or 0),
                                      extra_submissions=int(e.get("extra_submissions") or 0))
    return None


def grade_here(root: Path = ROOT) -> dict[str, Any]:
    """Grade the submission under ``root``; returns results.json's content."""
    from ..assignments.loader import load_assignment
    from ..config import Settings
    from ..engine import grade
    from ..report.gradescope import to_gradescope
    from ..scoring.penalties import (
        Policy,
        extended,
        final_score,
        late_days,
        penalty_percent,
        refusal,
    )
    from ..scoring.score import for_students
    from ..submission import SubmissionError, load_submission

    source = root / "source"
    config = json.loads((source / "config.json").read_text())
    settings = Settings(assignments_dir=source / "src" / "assignments",
                        reference_dir=source / "src" / "reference")
    assignment = load_assignment(config["slug"], settings, trusted=True)
    try:
        submission = load_submission(root / "submission", assignment, settings)
    except SubmissionError as exc:
        return failure_results(f"Your submission could not be graded: {exc}", "", 0.0) | {
            "tests": [{"name": "submission", "number": "1", "score": 0.0, "max_score":
                       assignment.manifest.max_score, "status": "failed", "output": str(exc),
                       "visibility": "visible", "tags": []}]}
    sandbox, why_not_bwrap = _pick_sandbox(settings)
    network = drop_network() if why_not_bwrap is not None else None
    result = grade(assignment, submission, sandbox, settings)
    view = for_students(result)
    gs = to_gradescope(view).model_dump()
    if why_not_bwrap is not None:
        note = isolation_test(why_not_bwrap, network)
        note["number"] = str(len(gs["tests"]) + 1)
        gs["tests"].append(note)
    meta_path = root / "submission_metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    due = _parse_time((meta.get("assignment") or {}).get("due_date"))
    created = _parse_time(meta.get("created_at"))
    previous = len(meta.get("previous_submissions") or [])
    policy = Policy(due_at=due, **config.get("policy", {}))
    found = extension_for(meta, config.get("extensions") or {})
    if found:
        policy = extended(policy, found[1])
        gs["output"] += f"\nExtension applied ({found[0]})."
    due = policy.due_at
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
    if result.status == "failed" and result.failure:
        gs["tests"].append({"name": "grading failed (instructors only)",
                            "number": str(len(gs["tests"]) + 1), "score": 0.0,
                            "max_score": 0.0, "status": "failed",
                            "output": result.failure[-20000:], "visibility": "hidden",
                            "tags": []})
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
