"""``DriverContext.chain``: a path of an update rule in a few operations, every step checked
on the trusted side (fc-optim's trajectory check, in the real process sandbox).

The sandbox's guess (``sandbox_lib.quadratic_path``) only saves round trips: whatever it
returns, lies included, the check gives what the plain loop (one operation per step) gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.engine import host_for
from grader.harness.driving import DriverContext
from grader.sandbox import session as session_mod
from grader.sandbox.payloads import limits_for, session_payload

from ..conftest import reference_with
from ..sandbox.test_pipelining import same

TODOS = ("sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam")

#: Rules that keep to the assignment's conventions, right or wrong: the guess holds.
PURE = {
    "reference": "",
    "in place, printing": '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.get('velocity', np.zeros_like(w))
    v *= config['momentum']
    v += config['learning_rate'] * dw
    config['velocity'] = v
    print("step", float(w[0]))
    w -= v
    return w, config
''',
    "adam without bias correction": '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('a', np.zeros_like(w))
    config.setdefault('t', 0)
    config['t'] += 1
    config['v'] = config['beta1'] * config['v'] + (1 - config['beta1']) * dw
    config['a'] = config['beta2'] * config['a'] + (1 - config['beta2']) * dw * dw
    next_w = w - config['learning_rate'] * config['v'] / (np.sqrt(config['a'])
                                                           + config['epsilon'])
    return next_w, config
''',
}

#: Rules whose path ends early, or goes wrong on the way.
ODD = {
    "raises at step 5": '''
def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('decay_rate', 0.99)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('a', np.zeros_like(w))
    config['n'] = config.get('n', 0) + 1
    if config['n'] == 5:
        raise FloatingPointError("step five")
    config['a'] = config['decay_rate'] * config['a'] + (1 - config['decay_rate']) * dw ** 2
    return w - config['learning_rate'] * dw / (np.sqrt(config['a']) + config['epsilon']), config
''',
    "a list at step 3": '''
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config['n'] = config.get('n', 0) + 1
    out = (w - config['learning_rate'] * dw, config)
    return list(out) if config['n'] == 3 else out
''',
    "diverges": '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    config['n'] = config.get('n', 0) + 1
    return w * 1e150 ** config['n'], config
''',
    "a wrong shape at step 2": '''
def sgd_nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config['n'] = config.get('n', 0) + 1
    return (np.zeros(3) if config['n'] == 2 else w - 0.01 * dw), config
''',
}

#: A rule that keeps state of its own, between calls (against the assignment's rules).
STATEFUL = '''
_calls = [0]


def sgd_momentum(w, dw, config=None):
    _calls[0] += 1
    return w - 1e-3 * _calls[0] * dw, config
'''

#: The guess rewritten in the sandbox: it claims the reference's path (it carries a right
#: Adam of its own) while the submitted adam is wrong, or it claims junk.
LYING = '''
import grader_harness.sandbox_lib as _lib


def _right(w, dw, config):
    config = dict(config)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    m = config.get('v', np.zeros_like(w))
    a = config.get('a', np.zeros_like(w))
    t = config.get('t', 0) + 1
    m = config['beta1'] * m + (1 - config['beta1']) * dw
    a = config['beta2'] * a + (1 - config['beta2']) * dw * dw
    mh, ah = m / (1 - config['beta1'] ** t), a / (1 - config['beta2'] ** t)
    config.update(v=m, a=a, t=t)
    return w - config['learning_rate'] * mh / (np.sqrt(ah) + config['epsilon']), config


def _claim(fn, A, b, p, config, steps, seconds=0.25):
    out = []
    for k in range(int(steps)):
        nxt, config = _right(p, A @ p + b, config)
        out.append((nxt, config))
        p = nxt
    return out + ["junk", {"not": "a step"}, (1, 2, 3)]


_lib.quadratic_path = _claim


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    return w - config['learning_rate'] * np.sign(dw), config
'''


def with_rules(fc_optim, source: str) -> dict[str, bytes]:
    """The reference, with ``source`` appended to its optim.py (later definitions win)."""
    files = reference_with(fc_optim, {})
    files["nndl/optim.py"] += b"\n\n" + source.encode()
    return files


@pytest.fixture(scope="module")
def fixtures(fc_optim):
    return load_fixtures(fc_optim)


def counting_ops(monkeypatch, speculation: bool) -> tuple[list[int], Any]:
    """``DriverContext.speculation`` set, and every operation a check makes counted: the
    list that grows by one per operation, and the plain ``Check.op`` to restore."""
    monkeypatch.setattr(DriverContext, "speculation", speculation)
    counted: list[int] = []
    plain_op = session_mod.Check.op

    def op(self, *args, **kwargs):
        counted.append(1)
        return plain_op(self, *args, **kwargs)

    monkeypatch.setattr(session_mod.Check, "op", op)
    return counted, plain_op


def trajectories(fc_optim, fixtures, settings, sandbox, files: dict[str, bytes],
                 monkeypatch, speculation: bool) -> dict[str, tuple[Any, int]]:
    """Each update rule's trajectory case, run in a session of its own: its outcome and the
    number of operations it took."""
    host = host_for(fc_optim, sandbox, settings)
    counted, plain_op = counting_ops(monkeypatch, speculation)
    todos = {t.id: t for t in fc_optim.manifest.todos}
    limits = limits_for(fc_optim, settings)
    sess = sandbox.session({**limits, "wall_seconds": 120}, wall_seconds=120)
    out = {}
    try:
        sess.open(session_payload(fc_optim, files, settings))
        for tid in TODOS:
            check = next(c for c in todos[tid].checks if c.driver == "trajectory_2d")
            (case,) = fixtures.cases[f"{tid}/{check.id}"]
            counted.clear()
            outcome = host.run_case(sess, todos[tid], check, case["inputs"],
                                    case.get("meta") or {}, None, f"{tid}/{check.id}#0")
            out[tid] = (outcome, len(counted))
    finally:
        sess.close()
        monkeypatch.setattr(session_mod.Check, "op", plain_op)
    return out


def assert_same(a, b, label: str) -> None:
    assert (a.status, a.output, a.reason) == (b.status, b.output, b.reason), label
    assert same(a.outputs, b.outputs), label
    assert (a.error or {}).get("message") == (b.error or {}).get("message"), label
    assert (a.error or {}).get("type") == (b.error or {}).get("type"), label


@pytest.mark.parametrize("kind", sorted({**PURE, **ODD}))
def test_a_chained_path_is_the_plain_loops_path(kind, fc_optim, fixtures, settings,
                                                process_sandbox, monkeypatch):
    source = {**PURE, **ODD}[kind]
    files = with_rules(fc_optim, source)
    fast = trajectories(fc_optim, fixtures, settings, process_sandbox, files, monkeypatch,
                        True)
    plain = trajectories(fc_optim, fixtures, settings, process_sandbox, files, monkeypatch,
                         False)
    for tid in TODOS:
        assert_same(fast[tid][0], plain[tid][0], f"{kind}: {tid}")
        if kind in PURE:
            # 40 steps: the guess and one operation with every call (no plain step left)
            assert fast[tid][1] == 2 and plain[tid][1] == 40, (tid, fast[tid][1])
            assert fast[tid][0].status == "ok"
            assert fast[tid][0].outputs["path"].shape == (41, 2)
    if kind == "raises at step 5":
        outcome = fast["rmsprop"][0]
        assert outcome.status == "error" and "step five" in outcome.error["message"]
    if kind == "a list at step 3":
        outcome = fast["sgd_momentum"][0]
        assert outcome.status == "error" and "must return a tuple" in outcome.error["message"]
    if kind == "diverges":
        outcome = fast["adam"][0]
        assert outcome.status == "ok" and not np.all(np.isfinite(outcome.outputs["path"][-1]))
        assert len(outcome.outputs["path"]) < 41
    if kind == "a wrong shape at step 2":
        assert fast["sgd_nesterov_momentum"][0].status == "error"


def test_a_lying_guess_changes_nothing(fc_optim, fixtures, settings, process_sandbox,
                                       monkeypatch):
    """The guess, rewritten inside, claims the right Adam's path for a wrong adam: every
    claimed step fails its check, so the path is the wrong adam's own, step by step."""
    files = with_rules(fc_optim, LYING)
    fast = trajectories(fc_optim, fixtures, settings, process_sandbox, files, monkeypatch,
                        True)
    plain = trajectories(fc_optim, fixtures, settings, process_sandbox, files, monkeypatch,
                         False)
    honest = trajectories(fc_optim, fixtures, settings, process_sandbox,
                          reference_with(fc_optim, {}), monkeypatch, False)
    outcome = fast["adam"][0]
    assert_same(outcome, plain["adam"][0], "adam")
    assert outcome.status == "ok"
    # the claims were the right path; what counts is the sign rule's own path
    right = honest["adam"][0].outputs["path"]
    assert not np.allclose(outcome.outputs["path"], right)
    step = np.abs(np.diff(outcome.outputs["path"], axis=0))
    assert np.allclose(step[:5], 0.2)  # learning rate 0.2, one sign step per coordinate
    assert fast["adam"][1] > 3  # the claims did not hold: plain steps after the first


def test_a_rule_with_state_of_its_own_is_still_stepped_from_its_real_results(
        fc_optim, fixtures, settings, process_sandbox, monkeypatch):
    """A rule counting its calls in a global: the guess and the checked run disagree, and
    the path goes on one call per operation, each step from the real result before it."""
    files = with_rules(fc_optim, STATEFUL)
    fast = trajectories(fc_optim, fixtures, settings, process_sandbox, files, monkeypatch,
                        True)
    outcome, ops = fast["sgd_momentum"]
    assert outcome.status == "ok" and outcome.outputs["path"].shape == (41, 2)
    assert ops > 40  # the guess, the checked run (one step kept), then 39 plain steps
    A = np.array([[1.0, 0.0], [0.0, 10.0]])
    path = outcome.outputs["path"]
    # every step is the rule's: w - 1e-3 * n * grad, n counting every call made in the child
    with np.errstate(divide="ignore", invalid="ignore"):  # y reaches 0 exactly: not used
        n = (path[:-1] - path[1:]) / (path[:-1] @ A.T) / 1e-3
    assert np.allclose(n[:, 0], np.round(n[:, 0]))
    counts = np.round(n[:, 0]).astype(int)
    assert counts[0] == 41 and np.all(np.diff(counts[1:]) == 1)
