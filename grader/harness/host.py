"""A ``host`` session: an uploaded assignment's drivers, helpers and reference, sandboxed.

An instructor's code is trusted to say what is right for their assignment, not to run in the
grading service's process. So for an assignment uploaded to the service, its drivers run
here, in a sandbox of their own, and the trusted side relays: each operation a driver sends
(``op``) goes to the student's child, its reply comes back (``op_reply``); each block call
of the student's child comes here (``block``) and the reference's answer goes back
(``block_answer``); ``case_done`` ends a case with the driver's outputs or the student's
error. The student's code never runs here, and the reference never in the student's sandbox.

This module runs inside the sandbox: stdlib and numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .driving import DriverContext, TransportEnded, execute, wire_describer
from .limits import apply_child_limits
from .oracle import Oracle
from .refspace import ReferenceNamespace

DRIVERS = "grader_drivers"
HELPERS = "grader_helpers"


class HostEnded(TransportEnded):
    """The student's child ended during an operation (the trusted side says how)."""


def serve(job: dict, emit: Callable[..., None], read: Callable[[], Any]) -> None:
    """Load the assignment's code, then run cases until ``shutdown`` (see the docstring)."""
    limits = dict(job.get("limits") or {})
    apply_child_limits({"memory_bytes": limits.get("memory_bytes"),
                        "file_bytes": limits.get("file_bytes"), "nproc": limits.get("nproc")})
    try:
        extra = {DRIVERS: str(job.get("drivers") or "")}
        if job.get("helpers"):
            extra[HELPERS] = str(job["helpers"])
        code = ReferenceNamespace({}, extra)
        drivers = code.load(DRIVERS)
        helpers = code.load(HELPERS) if job.get("helpers") else None
        files = {str(k): v for k, v in (job.get("reference") or {}).items()
                 if isinstance(v, bytes)}
        ref = ReferenceNamespace(files) if files else None
    except BaseException as exc:  # noqa: BLE001 - the instructor's code does not load
        emit({"type": "host_failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    emit({"type": "host_ready"})
    while True:
        frame = read()
        if not isinstance(frame, dict) or frame.get("type") == "shutdown":
            return
        if frame.get("type") != "run_case":
            continue
        emit(run_case(frame, drivers, helpers, ref, emit, read))


def run_case(frame: dict, drivers: Any, helpers: Any, ref: ReferenceNamespace | None,
             emit: Callable[..., None], read: Callable[[], Any]) -> dict:
    blocks = [str(b) for b in frame.get("blocks") or []]
    rng = [str(b) for b in frame.get("rng") or []]
    targets = {str(k): str(v) for k, v in (frame.get("targets") or {}).items()}
    oracle = Oracle(ref, helpers, targets, set(rng)) if ref is not None and blocks else None

    def run_op(op: dict) -> dict:
        emit({"type": "op", "op": op}, describer=wire_describer)
        while True:
            got = read()
            kind = got.get("type") if isinstance(got, dict) else None
            if kind == "op_reply":
                return got.get("reply") or {}
            if kind == "block":
                answer = oracle.answer(got.get("request") or {}) if oracle is not None else \
                    {"ok": False, "message": "no block is answered in this check"}
                emit({"type": "block_answer", "answer": answer},
                     describer=oracle.describe if oracle is not None else None)
                continue
            raise HostEnded(str(kind))

    fn = getattr(drivers, str(frame.get("driver")), None)
    if not callable(fn):
        return {"type": "case_done", "status": "error", "error": {
            "type": "GradingError", "message": f"the assignment has no driver "
            f"{frame.get('driver')!r} (tell your instructor)", "file": None, "line": None,
            "function": None, "traceback": ""}}
    ctx = DriverContext(frame.get("inputs") or {}, frame.get("params") or {},
                        frame.get("meta") or {}, frame.get("target"), run_op,
                        ref.resolve if ref is not None else None)
    try:
        got = execute(fn, ctx, blocks if oracle is not None else None, rng,
                      frame.get("home"))
    except HostEnded:
        got = {"status": "ended"}
    got["type"] = "case_done"
    got["calls"] = [[c.name, c.ok, c.message] for c in oracle.log] if oracle is not None else []
    return got
