"""Building harness jobs from an assignment, a set of files and case inputs.

A job carries only what the sandbox may see: the submission's files (with given files put
back), the given functions' source, the drivers, and the case *inputs*.
"""

from __future__ import annotations

from typing import Any

from .assignments.loader import Assignment
from .assignments.manifest import Check, Todo
from .config import Settings
from .harness import PROTOCOL_VERSION


def case_key(todo: Todo, check: Check, index: int) -> str:
    """Identifier of one case of one check: ``'adam/hidden-chain#2'``."""
    return f"{todo.id}/{check.id}#{index}"


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
        "cpu_seconds": todo_s + 1,
        "output_bytes": settings.output_kb << 10,
        "result_bytes": settings.result_mb << 20,
        "file_bytes": settings.file_mb << 20,
        "nproc": settings.nproc,
    }


def grade_job(assignment: Assignment, files: dict[str, bytes],
              cases: dict[str, list[dict]], settings: Settings,
              todo_ids: list[str] | None = None) -> dict[str, Any]:
    """A ``grade`` job for ``files`` over every case (of ``todo_ids`` only, if given).

    ``cases`` maps ``'todo/check'`` to the list of ``{"name", "inputs", "meta"}`` cases.
    """
    m = assignment.manifest
    todos = []
    for todo in m.todos:
        if todo_ids is not None and todo.id not in todo_ids:
            continue
        checks = []
        for check in todo.checks:
            for i, case in enumerate(cases.get(f"{todo.id}/{check.id}", [])):
                checks.append({
                    "id": case_key(todo, check, i),
                    "driver": check.driver,
                    "target": check.target or todo.target_spec,
                    "stubs": [s.model_dump() for s in check.stubs],
                    "params": check.driver_params,
                    "inputs": case["inputs"],
                })
        todos.append({"id": todo.id, "checks": checks})
    return {
        "protocol": PROTOCOL_VERSION,
        "mode": "grade",
        "limits": limits_for(assignment, settings),
        "files": files,
        "drivers": {"source": assignment.drivers_source()},
        "modules": list(m.modules),
        "given": assignment.given_sources(),
        "todos": todos,
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
    return {
        "protocol": PROTOCOL_VERSION,
        "mode": "cases",
        "limits": limits,
        "cases": {"source": assignment.cases_source(), "generators": gens},
    }
