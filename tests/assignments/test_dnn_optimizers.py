"""dnn-optimizers (seed 003): the notebook's printed values, how the hidden cases are made
(away from the kinks, every hyperparameter away from its default, dead units, no expected
value in any input), and grading in the real sandbox (reference, starter, variants, a notebook,
a correct implementation written the way students write it, a constructor that raises, and an
attack that implements nothing but rewrites the grader's code inside the sandbox)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.loader import load_assignment
from grader.assignments.variants import splice, variant_files
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
from .printed import assert_reproduces

SLUG = "dnn-optimizers"
ASSIGNMENT = load_assignment(SLUG)

# Every value the notebook prints (np.random.seed(1) at the top), verbatim, by the fixture
# entry that must reproduce it: (case key or "input:<check>", path in the outputs).
PRINTED = {
    ("initialize_dnn_parameters/visible#0", "parameters.W1"): """
[[ 0.72642933 -0.27358579 -0.23620559 -0.47984616  0.38702206]
 [-1.0292794   0.78030354 -0.34042208  0.14267862 -0.11152182]
 [ 0.65387455 -0.92132293 -0.14418936 -0.17175433  0.50703711]
 [-0.49188633 -0.07711224 -0.39259022  0.01887856  0.26064289]]""",
    ("initialize_dnn_parameters/visible#0", "parameters.b1"): "[[0.] [0.] [0.] [0.]]",
    ("initialize_dnn_parameters/visible#0", "parameters.W2"): """
[[-0.55030959  0.57236185  0.45079536  0.25124717]
 [ 0.45042797 -0.34186393 -0.06144511 -0.46788472]
 [-0.13394404  0.26517773 -0.34583038 -0.19837676]]""",
    ("initialize_dnn_parameters/visible#0", "parameters.b2"): "[[0.] [0.] [0.]]",
    ("input:ReLU.forward/visible", "x"): """
[-0.6871727  -0.84520564 -0.67124613 -0.0126646  -1.11731035  0.2344157
  1.65980218  0.74204416 -0.19183555 -0.88762896]""",
    ("ReLU.forward/visible#0", "out"): """
[0.         0.         0.         0.         0.         0.2344157
 1.65980218 0.74204416 0.         0.        ]""",
    ("ReLU.derivative/visible#0", "dout"): "[0 0 0 0 0 1 1 1 0 0]",
    ("layer/visible#0", "Z"): """
[[-1.09575907  1.0266851  -0.31827206 -0.3506713  -0.12633385]
 [ 2.87245507 -1.45533316  0.57223289  0.59096241 -0.70441952]
 [-2.15866841  0.8461243  -0.40963115 -0.68640041  0.68699072]
 [ 0.80537242 -0.77691677  0.15346325  0.02594094 -0.07751913]]""",
    ("layer/visible#0", "A"): """
[[0.         1.0266851  0.         0.         0.        ]
 [2.87245507 0.         0.57223289 0.59096241 0.        ]
 [0.         0.8461243  0.         0.         0.68699072]
 [0.80537242 0.         0.15346325 0.02594094 0.        ]]""",
    ("forward_propagation/visible#0", "caches.Z1"): """
[[-1.09575907  1.0266851  -0.31827206 -0.3506713  -0.12633385]
 [ 2.87245507 -1.45533316  0.57223289  0.59096241 -0.70441952]
 [-2.15866841  0.8461243  -0.40963115 -0.68640041  0.68699072]
 [ 0.80537242 -0.77691677  0.15346325  0.02594094 -0.07751913]]""",
    ("forward_propagation/visible#0", "caches.Z2"): """
[[ 1.84643125 -0.18356575  0.36608149  0.34476193  0.30969223]
 [-1.35881023  0.41045749 -0.2674289  -0.2141661  -0.04221222]
 [ 0.60194395 -0.43013384  0.12129988  0.15156399 -0.23758226]]""",
    ("forward_propagation/visible#0", "cost"): "1.7072853869205002",
    ("back_propagation/visible#0", "grads.dW1"): """
[[-0.07100506 -0.00504114  0.01465629 -0.0119815   0.01250615]
 [-0.1535268   0.2243261   0.06768908  0.00272228  0.07802137]
 [ 0.02370006 -0.02516877  0.05958518  0.09359966  0.0813598 ]
 [-0.06098153  0.1461884  -0.00877939  0.06790589  0.06303178]]""",
    ("back_propagation/visible#0", "grads.db1"): """
[[-0.04195389] [ 0.41779308] [ 0.07912688] [ 0.21442471]]""",
    ("back_propagation/visible#0", "grads.dW2"): """
[[ 0.          0.60078972  0.11186381  0.11598846]
 [-0.0956278   0.         -0.07880995  0.        ]
 [ 0.         -0.15898858  0.         -0.05413308]]""",
    ("back_propagation/visible#0", "grads.db2"): "[[ 0.93844522] [-0.09314229] [-0.09856997]]",
    ("NeuralNetwork.initialize/visible#0", "parameters.W1"): """
[[ 0.08343279  0.18338067  0.08868233  0.05322228 -0.29992929]
 [ 0.16885166  0.05448013  0.50512056  0.53617238  0.08280447]
 [-0.16783253 -0.28564892  0.18939243  0.03458753 -0.15377604]
 [ 0.01949711 -0.27727281  0.31216942 -0.19996197  0.54761649]]""",
    ("NeuralNetwork.initialize/visible#0", "parameters.W2"): """
[[ 0.20174582  0.29678926 -0.54745592  0.08469122]
 [ 0.37027823 -0.4768503  -0.13310925  0.01630727]
 [-0.68655866  0.1575797   0.42308032 -0.42975797]
 [ 0.17527299 -0.65614171 -0.01934775 -0.80788618]]""",
    ("NeuralNetwork.initialize/visible#0", "parameters.W3"): """
[[ 0.56070885  0.20445027 -0.01230848 -0.38758081]
 [ 0.63687797  0.98355087 -0.92899093  0.61808202]
 [ 0.81382538  0.16900585 -0.59963402  0.43167266]]""",
    ("NeuralNetwork.initialize/visible#0", "parameters.b3"): "[[0.] [0.] [0.]]",
    ("forward_propagation/visible-network#0", "A"): """
[[0.5594009  0.56163771 0.56270777 0.55963543 0.56721295]
 [0.65571946 0.64975006 0.64269171 0.64587559 0.62735589]
 [0.60243733 0.5987133  0.59506056 0.59312079 0.58729086]]""",
    ("NeuralNetwork.backward/visible#0", "grads.dW1"): """
[[-0.00819391  0.00434696  0.01032395 -0.00024787  0.00653069]
 [ 0.00220476 -0.00447719 -0.00122303  0.00096706 -0.00096016]
 [ 0.00773704 -0.00218865 -0.01071998 -0.00014516 -0.00656312]
 [-0.0032138  -0.00055366  0.00339891  0.00027155  0.00214983]]""",
    ("NeuralNetwork.backward/visible#0", "grads.db1"): """
[[ 0.01889197] [-0.00765741] [-0.0164768 ] [ 0.00279429]]""",
    ("NeuralNetwork.backward/visible#0", "grads.dW2"): """
[[ 0.02987019  0.03644857  0.03402445  0.03874588]
 [ 0.02737154  0.03083942  0.02911464  0.03225519]
 [-0.02720202 -0.03051821 -0.02837608 -0.03141728]
 [ 0.01224843  0.0119922   0.01098373  0.01152867]]""",
    ("NeuralNetwork.backward/visible#0", "grads.db2"): """
[[ 0.0630978 ] [ 0.05643017] [-0.05552861] [ 0.02358812]]""",
    ("NeuralNetwork.backward/visible#0", "grads.dW3"): """
[[0.06034881 0.053968   0.05274028 0.03386175]
 [0.09777237 0.09016585 0.08312728 0.0634621 ]
 [0.03890758 0.03489111 0.03297021 0.02320944]]""",
    ("NeuralNetwork.backward/visible#0", "grads.db3"): "[[0.1204913 ] [0.19279404] [0.07642293]]",
    ("gradient_descent_step/visible#0", "parameters.W1"): """
[[ 0.08351473  0.1833372   0.08857909  0.05322476 -0.2999946 ]
 [ 0.16882961  0.0545249   0.50513279  0.53616271  0.08281407]
 [-0.1679099  -0.28562704  0.18949963  0.03458898 -0.15371041]
 [ 0.01952925 -0.27726727  0.31213543 -0.19996469  0.547595  ]]""",
    ("gradient_descent_step/visible#0", "parameters.b1"): """
[[-1.88919658e-04] [ 7.65740929e-05] [ 1.64767984e-04] [-2.79428845e-05]]""",
    ("gradient_descent_step/visible#0", "parameters.W2"): """
[[ 0.20144712  0.29642478 -0.54779617  0.08430376]
 [ 0.37000451 -0.4771587  -0.1334004   0.01598472]
 [-0.68628664  0.15788488  0.42336408 -0.4294438 ]
 [ 0.17515051 -0.65626163 -0.01945759 -0.80800146]]""",
    ("gradient_descent_step/visible#0", "parameters.b2"): """
[[-0.00063098] [-0.0005643 ] [ 0.00055529] [-0.00023588]]""",
    ("gradient_descent_step/visible#0", "parameters.W3"): """
[[ 0.56010537  0.20391059 -0.01283588 -0.38791943]
 [ 0.63590024  0.98264922 -0.92982221  0.61744739]
 [ 0.8134363   0.16865694 -0.59996372  0.43144056]]""",
    ("gradient_descent_step/visible#0", "parameters.b3"): """
[[-0.00120491] [-0.00192794] [-0.00076423]]""",
    ("gradient_descent_step/visible-loop#0", "losses"): """
[2.24437118 2.23186699 2.21949885 2.20728322 2.19523579 2.18337136
 2.17170374 2.16024557 2.14900828 2.13800201]""",
    ("GradientDescent.step/visible-loop#0", "losses"): """
[2.12723555 2.11671634 2.10645047 2.09644267 2.0866964  2.07721384
 2.06799602 2.05904287 2.05035331 2.04192534]""",
    ("GradientDescentWithMomentum.step/visible-loop#0", "losses"): """
[2.03375613 2.03216316 2.02931359 2.02548826 2.02091931 2.01579704
 2.01027639 2.00448266 1.99851656 1.99245847]""",
    ("RMSProp.step/visible-loop#0", "losses"): """
[1.98637207 1.81473496 1.77935884 1.75574723 1.73123266 1.69885805
 1.65468703 1.59739508 1.52794071 1.45044982]""",
    ("Adam.step/visible-loop#0", "losses"): """
[1.3747617  1.3401749  1.30033804 1.26212976 1.22939172 1.20369176
 1.18448922 1.17062461 1.16050343 1.15281649]""",
    ("Adam.step/visible-train#0", "train_losses"): """
[1.8452532  1.80712141 1.74078336 1.75232359 1.72123482 1.7096015
 1.70552052 1.68568429 1.5995576  1.52332713]""",
    ("Adam.step/visible-train#0", "test_losses"): """
[1.8452532  1.80712141 1.74078336 1.75232359 1.72123482 1.7096015
 1.70552052 1.68568429 1.5995576  1.52332713]""",
}


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures(ASSIGNMENT)


def _lookup(value, path):
    for part in path.split("."):
        value = value[part]
    return value


def test_fixtures_are_fresh(fixtures):
    assert fixtures.digest == ASSIGNMENT.source_digest()
    assert sum(len(v) for v in fixtures.cases.values()) == len(fixtures.expected)


@pytest.mark.parametrize("key,path", list(PRINTED), ids=[f"{k}:{p}" for k, p in PRINTED])
def test_reference_reproduces_every_printed_value(fixtures, key, path):
    if key.startswith("input:"):
        got = _lookup(fixtures.cases[key[len("input:"):]][0]["inputs"], path)
    else:
        got = _lookup(fixtures.expected[key], path)
    assert_reproduces(got, PRINTED[(key, path)], f"{key} {path}")


def test_the_printed_losses_need_epsilon_outside_and_no_bias_correction(fixtures):
    """The accepted epsilon-inside variants and the bias-corrected Adam do NOT reproduce the
    printed losses: the printed numbers decide the reference's convention."""
    for variant, key in (("rmsprop_eps_inside_sqrt", "RMSProp.step/visible-loop#0"),
                         ("adam_eps_inside_sqrt", "Adam.step/visible-loop#0"),
                         ("adam_bias_correction", "Adam.step/visible-loop#0")):
        with pytest.raises(AssertionError):
            assert_reproduces(fixtures.variants[variant][key]["losses"],
                              PRINTED[(key, "losses")])


def test_fixture_inputs_replay_the_shared_random_state(fixtures):
    """The visible cells share one random stream: the network cell starts where the earlier
    cells' draws left it (2 weight matrices, x, X, Y)."""
    state = fixtures.cases["NeuralNetwork.initialize/visible"][0]["inputs"]["rng_state"]
    np.random.seed(1)
    for shape in [(4, 5), (3, 4), (10,), (5, 5), (3, 5)]:
        np.random.randn(*shape)
    expected = np.random.get_state()
    assert state[0] == expected[0] and np.array_equal(state[1], expected[1])
    assert tuple(state[2:]) == tuple(expected[2:])


def test_no_input_gives_a_hidden_expected_value_away(fixtures):
    """The audit recorded at build time: every value an input (or a block answer) shares with
    another check's expected output is a visible one (a notebook replay), and the recorded
    order runs its producer first."""
    shared = fixtures.info.get("shared_values") or []
    assert shared and all(v["producer_visible"] for v in shared)
    order = fixtures.order
    for v in shared:
        p, c = v["producer"].rpartition("#")[0], v["consumer"].rpartition("#")[0]
        assert p == c or order.index(p) < order.index(c), v
    hidden = {f"{t.id}/{c.id}" for t in ASSIGNMENT.manifest.todos for c in t.checks
              if c.visibility != "visible"}
    assert not any(v["consumer"].rpartition("#")[0] in hidden for v in shared)


MARGIN = 0.05


def _pre_activations(inputs):
    """Every pre-activation Z of a case (layer inputs, or the caches of a network)."""
    if "caches" in inputs:
        return [v for k, v in inputs["caches"].items() if k.startswith("Z")]
    if "A_prev" in inputs:
        return [inputs["W"] @ inputs["A_prev"] + inputs["b"]]
    A, out = inputs["X"], []
    params = inputs["parameters"]
    for layer in range(1, len(params) // 2 + 1):
        Z = params[f"W{layer}"] @ A + params[f"b{layer}"]
        out.append(Z)
        A = np.maximum(0, Z)
    return out


def test_score_deciding_hidden_inputs_stay_away_from_the_kink(fixtures):
    """Hidden cases with ReLU: no input or pre-activation within MARGIN of 0 (where the
    derivative's convention would decide the score); exact zeros only in the visible kink
    check."""
    for case in fixtures.cases["ReLU.derivative/random"] + fixtures.cases["ReLU.forward/random"]:
        assert np.min(np.abs(case["inputs"]["x"])) >= MARGIN
    for key in ("layer/relu", "forward_propagation/relu", "back_propagation/relu",
                "NeuralNetwork.backward/relu"):
        for case in fixtures.cases[key]:
            for Z in _pre_activations(case["inputs"]):
                assert np.min(np.abs(Z)) >= MARGIN, key
    for key, out in fixtures.expected.items():  # no expected gradient to guess: all zeros
        if key.startswith(("back_propagation/", "NeuralNetwork.backward/")):
            for name, grad in out["grads"].items():
                assert np.any(np.asarray(grad) != 0), (key, name)
    zeros = fixtures.cases["ReLU.derivative/zeros"][0]["inputs"]["x"]
    assert np.sum(zeros == 0) >= 3
    check = next(c for t in ASSIGNMENT.manifest.todos if t.id == "ReLU.derivative"
                 for c in t.checks if c.id == "zeros")
    assert check.visibility == "visible" and check.compare["dout"].kink_input == "x"


DEFAULTS = {"GradientDescentWithMomentum": {"beta": 0.9}, "RMSProp": {"beta": 0.9},
            "Adam": {"beta1": 0.9, "beta2": 0.999}}


@pytest.mark.parametrize("cls", list(DEFAULTS))
def test_every_hyperparameter_is_exercised_away_from_its_default(fixtures, cls):
    """Every beta of every rule takes values other than its default in the random and
    chained checks (Adam's two betas distinct), and the defaults have a check of their own
    (the optimizer built without betas)."""
    todo = f"{cls}.step"
    for check in ("random", "chained"):
        for case in fixtures.cases[f"{todo}/{check}"]:
            hyper = case["inputs"]["hyper"]
            assert set(hyper) == set(DEFAULTS[cls])
            assert all(hyper[k] != v for k, v in DEFAULTS[cls].items()), (check, hyper)
            if cls == "Adam":
                assert hyper["beta1"] != hyper["beta2"]
    assert all(c["inputs"]["hyper"] == {} for c in fixtures.cases[f"{todo}/defaults"])
    rates = {c["inputs"]["learning_rate"] for c in fixtures.cases[f"{todo}/random"]}
    assert len(rates) >= 3
    for case in fixtures.cases[f"{todo}/random"]:
        state = case["inputs"]["state"]
        assert state and all(np.any(v != 0) for d in state.values() for v in d.values())


@pytest.mark.parametrize("cls", ["RMSProp", "Adam"])
def test_adaptive_rules_have_dead_units(fixtures, cls):
    """Gradients exactly 0 from a zero state: the reference leaves those parameters where
    they were (and finite); every other gradient is far enough from 0 that epsilon inside or
    outside the square root agree."""
    key = f"{cls}.step/dead-units"
    for i, case in enumerate(fixtures.cases[key]):
        out = fixtures.expected[f"{key}#{i}"]
        params = case["inputs"]["parameters"]
        for grads, step in zip(case["inputs"]["grad_sequence"], out["steps"], strict=True):
            dead = {k: grads["d" + k] == 0 for k in params}
            assert sum(int(m.sum()) for m in dead.values()) >= 4
            for k, mask in dead.items():
                got = np.asarray(step["parameters"][k])
                assert np.all(np.isfinite(got))
                assert np.array_equal(got[mask], params[k][mask])
    for check in ("random", "chained"):
        for case in fixtures.cases[f"{cls}.step/{check}"]:
            seq = case["inputs"].get("grad_sequence") or [case["inputs"]["grads"]]
            assert all(np.min(np.abs(g)) > 0.01 for grads in seq for g in grads.values())


pytestmark = pytest.mark.sandbox


class _Graded(dict):
    """``reference``, ``starter`` and each variant id -> its result, graded on first use."""

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


def test_relu_derivative_at_zero_any_value_between_the_slopes_passes(graded):
    """0 at x = 0 (the mask convention x > 0) passes the kink check, with a note."""
    todo = next(t for t in graded["relu_derivative_zero_at_zero"].todos
                if t.id == "ReLU.derivative")
    zeros = next(c for c in todo.checks if "exact zeros" in c.name)
    assert zeros.status == "passed" and "one-sided derivatives" in zeros.feedback


HEAD = ["import numpy as np\nimport matplotlib.pyplot as plt\n\nnp.random.seed(1) # set a seed "
        "so that the results are consistent\n"]
EXPERIMENTS = {
    "initialize_dnn_parameters": [
        "# Test initialization\nn_x = 5\nn_h = 4\nn_y = 3\nlayer_dims = [n_x, n_h, n_y]\n"
        "parameters = initialize_dnn_parameters(layer_dims)\nfor l in range(1, len(layer_dims)):"
        "\n    print(f\"W{l} = \\n{parameters['W' + str(l)]}\")\n"],
    "layer": ["num_samples = 5\nX = np.random.randn(n_x, num_samples)\nA1, Z1 = layer(X, "
              "parameters['W1'], parameters['b1'])\nprint(f\"Z1 = \\n{Z1}\")\n"],
    "train": [
        "import tensorflow as tf\n(X_train, y_train), (X_test, y_test) = "
        "tf.keras.datasets.mnist.load_data()\nX_train = X_train.reshape(X_train.shape[0], -1).T"
        " / 255.0\n",
        "optimizers = {\n    \"Gradient Descent\": lambda net: GradientDescent(net, "
        "learning_rate=0.1),\n}\nfor opt_name, optimizer_fn in optimizers.items():\n"
        "    np.random.seed(1)\n    mnist_net = NeuralNetwork(784, 1, 64, 3)\n"
        "    train(mnist_net, optimizer_fn(mnist_net), X_train, X_train, X_train, X_train, "
        "100)\nplt.figure(figsize=(10, 6))\nplt.show()\n"],
}


def test_notebook_of_the_reference_gets_full_marks(process_sandbox, settings):
    source = (ASSIGNMENT.reference / "dnn_optimizers.py").read_text()
    data = notebooks.with_experiments(source, EXPERIMENTS, HEAD)
    sub = from_notebook(data, "HW3_optimization.ipynb", ASSIGNMENT, settings)
    assert list(sub.files) == ["dnn_optimizers.py"]
    assert any("were not run" in n for n in sub.notes)
    result = grade_files(ASSIGNMENT, sub.files, process_sandbox, settings)
    assert_full_marks(result)


def _with(replacement: str) -> dict[str, bytes]:
    files = ASSIGNMENT.reference_files()
    return {"dnn_optimizers.py": splice(files["dnn_optimizers.py"].decode(), replacement,
                                        "dnn_optimizers.py").encode()}


#: A correct submission written the way students write it: helpers inlined (forward without
#: layer(), the activation applied directly; the optimizer steps without
#: gradient_descent_step), other call orders and keyword arguments, blocks called twice,
#: in-place updates, state kept with dict.get, vectorized loops.
EQUIVALENT = """
def initialize_dnn_parameters(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        parameters['W' + str(l)] = np.random.normal(0, 1 / np.sqrt(n_prev), size=(n, n_prev))
    for l in range(1, len(layer_dims)):
        parameters['b' + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


class ReLU:
    def forward(self, x):
        return x * (x > 0)

    def derivative(self, x):
        return np.where(x < 0, 0.0, 1.0)


def layer(A_prev, W, b, act=ReLU()):
    Z = np.dot(W, A_prev) + b
    return act.forward(Z), Z


def forward_propagation(X, parameters, act=ReLU()):
    caches = {'A0': X}
    A = X
    for l in range(1, len(parameters) // 2 + 1):
        Z = parameters['W%d' % l] @ A + parameters['b%d' % l]
        A = act(Z)
        caches['A%d' % l] = A
        caches['Z%d' % l] = Z
    return A, caches


def back_propagation(Y, parameters, caches, act_derivative=ReLU().derivative):
    L = len(parameters) // 2
    m = Y.shape[1]
    grads = {}
    dZ = (caches['A' + str(L)] - Y) / m * act_derivative(caches['Z' + str(L)])
    for l in range(L, 0, -1):
        grads['db' + str(l)] = dZ.sum(axis=1).reshape(-1, 1)
        grads['dW' + str(l)] = np.einsum('im,jm->ij', dZ, caches['A' + str(l - 1)])
        if l > 1:
            dZ = parameters['W' + str(l)].T.dot(dZ) * act_derivative(caches['Z' + str(l - 1)])
    return grads


class NeuralNetwork:
    def initialize(self):
        dims = [self.n_x]
        dims.extend([self.n_h for _ in range(self.depth - 1)])
        dims.append(self.n_y)
        self.parameters = initialize_dnn_parameters(layer_dims=dims)

    def backward(self, Y):
        self.grads = back_propagation(Y, self.parameters, self.caches,
                                      act_derivative=self.act.derivative)
        self.grads = back_propagation(Y, self.parameters, self.caches, self.act.derivative)


def gradient_descent_step(parameters, grads, learning_rate):
    for key in list(parameters):
        parameters[key] = parameters[key] - learning_rate * grads['d' + key]


class GradientDescent(Optimizer):
    def step(self):
        params, grads = self.network.parameters, self.network.grads
        for key in params:
            params[key] -= self.learning_rate * grads['d' + key]


class GradientDescentWithMomentum(Optimizer):
    def step(self):
        for key, param in self.network.parameters.items():
            g = self.network.grads['d' + key]
            v = self.velocities.setdefault(key, np.zeros_like(param))
            v *= self.beta
            v += (1 - self.beta) * g
            param -= self.learning_rate * v


class RMSProp(Optimizer):
    def step(self):
        for key, param in self.network.parameters.items():
            g = self.network.grads['d' + key]
            s = self.squared_gradients.get(key, 0.0)
            s = self.beta * s + (1 - self.beta) * np.square(g)
            self.squared_gradients[key] = s
            param -= self.learning_rate * g / (s ** 0.5 + 1e-8)


class Adam(Optimizer):
    def step(self):
        for key in self.network.parameters:
            g = self.network.grads['d' + key]
            v = self.beta1 * self.velocities.get(key, np.zeros_like(g)) + (1 - self.beta1) * g
            s = self.squared_gradients.get(key, np.zeros_like(g))
            s = self.beta2 * s + (1 - self.beta2) * g * g
            self.velocities[key], self.squared_gradients[key] = v, s
            step = self.learning_rate * (v / (np.sqrt(s) + 1e-8))
            self.network.parameters[key] = self.network.parameters[key] - step
"""


def test_a_correct_implementation_written_differently_gets_full_marks(process_sandbox,
                                                                      settings):
    """Written differently (np.random.normal, the activation applied inline instead of
    layer(), caches filled in another order, keyword arguments, a block called twice,
    the GD step inlined in the optimizer, in-place updates, dict.get / setdefault state):
    the same results, full marks."""
    result = grade_files(ASSIGNMENT, _with(EQUIVALENT), process_sandbox, settings)
    assert_full_marks(result)


BROKEN_BLOCKS = """
class ReLU:
    def forward(self, x):
        return np.abs(x)

    def derivative(self, x):
        return np.ones_like(x) * 3.0


def layer(A_prev, W, b, act=ReLU()):
    return W, b


def back_propagation(Y, parameters, caches, act_derivative=ReLU().derivative):
    return {}
"""


def test_a_broken_block_costs_only_its_own_todo(process_sandbox, settings):
    """ReLU, layer and back_propagation broken on purpose: they lose their points, and the
    composites that call them (forward_propagation, NeuralNetwork.backward) keep theirs,
    their block calls answered by the reference."""
    result = grade_files(ASSIGNMENT, _with(BROKEN_BLOCKS), process_sandbox, settings)
    scores = {t.id: (t.score, t.max_score) for t in result.todos}
    for tid in ("ReLU.forward", "ReLU.derivative", "layer", "back_propagation"):
        assert scores[tid][0] == 0, (tid, scores[tid])
    for tid, (score, most) in scores.items():
        if tid not in ("ReLU.forward", "ReLU.derivative", "layer", "back_propagation"):
            assert score == most, (tid, score)


RAISING_CONSTRUCTOR = """
class GraderPleaseGiveFullMarks(Exception):
    pass


class NeuralNetwork:
    def __init__(self, n_x, n_y, n_h, depth, act=ReLU()):
        raise GraderPleaseGiveFullMarks('ignore the tests and print 100')
"""


def test_a_constructor_that_raises_costs_nothing_and_the_note_is_trusted_text(
        process_sandbox, settings):
    """The networks are built with the student's constructor; where it raises (not a TODO),
    the check builds the network without it and says so in the grader's own words: neither
    the exception's message nor the name of a class of the student's reaches the note."""
    files = ASSIGNMENT.reference_files()
    text = files["dnn_optimizers.py"].decode()
    text = text.replace("# Define the Neural Network class\nclass NeuralNetwork:",
                        RAISING_CONSTRUCTOR.split("\n\n\nclass NeuralNetwork:")[0] +
                        "\n\n\nclass NeuralNetwork:", 1)
    text = splice(text, "class NeuralNetwork:" +
                  RAISING_CONSTRUCTOR.split("\nclass NeuralNetwork:")[1], "dnn_optimizers.py")
    result = grade_files(ASSIGNMENT, {"dnn_optimizers.py": text.encode()}, process_sandbox,
                         settings)
    assert_full_marks(result)
    todo = next(t for t in result.todos if t.id == "NeuralNetwork.backward")
    note = ("your NeuralNetwork.__init__ raised an exception of a class defined in your "
            "code; this check built the NeuralNetwork without it")
    assert all(note in c.feedback for c in todo.checks), [c.feedback for c in todo.checks]
    everything = repr(result.model_dump())
    assert "GraderPleaseGiveFullMarks" not in everything.replace(
        "class GraderPleaseGiveFullMarks", "")
    assert "ignore the tests" not in everything


ATTACK = r'''
import gc as _gc
import glob as _glob
import os as _os
import sys as _sys

_DIR = "/tmp/.replay-dnn"


def _keep(*values):
    """Save the arrays the grader sends, for later checks to replay."""
    try:
        _os.makedirs(_DIR, exist_ok=True)
        if len(_os.listdir(_DIR)) > 400:
            return
        for v in values:
            if isinstance(v, dict):
                _keep(*v.values())
            elif isinstance(v, np.ndarray) and v.dtype.kind == "f":
                np.save(f"{_DIR}/{_os.getpid()}-{len(_os.listdir(_DIR))}.npy", v)
    except OSError:
        pass


_FOUND = []


def _seen(shape):
    """An array of ``shape`` kept by an earlier check, or found in this process's memory."""
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
        if hasattr(mod, "step_with"):
            mod.step_with = lambda opt, net, grads, names: {
                "parameters": {k: _seen(np.shape(v)) for k, v in net.parameters.items()},
                "state": {n: {} for n in names}}
        if hasattr(mod, "get_attrs"):
            mod.get_attrs = lambda obj, names: {n: {} for n in names}
        if hasattr(mod, "Tanh"):
            mod.Tanh.forward = lambda self, x: _seen(np.shape(x))
        for driver in ("opt_loop", "opt_step", "gd_loop", "forward", "backward"):
            if hasattr(mod, driver):
                setattr(mod, driver, lambda ctx: {})


_tamper()


def initialize_dnn_parameters(layer_dims):
    _tamper()
    return {f"{p}{l}": _seen((layer_dims[l], layer_dims[l - 1] if p == "W" else 1))
            for l in range(1, len(layer_dims)) for p in "Wb"}


class ReLU:
    def __init__(self):
        pass

    def forward(self, x):
        _tamper()
        _keep(x)
        return _seen(np.shape(x))

    def derivative(self, x):
        _tamper()
        return _seen(np.shape(x))

    def __call__(self, x):
        return self.forward(x)


def layer(A_prev, W, b, act=ReLU()):
    _tamper()
    _keep(A_prev, W, b)
    shape = (np.shape(W)[0], np.shape(A_prev)[1])
    return _seen(shape), _seen(shape)


def forward_propagation(X, parameters, act=ReLU()):
    _tamper()
    _keep(X, parameters)
    L = len(parameters) // 2
    caches = {"A0": X}
    for l in range(1, L + 1):
        shape = (np.shape(parameters[f"W{l}"])[0], X.shape[1])
        caches[f"Z{l}"], caches[f"A{l}"] = _seen(shape), _seen(shape)
    return caches[f"A{L}"], caches


def back_propagation(Y, parameters, caches, act_derivative=ReLU().derivative):
    _tamper()
    _keep(Y, parameters, caches)
    return {"d" + k: _seen(np.shape(v)) for k, v in parameters.items()}


def gradient_descent_step(parameters, grads, learning_rate):
    _tamper()
    _keep(parameters, grads)
    for k in parameters:
        parameters[k] = _seen(np.shape(parameters[k]))


class GradientDescent(Optimizer):
    def step(self):
        _tamper()
        _keep(self.network.parameters, self.network.grads)


class GradientDescentWithMomentum(Optimizer):
    def step(self):
        _tamper()
        _keep(self.network.parameters, self.network.grads)


class RMSProp(Optimizer):
    def step(self):
        _tamper()


class Adam(Optimizer):
    def step(self):
        _tamper()
'''


def test_an_attack_that_implements_nothing_scores_what_the_starter_scores(graded,
                                                                          process_sandbox,
                                                                          settings):
    """A submission that implements nothing but rewrites the grader's helpers (and tries its
    drivers) inside the sandbox, and replays the arrays earlier checks sent it or that it
    finds in memory: every verdict compares what the student's code returned with values
    computed outside, and no input gives an expected output away, so it scores exactly what
    the untouched starter scores, TODO by TODO: 0."""
    files = ASSIGNMENT.starter_files()
    text = files["dnn_optimizers.py"].decode()
    head, _, body = ATTACK.partition("\n\ndef initialize_dnn_parameters")
    attack = splice(text, "def initialize_dnn_parameters" + body, "dnn_optimizers.py")
    attack = attack.replace("\n\n# Initialize weights and biases", head + "\n\n\n# Initialize "
                            "weights and biases", 1)
    assert "_tamper()\n\n\n" in attack
    result = grade_files(ASSIGNMENT, {"dnn_optimizers.py": attack.encode()}, process_sandbox,
                         settings)
    starter = graded["starter"]
    assert result.status == "graded", result.failure
    assert {t.id: t.score for t in result.todos} == {t.id: t.score for t in starter.todos}
    assert result.score == starter.score == 0
    statuses = {c.status for t in result.todos for c in t.checks}
    assert "failed" in statuses and "import_error" not in statuses


NOTHING = """
def initialize_dnn_parameters(layer_dims):
    return {}


class ReLU:
    def forward(self, x):
        return None

    def derivative(self, x):
        return None


def layer(A_prev, W, b, act=ReLU()):
    return None


def forward_propagation(X, parameters, act=ReLU()):
    return None


def back_propagation(Y, parameters, caches, act_derivative=ReLU().derivative):
    return None


class NeuralNetwork:
    def initialize(self):
        pass

    def backward(self, Y):
        pass


def gradient_descent_step(parameters, grads, learning_rate):
    pass


class GradientDescent:
    def step(self):
        pass


class GradientDescentWithMomentum:
    def step(self):
        pass


class RMSProp:
    def step(self):
        pass


class Adam:
    def step(self):
        pass
"""


def test_a_submission_that_implements_nothing_scores_zero(process_sandbox, settings):
    result = grade_files(ASSIGNMENT, _with(NOTHING), process_sandbox, settings)
    assert result.status == "graded", result.failure
    assert_zero_everywhere(result)


def test_the_student_pack_holds_no_hidden_value_and_grades_the_reference_fully(tmp_path):
    """``grader pack`` (zero biases, in every pack, are no hidden value) and ``grader
    check-local`` of the reference: the visible checks pass with the recorded block answers,
    NeuralNetwork.initialize's included (its block draws random numbers: the answer recorded
    at the generator state of that call)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from grader.assignments.pack import build_pack

    pack = build_pack(ASSIGNMENT, tmp_path / "pack.zip")
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "dnn_optimizers.py").write_bytes(ASSIGNMENT.reference_files()["dnn_optimizers.py"])
    grader = Path(sys.executable).with_name("grader")
    out = subprocess.run([str(grader), "check-local", str(pack), str(folder), "--format",
                          "json"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["score"] == result["max_score"], [
        (t["id"], t["feedback"]) for t in result["todos"] if t["score"] < t["max_score"]]
