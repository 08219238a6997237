"""mlp-backprop's ``rule_run``: an update rule's whole path on a test function in a few
operations (``ctx.chain`` with ``indexed=True``, the sandbox helper ``rule_path`` guessing
the path, every step checked on the trusted side), in the real process sandbox.

Whatever the guess does, a rule that is a function of its arguments gets what the plain
loop (one operation per step) gives: outcome, outputs, error and what was printed. A rule
with state of its own (it is called more often than in the plain loop) is still stepped
from its real results, each step's arguments computed here.
"""

from __future__ import annotations

from typing import Any

import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.loader import load_assignment
from grader.engine import host_for
from grader.sandbox import session as session_mod
from grader.sandbox.payloads import limits_for, session_payload

from ..harness.test_chain import assert_same, counting_ops

ASSIGNMENT = load_assignment("mlp-backprop")
TODOS = ("gradient_descent", "adagrad", "adam")

#: appended to the reference's mlp_backprop.py (later definitions win)
RULES = {
    "reference": "",
    "printing, adam without bias correction": '''
def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    print("step", i)
    a, b1, b2, eps = hparams['alpha'], hparams['beta_1'], hparams['beta_2'], hparams['eps']
    f_x, f_y = b1 * f_x + (1 - b1) * dx, b1 * f_y + (1 - b1) * dy
    s_x, s_y = b2 * s_x + (1 - b2) * dx * dx, b2 * s_y + (1 - b2) * dy * dy
    return (x - a * f_x / np.sqrt(s_x + eps), y - a * f_y / np.sqrt(s_y + eps),
            f_x, f_y, s_x, s_y)
''',
    "adam raising at step 3": '''
_adam = adam
def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    if i == 3:
        raise ValueError("step three")
    return _adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams)
''',
    "a list of three below x = 4": '''
def gradient_descent(x, y, dx, dy, hparams):
    if x < 4.0:
        return [x, y, 0.0]
    return x - hparams['alpha'] * dx, y - hparams['alpha'] * dy
''',
}


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures(ASSIGNMENT)


def runs(fixtures, settings, sandbox, source: str, monkeypatch,
         speculation: bool) -> dict[str, tuple[Any, int]]:
    """Every ``rule_run`` case of the three deterministic rules, in one session: each
    case's outcome and the number of operations it took."""
    host = host_for(ASSIGNMENT, sandbox, settings)
    counted, plain_op = counting_ops(monkeypatch, speculation)
    files = ASSIGNMENT.reference_files()
    files["mlp_backprop.py"] += b"\n\n" + source.encode()
    todos = {t.id: t for t in ASSIGNMENT.manifest.todos}
    sess = sandbox.session({**limits_for(ASSIGNMENT, settings), "wall_seconds": 120},
                           wall_seconds=120)
    out = {}
    try:
        sess.open(session_payload(ASSIGNMENT, files, settings))
        for tid in TODOS:
            for check in (c for c in todos[tid].checks if c.driver == "rule_run"):
                for n, case in enumerate(fixtures.cases[f"{tid}/{check.id}"]):
                    key = f"{tid}/{check.id}#{n}"
                    counted.clear()
                    outcome = host.run_case(sess, todos[tid], check, case["inputs"],
                                            case.get("meta") or {}, None, key)
                    out[key] = (outcome, len(counted))
    finally:
        sess.close()
        monkeypatch.setattr(session_mod.Check, "op", plain_op)
    return out


@pytest.mark.parametrize("kind", sorted(RULES))
def test_a_chained_run_is_the_plain_loops_run(kind, fixtures, settings, process_sandbox,
                                              monkeypatch):
    fast = runs(fixtures, settings, process_sandbox, RULES[kind], monkeypatch, True)
    plain = runs(fixtures, settings, process_sandbox, RULES[kind], monkeypatch, False)
    assert fast.keys() == plain.keys() and len(fast) == 18  # 2 visible, 4 runs, 3 rules
    epochs = {key: int(fixtures.cases[key.partition("#")[0]][int(key.partition("#")[2])]
                       ["inputs"]["epochs"]) for key in fast}
    for key in fast:
        assert_same(fast[key][0], plain[key][0], f"{kind}: {key}")
        # plain: one operation per step
        assert plain[key][1] == epochs[key] or plain[key][0].status != "ok", key
    expected = fixtures.expected
    if kind == "reference":
        for key, (outcome, ops) in fast.items():
            assert outcome.status == "ok", key
            assert ops == 2, (key, ops)  # the guess, then every call in one operation
            assert outcome.outputs["x_list"].shape == (epochs[key] + 1,)
            assert (outcome.outputs["x_list"] == expected[key]["x_list"]).all(), key
    if kind == "printing, adam without bias correction":
        outcome, ops = fast["adam/runs#0"]
        assert outcome.status == "ok" and ops == 2
        assert outcome.output.startswith("step 0\nstep 1\n")
        assert outcome.output.count("step ") == 30  # the guess's own prints are dropped
    if kind == "adam raising at step 3":
        outcome, _ = fast["adam/runs#0"]
        assert outcome.status == "error" and "step three" in outcome.error["message"]
    if kind == "a list of three below x = 4":
        outcome, _ = fast["gradient_descent/visible#0"]  # from x = 6: 4.8, 3.84, then this
        assert outcome.status == "error"
        assert "must return (x, y); it returned a list of 3 items" in outcome.error["message"]


def test_a_rule_with_state_of_its_own_is_stepped_from_its_real_results(
        fixtures, settings, process_sandbox, monkeypatch):
    """A rule counting its calls in a global: the guess and the checked run disagree, and
    the path goes on one call per operation, each step from the real result before it."""
    source = '''
CALLS = [0]
def gradient_descent(x, y, dx, dy, hparams):
    CALLS[0] += 1
    return x - hparams['alpha'] * CALLS[0] * dx, y
'''
    fast = runs(fixtures, settings, process_sandbox, source, monkeypatch, True)
    outcome, ops = fast["gradient_descent/visible#0"]
    assert outcome.status == "ok" and ops > 20
    x = outcome.outputs["x_list"]  # the bowl: dx = 2 x, alpha 0.1 (visible#0: 20 epochs)
    n = (x[:-1] - x[1:]) / (0.2 * x[:-1])
    assert (abs(n - n.round()) < 1e-6).all()
    assert (abs(n[2:] - n[1:-1] - 1) < 1e-6).all()  # one more call per step after the guess
