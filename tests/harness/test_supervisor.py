"""The harness as the trusted side drives it: one zygote, one child per check."""

from __future__ import annotations

import os

import numpy as np
import pytest

from grader.harness.codec import Spec
from grader.sandbox.process import BareRunner
from grader.sandbox.session import CheckEnded

LIMITS = {"check_seconds": 2.0, "import_seconds": 3.0, "memory_bytes": 256 << 20,
          "cpu_seconds": 5, "output_bytes": 4096, "result_bytes": 1 << 20,
          "file_bytes": 1 << 20, "nproc": 0}

SOURCE = b'''
import numpy as np
print("imported")

class ReLU:
    def forward(self, x):
        return np.maximum(x, 0)

def layer(x, act):
    return act.forward(x) * 2

def double(x):
    return 2 * x

def loop(x):
    while True:
        pass

def crash(x):
    import os
    os._exit(3)

def chatty(x):
    print("x" * 10000)
    return x

def closed_streams(x):
    import os, time
    os.close(1)
    os.close(2)
    time.sleep(x)
    return x
'''


@pytest.fixture()
def session(settings):
    sess = BareRunner(settings).session(LIMITS, wall_seconds=60)
    report = sess.open({"limits": LIMITS, "files": {"m.py": SOURCE}, "modules": ["m"],
                        "given": {}, "helpers": None})
    assert report.ready and report.modules["m"]["status"] == "ok"
    assert "imported" in report.output
    yield sess
    sess.close()


def call(name, *args):
    return {"op": "call", "fn": {"base": Spec(f"m:{name}"), "path": []}, "args": list(args),
            "kwargs": {}}


def no_blocks(request):
    return {"ok": False, "message": "none"}


def test_each_check_is_a_fresh_child_and_faults_end_only_it(session):
    c = session.check()
    assert c.op(call("double", np.arange(3.0)), no_blocks)["value"].tolist() == [0, 2, 4]
    assert c.end().outcome == "ended"
    c = session.check(seconds=0.5)
    with pytest.raises(CheckEnded) as info:
        c.op(call("loop", 1), no_blocks)
    assert info.value.outcome == "timeout" and "0.5 s" in info.value.reason
    c = session.check()
    with pytest.raises(CheckEnded) as info:
        c.op(call("crash", 1), no_blocks)
    assert info.value.outcome == "crashed" and "code 3" in c.end().reason
    c = session.check()
    reply = c.op(call("chatty", 5), no_blocks)
    end = c.end()
    assert reply["value"] == 5 and end.output_truncated and len(end.output) == 4096


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_child_that_closes_its_output_costs_the_supervisor_nothing(session):
    """A check's child closing stdout and stderr (EOF on the output pipe) while it works:
    the supervisor stops watching that pipe instead of waking on its EOF over and over."""
    supervisor = int(session.report.hello["pid"])
    c = session.check()
    before = _cpu_seconds(supervisor)
    reply = c.op(call("closed_streams", 1.0), no_blocks)
    spent = _cpu_seconds(supervisor) - before
    assert reply["ok"] and reply["value"] == 1.0
    assert c.end().outcome == "ended"
    assert spent < 0.3, f"the supervisor spent {spent:.2f} CPU-s during a 1 s sleep"


def test_student_errors_are_replies(session):
    c = session.check()
    reply = c.op(call("double", None), no_blocks)
    assert not reply["ok"] and reply["error"]["type"] == "TypeError"
    assert reply["error"]["function"] == "double"


def test_blocks_are_answered_by_the_trusted_side(session):
    seen = []

    def answer(request):
        seen.append(request)
        return {"ok": True, "value": np.full(3, 7.0), "after": {}}

    c = session.check()
    assert c.op({"op": "blocks", "names": ["ReLU.forward"]}, answer)["value"] == \
        ["ReLU.forward"]
    relu = c.op({"op": "call", "fn": {"base": Spec("m:ReLU"), "path": []}, "args": [],
                 "kwargs": {}, "keep": True}, answer)
    from grader.harness.codec import Ref

    out = c.op(call("layer", np.arange(3.0), Ref(relu["ref"])), answer)
    assert out["value"].tolist() == [14.0, 14.0, 14.0]
    assert seen[0]["block"] == "ReLU.forward" and seen[0]["args"][0].tolist() == [0, 1, 2]
    assert seen[0]["self"].cls == "m:ReLU"
