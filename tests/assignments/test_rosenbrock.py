"""rosenbrock (seed 001, problem 1): the corrected function, behaviour on the homework's runs,
and grading in the real sandbox."""

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

SLUG = "rosenbrock"
ASSIGNMENT = load_assignment(SLUG)


def _given():
    ns: dict = {}
    exec(compile((ASSIGNMENT.starter / "rosenbrock.py").read_text(), "starter", "exec"), ns)
    return ns


def test_starter_gives_the_corrected_rosenbrock_function_and_says_so():
    ns = _given()
    f, grad = ns["rosenbrock"], ns["rosenbrock_grad"]
    assert f(1.0, 1.0) == 0.0 and np.array_equal(grad([1.0, 1.0]), [0.0, 0.0])
    # the handout's typo (1 - x^2) + 100 (y - x^2)^2 is unbounded below: not what we grade
    assert f(3.0, 9.0) == 4.0 and f(-4.0, -2.0) == 25 + 100 * 18 ** 2
    rng = np.random.RandomState(0)
    for p in rng.uniform(-3, 3, size=(5, 2)):
        h = 1e-6
        num = [(f(p[0] + h, p[1]) - f(p[0] - h, p[1])) / (2 * h),
               (f(p[0], p[1] + h) - f(p[0], p[1] - h)) / (2 * h)]
        assert np.allclose(grad(p), num, rtol=1e-6, atol=1e-4)
    doc = ns["__doc__"]
    assert "(1 - x^2) + 100(y - x^2)^2" in doc and "typo" in doc
    assert "(1 - x)**2 + 100 * (y - x**2)**2" in doc


def test_fixtures_are_fresh_and_show_the_homeworks_story():
    fx = load_fixtures(ASSIGNMENT)
    assert fx.digest == ASSIGNMENT.source_digest()
    gd, mom, adam = (fx.expected[f"{r}/convergence#0"] for r in ("gd", "gd_with_mom", "adams"))
    # (b) kappa = 1e-4, 10**5 steps: gd never gets within 1e-2, momentum and ADAM do
    assert gd["steps_to_reach"][2] == -1 and not gd["diverged"]
    assert mom["steps_to_reach"][3] > 0 and adam["steps_to_reach"][3] > 0
    # (c) kappa = 1e-3: momentum diverges within a few steps, ADAM converges
    mom3 = fx.expected["gd_with_mom/convergence#1"]
    assert mom3["diverged"] and 0 < mom3["blowup_step"] < 10
    assert not fx.expected["adams/convergence#1"]["diverged"]
    # (d) ADAM at 1e-2 gets within 1e-3 much sooner than momentum at 1e-4
    assert fx.expected["adams/convergence#2"]["steps_to_reach"][3] * 5 < \
        mom["steps_to_reach"][3]
    # trajectories are compared only where the reference stays finite: momentum at 1e-3
    # overflows after 7 steps, its visible trajectory has 5
    for key, out in fx.expected.items():
        assert np.isfinite(out["trajectory"]).all(), key
    assert fx.expected["gd_with_mom/visible#1"]["shape"] == [6, 2]


def _helpers():
    ns: dict = {}
    exec(compile((ASSIGNMENT.root / "helpers.py").read_text(), "helpers", "exec"), ns)
    return ns


def _reference():
    ns: dict = {}
    exec(compile((ASSIGNMENT.reference / "rosenbrock.py").read_text(), "reference", "exec"), ns)
    return ns


def _grad(spec):
    h = _helpers()
    if spec["kind"] == "rosenbrock":
        return h["Rosenbrock"](spec["a"], spec["b"])
    return h["Quadratic"](spec["A"], spec["b"])


def _run(rule, inputs, **override):
    fn = _reference()[rule]
    with np.errstate(all="ignore"):
        return fn(_grad(inputs["function"]), list(inputs["init"]),
                  **{**inputs["kwargs"], **override})


@pytest.mark.parametrize("rule", ["gd", "gd_with_mom"])
def test_diverging_cases_compare_only_the_steps_before_the_blow_up(rule):
    """The compared horizon lies well inside the reference's finite part, and the blow-up
    step (compared exactly) is not at the edge of the threshold: equivalent implementations
    differ by rounding (~1e-15 relative), far less than the margin."""
    fx = load_fixtures(ASSIGNMENT)
    for i, case in enumerate(fx.cases[f"{rule}/diverging"]):
        out = fx.expected[f"{rule}/diverging#{i}"]
        assert out["diverged"] and case["inputs"]["horizon"] < out["blowup_step"]
        traj = _run(rule, case["inputs"])
        top = np.abs(traj).max(axis=1)
        b = out["blowup_step"]
        assert top[b - 1] < 1e8 / 1.001 and top[b] > 1e8 * 1.001, (top[b - 1], top[b])


def test_adam_epsilon_cases_make_epsilon_matter():
    fx = load_fixtures(ASSIGNMENT)
    for case in fx.cases["adams/epsilon"]:
        assert case["inputs"]["kwargs"]["epsilon"] > 1e-8
        right = _run("adams", case["inputs"])
        ignored = _run("adams", case["inputs"], epsilon=1e-8)
        assert np.max(np.abs(right - ignored) / (np.abs(right) + np.abs(ignored))) > 1e-3


def test_adam_dead_coordinate_has_a_zero_gradient_at_every_iterate():
    """The gradient's y component is exactly 0 along the whole reference trajectory, which
    stays finite: ADAM without epsilon would divide 0 by 0 there."""
    fx = load_fixtures(ASSIGNMENT)
    for case in fx.cases["adams/dead-units"]:
        traj = _run("adams", case["inputs"])
        grad = _grad(case["inputs"]["function"])
        assert np.isfinite(traj).all()
        assert all(grad(p)[1] == 0.0 for p in traj) and np.all(traj[:, 1] == 0.0)
        assert np.isnan(_run("adams", case["inputs"], epsilon=0.0)).any()


def test_hidden_settings_are_non_default_and_distinct():
    fx = load_fixtures(ASSIGNMENT)
    mom = [c["inputs"]["kwargs"] for c in fx.cases["gd_with_mom/random"]]
    assert all(k["beta"] != k["gamma"] and k["gamma"] != 0.9 for k in mom)
    adam = [c["inputs"]["kwargs"] for c in fx.cases["adams/random"]]
    assert all(k["gamma"] != 0.9 and k["beta"] != 0.99 and k["beta"] != k["gamma"]
               and not np.isclose(k["beta"], k["gamma"] ** 2) for k in adam)
    functions = [c["inputs"]["function"] for c in fx.cases["gd/random"]]
    assert any(f["kind"] == "quadratic" for f in functions)
    assert any(f["kind"] == "rosenbrock" and (f["a"], f["b"]) != (1.0, 100.0)
               for f in functions)


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


def test_a_momentum_that_does_not_diverge_at_1e_3_is_told_so(graded):
    mom = next(t for t in graded["mom_exponential_average"].todos if t.id == "gd_with_mom")
    conv = [c for c in mom.checks if "10**5-step" in c.name and "learning rate 0.001," in c.name]
    assert conv and conv[0].status == "failed"
    assert "whether the run diverges" in conv[0].feedback


HEAD = ["import numpy as np\nimport matplotlib.pyplot as plt\nfrom matplotlib import cm\n"
        "from IPython.display import display\n"]
EXPERIMENTS = {
    "rosenbrock": ["x, y = np.meshgrid(np.linspace(-5, 5, 400), np.linspace(-3, 10, 400))\n"
                   "plt.contour(x, y, rosenbrock(x, y), levels=np.logspace(-1, 4, 20))\n"
                   "plt.show()\n"],
    "adams": [
        "init = [-4, -2]\ntraj_gd = gd(rosenbrock_grad, init, n_epochs=10**5, eta=10**-4)\n"
        "traj_mom = gd_with_mom(rosenbrock_grad, init, n_epochs=10**5, eta=10**-4)\n"
        "traj_adam = adams(rosenbrock_grad, init, n_epochs=10**5, eta=10**-4)\n",
        "for traj in (traj_gd, traj_mom, traj_adam):\n"
        "    plt.plot(np.log10(distance_to_minimum(traj)))\nplt.show()\n",
        "%%time\ntraj_mom3 = gd_with_mom(rosenbrock_grad, init, n_epochs=10**5, eta=10**-3)\n",
        # problems 2 and 3 of the same homework: a torch model defined next to the optimizers
        "from torchvision import datasets, transforms\nimport torch\nimport torch.nn as nn\n"
        "import torch.nn.functional as F\nfrom torch import optim\n"
        "from torch.utils.data import DataLoader\n"
        "transform = transforms.Compose([transforms.ToTensor()])\n"
        "train_dataset = datasets.MNIST('data/', train=True, download=True, transform=transform)\n",
        "class Network(nn.Module):\n    def __init__(self, sizes):\n"
        "        super(Network, self).__init__()\n        self.sizes = sizes\n"
        "        self.num_layers = len(sizes)\n        self.layers = nn.ModuleList()\n"
        "        for i in range(self.num_layers - 1):\n"
        "            layer = nn.Linear(sizes[i], sizes[i+1])\n"
        "            nn.init.xavier_normal_(layer.weight)\n"
        "            self.layers.append(layer)\n\n"
        "    def forward(self, x):\n        for layer in self.layers[:-1]:\n"
        "            x = F.sigmoid(layer(x))\n        return self.layers[-1](x)\n",
        "def train(network, train_loader, epochs, eta, test_data=None):\n"
        "    optimizer = optim.SGD(network.parameters(), momentum=0.8, nesterov=True, lr=eta)\n"
        "    return []\n",
        "net = Network([784, 30, 10])\nsol = train(net, DataLoader(train_dataset, batch_size=10),"
        " epochs=30, eta=0.001)\n",
    ],
}


def test_notebook_of_the_reference_gets_full_marks(process_sandbox, settings):
    source = (ASSIGNMENT.reference / "rosenbrock.py").read_text()
    data = notebooks.with_experiments(source, EXPERIMENTS, HEAD)
    sub = from_notebook(data, "HW7.ipynb", ASSIGNMENT, settings)
    result = grade_files(ASSIGNMENT, sub.files, process_sandbox, settings)
    assert_full_marks(result)
    assert any("torch" in n and "torchvision" in n for n in result.notes), result.notes


EQUIVALENT = """
def gd(grad, init, n_epochs=1000, eta=10**-4):
    traj = [np.asarray(init, dtype=float)]
    for _ in range(n_epochs):
        p = traj[-1]
        traj.append(p - eta * np.asarray(grad(p), dtype=float))
    return np.vstack(traj)


def gd_with_mom(grad, init, n_epochs=5000, eta=10**-4, beta=0.9, gamma=0.9):
    params = np.array(init, dtype=float)
    param_traj = np.zeros((n_epochs + 1, 2))
    param_traj[0] = params
    v = np.zeros(2)
    for j in range(n_epochs):
        v = gamma * v + eta * np.asarray(grad(params))
        params = params - v
        param_traj[j + 1] = params
    return param_traj


def adams(grad, init, n_epochs=5000, eta=10**-4, gamma=0.9, beta=0.99, epsilon=10**-8):
    params = np.array(init, dtype=float)
    param_traj = np.zeros((n_epochs + 1, 2))
    param_traj[0] = params
    m = np.zeros(2)
    s = np.zeros(2)
    for t in range(1, n_epochs + 1):
        g = np.asarray(grad(params))
        m = gamma * m + (1 - gamma) * g
        s = beta * s + (1 - beta) * g**2
        m_hat = m / (1 - gamma**t)
        s_hat = s / (1 - beta**t)
        params = params - eta * m_hat / np.sqrt(s_hat + epsilon)
        param_traj[t] = params
    return param_traj
"""


def test_equivalent_rewritings_get_full_marks(process_sandbox, settings):
    """Written differently (lists, vstack, eta folded into v, t from 1): the same trajectories,
    to the tolerance, on every horizon the checks compare (no chaotic horizon)."""
    files = ASSIGNMENT.reference_files()
    text = splice(files["rosenbrock.py"].decode(), EQUIVALENT, "rosenbrock.py")
    result = grade_files(ASSIGNMENT, {"rosenbrock.py": text.encode()}, process_sandbox,
                         settings)
    assert_full_marks(result)


# An attack that implements nothing (the starter's loops) and tries to win through the
# grader's code in the sandbox: the drivers (they ran there before the trusted side took them
# over; the convergence checks' verdicts were computed by them), the helpers (every gradient
# function made to return 0), and the harness: every trajectory the starter returns is
# replaced by one that jumps to the minimum, which the attack computes from the gradient
# function's own parameters (the quadratic's A and c, the Rosenbrock function's a).
ATTACK = '''

import gc as _gc
import sys as _sys

import numpy as _np

_STATE = {}


def _fake_driver(*args, **kwargs):
    return {"shape": [100001, 2], "trajectory": _np.zeros((1, 2)),
            "steps_to_reach": _np.array([10.0, 100.0, 1000.0, 10000.0]), "diverged": False,
            "blowup_step": -1}


def _replace_drivers():
    hits = []
    for name, mod in list(_sys.modules.items()):
        if "driver" in name:
            for attr, value in list(vars(mod).items()):
                if callable(value) and not attr.startswith("__"):
                    setattr(mod, attr, _fake_driver)
                    hits.append(name + "." + attr)
    for obj in _gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", None) in ("run", "_trajectory") \\
                and "driver" in str(getattr(obj, "__module__", "")):
            hits.append(obj.__module__ + "." + obj.__name__)
    return hits


def _patch_helpers():
    mod = _sys.modules.get("grader_helpers")
    hits = []
    for name in sorted(vars(mod) if mod is not None else {}):
        cls = getattr(mod, name)
        if isinstance(cls, type) and "__call__" in vars(cls):
            cls.__call__ = lambda self, params: _np.zeros(2)
            hits.append(name)
    return hits


def _minimum(grad):
    if hasattr(grad, "A"):
        return _np.linalg.solve(grad.A, -grad.c)
    return _np.array([grad.a, grad.a ** 2])


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
        reply = original(self, op)
        value = reply.get("value")
        if op.get("op") == "call" and isinstance(value, _np.ndarray) and value.ndim == 2 \\
                and len(value) > 1 and not value[1:].any():
            value[1:] = _minimum(self.resolve(op["args"][0]))
            if "said" not in _STATE:
                _STATE["said"] = True
                print("ATTACK forged a trajectory to the minimum")
        return reply

    child.ChildContext.run_op = run_op
    return True


print("ATTACK at import: drivers found:", _replace_drivers(), "harness wrapped:",
      _wrap_harness())
'''


def test_an_attack_through_the_graders_code_scores_what_the_starter_scores(
        graded, process_sandbox, settings):
    """Issue 12's class for trajectories: the verdicts (divergence, steps to convergence,
    rows) are computed outside from the returned trajectory and compared with the
    reference's, so rewriting the helpers and the harness and forging a trajectory from what
    the sandbox receives gain nothing: exactly the starter's score, on every TODO."""
    source = (ASSIGNMENT.starter / "rosenbrock.py").read_text() + ATTACK
    result = grade_files(ASSIGNMENT, {"rosenbrock.py": source.encode()}, process_sandbox,
                         settings)
    starter = graded["starter"]
    assert result.status == "graded", result.failure
    assert result.score == starter.score == 0
    assert {t.id: t.score for t in result.todos} == {t.id: t.score for t in starter.todos}
    assert "drivers found: [] harness wrapped: True" in result.import_output
    printed = "".join(t.output for t in result.todos)
    assert "helpers patched: ['Quadratic', 'Rosenbrock']" in printed
    assert "ATTACK forged a trajectory to the minimum" in printed
