"""lr-schedules (seed 004, the lecture): the slides' formulas, and grading in the real sandbox."""

from __future__ import annotations

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.loader import load_assignment
from grader.assignments.variants import splice, variant_files
from grader.scoring.compare import rel_error
from grader.submission import from_notebook

from . import notebooks
from .grading import (
    accepted_variants,
    assert_caught,
    assert_full_marks,
    assert_zero_everywhere,
    grade_files,
    wrong_variants,
)

SLUG = "lr-schedules"
ASSIGNMENT = load_assignment(SLUG)
EPOCHS = np.arange(1, 51)

# The slides' formulas, with the slides' alpha0 = 1 and k (epochs counted from 1).
SLIDES = {
    "inverse_time_decay": 1 / (1 + 1.0 * EPOCHS),
    "inverse_sqrt_decay": 0.95 / np.sqrt(EPOCHS),
    "exponential_decay": np.exp(-0.5 * EPOCHS),
    "power_decay": 0.95 ** EPOCHS,
    "staircase_decay": 0.9 ** ((EPOCHS - 1) // 10),
}


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures(ASSIGNMENT)


def test_fixtures_are_fresh(fixtures):
    assert fixtures.digest == ASSIGNMENT.source_digest()


@pytest.mark.parametrize("schedule", list(SLIDES))
def test_reference_schedules_follow_the_slides(fixtures, schedule):
    got = fixtures.expected[f"{schedule}/visible#0"]["rates"]
    assert np.allclose(got, SLIDES[schedule], rtol=1e-12, atol=0)


def test_staircase_holds_alpha0_for_the_first_ten_epochs(fixtures):
    rates = fixtures.expected["staircase_decay/visible#0"]["rates"]
    assert set(rates[:10]) == {1.0} and np.allclose(rates[10:20], 0.9)
    assert np.allclose(rates[20:30], 0.81)


def test_reference_update_rules_follow_the_slides(fixtures):
    """Adam with bias correction and epsilon inside the root; momentum as an average."""
    case = fixtures.cases["adam/visible"][0]["inputs"]
    w, dw, c = case["w"], case["dw"], case["config"]
    t = c["t"] + 1
    v = 0.9 * c["v"] + 0.1 * dw
    s = 0.999 * c["s"] + 0.001 * dw ** 2
    expected = w - 1e-2 * (v / (1 - 0.9 ** t)) / np.sqrt(s / (1 - 0.999 ** t) + 1e-8)
    out = fixtures.expected["adam/visible#0"]
    assert np.allclose(out["next_w"], expected, rtol=1e-12) and out["config"]["t"] == t
    case = fixtures.cases["momentum/visible"][0]["inputs"]
    v = 0.9 * case["config"]["v"] + 0.1 * case["dw"]
    assert np.allclose(fixtures.expected["momentum/visible#0"]["next_w"],
                       case["w"] - 1e-2 * v, rtol=1e-12)


def _reference():
    ns: dict = {}
    exec(compile((ASSIGNMENT.reference / "optimization.py").read_text(), "reference", "exec"), ns)
    return ns


def _copy(config):
    return None if config is None else {k: v.copy() if isinstance(v, np.ndarray) else v
                                        for k, v in config.items()}


@pytest.mark.parametrize("rule", ["adagrad", "rmsprop", "adam"])
def test_hidden_epsilon_cases_make_epsilon_matter(fixtures, rule):
    """Ignoring config['epsilon'] (a constant 1e-8) changes next_w far beyond the tolerance
    on every epsilon case, and the epsilon there is not the default."""
    fn = _reference()[rule]
    for case in fixtures.cases[f"{rule}/epsilon"]:
        inputs = case["inputs"]
        assert inputs["config"]["epsilon"] != 1e-8
        right, _ = fn(inputs["w"], inputs["dw"], _copy(inputs["config"]))
        ignored = _copy(inputs["config"])
        ignored["epsilon"] = 1e-8
        wrong, _ = fn(inputs["w"], inputs["dw"], ignored)
        assert rel_error(right, wrong) > 1e-3, case["name"]


@pytest.mark.parametrize("rule", ["adagrad", "rmsprop", "adam"])
def test_hidden_dead_unit_cases_have_zero_gradients_on_zero_state(fixtures, rule):
    cases = fixtures.cases[f"{rule}/dead-units"]
    assert any(c["inputs"]["config"] is None for c in cases)
    for i, case in enumerate(cases):
        inputs = case["inputs"]
        dead = inputs["dw"] == 0
        assert dead.any() and (~dead).any()
        for key in ("v", "s"):
            if inputs["config"] is not None and key in inputs["config"]:
                assert np.all(inputs["config"][key][dead] == 0)
        out = fixtures.expected[f"{rule}/dead-units#{i}"]
        # the reference's step is 0 there, and nothing is NaN
        assert np.all(out["next_w"][dead] == inputs["w"][dead])
        assert np.isfinite(out["next_w"]).all()


def test_hidden_cases_set_every_hyperparameter_away_from_its_default(fixtures):
    """Every config key of every rule takes a non-default value in some case; Adam's betas
    are distinct, non-default and not beta2 = beta1**2 (where a missing bias correction
    cancels on the first step)."""
    defaults = {"momentum": {"learning_rate": 1e-2, "beta1": 0.9},
                "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
                "rmsprop": {"learning_rate": 1e-2, "beta2": 0.999, "epsilon": 1e-8},
                "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999,
                         "epsilon": 1e-8}}
    for rule, keys in defaults.items():
        configs = [c["inputs"].get("config") or {} for group, cases in fixtures.cases.items()
                   if group.startswith(f"{rule}/") for c in cases]
        for k, default in keys.items():
            assert any(k in cfg and cfg[k] != default for cfg in configs), (rule, k)
    adam = [c["inputs"]["config"] for c in fixtures.cases["adam/random"]]
    assert all(c["beta1"] != 0.9 and c["beta2"] != 0.999 and
               not np.isclose(c["beta2"], c["beta1"] ** 2) for c in adam)


def test_staircase_boundaries_cover_both_sides_of_every_drop(fixtures):
    cases = fixtures.cases["staircase_decay/boundaries"]
    assert {c["inputs"]["kwargs"]["every"] for c in cases} >= {1, 4, 25}
    for i, case in enumerate(cases):
        every = case["inputs"]["kwargs"]["every"]
        epochs = case["inputs"]["epochs"]
        rates = fixtures.expected[f"staircase_decay/boundaries#{i}"]["rates"]
        assert case["inputs"]["kwargs"]["alpha0"] != 1.0
        for m in range(1, 6):
            last, first = epochs.index(every * m), epochs.index(every * m + 1)
            # constant up to the drop, then times k
            assert np.isclose(rates[first], rates[last] * case["inputs"]["kwargs"]["k"])


pytestmark = pytest.mark.sandbox


class _Graded(dict):
    """``reference``, ``starter`` and each variant id -> its result, each graded once, when a
    test first needs it (so that each test's time limit covers one grading, not all)."""

    def __init__(self, sandbox, settings) -> None:
        super().__init__()
        self.sandbox, self.settings = sandbox, settings

    def __missing__(self, key: str):
        if key == "reference":
            files = ASSIGNMENT.reference_files()
        elif key == "starter":
            files = ASSIGNMENT.starter_files()
        else:
            files = variant_files(ASSIGNMENT,
                                  next(v for v in ASSIGNMENT.manifest.variants if v.id == key))
        self[key] = grade_files(ASSIGNMENT, files, self.sandbox, self.settings)
        return self[key]


@pytest.fixture(scope="module")
def graded(process_sandbox, settings):
    return _Graded(process_sandbox, settings)


def test_reference_gets_full_marks(graded):
    assert_full_marks(graded["reference"])


def test_untouched_starter_scores_zero_on_every_todo(graded):
    assert_zero_everywhere(graded["starter"])


@pytest.mark.parametrize("variant_id", wrong_variants(ASSIGNMENT))
def test_each_wrong_variant_loses_points_on_its_todo_only_and_is_named(graded, variant_id):
    assert_caught(ASSIGNMENT, graded[variant_id], variant_id)


@pytest.mark.parametrize("variant_id", accepted_variants(ASSIGNMENT))
def test_accepted_conventions_get_full_marks(graded, variant_id):
    assert_full_marks(graded[variant_id])


HEAD = ["import numpy as np\nimport tensorflow as tf\nimport matplotlib.pyplot as plt\n"
        "import pandas as pd\n"]
EXPERIMENTS = {
    "staircase_decay": [
        "epochs = np.arange(1, 51)\nfor k in [0.01, 0.1, 0.5, 0.9, 0.95, 0.99]:\n"
        "    plt.plot(epochs, [staircase_decay(e, k=k) for e in epochs], label=f'k={k}')\n"
        "plt.legend()\nplt.show()\n",
        "!pip install tensorflow\nmodel = tf.keras.Sequential()\nmodel.fit(x, y, epochs=30)\n",
    ],
    "adam": ["w = np.random.randn(10)\nconfig = None\nfor i in range(100):\n"
             "    w, config = adam(w, 2 * w, config)\nprint(w)\n"],
}


def test_notebook_of_the_reference_gets_full_marks(process_sandbox, settings):
    source = (ASSIGNMENT.reference / "optimization.py").read_text()
    data = notebooks.with_experiments(source, EXPERIMENTS, HEAD)
    sub = from_notebook(data, "Assignment_lr.ipynb", ASSIGNMENT, settings)
    result = grade_files(ASSIGNMENT, sub.files, process_sandbox, settings)
    assert_full_marks(result)
    assert any("tensorflow" in n for n in result.notes)


EQUIVALENT = """
def momentum(w, dw, config=None):
    config = {} if config is None else config
    lr = config.setdefault('learning_rate', 1e-2)
    beta = config.setdefault('beta1', 0.9)
    config['v'] = beta * config.get('v', np.zeros_like(w)) + (1 - beta) * dw
    return w - lr * config['v'], config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    for key, value in (('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999),
                       ('epsilon', 1e-8), ('t', 0)):
        config.setdefault(key, value)
    config['t'] += 1
    b1, b2, t = config['beta1'], config['beta2'], config['t']
    config['v'] = b1 * config.get('v', 0 * w) + (1 - b1) * dw
    config['s'] = b2 * config.get('s', 0 * w) + (1 - b2) * np.square(dw)
    step = np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * config['v']
    step = step / np.sqrt(config['s'] + config['epsilon'] * (1 - b2 ** t))
    return w - config['learning_rate'] * step, config


def exponential_decay(epoch_num, alpha0=1.0, k=0.5):
    return alpha0 / np.exp(k * epoch_num)


def inverse_sqrt_decay(epoch_num, alpha0=1.0, k=0.95):
    return alpha0 * k * epoch_num ** -0.5


def power_decay(epoch_num, alpha0=1.0, k=0.95):
    return float(alpha0 * np.power(k, epoch_num))


def staircase_decay(epoch_num, alpha0=1.0, k=0.9, every=10):
    alpha = alpha0
    for _ in range(every + 1, epoch_num + 1, every):
        alpha *= k
    return alpha
"""


def test_equivalent_rewritings_get_full_marks(process_sandbox, settings):
    """Written differently (state read with get, Adam's corrections folded into one factor,
    math rearranged, the staircase as a loop of drops): the same outputs to the tolerance."""
    files = ASSIGNMENT.reference_files()
    text = splice(files["optimization.py"].decode(), EQUIVALENT, "optimization.py")
    result = grade_files(ASSIGNMENT, {"optimization.py": text.encode()}, process_sandbox,
                         settings)
    assert_full_marks(result)


# An attack that implements nothing (the starter's bodies) and tries to win through the
# grader's own code in the sandbox: the drivers (which ran in the sandbox before the trusted
# side took them over: replacing them with fakes of a training run that went from 10 to 0 is
# how an empty submission scored 18.3 / 100), the assignment's helpers (every schedule call
# answered with alpha0, a constant rate that drives SGD down as well as any schedule), and the
# harness itself: every operation's reply is rewritten, the starter's missing next_w and state
# filled with arrays replayed from other checks' inputs (kept in /tmp from child to child).
ATTACK = '''

import gc as _gc
import os as _os
import sys as _sys

import numpy as _np

_SEEN = "/tmp/.seen"
_STATE = {}


def _fake_driver(*args, **kwargs):
    return {"initial_loss": 10.0, "final_loss": 0.0, "losses": _np.zeros(30),
            "rates": _np.ones(50)}


def _replace_drivers():
    hits = []
    for name, mod in list(_sys.modules.items()):
        if "driver" in name:
            for attr, value in list(vars(mod).items()):
                if callable(value) and not attr.startswith("__"):
                    setattr(mod, attr, _fake_driver)
                    hits.append(name + "." + attr)
    names = ("train_net", "schedule_train", "optim_step", "optim_chain", "schedule_values")
    for obj in _gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", None) in names \\
                and getattr(obj, "__module__", None) != __name__:
            hits.append(str(getattr(obj, "__module__", "?")) + "." + obj.__name__)
    return hits


def _arrays(value, out):
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _arrays(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _arrays(v, out)
    return out


def _record(op):
    _os.makedirs(_SEEN, exist_ok=True)
    for arr in _arrays([op.get("args"), op.get("kwargs"), op.get("calls")], []):
        if arr.ndim == 2 and arr.shape[0] >= 100:
            print("ATTACK saw a data set of shape", arr.shape)
        _np.save(_SEEN + "/" + str(_os.getpid()) + "-" + str(len(_os.listdir(_SEEN))) + ".npy",
                 arr)


def _replay(shape, exclude):
    for name in sorted(_os.listdir(_SEEN)):
        if name.startswith(str(_os.getpid()) + "-"):
            continue
        arr = _np.load(_SEEN + "/" + name)
        if arr.shape == tuple(shape) and not any(
                e.shape == arr.shape and _np.array_equal(e, arr) for e in exclude):
            _STATE["replayed"] = _STATE.get("replayed", 0) + 1
            return arr
    return None


def _forge(value, args):
    if isinstance(value, tuple) and len(value) == 2 and value[0] is None and args \\
            and isinstance(args[0], _np.ndarray):
        mine = _arrays(args, [])
        next_w = _replay(args[0].shape, mine)
        config = value[1] if isinstance(value[1], dict) else {}
        for key in ("v", "s"):
            fake = _replay(args[0].shape, mine + ([next_w] if next_w is not None else []))
            if fake is not None:
                config[key] = fake
        return (args[0] if next_w is None else next_w), config
    return value


def _patch_helpers():
    mod = _sys.modules.get("grader_helpers")
    if mod is None:
        return []

    def call_each(fn, calls):
        return [float(kwargs.get("alpha0", 1.0)) for args, kwargs in calls]

    mod.call_each = call_each
    return ["call_each"]


def _wrap_harness():
    try:
        import grader_harness.child as child
    except ImportError:
        return False
    original = child.ChildContext.run_op

    def run_op(self, op):
        if "helpers" not in _STATE:
            _STATE["helpers"] = _patch_helpers()
            print("ATTACK in a check: helpers patched:", _STATE["helpers"])
        _record(op)
        reply = original(self, op)
        if reply.get("ok") and op.get("op") == "call":
            reply["value"] = _forge(reply.get("value"), op.get("args") or [])
        elif reply.get("ok") and op.get("op") == "many":
            reply["value"] = [_forge(v, a) for v, a in
                              zip(reply.get("value") or [], op.get("calls") or [])]
        if _STATE.get("replayed") and "said" not in _STATE:
            _STATE["said"] = True
            print("ATTACK replayed arrays of other checks' inputs")
        return reply

    child.ChildContext.run_op = run_op
    return True


print("ATTACK at import: drivers found:", _replace_drivers(), "harness wrapped:",
      _wrap_harness())
'''


def test_an_attack_through_the_graders_code_scores_what_the_starter_scores(
        graded, process_sandbox, settings):
    """Issue 12: an empty submission scored 18.3 / 100 by replacing the drivers in the
    sandbox. Now they run in trusted code; rewriting the helpers and the harness, forging
    replies and replaying other checks' inputs gain nothing: exactly the starter's score, on
    every TODO. The attack's own prints show that it ran where it meant to."""
    source = (ASSIGNMENT.starter / "optimization.py").read_text() + ATTACK
    result = grade_files(ASSIGNMENT, {"optimization.py": source.encode()}, process_sandbox,
                         settings)
    starter = graded["starter"]
    assert result.status == "graded", result.failure
    assert result.score == starter.score == 0
    assert {t.id: t.score for t in result.todos} == {t.id: t.score for t in starter.todos}
    assert "drivers found: [] harness wrapped: True" in result.import_output
    printed = "".join(t.output for t in result.todos)
    assert "helpers patched: ['call_each']" in printed
    assert "ATTACK replayed arrays of other checks' inputs" in printed
    # the training data never entered the sandbox: the driver computes the net's gradients
    assert "ATTACK saw a data set" not in printed


CONSTANT = """
def inverse_time_decay(epoch_num, alpha0=1.0, k=1.0):
    return alpha0


def inverse_sqrt_decay(epoch_num, alpha0=1.0, k=0.95):
    return alpha0


def exponential_decay(epoch_num, alpha0=1.0, k=0.5):
    return alpha0


def power_decay(epoch_num, alpha0=1.0, k=0.95):
    return alpha0


def staircase_decay(epoch_num, alpha0=1.0, k=0.9, every=10):
    return alpha0
"""


def test_a_constant_learning_rate_earns_nothing_on_the_schedules(process_sandbox, settings):
    """A constant rate drives SGD down as well as any schedule, so the training checks compare
    the loss curve, not the decrease: no schedule TODO earns a point for `return alpha0`."""
    files = ASSIGNMENT.reference_files()
    text = splice(files["optimization.py"].decode(), CONSTANT, "optimization.py")
    result = grade_files(ASSIGNMENT, {"optimization.py": text.encode()}, process_sandbox,
                         settings)
    scores = {t.id: t.score for t in result.todos}
    for schedule in SLIDES:
        assert scores.pop(schedule) == 0, schedule
    assert all(t.score == t.max_score for t in result.todos if t.id in scores)
