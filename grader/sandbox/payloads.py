"""What a sandbox is sent, built from an assignment: the session frame and the cases job.

A session carries only what the student's side may see: the submission's files (with given
files put back), the given functions' source, the assignment's sandbox helpers and the limits.
Case inputs are not in it: the trusted side sends each check's inputs to that check's child
when it runs it.
"""

from __future__ import annotations

from typing import Any

from ..assignments.loader import Assignment
from ..config import Settings


def limits_for(assignment: Assignment, settings: Settings) -> dict[str, Any]:
    """The harness limits: settings, tightened or loosened by the manifest."""
    over = assignment.manifest.limits
    check_s = over.check_seconds or settings.check_seconds
    todo_s = over.todo_seconds or settings.todo_seconds
    return {
        "check_seconds": check_s,
        "todo_seconds": todo_s,
        "import_seconds": over.import_seconds or settings.import_seconds,
        "memory_bytes": (over.memory_mb or settings.memory_mb) << 20,
        "cpu_seconds": check_s * 2 + 1,
        "output_bytes": settings.output_kb << 10,
        "result_bytes": settings.result_mb << 20,
        "file_bytes": settings.file_mb << 20,
        "nproc": settings.nproc,
    }


def session_payload(assignment: Assignment, files: dict[str, bytes],
                    settings: Settings) -> dict[str, Any]:
    """The session frame for ``files`` (a submission, the reference, a variant)."""
    return {
        "limits": limits_for(assignment, settings),
        "files": files,
        "modules": list(assignment.manifest.modules),
        "given": assignment.given_sources(),
        "helpers": assignment.helpers_source(),
    }


def cases_job(assignment: Assignment, settings: Settings) -> dict[str, Any]:
    """A ``cases`` job running every check's case generator."""
    gens = []
    for todo in assignment.manifest.todos:
        for check in todo.checks:
            gens.append({"check": f"{todo.id}/{check.id}", "generator": check.cases,
                         "params": check.params})
    limits = limits_for(assignment, settings)
    limits["todo_seconds"] = max(limits["todo_seconds"], 120.0)
    limits["cpu_seconds"] = limits["todo_seconds"] + 1
    limits["memory_bytes"] = max(limits["memory_bytes"], 1 << 30)
    limits["result_bytes"] = max(limits["result_bytes"], 256 << 20)
    return {"limits": limits, "source": assignment.cases_source(), "generators": gens}
