"""Pipelined check boundaries, in the real sandboxes (bubblewrap and Docker).

A check's ``begin`` goes in the same write as its first operation, a kept check's ``reset``
in the same write as its ``end``; the supervisor holds control frames back while the
running check's child owes an answer, and ignores the end of a check that already ended.
The channel is the real one, wrapped to record what each write carried and what came back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.harness.codec import Ref, Spec
from grader.harness.protocol import (
    BLOCK_ANSWER,
    CHILD_OP,
    SUPERVISOR,
    FrameReader,
    pack,
    unpack_payload,
)
from grader.sandbox.process import ProcessSandbox
from grader.sandbox.session import CheckEnded, Session

from ..conftest import reference_with, run_grade
from .conftest import SANDBOXES

LIMITS = {"check_seconds": 2.0, "import_seconds": 5.0, "memory_bytes": 256 << 20,
          "cpu_seconds": 30, "output_bytes": 4096, "result_bytes": 1 << 20,
          "file_bytes": 1 << 20, "nproc": 0}

SOURCE = b'''
import os
import time

state = {"n": 0}

def echo(x):
    print("echo", x)
    return x

def pid():
    return os.getpid()

def bump():
    state["n"] += 1
    return state["n"]

def fail(x):
    print("failing", x)
    raise ValueError(f"bad {x}")

def loop():
    while True:
        pass

def slow_pid(seconds):
    time.sleep(seconds)
    return os.getpid()

class Sticky:
    """Its last reference goes in the reset (``handles.clear()``)."""
    def __init__(self, how):
        self.how = how
    def __del__(self):
        if self.how == "loop":
            while True:
                pass
        if self.how == "die":
            os._exit(3)

def sticky(how):
    return Sticky(how)

class Locked(type):
    """Refuses attribute changes once locked: the reset cannot put a method back."""
    def __setattr__(cls, name, value):
        if cls.__dict__.get("locked"):
            raise AttributeError(f"{cls.__name__} is locked")
        super().__setattr__(name, value)

class Net(metaclass=Locked):
    locked = False
    def forward(self, x):
        return x

def lock():
    type.__setattr__(Net, "locked", True)
    return os.getpid()

def is_locked():
    return Net.__dict__.get("locked")

class Calling(type):
    """Calls the method being replaced: in the reset, that is the block's proxy."""
    def __setattr__(cls, name, value):
        if name == "forward":
            cls.__dict__["forward"](None, 1)
        super().__setattr__(name, value)

class Probe(metaclass=Calling):
    def forward(self, x):
        return x
'''

#: Imported by the zygote: every fork of it ends it (the check cannot begin).
FORK_KILLER = b'''
import os
os.register_at_fork(before=lambda: os._exit(0))

def echo(x):
    return x
'''


class RecordingChannel:
    """The session's real channel; records the frames of each write and what came back."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.writes: list[list[tuple[bytes, Any]]] = []
        self.reports: list[dict] = []  # the supervisor's frames, in order

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send(self, data: bytes) -> None:
        reader = FrameReader(1 << 31)
        reader.feed(data)
        frames = []
        while (raw := reader.next_raw()) is not None:
            channel, payload = raw
            frames.append((channel, unpack_payload(payload)))
        self.writes.append(frames)
        self.inner.send(data)

    def recv(self, timeout: float | None = None) -> tuple[bytes, bytes] | None:
        got = self.inner.recv(timeout)
        if got is not None and got[0] == SUPERVISOR:
            self.reports.append(unpack_payload(got[1]))
        return got

    def mark(self) -> int:
        return len(self.writes)

    def since(self, mark: int) -> list[list[tuple[bytes, Any]]]:
        return self.writes[mark:]

    def ended(self, seq: int) -> list[dict]:
        return [r for r in self.reports if r.get("type") == "ended" and r.get("seq") == seq]


def kinds(write: list[tuple[bytes, Any]]) -> list[str]:
    """What one write carried: ``begin``/``end``... for control frames, ``C:call`` for
    operations, ``A`` for block answers."""
    out = []
    for channel, value in write:
        if channel == SUPERVISOR:
            out.append(value["type"])
        elif channel == CHILD_OP:
            out.append(f"C:{value['op']}")
        else:
            out.append(channel.decode())
    return out


@pytest.fixture(params=SANDBOXES)
def opened(request):
    """Open a session on ``source`` in the sandbox named by the parameter; yields
    ``(session, recording channel)``."""
    box = request.getfixturevalue(f"{request.param}_sandbox")
    sessions = []

    def open_(source: bytes = SOURCE) -> tuple[Session, RecordingChannel]:
        sess = box.session(LIMITS, wall_seconds=120)
        chan = RecordingChannel(sess.channel)
        sess.channel = chan
        sessions.append(sess)
        report = sess.open({"limits": LIMITS, "files": {"m.py": source}, "modules": ["m"],
                            "given": {}, "helpers": None})
        assert report.ready and report.modules["m"]["status"] == "ok", report
        return sess, chan

    yield open_
    for sess in sessions:
        sess.close()


def call(name: str, *args: Any, keep: bool = False) -> dict:
    op = {"op": "call", "fn": {"base": Spec(f"m:{name}"), "path": []}, "args": list(args),
          "kwargs": {}}
    if keep:
        op["keep"] = True
    return op


def no_blocks(request: dict) -> dict:
    return {"ok": False, "message": "none"}


def test_cases_through_pipelined_boundaries_keep_their_outcomes_and_outputs(opened):
    sess, chan = opened()
    # first case of a phase: a fresh child, kept
    c = sess.check()
    mark = chan.mark()
    first_pid = c.op(call("pid"), no_blocks)["value"]
    assert c.op(call("echo", 1), no_blocks)["value"] == 1
    handle = c.op(call("echo", np.arange(3.0), keep=True), no_blocks)
    end = c.end(keep=True)
    assert (end.outcome, end.output) == ("ended", "echo 1\necho [0. 1. 2.]\n")
    assert end.seconds > 0 and sess.reusable and chan.ended(c.seq)[0]["kept"] is True
    # one write to begin and send the first op; one to reset and end
    assert [kinds(w) for w in chan.since(mark)] == [
        ["begin", "C:call"], ["C:call"], ["C:call"], ["C:reset", "end"]]
    assert chan.since(mark)[0][0][1] == {"type": "begin", "seq": c.seq, "reuse": False}
    assert chan.since(mark)[-1][1][1] == {"type": "end", "seq": c.seq, "keep": True}

    # the same child serves the next case, reset: the last case's handles are gone
    c = sess.check(reuse=True)
    mark = chan.mark()
    assert c.op(call("pid"), no_blocks)["value"] == first_pid
    gone = c.op({"op": "get", "ref": Ref(handle["ref"])}, no_blocks)
    assert not gone["ok"]
    failed = c.op(call("fail", 7), no_blocks)
    assert not failed["ok"] and failed["error"]["message"] == "bad 7"
    end = c.end(keep=True)
    assert (end.outcome, end.output) == ("ended", "failing 7\n")
    assert kinds(chan.since(mark)[0]) == ["begin", "C:call"]
    assert chan.since(mark)[0][0][1]["reuse"] is True

    # a case with no operation at all: begin, reset and end go in one write
    c = sess.check(reuse=True)
    mark = chan.mark()
    end = c.end(keep=True)
    assert (end.outcome, end.output) == ("ended", "")
    assert [kinds(w) for w in chan.since(mark)] == [["begin", "C:reset", "end"]]
    assert sess.reusable

    # the next phase: a fresh child
    c = sess.check(reuse=False)
    mark = chan.mark()
    assert c.op(call("pid"), no_blocks)["value"] != first_pid
    assert c.op(call("echo", "x"), no_blocks)["value"] == "x"
    end = c.end()
    assert (end.outcome, end.output) == ("ended", "echo x\n")
    assert [kinds(w) for w in chan.since(mark)] == [["begin", "C:call"], ["C:call"],
                                                    ["end"]]
    # every check ended exactly once, and no end went unanswered
    for seq in range(1, sess.seq + 1):
        assert len(chan.ended(seq)) == 1
    assert [r for r in chan.reports if r.get("outcome") == "gone"] == []


def test_block_calls_are_answered_between_pipelined_frames(opened):
    sess, chan = opened()
    seen = []

    def answer(request: dict) -> dict:
        seen.append(request["block"])
        return {"ok": True, "value": np.full(2, 5.0), "after": {}}

    c = sess.check()
    mark = chan.mark()
    assert c.op({"op": "blocks", "names": ["Net.forward"]}, answer)["value"] == \
        ["Net.forward"]
    net = c.op({"op": "call", "fn": {"base": Spec("m:Net"), "path": []}, "args": [],
                "kwargs": {}, "keep": True}, answer)
    out = c.op({"op": "call", "fn": {"base": Ref(net["ref"]), "path": [["a", "forward"]]},
                "args": [np.zeros(2)], "kwargs": {}}, answer)
    assert out["value"].tolist() == [5.0, 5.0] and seen == ["Net.forward"]
    assert c.end(keep=True).outcome == "ended" and sess.reusable
    assert [kinds(w) for w in chan.since(mark)] == [
        ["begin", "C:blocks"], ["C:call"], ["C:call"], ["A"], ["C:reset", "end"]]
    # the reset put the method back: the reused child answers with the student's own
    c = sess.check(reuse=True)
    net = c.op({"op": "call", "fn": {"base": Spec("m:Net"), "path": []}, "args": [],
                "kwargs": {}, "keep": True}, answer)
    out = c.op({"op": "call", "fn": {"base": Ref(net["ref"]), "path": [["a", "forward"]]},
                "args": [np.ones(2)], "kwargs": {}}, answer)
    assert out["value"].tolist() == [1.0, 1.0] and seen == ["Net.forward"]
    assert c.end().outcome == "ended"


def test_a_timeout_during_an_op_then_the_next_check_works(opened):
    sess, chan = opened()
    c = sess.check(seconds=0.5)
    pid = c.op(call("pid"), no_blocks)["value"]
    with pytest.raises(CheckEnded) as info:
        c.op(call("loop"), no_blocks)
    assert info.value.outcome == "timeout" and "0.5 s" in info.value.reason
    mark = chan.mark()
    end = c.end(keep=True)  # it ended already: nothing is sent
    assert end.outcome == "timeout" and chan.since(mark) == [] and not sess.reusable
    c = sess.check(reuse=True)
    assert c.op(call("pid"), no_blocks)["value"] != pid
    assert c.op(call("echo", 2), no_blocks)["value"] == 2
    end = c.end()
    assert (end.outcome, end.output) == ("ended", "echo 2\n")
    assert [len(chan.ended(seq)) for seq in (1, 2)] == [1, 1]


@pytest.mark.parametrize("how, outcome", [("loop", "timeout"), ("die", "crashed")])
def test_a_check_that_ends_during_its_reset_and_the_next_gets_a_fresh_child(
        opened, how, outcome):
    sess, chan = opened()
    c = sess.check(seconds=0.5)
    pid = c.op(call("pid"), no_blocks)["value"]
    assert c.op(call("sticky", how, keep=True), no_blocks)["ok"]
    assert c.op(call("echo", "before"), no_blocks)["ok"]
    mark = chan.mark()
    end = c.end(keep=True)
    assert end.outcome == outcome and end.output == "echo before\n"
    assert outcome != "crashed" or "code 3" in end.reason
    assert [kinds(w) for w in chan.since(mark)] == [["C:reset", "end"]]
    assert not sess.reusable
    # the pipelined end came after the check had ended: the supervisor ignored it, so no
    # second "ended" reaches the next check
    c = sess.check(reuse=True)
    mark = chan.mark()
    assert c.op(call("pid"), no_blocks)["value"] != pid
    assert chan.since(mark)[0][0][1]["reuse"] is False
    assert c.op(call("bump"), no_blocks)["value"] == 1
    end = c.end(keep=True)
    assert (end.outcome, end.output) == ("ended", "")
    assert [len(chan.ended(seq)) for seq in (1, 2)] == [1, 1]
    assert [r for r in chan.reports if r.get("outcome") == "gone"] == []
    c = sess.check(reuse=True)
    assert c.op(call("bump"), no_blocks)["value"] == 2  # this one was kept
    assert c.end().outcome == "ended"


def test_a_block_call_during_the_reset_ends_the_check_and_the_next_gets_a_fresh_child(
        opened):
    """The supervisor processes the end once the child answers or asks for a block: the
    child is kept mid-reset, so the trusted side does not reuse it."""
    sess, chan = opened()
    asked = []

    def answer(request: dict) -> dict:
        asked.append(request["block"])
        return {"ok": True, "value": 0, "after": {}}

    c = sess.check()
    assert c.op({"op": "blocks", "names": ["Probe.forward"]}, answer)["ok"]
    pid = c.op(call("pid"), answer)["value"]
    end = c.end(keep=True)  # the reset asks for Probe.forward: answered "none" (ok False)
    assert (end.outcome, end.output) == ("ended", "") and asked == []
    assert [kinds(w) for w in chan.writes[-2:]] == [["C:reset", "end"], ["A"]]
    assert chan.writes[-1][0][1] == {"ok": False, "message": "reset"}
    assert not sess.reusable
    # a child in the middle of an operation is not kept
    (ended,) = chan.ended(1)
    assert ended["outcome"] == "ended" and "kept" not in ended
    c = sess.check(reuse=True)
    assert c.op(call("pid"), no_blocks)["value"] != pid
    assert c.op(call("bump"), no_blocks)["value"] == 1
    assert c.end().outcome == "ended"
    assert [len(chan.ended(seq)) for seq in (1, 2)] == [1, 1]


def test_a_reset_that_fails_means_a_fresh_child_next(opened):
    sess, chan = opened()
    c = sess.check()
    assert c.op({"op": "blocks", "names": ["Net.forward"]}, no_blocks)["value"] == \
        ["Net.forward"]
    pid = c.op(call("lock"), no_blocks)["value"]
    end = c.end(keep=True)  # the reset cannot put Net.forward back: its reply is an error
    assert (end.outcome, end.output) == ("ended", "")
    assert not sess.reusable
    c = sess.check(reuse=True)
    assert c.op(call("pid"), no_blocks)["value"] != pid
    assert c.op(call("is_locked"), no_blocks)["value"] is False
    assert c.end(keep=True).outcome == "ended" and sess.reusable
    assert [len(chan.ended(seq)) for seq in (1, 2)] == [1, 1]


def test_a_begin_answered_by_ended(opened):
    sess, chan = opened(FORK_KILLER)
    c = sess.check()
    mark = chan.mark()
    with pytest.raises(CheckEnded) as info:
        c.op(call("echo", 1), no_blocks)
    assert info.value.outcome == "crashed" and "stopped answering" in info.value.reason
    end = c.end(keep=True)
    assert end.outcome == "crashed" and "stopped answering" in end.reason
    # one write (begin and the op); the op never reached a child; nothing after it
    assert [kinds(w) for w in chan.since(mark)] == [["begin", "C:call"]]
    assert not sess.reusable
    # with no op: begin and end in one write, answered once
    c = sess.check(reuse=True)
    mark = chan.mark()
    end = c.end()
    assert end.outcome == "crashed"
    assert [kinds(w) for w in chan.since(mark)] == [["begin", "end"]]
    assert [len(chan.ended(seq)) for seq in (1, 2)] == [1, 1]
    assert sess.broken is None


def read_until(chan: RecordingChannel, stop: Any) -> list[tuple[str, Any]]:
    """Frames from the sandbox, decoded, until ``stop(frame)``."""
    out = []
    while True:
        got = chan.recv(30.0)
        assert got is not None, out
        frame = (got[0].decode(), unpack_payload(got[1]))
        out.append(frame)
        if stop(frame):
            return out


def test_the_supervisor_defers_control_frames_while_an_op_is_outstanding(opened):
    """Written all at once: frames behind an end wait for the child's reply, and the op
    behind the next begin reaches the new child, never the old one."""
    _, chan = opened()
    chan.send(pack({"type": "begin", "seq": 1, "reuse": False})
              + pack(call("slow_pid", 0.3), CHILD_OP)
              + pack({"type": "end", "seq": 1, "keep": False})
              + pack({"type": "begin", "seq": 2, "reuse": False})
              + pack(call("pid"), CHILD_OP)
              + pack({"type": "end", "seq": 2, "keep": False}))
    frames = read_until(chan, lambda f: f[0] == "S" and f[1].get("type") == "ended"
                        and f[1].get("seq") == 2)
    shape = [(ch, v.get("type"), v.get("seq")) if ch == "S" else (ch,) for ch, v in frames]
    assert shape == [("S", "begun", 1), ("R",), ("S", "ended", 1), ("S", "begun", 2),
                     ("R",), ("S", "ended", 2)]
    first, second = frames[1][1], frames[4][1]
    assert first["ok"] and second["ok"] and first["value"] != second["value"]
    assert frames[2][1]["outcome"] == "ended"


def test_timeouts_still_end_a_check_while_control_frames_wait(opened):
    _, chan = opened()
    chan.send(pack({"type": "begin", "seq": 1, "reuse": False, "check_seconds": 0.5})
              + pack(call("loop"), CHILD_OP)
              + pack({"type": "end", "seq": 1, "keep": True})
              + pack({"type": "begin", "seq": 2, "reuse": True})
              + pack(call("echo", 3), CHILD_OP)
              + pack({"type": "end", "seq": 2, "keep": False}))
    frames = read_until(chan, lambda f: f[0] == "S" and f[1].get("type") == "ended"
                        and f[1].get("seq") == 2)
    shape = [(ch, v.get("type"), v.get("seq")) if ch == "S" else (ch,) for ch, v in frames]
    assert shape == [("S", "begun", 1), ("S", "ended", 1), ("S", "begun", 2), ("R",),
                     ("S", "ended", 2)]
    assert frames[1][1]["outcome"] == "timeout"
    assert frames[3][1]["value"] == 3 and frames[4][1]["output"] == "echo 3\n"
    # an end of no check ever begun is answered (the trusted side would wait for it)
    chan.send(pack({"type": "end", "seq": 9, "keep": False}))
    assert read_until(chan, lambda f: True)[0][1] == {
        "type": "ended", "seq": 9, "outcome": "gone", "reason": "no such check",
        "output": "", "seconds": 0.0}


@pytest.mark.sandbox
def test_grading_sends_one_write_per_op_and_one_more_per_case(fc_optim, settings,
                                                               process_sandbox):
    """fc-optim's reference, graded in the real sandbox: full marks, and each case costs
    its operations and block answers plus one write (its end, with the reset if kept)."""
    channels: list[RecordingChannel] = []

    class Recording(ProcessSandbox):
        def channel(self, wall_seconds: float, frame_limit: int) -> Any:
            chan = RecordingChannel(super().channel(wall_seconds, frame_limit))
            channels.append(chan)
            return chan

    result = run_grade(fc_optim, reference_with(fc_optim, {}), Recording(settings),
                       settings)
    assert result.status == "graded", result.failure
    assert result.score == result.max_score == 100
    (chan,) = channels
    writes = chan.writes[1:-1]  # between the session frame and the shutdown
    begins = [w for w in writes if "begin" in kinds(w)]
    ends = [w for w in writes if "end" in kinds(w)]
    assert len(begins) == len(ends) > 60
    # a begin never travels alone, nor an end (the reset goes with it when kept)
    assert all(kinds(w)[0] == "begin" and len(w) > 1 for w in begins)
    assert all(kinds(w)[-1] == "end" for w in ends)
    kept = [w for w in ends if kinds(w)[-2:] == ["C:reset", "end"]]
    reused = [w for w in begins if w[0][1]["reuse"]]
    assert len(kept) == len(reused) > 40  # every reset succeeded: its child served again
    ops = sum(1 for w in writes for ch, v in w
              if ch == CHILD_OP and v["op"] != "reset" or ch == BLOCK_ANSWER)
    # before: begin, end and reset were writes of their own (and each waited for its answer)
    assert len(writes) == ops + len(ends) < ops + 2 * len(ends) + len(kept)
    # and every check ended once
    ended = [r for r in chan.reports if r.get("type") == "ended"]
    assert len(ended) == len(ends) and len({r["seq"] for r in ended}) == len(ends)
    assert {r["outcome"] for r in ended} == {"ended"}


#: fc-optim's optimizers, some wrong, some failing, some printing (none keeps state between
#: calls: a child per case must then give exactly what a shared child gives).
MIXED = '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.setdefault('velocity', np.zeros_like(w))
    print("momentum", w.shape)
    v = config['momentum'] * v + config['learning_rate'] * dw
    config['velocity'] = v
    return w - v, config


def rmsprop(w, dw, config=None):
    if w.size > 12:
        raise ValueError(f"too many weights: {w.size}")
    raise NotImplementedError
'''


def same(a: Any, b: Any) -> bool:
    """Equal, arrays (in dicts, lists) compared element by element, NaN equal to NaN."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and \
            a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_shared_children_give_what_a_child_per_case_gives(fc_optim, settings,
                                                          process_sandbox):
    """The engine's run (a TODO's cases share a child, through pipelined
    boundaries) against each case in a child of its own, in the same kind of session."""
    from grader.assignments.fixtures import load_fixtures
    from grader.engine import host_for, plan, run_submission
    from grader.sandbox.payloads import limits_for, session_payload

    files = reference_with(fc_optim, {"nndl/optim.py": MIXED})
    fixtures = load_fixtures(fc_optim)
    host = host_for(fc_optim, process_sandbox, settings)
    run = run_submission(fc_optim, files, process_sandbox, settings, fixtures.cases, host,
                         order=fixtures.order)
    assert run.broken is None
    planned = plan(fc_optim.manifest, fixtures.cases, None, fixtures.order)
    limits = limits_for(fc_optim, settings)
    sess = process_sandbox.session({**limits, "wall_seconds": 300}, wall_seconds=300)
    try:
        sess.open(session_payload(fc_optim, files, settings))
        statuses = {}
        for pc in planned:
            case = fixtures.cases[f"{pc.todo.id}/{pc.check.id}"][pc.index]
            alone = host.run_case(sess, pc.todo, pc.check, case["inputs"],
                                  case.get("meta") or {}, None, pc.key)
            shared = run.outcomes[pc.key]
            assert (shared.status, shared.output, shared.reason) == \
                (alone.status, alone.output, alone.reason), pc.key
            assert same(shared.outputs, alone.outputs), pc.key
            assert (shared.error or {}).get("message") == (alone.error or {}).get("message")
            assert shared.seconds > 0
            statuses.setdefault(pc.todo.id, set()).add(shared.status)
            if pc.todo.id == "sgd_momentum":
                assert "momentum (" in shared.output
    finally:
        sess.close()
    assert statuses["rmsprop"] == {"error"} and statuses["adam"] == {"ok"}
