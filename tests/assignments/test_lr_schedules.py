"""lr-schedules (seed 004, the lecture): the slides' formulas, and grading in the real sandbox."""

from __future__ import annotations

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.loader import load_assignment
from grader.assignments.variants import splice
from grader.submission import from_notebook

from . import notebooks
from .grading import (
    accepted_variants,
    assert_caught,
    assert_full_marks,
    assert_zero_everywhere,
    grade_all,
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


pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def graded(process_sandbox, settings):
    return grade_all(ASSIGNMENT, process_sandbox, settings)


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
