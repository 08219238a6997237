"""The trusted side of a harness session: open it, run checks one at a time, close it.

``Session.open`` sends the session frame (files, modules, given code, helpers, limits) and
collects the import report; ``Session.check()`` makes a check (a fresh child in the sandbox,
or the last one kept), whose ``op`` sends one operation and returns its reply, answering the
block calls the child makes meanwhile with ``on_block``; ``end`` collects how the check ended
and what it printed. Frames are decoded here, with the safe codec, and checked against the
protocol state: a reply is accepted only as the answer to the operation in flight, from the
check that was begun; the supervisor's reports carry the check's ``seq``, and those of
another check are dropped.

Check boundaries cost no round trip of their own: the check's ``begin`` is sent in the same
write as its first operation (or its end), and ``begun`` is read while that operation's reply
is awaited; a kept check's ``reset`` operation and its ``end`` go in one write (the
supervisor holds the end back until the reset is answered, see ``harness/supervisor.py``).
A case thus costs its operations' round trips and one more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..harness import PROTOCOL_VERSION
from ..harness.codec import CodecError
from ..harness.driving import TransportEnded
from ..harness.protocol import (
    BLOCK_ANSWER,
    BLOCK_CALL,
    CHILD_OP,
    CHILD_REPLY,
    SUPERVISOR,
    ProtocolError,
    pack,
    unpack_payload,
)
from .channel import Channel, ChannelClosed, ChannelEnd

#: Seconds the trusted side waits past a check's own limit before it gives the sandbox up.
GRACE_SECONDS = 10.0


class SessionBroken(TransportEnded):
    """The sandbox stopped following the protocol or ended; no further check can run."""


class CheckEnded(TransportEnded):
    """The check's child ended before answering (timeout, crash, oversized or bad frames)."""

    def __init__(self, outcome: str, reason: str, ended: dict) -> None:
        super().__init__(f"{outcome}: {reason}")
        self.outcome = outcome
        self.reason = reason
        self.ended = ended


@dataclass
class ImportReport:
    """What importing the submission's modules gave."""

    modules: dict[str, dict] = field(default_factory=dict)  # name -> last "import" frame
    crashes: list[dict] = field(default_factory=list)
    output: str = ""
    output_truncated: bool = False
    notes: list[str] = field(default_factory=list)
    ready: bool = False
    failed: str | None = None
    hello: dict = field(default_factory=dict)

    def failures(self) -> list[dict]:
        out = []
        for name, f in self.modules.items():
            for fail in f.get("failures") or []:
                out.append({"module": name, **fail})
        return out


@dataclass
class CheckEnd:
    """How a check's child ended."""

    outcome: str  # ended | timeout | crashed | too_large | protocol | gone
    reason: str = ""
    output: str = ""
    output_truncated: bool = False
    seconds: float = 0.0


class Session:
    """One sandbox, driven by the trusted side (see the module docstring)."""

    def __init__(self, channel: Channel, limits: dict[str, Any]) -> None:
        self.channel = channel
        self.limits = limits
        self.report = ImportReport()
        self.seq = 0
        self.reusable = False  # the last check's child was kept and reset successfully
        self.broken: str | None = None
        self.end_info: ChannelEnd | None = None

    @property
    def sandbox(self) -> str:
        return self.channel.sandbox

    # --- frames ------------------------------------------------------------------------

    def _recv(self, timeout: float | None) -> tuple[bytes, Any] | None:
        try:
            raw = self.channel.recv(timeout)
        except ChannelClosed as exc:
            self.broken = str(exc)
            raise SessionBroken(str(exc)) from exc
        if raw is None:
            return None
        channel, payload = raw
        try:
            return channel, unpack_payload(payload)
        except ProtocolError as exc:
            self.broken = str(exc)
            raise SessionBroken(f"the sandbox sent a frame that does not decode: {exc}") \
                from exc

    def _note_supervisor(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise SessionBroken("the sandbox sent a report that is not a dict")
        kind = value.get("type")
        if kind == "import" and isinstance(value.get("module"), str):
            self.report.modules[value["module"]] = value
        elif kind == "import_crash":
            self.report.crashes.append(value)
        elif kind == "ready":
            self.report.ready = True
            if not self.report.output:
                self.report.output = str(value.get("output") or "")
                self.report.output_truncated = bool(value.get("output_truncated"))
            self.report.notes = [str(n) for n in value.get("notes") or []]
        elif kind == "zygote_failed":
            self.report.failed = str(value.get("message") or "import failed")
        elif kind == "hello":
            self.report.hello = value
        elif kind == "fatal":
            raise SessionBroken(f"the harness refused the session: {value.get('message')}")
        return value

    # --- the session ---------------------------------------------------------------------

    def open(self, payload: dict) -> ImportReport:
        """Send the session and wait until the modules are imported (or could not be)."""
        body = {**payload, "type": "session", "protocol": PROTOCOL_VERSION,
                "own_pid_namespace": bool(self.limits.get("own_pid_namespace")),
                "wall_seconds": self.limits.get("wall_seconds")}
        try:
            self.channel.send(pack(body, SUPERVISOR))
        except ChannelClosed as exc:
            raise SessionBroken(str(exc)) from exc
        seconds = float(self.limits.get("import_seconds", 10))
        while not (self.report.ready or self.report.failed):
            got = self._recv(seconds * 7 + GRACE_SECONDS)
            if got is None:
                raise SessionBroken("the sandbox did not finish importing the submission")
            channel, value = got
            if channel != SUPERVISOR:
                raise SessionBroken("the sandbox sent check results before any check")
            self._note_supervisor(value)
        return self.report

    def check(self, seconds: float | None = None, reuse: bool = False) -> Check:
        """A new check: a fresh child in the sandbox (that may compute for ``seconds``, at
        most the session's ``check_seconds``); with ``reuse``, the last check's child if it
        was kept (``Check.end(keep=True)``), its reset succeeded and it still runs.

        Nothing is sent yet: the check's ``begin`` goes with its first operation (or with
        its end), and ``begun`` is read while that operation's reply is awaited."""
        if self.broken:
            raise SessionBroken(self.broken)
        self.seq += 1
        begin: dict[str, Any] = {"type": "begin", "seq": self.seq,
                                 "reuse": bool(reuse and self.reusable)}
        self.reusable = False
        if seconds is not None:
            begin["check_seconds"] = float(seconds)
        return Check(self, self.seq, pack(begin, SUPERVISOR))

    def close(self) -> ChannelEnd:
        """End the session (the harness shuts down) and the sandbox."""
        if self.end_info is None:
            if not self.broken:
                try:
                    self.channel.send(pack({"type": "shutdown"}, SUPERVISOR))
                except ChannelClosed:
                    pass
            self.end_info = self.channel.close()
        return self.end_info


def _no_block(request: dict) -> dict:
    """The answer to a block call during ``reset``: there is none."""
    return {"ok": False, "message": "reset"}


class Check:
    """One check's child (see ``Session.check``)."""

    def __init__(self, session: Session, seq: int, begin: bytes) -> None:
        self.session = session
        self.seq = seq
        self.begin: bytes | None = begin  # the begin frame, until it is sent
        self.begun = False  # the supervisor's "begun" came
        self.ended: dict | None = None  # the supervisor's "ended" report, once it came
        self.final: CheckEnd | None = None
        self.ops = 0
        self.end_sent = False  # the end frame went (a reply may still be read)
        self.reset_ok = False  # the reset before a kept end was answered ok

    def _wait(self) -> float:
        """Seconds to wait for the next frame: beginning may restart the zygote (importing
        the submission again, up to its attempts), a running check has its own limit."""
        if not self.begun:
            return float(self.session.limits.get("import_seconds", 10)) * 7 + GRACE_SECONDS
        return float(self.session.limits.get("check_seconds", 10)) + GRACE_SECONDS

    def _send(self, data: bytes) -> None:
        """Send ``data``, after the check's begin frame if it is not sent yet (one write)."""
        if self.begin is not None:
            data, self.begin = self.begin + data, None
        try:
            self.session.channel.send(data)
        except ChannelClosed as exc:
            self.session.broken = str(exc)
            raise SessionBroken(str(exc)) from exc

    def _supervisor(self, value: Any) -> None:
        """A supervisor's report that came while this check runs: ``begun`` notes the check
        began, ``ended`` of this check raises ``CheckEnded``; reports of earlier checks
        are dropped."""
        value = self.session._note_supervisor(value)
        kind = value.get("type")
        if value.get("seq") != self.seq:
            return
        if kind == "begun":
            self.begun = True
        elif kind == "ended":
            self.ended = value
            raise CheckEnded(str(value.get("outcome")), str(value.get("reason", "")), value)

    def op(self, op: dict, on_block: Callable[[dict], dict], describer: Any = None,
           answer_describer: Any = None) -> dict:
        """Send ``op``; return the child's reply. Block calls meanwhile go to ``on_block``.

        Raises:
            CheckEnded: the child ended (timeout, crash...) before replying, or the check
                could not begin.
            SessionBroken: the sandbox as a whole stopped answering.
        """
        if self.final is not None or self.ended is not None:
            info = self.ended or {}
            outcome = self.final.outcome if self.final else str(info.get("outcome"))
            reason = self.final.reason if self.final else str(info.get("reason", ""))
            raise CheckEnded(outcome, reason, info)
        self.ops += 1
        self._send(pack(op, CHILD_OP, describer=describer))
        return self._reply(on_block, answer_describer)

    def _reply(self, on_block: Callable[[dict], dict], answer_describer: Any = None) -> dict:
        """Read frames until the child's reply to the operation sent last."""
        s = self.session
        while True:
            got = s._recv(self._wait())
            if got is None:
                s.broken = ("the sandbox stopped answering during a check" if self.begun
                            else "the sandbox did not start the check")
                raise SessionBroken(s.broken)
            channel, value = got
            if channel == SUPERVISOR:
                self._supervisor(value)
                continue
            if not self.begun:
                s.broken = "the sandbox sent results outside a check"
                raise SessionBroken(s.broken)
            if channel == CHILD_REPLY:
                if not isinstance(value, dict) or "ok" not in value:
                    raise self._protocol("a reply that is not a result")
                return value
            if channel == BLOCK_CALL:
                if not isinstance(value, dict) or not isinstance(value.get("block"), str):
                    raise self._protocol("a block call that is not one")
                try:
                    data = pack(on_block(value), BLOCK_ANSWER, describer=answer_describer)
                except (CodecError, RecursionError, ValueError, TypeError) as exc:
                    data = pack({"ok": False, "message": f"{value.get('block')}: the "
                                 f"reference's answer could not be sent ({exc})"}, BLOCK_ANSWER)
                self._send(data)
                continue
            raise self._protocol(f"a frame on channel {channel!r}")

    def _protocol(self, what: str) -> CheckEnded:
        """The child broke the protocol: end the check and charge it."""
        reason = (f"the check's process sent {what}; did the code write to the grader's "
                  "channel?")
        end = self.end()
        self.final = CheckEnd("protocol", reason, end.output, end.output_truncated,
                              end.seconds)
        return CheckEnded("protocol", reason, {})

    def end(self, keep: bool = False) -> CheckEnd:
        """End the check (its child is killed, or with ``keep`` reset and kept for the next
        check) and say how it ended.

        With ``keep``, the ``reset`` operation and the end go in one write (the supervisor
        ends the check once the reset is answered); a reset that fails, or a child that ends
        during it, leaves the child unfit: the next check gets a fresh one."""
        if self.final is not None:
            return self.final
        s = self.session
        if self.ended is None:
            if not self.end_sent:
                self.end_sent = True
                reset = pack({"op": "reset"}, CHILD_OP) if keep else b""
                self._send(reset + pack({"type": "end", "seq": self.seq, "keep": keep},
                                        SUPERVISOR))
                if keep:
                    try:
                        reset_ok = bool(self._reply(_no_block).get("ok"))
                    except CheckEnded:
                        reset_ok = False
                    if self.final is not None:  # the reset's reply broke the protocol
                        return self.final
                    self.reset_ok = reset_ok
            while self.ended is None:
                got = s._recv(self._wait())
                if got is None:
                    s.broken = "the sandbox did not end a check"
                    raise SessionBroken(s.broken)
                channel, value = got
                if channel != SUPERVISOR:
                    continue  # late frames of the check's child: dropped
                try:
                    self._supervisor(value)
                except CheckEnded:
                    pass
            s.reusable = self.reset_ok and bool(self.ended.get("kept"))
        info = self.ended
        self.final = CheckEnd(outcome=str(info.get("outcome", "ended")),
                              reason=str(info.get("reason", "")),
                              output=str(info.get("output", "")),
                              output_truncated=bool(info.get("output_truncated")),
                              seconds=float(info.get("seconds") or 0.0))
        return self.final
