"""mlp-backprop (seed 002): conventions checked against numerical gradients, statistics of the
stochastic rules, and grading in the real sandbox (reference, starter, variants, notebooks)."""

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

SLUG = "mlp-backprop"
ASSIGNMENT = load_assignment(SLUG)


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures(ASSIGNMENT)


def test_fixtures_are_fresh(fixtures):
    assert fixtures.digest == ASSIGNMENT.source_digest()


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def test_reference_backprop_is_the_gradient_of_the_loss_forward_prop_computes(fixtures):
    """The convention the starter states is the true gradient: every parameter (the Vondrick
    exponent included) of whole networks agrees with centered differences of the loss."""
    for key in ("Hidden.backward_pass/network-gradcheck#0",
                "Hidden.backward_pass/network-gradcheck#1",
                "Hidden_Vondrick.backward_pass/network-gradcheck#0",
                "Hidden_Vondrick.backward_pass/network-gradcheck#1"):
        out = fixtures.expected[key]
        assert set(out["analytic"]) == set(out["numerical"])
        for name, value in out["analytic"].items():
            assert _rel(value, out["numerical"][name]) < 1e-4, (key, name)
    assert "layer2.exponent" in fixtures.expected[
        "Hidden_Vondrick.backward_pass/network-gradcheck#0"]["analytic"]


def test_the_handouts_mixed_conventions_are_not_the_gradient(fixtures):
    """The handout's weight gradients (not divided by the batch size) and its exponent
    gradient (without dL/dh) disagree with the numerical gradients: that is why they are
    registered as wrong."""
    for variant, key, output in (
            ("hidden_weights_not_averaged", "Hidden.backward_pass/gradcheck#0", "dLdW"),
            ("output_weights_not_averaged", "Output.backward_pass/gradcheck#0", "dLdw"),
            ("vondrick_backward_exponent_without_dLdh", "Hidden_Vondrick.backward_pass/"
             "gradcheck#0", "dL_dexponent")):
        out = fixtures.variants[variant][key]
        assert _rel(out["analytic"][output], out["numerical"][output]) > 1e-2, variant


def test_stochastic_statistics_match_unit_gaussian_noise(fixtures):
    for rule in ("stochastic_gradient_descent", "momentum"):
        for i, case in enumerate(fixtures.cases[f"{rule}/statistics"]):
            out = fixtures.expected[f"{rule}/statistics#{i}"]
            assert all(abs(v - 1) < 0.06 for v in out["spread_over_alpha"].values())
            x, dx = case["inputs"]["x"], case["inputs"]["dx"]
            alpha = case["inputs"]["hparams"]["alpha"]
            if rule == "stochastic_gradient_descent":
                assert abs(out["mean_over_alpha"]["x"] - (x / alpha - dx)) < 0.1


def test_the_training_checks_need_more_than_a_linear_classifier(fixtures):
    for key in ("Hidden.backward_pass/training#0", "Hidden_Vondrick.backward_pass/training#0"):
        out = fixtures.expected[key]
        assert out["error_rate"] <= 0.02 and out["initial_error_rate"] > 0.4
    case = fixtures.cases["Hidden.backward_pass/training"][0]["inputs"]
    X, y = np.column_stack([case["X"], np.ones(len(case["X"]))]), case["y"]
    w = np.linalg.lstsq(X, 2.0 * y - 1, rcond=None)[0]
    assert np.mean((X @ w > 0) == y) < 0.7


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


NUMPY_NOISE = '''
def stochastic_gradient_descent(x, y, dx, dy, hparams):
    alpha = hparams['alpha']
    return x - alpha * (dx + np.random.randn()), y - alpha * np.random.normal(dy, 1.0)


def momentum(x, y, dx, dy, v_x, v_y, hparams):
    alpha, gamma = hparams['alpha'], hparams['gamma']
    v_x = gamma * v_x + alpha * np.random.normal(dx, 1)
    v_y = gamma * v_y + alpha * (dy + np.random.standard_normal())
    return x - v_x, y - v_y, v_x, v_y
'''


def test_noise_from_numpy_instead_of_random_gauss_passes(process_sandbox, settings):
    """The stochastic rules are graded by statistics, not by matching the reference's draws."""
    files = ASSIGNMENT.reference_files()
    text = splice(files["mlp_backprop.py"].decode(), NUMPY_NOISE, "mlp_backprop.py")
    result = grade_files(ASSIGNMENT, {"mlp_backprop.py": text.encode()}, process_sandbox,
                         settings)
    assert_full_marks(result)


HEAD = ["import numpy as np\nimport random\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
        "%matplotlib inline\n",
        "from mpl_toolkits.mplot3d import Axes3D\nfrom matplotlib.colors import LogNorm\n"
        "from matplotlib import animation, rc\nfrom IPython.display import HTML\n"
        "import autograd.numpy as np\nfrom autograd import grad\n"
        "from autograd import elementwise_grad as egrad\nfrom scipy.optimize import minimize\n"
        "from collections import defaultdict\nfrom itertools import zip_longest\n"
        "from functools import partial\nimport numpy\n"]
EXPERIMENTS = {
    "plot_loss": [
        "from sklearn.neural_network import MLPClassifier\n"
        "from sklearn.preprocessing import MinMaxScaler\n"
        "from sklearn.model_selection import train_test_split\n",
        "wine_dataset = pd.read_csv('./winequality-red.csv')\n",
        "my_wine_NN_1 = NN()\nnum_epochs= 150\nlambda_reg= 0.01\nlearning_rate= 0.001\n"
        "batch_size= 32\n",
        "my_wine_NN_1.add_layer('Hidden', 11, 16)\nmy_wine_NN_1.add_layer('Output', 8, 2)\n"
        "loss_wine_li_1= my_wine_NN_1.train(X_wine_train, y_wine_train, num_epochs, "
        "batch_size, learning_rate, lambda_reg)\nplot_loss(loss_wine_li_1)\n",
    ],
    "plot_func": ["plot_func(monkey)\nplot_func(mult)\nplot_func(matyas)\nplot_func(bowl)\n"],
    "Optimizer": [
        "frames = 20\nepochs = 200\nfunc = bowl\ninit_x, init_y = 6., 6.\n"
        "hparams = {'alpha': 0.1, 'eps': 1e-7, 'beta_1': 0.8, 'beta_2': 0.99}\n"
        "optim = Optimizer(init_x, init_y, 'adam', func, hparams)\noptim.fit(epochs)\n",
        "anim = animation.FuncAnimation(fig, animate, frames=frames)\n"
        "HTML(anim.to_html5_video())\n",
    ],
}


def test_notebook_of_the_reference_gets_full_marks(process_sandbox, settings):
    source = (ASSIGNMENT.reference / "mlp_backprop.py").read_text()
    data = notebooks.with_experiments(source, EXPERIMENTS, HEAD)
    sub = from_notebook(data, "CV2_HW2_UNI.ipynb", ASSIGNMENT, settings)
    result = grade_files(ASSIGNMENT, sub.files, process_sandbox, settings)
    assert_full_marks(result)
    notes = " ".join(result.notes)
    for module in ("autograd", "pandas", "scipy", "IPython", "mpl_toolkits", "matplotlib"):
        assert module in notes, module


def test_the_handouts_completed_notebook_grades_unchanged(process_sandbox, settings):
    """Seed 002 as its student handed it in: it grades without any edit; what follows the
    handout's conventions passes (the monkey formula x^3 + 3xy^2 is accepted), and each place
    where it departs from the starter's stated conventions loses points with the mistake
    named."""
    from .handout_notebooks import SEED_002_CELLS

    data = notebooks.notebook([notebooks.code(c) for c in SEED_002_CELLS])
    sub = from_notebook(data, "HW2_CV2_dh3027.ipynb", ASSIGNMENT, settings)
    result = grade_files(ASSIGNMENT, sub.files, process_sandbox, settings)
    assert result.status == "graded" and not result.import_errors
    scores = {t.id: (t.score, t.max_score) for t in result.todos}
    full = [t for t, (s, m) in scores.items() if s == m]
    assert sorted(full) == sorted([
        "Hidden_Vondrick.vondrick_activation", "NN.predict", "bowl", "mult", "monkey",
        "matyas", "easom", "gradient_descent", "stochastic_gradient_descent", "momentum",
        "adagrad"]), scores
    named = {t.id: [m.id for m in t.mistakes] for t in result.todos}
    assert named["Hidden.backward_pass"][0] == "hidden_weights_not_averaged"
    assert named["Hidden.leaky_relu_derivative"][0] == "leaky_relu_derivative_zero_at_zero"
    assert named["Hidden_Vondrick.vondrick_activation_derivative"][0] == \
        "vondrick_derivative_exponent_summed"
    assert named["Output.backward_pass"][0] == "output_weights_not_averaged"
    assert named["adam"][0] == "adam_t_equals_i"
    monkey = next(t for t in result.todos if t.id == "monkey")
    assert "accepted" in monkey.checks[0].feedback


EQUIVALENT = """
class Hidden:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate):
        n = len(X)
        delta = dLdh * self.leaky_relu_derivative(h)
        grad_W = np.einsum('ni,nj->ij', X, delta) / n + alpha * self.W
        grad_c = delta.mean(axis=0)
        back = np.einsum('nj,ij->ni', delta, self.W)
        self.W = self.W - learning_rate * grad_W
        self.c = self.c - learning_rate * grad_c
        return back

    def leaky_relu_derivative(self, h):
        d = np.ones_like(h)
        d[h <= 0] = 0.01
        return d


def gradient_descent(x, y, dx, dy, hparams):
    return x - dx * hparams['alpha'], y - hparams['alpha'] * dy


def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    v_x += dx * dx
    v_y += dy * dy
    x -= hparams['alpha'] * dx / (v_x + hparams['eps']) ** 0.5
    y -= hparams['alpha'] * dy / (v_y + hparams['eps']) ** 0.5
    return x, y, v_x, v_y


def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    b1, b2 = hparams['beta_1'], hparams['beta_2']
    f = np.array([b1 * f_x + (1 - b1) * dx, b1 * f_y + (1 - b1) * dy])
    s = np.array([b2 * s_x + (1 - b2) * dx ** 2, b2 * s_y + (1 - b2) * dy ** 2])
    t = i + 1
    step = hparams['alpha'] * (f / (1 - b1 ** t)) / np.sqrt(s / (1 - b2 ** t) + hparams['eps'])
    return x - step[0], y - step[1], f[0], f[1], s[0], s[1]
"""


def test_equivalent_rewritings_get_full_marks(process_sandbox, settings):
    """Written differently (einsum, mean, direct updates without update_weights, vectorized
    Adam): the same outputs to the tolerance."""
    files = ASSIGNMENT.reference_files()
    text = splice(files["mlp_backprop.py"].decode(), EQUIVALENT, "mlp_backprop.py")
    result = grade_files(ASSIGNMENT, {"mlp_backprop.py": text.encode()}, process_sandbox,
                         settings)
    assert_full_marks(result)
