"""Running one case: a fresh child in the student's sandbox, the driver on the trusted side.

``DriverHost.run_case`` begins a check in the student's session, has the check's driver run
(``harness.driving.execute``) with a context whose operations go to that child, answers the
child's block calls with the reference (``harness.oracle``), and ends the check. Whatever
happens it returns a ``CaseOutcome``: the outputs, or the student's error, or how the child
ended (timeout, crash, oversized results), with what the code printed.

Where the assignment's own code (drivers, helpers, reference) runs depends on who wrote it:

- ``LocalHost``: in this process, loaded privately (``harness.refspace``), for trusted code:
  the built-ins, an instructor's own folder graded from their command line, their Gradescope
  autograder;
- ``SandboxedHost``: in a sandbox of its own (a ``host`` session of the harness), for an
  assignment uploaded to the service: an instructor's code never runs in the service's
  process, and never in the student's sandbox either. The trusted side relays operations
  from the host to the student's child, and block calls back.
"""

from __future__ import annotations

import time
import types
from dataclasses import dataclass, field
from typing import Any

from ..assignments.loader import Assignment
from ..assignments.manifest import Check, Todo
from ..harness import PROTOCOL_VERSION
from ..harness.driving import DriverContext, execute, wire_describer
from ..harness.oracle import BlockCall, Oracle, TableOracle
from ..harness.protocol import SUPERVISOR, ProtocolError, pack, unpack_payload
from ..harness.refspace import ReferenceNamespace
from ..sandbox.channel import ChannelClosed
from ..sandbox.session import CheckEnded, Session, SessionBroken

DRIVERS = "grader_drivers"
HELPERS = "grader_helpers"


@dataclass
class CaseOutcome:
    """What running one case gave (the scorer judges it)."""

    status: str  # ok | error | timeout | crashed | too_large | protocol | not_run | import_error
    outputs: Any = None
    error: dict | None = None
    reason: str = ""
    output: str = ""
    output_truncated: bool = False
    seconds: float = 0.0
    calls: list[BlockCall] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocks: list | None = None  # recorded (request, answer) pairs, when asked to record
    student_seconds: float = 0.0  # inside the student's functions (the child's own clock)


_ENDED = {"timeout": "timeout", "crashed": "crashed", "too_large": "too_large",
          "protocol": "protocol", "gone": "crashed", "ended": "crashed"}


def block_spec(todo: Todo) -> tuple[str, str]:
    """``(name in the student's code, reference spec)`` of a TODO used as a block."""
    qual = todo.target or todo.id
    return qual, f"{todo.module}:{qual}"


class HostError(RuntimeError):
    """The assignment's own code (its drivers) failed where it runs: a grading error."""


class DriverHost:
    """Runs cases (see the module docstring)."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment
        self.todos = {t.id: t for t in assignment.manifest.todos}

    def blocks_of(self, check: Check) -> tuple[list[str], list[str], dict[str, str]]:
        names, rng, targets = [], [], {}
        for tid in check.blocks:
            qual, spec = block_spec(self.todos[tid])
            names.append(qual)
            targets[qual] = spec
            if self.todos[tid].uses_rng:
                rng.append(qual)
        return names, rng, targets

    def run_case(self, session: Session, todo: Todo, check: Check, inputs: dict,
                 meta: dict, seconds: float | None = None, key: str = "",
                 reuse: bool = False, keep: bool = False) -> CaseOutcome:
        """Run one case; ``reuse``: in the child the previous case kept, if any; ``keep``:
        keep this case's child (reset) for the next case, unless it ended badly."""
        t0 = time.monotonic()
        child = session.check(seconds, reuse=reuse)
        outcome = CaseOutcome(status="ok")
        try:
            got = self._drive(child, todo, check, inputs, meta, key)
            outcome.status = got["status"]
            outcome.outputs = got.get("outputs")
            outcome.error = got.get("error")
            outcome.notes = list(got.get("notes") or [])
            outcome.calls = list(got.get("calls") or [])
            outcome.blocks = got.get("blocks")
            seconds_in = got.get("student_seconds")
            outcome.student_seconds = float(seconds_in) if isinstance(seconds_in, float) else 0.0
        except CheckEnded as ended:
            outcome.status = _ENDED.get(ended.outcome, "crashed")
            outcome.reason = ended.reason
        except HostError as exc:
            outcome.status = "error"
            outcome.error = {"type": "GradingError", "file": None, "line": None,
                             "function": None, "traceback": "",
                             "message": f"grading error: {exc} (tell your instructor)",
                             "internal": str(exc)}
        end = child.end(keep=keep and outcome.status in ("ok", "error"))
        if outcome.status == "ok" and end.outcome != "ended":
            outcome.status = _ENDED.get(end.outcome, "crashed")
            outcome.reason = end.reason
        elif outcome.status in _ENDED.values() and not outcome.reason:
            outcome.reason = end.reason
        outcome.output = end.output
        outcome.output_truncated = end.output_truncated
        outcome.seconds = end.seconds if end.seconds else time.monotonic() - t0
        return outcome

    def _drive(self, child: Any, todo: Todo, check: Check, inputs: dict, meta: dict,
               key: str) -> dict:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the host holds (a sandbox, for ``SandboxedHost``)."""


class LocalHost(DriverHost):
    """Drivers, reference and helpers in this process (trusted assignment code only).

    ``record``: keep the block calls of visible checks and their answers (the fixture build
    does, for student packs). ``tables``: answer block calls from such records instead of a
    reference (a student pack, ``pack.py``). ``untabled``: cases (``todo/check#i``) whose
    table was too large to carry: their block calls are the student's own functions' to answer,
    and the feedback says so.
    """

    def __init__(self, assignment: Assignment, tables: dict[str, list] | None = None,
                 untabled: set[str] | None = None) -> None:
        super().__init__(assignment)
        self.record = False
        self.tables = tables
        self.untabled = set(untabled or ())
        extra = {DRIVERS: assignment.drivers_source()}
        helpers = assignment.helpers_source()
        if helpers:
            extra[HELPERS] = helpers
        self.code = ReferenceNamespace({}, extra)
        self.drivers = self.code.load(DRIVERS)
        self.helpers: types.ModuleType | None = self.code.load(HELPERS) if helpers else None
        self.ref: ReferenceNamespace | None = None
        if assignment.reference is not None and assignment.reference.is_dir():
            self.ref = ReferenceNamespace(assignment.reference_files())

    def _drive(self, child: Any, todo: Todo, check: Check, inputs: dict, meta: dict,
               key: str) -> dict:
        names, rng, targets = self.blocks_of(check)
        oracle: Any = None
        if names and self.tables is not None:
            oracle = TableOracle(self.tables.get(key) or [], names)
        elif names and self.ref is not None:
            oracle = Oracle(self.ref, self.helpers, targets, set(rng))
            if self.record:
                oracle.record = []

        def on_block(request: dict) -> dict:
            if oracle is None:
                return {"ok": False, "message": "no block is answered in this check (the "
                                                "reference solution is not available here)"}
            return oracle.answer(request)

        def run_op(op: dict) -> dict:
            return child.op(op, on_block, describer=wire_describer,
                            answer_describer=oracle.describe if oracle else None)

        fn = getattr(self.drivers, check.driver, None)
        if not callable(fn):
            raise HostError(f"drivers.py of {self.assignment.slug} has no driver "
                            f"{check.driver}")
        ctx = DriverContext(inputs, dict(check.driver_params), dict(meta),
                            check.target or todo.target_spec, run_op,
                            self.ref.resolve if self.ref is not None else None)
        got = execute(fn, ctx, names if oracle is not None else None, rng, todo.module)
        got["calls"] = list(oracle.log) if oracle is not None else []
        if isinstance(oracle, TableOracle) and key in self.untabled and oracle.misses:
            got.setdefault("notes", []).append(
                f"this check makes too many calls to {', '.join(oracle.misses)} for the "
                "student pack to carry the reference's answers, so your own functions "
                "answered them here: a mistake in one of them can show in this check too "
                "(the grading service answers such calls with the reference's values)")
        elif isinstance(oracle, TableOracle) and oracle.misses:
            got.setdefault("notes", []).append(
                f"your code called {', '.join(oracle.misses)} with arguments the reference "
                "did not use in this check, so your own function answered here (the grading "
                "service answers such calls with the reference's values)")
        if isinstance(oracle, Oracle) and oracle.record is not None:
            got["blocks"] = [[r, a] for r, a in oracle.record]
        return got


class SandboxedHost(DriverHost):
    """The assignment's code in a sandbox of its own (see the module docstring)."""

    def __init__(self, assignment: Assignment, sandbox: Any, settings: Any) -> None:
        super().__init__(assignment)
        from ..sandbox.payloads import limits_for

        limits = limits_for(assignment, settings)
        self.case_seconds = float(limits["check_seconds"]) * 4 + 10
        self.channel = sandbox.channel(settings.grading_seconds * 4,
                                       int(limits["result_bytes"]) + (1 << 20))
        files = assignment.reference_files() if assignment.reference is not None else {}
        try:
            self._send({"type": "host", "protocol": PROTOCOL_VERSION,
                        "own_pid_namespace": sandbox.own_pid_namespace,
                        "wall_seconds": settings.grading_seconds * 4,
                        "limits": {**limits, "memory_bytes": max(limits["memory_bytes"],
                                                                 1 << 30)},
                        "drivers": assignment.drivers_source(),
                        "helpers": assignment.helpers_source(), "reference": files})
            while True:
                frame = self._recv(60.0)
                if frame.get("type") == "host_ready":
                    break
                if frame.get("type") in ("host_failed", "fatal"):
                    raise HostError(f"the assignment's drivers could not be loaded: "
                                    f"{frame.get('message')}")
        except BaseException:
            self.close()
            raise

    def _send(self, value: dict, describer: Any = None) -> None:
        try:
            self.channel.send(pack(value, SUPERVISOR, describer=describer))
        except ChannelClosed as exc:
            raise HostError(f"the sandbox of the assignment's drivers ended ({exc})") from exc

    def _recv(self, timeout: float) -> dict:
        try:
            raw = self.channel.recv(timeout)
        except ChannelClosed as exc:
            raise HostError(f"the sandbox of the assignment's drivers ended ({exc}; "
                            f"{bytes(self.channel.stderr)[-500:].decode(errors='replace')})"
                            ) from exc
        if raw is None:
            raise HostError("the assignment's driver did not finish in time")
        try:
            value = unpack_payload(raw[1])
        except ProtocolError as exc:
            raise HostError(f"the assignment's drivers sent malformed data ({exc})") from exc
        if not isinstance(value, dict):
            raise HostError("the assignment's drivers sent malformed data")
        return value

    def _drive(self, child: Any, todo: Todo, check: Check, inputs: dict, meta: dict,
               key: str) -> dict:
        names, rng, targets = self.blocks_of(check)
        self._send({"type": "run_case", "driver": check.driver, "inputs": inputs,
                    "params": dict(check.driver_params), "meta": dict(meta),
                    "target": check.target or todo.target_spec, "blocks": names, "rng": rng,
                    "targets": targets, "home": todo.module})

        def on_block(request: dict) -> dict:
            self._send({"type": "block", "request": request})
            while True:
                frame = self._recv(self.case_seconds)
                if frame.get("type") == "block_answer" and isinstance(frame.get("answer"),
                                                                      dict):
                    return frame["answer"]
                raise HostError("the assignment's drivers answered out of turn")

        while True:
            frame = self._recv(self.case_seconds)
            kind = frame.get("type")
            if kind == "op" and isinstance(frame.get("op"), dict):
                try:
                    reply = child.op(frame["op"], on_block)
                except CheckEnded as ended:
                    self._send({"type": "op_ended", "outcome": ended.outcome})
                    # the host's driver stops at this; its case_done is not needed
                    self._await_done()
                    raise
                self._send({"type": "op_reply", "reply": reply})
            elif kind == "case_done":
                return {"status": "ok" if frame.get("status") == "ok" else "error",
                        "outputs": frame.get("outputs"), "error": frame.get("error"),
                        "notes": [str(n) for n in frame.get("notes") or []],
                        "student_seconds": frame.get("student_seconds"),
                        "calls": [BlockCall(str(c[0]), bool(c[1]), str(c[2]))
                                  for c in frame.get("calls") or []
                                  if isinstance(c, list) and len(c) == 3]}
            else:
                raise HostError(f"the assignment's drivers sent an unexpected {kind!r}")

    def _await_done(self) -> None:
        while True:
            frame = self._recv(self.case_seconds)
            if frame.get("type") == "case_done":
                return

    def close(self) -> None:
        try:
            self.channel.send(pack({"type": "shutdown"}, SUPERVISOR))
        except ChannelClosed:
            pass
        self.channel.close()


__all__ = ["CaseOutcome", "DriverHost", "LocalHost", "SandboxedHost", "HostError",
           "SessionBroken"]
