"""The spare: the next check's child, forked ahead by the zygote while a check runs.

In the real sandboxes (bubblewrap and Docker). The running check's code can see the spare
(same uid, same pid namespace); whatever it sends it, the next check runs in a child that
nothing touched, and neither the spare's memory nor its pipes are reachable. A check's
child ended normally is reaped while the next check runs, but what it started is dead and
runs no more code by then.
"""

from __future__ import annotations

import signal
from typing import Any

import pytest

from grader.harness.codec import Spec
from grader.sandbox.session import Session

from .conftest import SANDBOXES

LIMITS = {"check_seconds": 5.0, "import_seconds": 5.0, "memory_bytes": 256 << 20,
          "cpu_seconds": 30, "output_bytes": 4096, "result_bytes": 1 << 20,
          "file_bytes": 1 << 20, "nproc": 0}

SOURCE = b'''
import os
import signal
import time

hits = []

def _note(signum, frame):
    hits.append(signum)

# a handler of the student's, installed at import: a spare must never run it early
signal.signal(signal.SIGUSR1, _note)

def pid():
    return os.getpid()

def spares(old=()):
    """The other children of my zygote that run, but ``old``: the spare (waited for: the
    zygote forks it while this check runs; a child killed just before may still show)."""
    deadline = time.monotonic() + 5
    while not (out := [p for p in _children() if p not in old]) and \
            time.monotonic() < deadline:
        time.sleep(0.001)
    return out

def _children():
    me, zygote = os.getpid(), os.getppid()
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me:
            continue
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # a child of the zygote that runs, not one being torn down (PF_EXITING)
        if int(fields[1]) == zygote and fields[0] not in ("Z", "X") and \
                not int(fields[6]) & 0x4:
            out.append(int(p))
    return out

def hit(signum, old):
    """Send ``signum`` to the spare (not one of ``old``); its pid."""
    (target,) = spares(old)
    os.kill(target, signum)
    return target

def peek(target):
    """What this check can reach of another process: its open files (its pipes to the
    supervisor among them), its memory map and memory, its environment."""
    reached = []
    try:
        reached += [f"fd {n}" for n in os.listdir(f"/proc/{target}/fd")]
    except OSError:
        pass
    try:
        with open(f"/proc/{target}/maps") as fh:
            start = int(fh.readline().split("-")[0], 16)
        reached.append("maps")
        with open(f"/proc/{target}/mem", "rb") as fh:
            fh.seek(start)
            fh.read(1)
        reached.append("mem")
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{target}/environ", "rb") as fh:
            fh.read(1)
        reached.append("environ")
    except OSError:
        pass
    return reached

def state():
    """This child's signal handlers and mask, and the signals its handler saw."""
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return {"hits": list(hits), "blocked": sorted(int(s) for s in mask)}

def alarm_fires():
    """A timeout of the student's own (SIGALRM): it needs the signal unblocked."""
    fired = []
    signal.signal(signal.SIGALRM, lambda s, f: fired.append(s))
    signal.setitimer(signal.ITIMER_REAL, 0.01)
    deadline = time.monotonic() + 3
    while not fired and time.monotonic() < deadline:
        time.sleep(0.001)
    return bool(fired)

def spawn(path):
    """Start a process of its own (its own session) that counts in ``path`` forever."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        n = 0
        while True:
            n += 1
            with open(path, "w") as fh:
                fh.write(str(n))
            time.sleep(0.002)
    while not os.path.exists(path):
        time.sleep(0.001)
    return pid

def count(path):
    with open(path) as fh:
        return fh.read()

def printed(x):
    print("printed", x)
    return x
'''


def call(name: str, *args: Any) -> dict:
    return {"op": "call", "fn": {"base": Spec(f"m:{name}"), "path": []}, "args": list(args),
            "kwargs": {}}


def no_blocks(request: dict) -> dict:
    return {"ok": False, "message": "none"}


@pytest.fixture(params=SANDBOXES)
def session(request):
    box = request.getfixturevalue(f"{request.param}_sandbox")
    sess: Session = box.session(LIMITS, wall_seconds=120)
    report = sess.open({"limits": LIMITS, "files": {"m.py": SOURCE}, "modules": ["m"],
                        "given": {}, "helpers": None})
    assert report.ready and report.modules["m"]["status"] == "ok", report
    yield sess
    sess.close()


def run(sess: Session, name: str, *args: Any) -> Any:
    """One check that makes one call; its value (the check ends normally)."""
    c = sess.check()
    reply = c.op(call(name, *args), no_blocks)
    end = c.end()
    assert reply["ok"], reply
    assert end.outcome == "ended", end
    return reply["value"]


def test_the_next_checks_child_waits_forked_ahead(session):
    first = run(session, "pid")
    spare = run(session, "spares", [first])
    assert len(spare) == 1 and first not in spare
    # the spare seen by that check serves the next one; a new spare waits meanwhile
    assert run(session, "pid") == spare[0]
    assert len(run(session, "spares", spare)) == 1


def test_the_spare_is_beyond_the_running_checks_reach(session):
    c = session.check()
    spare = c.op(call("spares"), no_blocks)["value"]
    mine = c.op(call("peek", c.op(call("pid"), no_blocks)["value"]), no_blocks)["value"]
    reply = c.op(call("peek", spare[0]), no_blocks)
    c.end()
    assert "fd 0" in mine  # peek reaches what it may (its own check's open files)
    assert reply["ok"] and reply["value"] == [], reply


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM,
                                    signal.SIGINT, signal.SIGUSR1, signal.SIGCHLD],
                         ids=lambda s: signal.Signals(s).name)
def test_a_signalled_spare_is_replaced_and_the_next_check_runs_clean(session, signum):
    before = run(session, "pid")
    hit = run(session, "hit", int(signum), [before])
    # the next check: a fresh child that saw no signal, with the usual mask
    c = session.check()
    pid = c.op(call("pid"), no_blocks)["value"]
    got = c.op(call("state"), no_blocks)["value"]
    end = c.end()
    assert end.outcome == "ended", end
    assert pid != hit
    assert got == {"hits": [], "blocked": []}
    assert run(session, "printed", 3) == 3


def test_a_checks_own_signals_work(session):
    assert run(session, "state") == {"hits": [], "blocked": []}
    assert run(session, "alarm_fires") is True


def test_what_a_check_printed_comes_with_its_end(session):
    c = session.check()
    assert c.op(call("printed", 7), no_blocks)["value"] == 7
    end = c.end()
    assert end.outcome == "ended" and "printed 7" in end.output


def test_what_a_check_started_runs_no_more_once_it_ended(session):
    path = "counter.txt"
    run(session, "spawn", path)
    # the check ended; the counting process was killed then: its count stays put
    c = session.check()
    before = c.op(call("count", path), no_blocks)["value"]
    c.op(call("alarm_fires"), no_blocks)  # about 10 ms, the counter's pace is 2 ms
    after = c.op(call("count", path), no_blocks)["value"]
    c.end()
    assert before == after
