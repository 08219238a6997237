"""mlp-backprop (seed 002): conventions checked against numerical gradients, statistics of the
stochastic rules, and grading in the real sandbox (reference, starter, variants, notebooks,
the seed's own notebook, a constructor that raises, and an attack that implements nothing)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.loader import load_assignment
from grader.assignments.variants import splice, variant_files
from grader.harness.refspace import ReferenceNamespace
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

SLUG = "mlp-backprop"
ASSIGNMENT = load_assignment(SLUG)


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures(ASSIGNMENT)


@pytest.fixture(scope="module")
def ref():
    """The reference module, loaded privately (as the trusted side does)."""
    return ReferenceNamespace(ASSIGNMENT.reference_files()).load("mlp_backprop")


def test_fixtures_are_fresh(fixtures):
    assert fixtures.digest == ASSIGNMENT.source_digest()


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _numerical(f, x, h=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fp = f()
        x[ix] = old - h
        fm = f()
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
    return grad


def test_reference_backprop_is_the_gradient_of_the_loss_forward_prop_computes(fixtures):
    """The convention the starter states is the true gradient: the updates one backward_prop
    applies to every parameter of whole networks (the Vondrick exponent included) agree with
    the centered differences of forward_prop's loss the driver took (outside the sandbox)."""
    for todo in ("Hidden.backward_pass", "Hidden_Vondrick.backward_pass"):
        for i in range(2):
            out = fixtures.expected[f"{todo}/network-gradcheck#{i}"]
            assert set(out["sampled"]) == set(out["numerical"]) and out["sampled"]
            for name, value in out["sampled"].items():
                num = np.asarray(out["numerical"][name])
                close = np.abs(value - num) <= 1e-5 * np.abs(num) + 1e-9
                assert close.all(), (todo, i, name, value, num)
    assert "layer2.exponent" in fixtures.expected[
        "Hidden_Vondrick.backward_pass/network-gradcheck#0"]["analytic"]


def _layer_loss_gradients(case, kind):
    """Finite differences of the loss a layer's backward pass is the gradient of:
    sum(dLdh * g(X @ W + c)) / m + alpha / 2 * ||W||^2 (and, times m, for_prev)."""
    i = case["inputs"]
    layer = i["layer"]
    alpha = i["alpha"]
    if kind == "Output":
        X, W, c, G = i["h"], layer["w"].copy(), layer["b"].copy(), i["dLdz"]

        def act(U):
            return U
    else:
        X, W, c, G = i["X"], layer["W"].copy(), layer["c"].copy(), i["dLdh"]
        n = layer.get("vondrick_exponent")

        def act(U):
            if n is None:
                return np.where(U > 0, U, 0.01 * U)
            return np.where(U > 0, np.where(U > 0, U, 1.0) ** n, 0.01 * U)
    m = X.shape[0]
    X = X.copy()

    def loss():
        return float(np.sum(G * act(X @ W + c)) / m + 0.5 * alpha * np.sum(W * W))

    return _numerical(loss, W), _numerical(loss, c), m * _numerical(loss, X)


@pytest.mark.parametrize("todo,kind,names", [
    ("Hidden.backward_pass", "Hidden", ("dLdW", "dLdc", "for_prev")),
    ("Hidden_Vondrick.backward_pass", "Hidden_Vondrick", ("dLdW", "dLdc", "for_prev")),
    ("Output.backward_pass", "Output", ("dLdw", "dLdb", "dLdh"))])
def test_each_layers_expected_gradients_are_finite_differences(fixtures, todo, kind, names):
    for i, case in enumerate(fixtures.cases[f"{todo}/random"]):
        out = fixtures.expected[f"{todo}/random#{i}"]
        for name, numerical in zip(names, _layer_loss_gradients(case, kind), strict=True):
            assert _rel(out[name], numerical) < 1e-5, (todo, i, name)


def test_the_handouts_mixed_conventions_are_not_the_gradient(fixtures):
    """The handout's weight gradients (not divided by the batch size) and its exponent
    gradient (without dL/dh) disagree with the numerical gradients of the network's loss:
    that is why they are registered as wrong."""
    for variant, key, name in (
            ("hidden_weights_not_averaged", "Hidden.backward_pass/network-gradcheck#0",
             "layer1.W"),
            ("vondrick_backward_exponent_without_dLdh",
             "Hidden_Vondrick.backward_pass/network-gradcheck#0", "layer2.exponent")):
        out = fixtures.variants[variant][key]
        assert _rel(out["sampled"][name], out["numerical"][name]) > 1e-2, variant
    case = fixtures.cases["Output.backward_pass/random"][0]
    dw = _layer_loss_gradients(case, "Output")[0]
    got = fixtures.variants["output_weights_not_averaged"]["Output.backward_pass/random#0"]
    assert _rel(got["dLdw"], dw) > 1e-2


def test_score_deciding_hidden_inputs_stay_away_from_the_kinks(fixtures):
    """Hidden layer cases: no pre-activation within 0.02 of 0 (where a derivative convention
    would decide the score); exact zeros only in the visible kink check."""
    for key in ("Hidden.backward_pass/random", "Hidden_Vondrick.backward_pass/random"):
        for case in fixtures.cases[key]:
            i = case["inputs"]
            U = i["X"] @ i["layer"]["W"] + i["layer"]["c"]
            assert np.min(np.abs(U)) >= 0.02, key
    for case in fixtures.cases["Hidden.leaky_relu_derivative/random"]:
        assert np.min(np.abs(case["inputs"]["h"])) > 0
    assert any(np.any(c["inputs"]["h"] == 0)
               for c in fixtures.cases["Hidden.leaky_relu_derivative/zeros"])


def test_hidden_cases_make_each_hyperparameter_matter(fixtures):
    """Non-default hyperparameters: regularization on, learning rates other than the
    notebook's, a learning rate other than 0.0005 passed to the Vondrick layer, epsilon 1e-2
    with tiny second moments, dead units from a zero state, chained steps."""
    for key in ("Hidden.backward_pass/random", "Output.backward_pass/random"):
        inputs = [c["inputs"] for c in fixtures.cases[key]]
        assert sum(i["alpha"] > 0 for i in inputs) >= 3
        assert all(i["learning_rate"] not in (0.001, 0.01) for i in inputs)
    assert all(c["inputs"]["learning_rate"] != 0.0005
               for c in fixtures.cases["Hidden_Vondrick.backward_pass/random"])
    for rule in ("adagrad", "adam"):
        for case in fixtures.cases[f"{rule}/epsilon"]:
            i = case["inputs"]
            assert i["hparams"]["eps"] == 1e-2
            assert all(v < 1e-4 for n, v in i["state"].items() if n.startswith(("s_", "v_")))
        dead = [c["inputs"] for c in fixtures.cases[f"{rule}/dead-units"]]
        assert {("dx" if i["dx"] == 0 else "dy") for i in dead} == {"dx", "dy"}
        assert all(v == 0 for i in dead for v in i["state"].values())
        for i, out in enumerate(fixtures.expected[f"{rule}/dead-units#{k}"]
                                for k in range(len(dead))):
            still = "x" if dead[i]["dx"] == 0 else "y"
            assert out[still] == dead[i][still] and all(np.isfinite(list(out.values())))
        assert len(fixtures.cases[f"{rule}/chained"][0]["inputs"]["grads"]) >= 5
    adam = [c["inputs"]["hparams"] for c in fixtures.cases["adam/random"]]
    assert all(h["beta_1"] != 0.9 and h["beta_2"] != 0.999 and h["beta_1"] != h["beta_2"]
               for h in adam)


def test_stochastic_statistics_match_unit_gaussian_noise(fixtures):
    for rule in ("stochastic_gradient_descent", "momentum"):
        for check in ("statistics", "hidden-statistics"):
            for i, case in enumerate(fixtures.cases[f"{rule}/{check}"]):
                out = fixtures.expected[f"{rule}/{check}#{i}"]
                assert all(abs(v - 1) < 0.06 for k, v in out["spread_over_alpha"].items()), \
                    (rule, check, i)
                inp = case["inputs"]
                x, dx, alpha = inp["x"], inp["dx"], inp["hparams"]["alpha"]
                if rule == "stochastic_gradient_descent":
                    expect = x / alpha - dx
                else:
                    expect = (x - inp["hparams"]["gamma"] * inp["state"]["v_x"]) / alpha - dx
                assert abs(out["mean_over_alpha"]["x"] - expect) < 0.1


def test_the_training_checks_need_more_than_a_linear_classifier(fixtures):
    for key in ("Hidden.backward_pass/training#0", "Hidden_Vondrick.backward_pass/training#0"):
        out = fixtures.expected[key]
        assert out["error_rate"] <= 0.02 and out["initial_error_rate"] > 0.4
        assert out["final_loss"] < 0.5 * out["initial_loss"]
        assert len(out["losses"]) == fixtures.cases[key[:-2]][0]["inputs"]["epochs"]
    case = fixtures.cases["Hidden.backward_pass/training"][0]["inputs"]
    X, y = np.column_stack([case["X"], np.ones(len(case["X"]))]), case["y"]
    w = np.linalg.lstsq(X, 2.0 * y - 1, rcond=None)[0]
    assert np.mean((X @ w > 0) == y) < 0.7


pytestmark = pytest.mark.sandbox


class _Graded(dict):
    """``reference``, ``starter`` and each variant id -> its result, graded on first use (one
    grading per test, so that no single test carries the whole module's gradings)."""

    def __init__(self, sandbox, settings) -> None:
        super().__init__()
        self.sandbox, self.settings = sandbox, settings

    def __missing__(self, name: str):
        if name == "reference":
            files = ASSIGNMENT.reference_files()
        elif name == "starter":
            files = ASSIGNMENT.starter_files()
        else:
            variant = next(v for v in ASSIGNMENT.manifest.variants if v.id == name)
            files = variant_files(ASSIGNMENT, variant)
        self[name] = grade_files(ASSIGNMENT, files, self.sandbox, self.settings)
        return self[name]


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


def test_leaky_relu_derivative_at_zero_any_value_between_the_slopes_passes(graded):
    """0 (the mask convention, the seed student's) and 1 at h = 0 pass, with a note."""
    for variant in ("leaky_relu_derivative_zero_at_zero", "leaky_relu_derivative_one_at_zero"):
        todo = next(t for t in graded[variant].todos if t.id == "Hidden.leaky_relu_derivative")
        zeros = [c for c in todo.checks if "exact zeros" in c.name]
        assert zeros and all(c.status == "passed" and "one-sided derivatives" in c.feedback
                             for c in zeros), [c.feedback for c in zeros]


def _with(replacement: str) -> dict[str, bytes]:
    files = ASSIGNMENT.reference_files()
    return {"mlp_backprop.py": splice(files["mlp_backprop.py"].decode(), replacement,
                                      "mlp_backprop.py").encode()}


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
    assert_full_marks(grade_files(ASSIGNMENT, _with(NUMPY_NOISE), process_sandbox, settings))


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


#: The TODOs where the seed's student departs from the stated conventions (a real error
#: each), and the mistake named there. Everything else, the Leaky ReLU derivative at 0 and
#: the handout's monkey formula included, gets full marks.
SEED_002_DEPARTURES = {
    "Hidden.backward_pass": "hidden_weights_not_averaged",
    "Hidden_Vondrick.vondrick_activation_derivative": "vondrick_derivative_exponent_summed",
    "Output.backward_pass": "output_weights_not_averaged",
    "adam": "adam_t_equals_i",
    # uses dh/dexponent as the scalar its own derivative returns: with the derivative the
    # docstring asks for (an array), its exponent update raises; said in the feedback
    "Hidden_Vondrick.backward_pass": None,
}


def test_the_handouts_completed_notebook_loses_nothing_for_conventions(process_sandbox,
                                                                       settings):
    """Seed 002 as its student handed it in: it grades without any edit; its conventions
    (0 as the Leaky ReLU derivative at exactly 0, the handout's monkey formula x^3 + 3xy^2)
    cost nothing, and each real departure from the starter's stated conventions loses
    points on its own TODO with the mistake named."""
    from .handout_notebooks import SEED_002_CELLS

    data = notebooks.notebook([notebooks.code(c) for c in SEED_002_CELLS])
    sub = from_notebook(data, "HW2_CV2_dh3027.ipynb", ASSIGNMENT, settings)
    result = grade_files(ASSIGNMENT, sub.files, process_sandbox, settings)
    assert result.status == "graded" and not result.import_errors
    short = {t.id: t.feedback for t in result.todos if t.score < t.max_score}
    assert set(short) == set(SEED_002_DEPARTURES), short
    todos = {t.id: t for t in result.todos}
    for tid, mistake in SEED_002_DEPARTURES.items():
        if mistake:
            assert [m.id for m in todos[tid].mistakes][:1] == [mistake], (tid, short[tid])
    vondrick = todos["Hidden_Vondrick.backward_pass"]
    assert "dh_dexponent, both arrays of shape (batch_size, output_dims)" in vondrick.feedback
    leaky = todos["Hidden.leaky_relu_derivative"]
    assert any("one-sided derivatives" in c.feedback for c in leaky.checks)
    assert "accepted" in todos["monkey"].checks[0].feedback


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


class Hidden_Vondrick:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate=0.0005):
        m = X.shape[0]
        dh_dU, dh_dn = self.vondrick_activation_derivative()
        h_again = self.vondrick_activation(self.U)  # recomputed: answered by the reference too
        assert h_again.shape == dLdh.shape
        delta = dLdh * dh_dU
        back = delta @ self.W.T
        self.W -= 0.0005 * (X.T @ delta / m + alpha * self.W)
        self.c -= 0.0005 * delta.mean(axis=0, keepdims=True)
        self.vondrick_exponent = max(1.01, self.vondrick_exponent
                                     - 0.001 * float(np.mean(np.sum(dLdh * dh_dn, axis=1))))
        return back

    def vondrick_activation(self, U):
        out = np.empty_like(U)
        for idx, u in np.ndenumerate(U):
            out[idx] = u ** self.vondrick_exponent if u > 0 else 0.01 * u
        return out


class Output:
    def backward_pass(self, h, dLdz, alpha, learning_rate):
        back = dLdz.dot(self.w.T)
        m = h.shape[0]
        self.b = self.b - learning_rate * dLdz.sum(axis=0) / m
        self.w = self.w - learning_rate * (h.T.dot(dLdz) / m + alpha * self.w)
        return back


class NN:
    def predict(self, X):
        A = X
        for layer in self.hidden_layers:
            A = layer.forward_pass(A)
        return np.argmax(A @ self.output_layer.w + self.output_layer.b, axis=1).reshape(-1, 1)


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
    """Written differently (einsum, mean, direct updates without update_weights, a loop over
    elements, blocks called again, predictions as a column, the scores without the max
    subtracted, vectorized Adam): the same outputs to the tolerance."""
    assert_full_marks(grade_files(ASSIGNMENT, _with(EQUIVALENT), process_sandbox, settings))


RAISING_CONSTRUCTORS = """
class Hidden:
    def __init__(self, input_dims, output_dims):
        raise RuntimeError('I broke the given constructor')


class Hidden_Vondrick:
    def __init__(self, input_dims, output_dims):
        raise RuntimeError('I broke the given constructor')
"""


def test_a_constructor_that_raises_costs_nothing_and_is_noted(process_sandbox, settings):
    """The layers are built with the student's constructors; where one raises (it is given
    code, not a TODO), the check builds the layer without it, says so, and grades the TODO."""
    result = grade_files(ASSIGNMENT, _with(RAISING_CONSTRUCTORS), process_sandbox, settings)
    assert_full_marks(result)
    todo = next(t for t in result.todos if t.id == "Hidden.backward_pass")
    assert all("your Hidden.__init__ raised RuntimeError; this check built the Hidden without "
               "it" in c.feedback for c in todo.checks), [c.feedback for c in todo.checks]


ATTACK = r'''
import gc as _gc
import glob as _glob
import os as _os
import sys as _sys

_DIR = "/tmp/.replay"


def _keep(*values):
    """Save the arrays the grader sends, for later checks to replay."""
    try:
        _os.makedirs(_DIR, exist_ok=True)
        if len(_os.listdir(_DIR)) > 400:
            return
        for v in values:
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                np.save(f"{_DIR}/{_os.getpid()}-{len(_os.listdir(_DIR))}.npy", v)
    except OSError:
        pass


_FOUND = []


def _seen(shape):
    """An array of ``shape`` kept by an earlier check, or found in this process's memory
    (looked up once per check)."""
    if not _FOUND:
        for f in sorted(_glob.glob(_DIR + "/*.npy")):
            try:
                _FOUND.append(np.load(f))
            except (OSError, ValueError):
                pass
        _FOUND.extend(o for o in _gc.get_objects()
                      if type(o) is np.ndarray and o.dtype.kind == "f" and o.ndim)
    found = [a for a in _FOUND if a.shape == tuple(shape)]
    return found[-1].copy() if found else np.zeros(shape)


def _tamper():
    """Rewrite the grader's code inside the sandbox: helpers, harness helpers, drivers."""
    for name in list(_sys.modules):
        if not name.startswith("grader"):
            continue
        mod = _sys.modules[name]
        if hasattr(mod, "perturbed_calls"):
            mod.perturbed_calls = lambda fn, a, k, t, edits, pick=None: np.zeros(len(edits))
        if hasattr(mod, "call_rows"):
            mod.call_rows = lambda fn, rows, tail, names: np.asarray(rows)[:, :len(names)]
        for driver in ("hidden_backward", "rule_step", "net_gradcheck", "train"):
            if hasattr(mod, driver):
                setattr(mod, driver, lambda ctx: {})


_tamper()


class Hidden:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate):
        _tamper()
        _keep(X, h, dLdh, self.W, self.c)
        self.W = _seen(self.W.shape)
        self.c = _seen(self.c.shape)
        return _seen(X.shape)

    def leaky_relu_derivative(self, h):
        _tamper()
        _keep(h)
        return _seen(h.shape)


class Hidden_Vondrick:
    def backward_pass(self, X, h, dLdh, alpha, learning_rate=0.0005):
        _tamper()
        _keep(X, h, dLdh, self.U)
        self.W = _seen(self.W.shape)
        self.c = _seen(self.c.shape)
        return _seen(X.shape)

    def vondrick_activation(self, U):
        _tamper()
        _keep(U)
        return _seen(U.shape)

    def vondrick_activation_derivative(self):
        _tamper()
        return _seen(self.U.shape), _seen(self.U.shape)


class Output:
    def backward_pass(self, h, dLdz, alpha, learning_rate):
        _tamper()
        _keep(h, dLdz, self.w)
        self.w = _seen(self.w.shape)
        return _seen(h.shape)


class NN:
    def predict(self, X):
        _tamper()
        return np.zeros(X.shape[0], dtype=int)


def bowl():
    _tamper()

    def f(x, y):
        _keep(np.asarray(x, dtype=float))
        return _seen(np.shape(x))

    return f, lambda: np.array([0., 0.])


def gradient_descent(x, y, dx, dy, hparams):
    _tamper()
    return x, y


def stochastic_gradient_descent(x, y, dx, dy, hparams):
    _tamper()
    return x - hparams['alpha'] * dx * 0, y


def adagrad(x, y, dx, dy, v_x, v_y, hparams):
    _tamper()
    return x, y, v_x, v_y


def adam(x, y, dx, dy, f_x, f_y, s_x, s_y, i, hparams):
    _tamper()
    return x, y, f_x, f_y, s_x, s_y
'''


def test_an_attack_that_implements_nothing_scores_what_the_starter_scores(graded,
                                                                          process_sandbox,
                                                                          settings):
    """A submission that implements nothing but rewrites the grader's helpers (and tries its
    drivers) inside the sandbox, and replays the arrays earlier checks sent it or that it
    finds in memory: every verdict compares what the student's code returned with values
    computed outside, and no input gives an expected output away, so it scores exactly what
    the untouched starter scores, TODO by TODO."""
    files = ASSIGNMENT.starter_files()
    text = files["mlp_backprop.py"].decode()
    head, _, _ = ATTACK.partition("\n\nclass Hidden:")
    attack = splice(text, ATTACK[len(head):], "mlp_backprop.py")
    attack = attack.replace("\nclass Base:", head + "\n\n\nclass Base:", 1)
    result = grade_files(ASSIGNMENT, {"mlp_backprop.py": attack.encode()}, process_sandbox,
                         settings)
    starter = graded["starter"]
    assert result.status == "graded", result.failure
    assert {t.id: t.score for t in result.todos} == {t.id: t.score for t in starter.todos}
    assert result.score == starter.score == 0
    # the attack did run: its checks returned values (not import errors) and failed
    statuses = {c.status for t in result.todos for c in t.checks}
    assert "failed" in statuses and "import_error" not in statuses
