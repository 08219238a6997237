"""Case generators of mlp-backprop (instructor code, run in the sandbox by ``grader fixtures
build``).

Seed 002 is a completed student notebook: what it prints (training accuracies on the wine data,
an unseeded initial exponent) cannot be reproduced, so its visible cases are its own settings:
the wine network's layer sizes and hyperparameters (lambda_reg = 0.01, learning_rate = 0.001,
batch_size = 32), its printed initial Vondrick exponent used as the exponent, and the
optimization experiments of Section 2 (start points, hparams and epochs of each cell).

Hidden cases are randomized but seeded: several batch sizes and layer sizes, pre-activations
kept away from the activations' kink (except where the kink's convention is under test),
regularization on and off, derivatives the backward passes receive computed here (so a bug in
a derivative TODO is not charged to the backward pass that calls it), whole networks checked
against numerical gradients of the loss the notebook computes, and Section 2 steps from random
states, with hyperparameters other than the notebook's.
"""

import numpy as np

NOTEBOOK_EXPONENT = 1.5879557254216647  # "Intital Value of Vondrick Exponent" in the notebook


def _rng(seed):
    return np.random.RandomState(seed)


def _leaky(U):
    return np.where(U > 0, U, 0.01 * U)


def _away_from_kink(rng, X, W, c, margin=1e-3):
    """Nudge c until no pre-activation is within ``margin`` of 0."""
    U = X @ W + c
    while np.min(np.abs(U)) < margin:
        c = c + rng.uniform(-0.01, 0.01, size=c.shape)
        U = X @ W + c
    return c


def _vondrick(U, n):
    pos = U > 0
    safe = np.where(pos, U, 1.0)
    h = np.where(pos, safe ** n, 0.01 * U)
    dU = np.where(pos, n * safe ** (n - 1), 0.01)
    dn = np.where(pos, np.log(safe) * safe ** n, 0.0)
    return h, dU, dn


# --- Section 1: layers --------------------------------------------------------------------


def hidden_visible():
    """The wine network's first layer (11 -> 16), batch 32, lambda_reg 0.01, lr 0.001."""
    return hidden_random(seed=1, shapes=((32, 11, 16),), alphas=(0.01,), rates=(0.001,),
                         name="the notebook's first layer: batch 32, 11 -> 16, "
                              "lambda_reg 0.01, learning_rate 0.001")


def hidden_random(seed=10, shapes=((5, 4, 3), (8, 6, 7), (3, 2, 5), (16, 9, 4)),
                  alphas=(0.0, 0.05, 0.01, 0.1), rates=(0.1, 0.5, 0.05, 0.2), name=None):
    rng = _rng(seed)
    cases = []
    for (m, d_in, d_out), alpha, lr in zip(shapes, alphas, rates, strict=True):
        X = rng.rand(m, d_in)
        W = rng.random_sample((d_in, d_out)) - 0.5
        c = _away_from_kink(rng, X, W, rng.random_sample((1, d_out)) - 0.5)
        h = _leaky(X @ W + c)
        cases.append({"name": name or f"batch {m}, {d_in} -> {d_out}, alpha {alpha:g}",
                      "inputs": {"X": X, "W": W, "c": c, "h": h, "dLdh": rng.randn(m, d_out),
                                 "alpha": alpha, "learning_rate": lr,
                                 "derivative": np.where(h > 0, 1.0, 0.01)}})
    return cases


def leaky_visible():
    h = _leaky(np.linspace(-1.0, 1.0, 12).reshape(3, 4) + 0.05)
    return [{"name": "a 3 x 4 batch of activations", "inputs": {"h": h}}]


def leaky_random(seed=20, zeros=False):
    rng = _rng(seed)
    cases = []
    for shape in [(32, 16), (5, 3), (1, 8)]:
        h = _leaky(rng.randn(*shape))
        if zeros:
            h.flat[::3] = 0.0  # exact zeros: g'(0) = 0.01 (the x <= 0 branch)
        cases.append({"name": f"shape {shape}" + (", with exact zeros" if zeros else ""),
                      "inputs": {"h": h}})
    return cases


def vondrick_visible():
    """The wine network's Vondrick layer (12 -> 8), batch 32, with the printed exponent."""
    rng = _rng(2)
    U = rng.randn(32, 8)
    return [{"name": f"batch 32, 12 -> 8 layer, exponent {NOTEBOOK_EXPONENT} (the notebook's)",
             "inputs": {"U": U, "n": NOTEBOOK_EXPONENT}}]


def vondrick_random(seed=30):
    rng = _rng(seed)
    cases = []
    for shape, n in [((5, 3), 1.2), ((7, 4), 2.5), ((1, 6), 1.01), ((9, 2), 1.75)]:
        U = rng.randn(*shape) * 1.5
        U[np.abs(U) < 1e-3] = 0.5
        cases.append({"name": f"shape {shape}, exponent {n:g}", "inputs": {"U": U, "n": n}})
    return cases


def vondrick_backward_visible():
    return vondrick_backward(seed=3, shapes=((32, 12, 8),), alphas=(0.01,),
                             exponents=(NOTEBOOK_EXPONENT,),
                             name="the notebook's Vondrick layer: batch 32, 12 -> 8, "
                                  "lambda_reg 0.01, its printed exponent")


def vondrick_backward(seed=40, shapes=((5, 4, 3), (8, 6, 7), (3, 2, 5)), alphas=(0.0, 0.05, 0.1),
                      exponents=(1.4, 1.9, 1.6), name=None):
    rng = _rng(seed)
    cases = []
    for (m, d_in, d_out), alpha, n in zip(shapes, alphas, exponents, strict=True):
        X = rng.rand(m, d_in)
        W = rng.randn(d_in, d_out) * 0.5
        c = _away_from_kink(rng, X, W, rng.randn(1, d_out) * 0.1)
        U = X @ W + c
        h, dU, dn = _vondrick(U, n)
        cases.append({"name": name or f"batch {m}, {d_in} -> {d_out}, alpha {alpha:g}, "
                                       f"exponent {n:g}",
                      "inputs": {"X": X, "W": W, "c": c, "U": U, "n": n, "h": h,
                                 "dLdh": rng.randn(m, d_out), "alpha": alpha,
                                 "learning_rate": 0.0005, "dh_dU": dU, "dh_dexponent": dn}})
    return cases


def _dldz(rng, m, k):
    z = rng.randn(m, k)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(m), rng.randint(k, size=m)] -= 1
    return p


def output_visible():
    rng = _rng(4)
    return [{"name": "the notebook's output layer: batch 32, 8 -> 2, lambda_reg 0.01, "
                     "learning_rate 0.001",
             "inputs": {"h": np.abs(rng.randn(32, 8)), "w": rng.random_sample((8, 2)) - 0.5,
                        "b": rng.random_sample((1, 2)) - 0.5, "dLdz": _dldz(rng, 32, 2),
                        "alpha": 0.01, "learning_rate": 0.001}}]


def output_random(seed=50):
    rng = _rng(seed)
    cases = []
    for (m, d_in, k), alpha, lr in zip([(5, 4, 3), (8, 6, 2), (3, 7, 4)], (0.0, 0.05, 0.1),
                                       (0.1, 0.5, 0.2), strict=True):
        cases.append({"name": f"batch {m}, {d_in} -> {k}, alpha {alpha:g}", "inputs": {
            "h": np.abs(rng.randn(m, d_in)), "w": rng.random_sample((d_in, k)) - 0.5,
            "b": rng.random_sample((1, k)) - 0.5, "dLdz": _dldz(rng, m, k), "alpha": alpha,
            "learning_rate": lr}})
    return cases


# --- Section 1: networks -----------------------------------------------------------------


def _network(rng, sizes, kinds, X):
    """Layer parameters, with every hidden pre-activation away from 0."""
    layers = []
    A = X
    for (d_in, d_out), kind in zip(zip(sizes[:-2], sizes[1:-1], strict=True), kinds, strict=True):
        if kind == "hidden":
            W = rng.random_sample((d_in, d_out)) - 0.5
            c = _away_from_kink(rng, A, W, rng.random_sample((1, d_out)) - 0.5)
            A = _leaky(A @ W + c)
            layers.append({"kind": kind, "W": W, "c": c})
        else:
            W = rng.randn(d_in, d_out) * 0.5
            c = _away_from_kink(rng, A, W, rng.randn(1, d_out) * 0.1)
            n = float(rng.uniform(1.4, 2.0))
            A = _vondrick(A @ W + c, n)[0]
            layers.append({"kind": kind, "W": W, "c": c, "n": n})
    output = {"w": rng.random_sample(sizes[-2:]) - 0.5,
              "b": rng.random_sample((1, sizes[-1])) - 0.5}
    return layers, output


def predict_cases(seed=60):
    rng = _rng(seed)
    cases = []
    for sizes, m in [((11, 16, 12, 8, 2), 20), ((3, 5, 4), 9), ((6, 2, 3), 1)]:
        X = rng.rand(m, sizes[0])
        layers, output = _network(rng, sizes, ["hidden"] * (len(sizes) - 2), X)
        cases.append({"name": f"layers {list(sizes)}, batch {m}", "inputs": {
            "X": X, "layers": layers, "output": output}})
    return cases


def net_gradcheck(vondrick=False, seed=70):
    """Small networks and batches for centered-difference gradients of forward_prop's loss."""
    rng = _rng(seed)
    cases = []
    configs = [((4, 6, 5, 2), 7, 0.03), ((3, 4, 3), 5, 0.0)]
    for sizes, m, alpha in configs:
        kinds = ["hidden"] * (len(sizes) - 2)
        if vondrick:
            kinds[-1] = "hidden_vondrick"
        X = rng.rand(m, sizes[0])
        layers, output = _network(rng, sizes, kinds, X)
        cases.append({"name": f"{' -> '.join(map(str, sizes))} ({', '.join(kinds)}), batch {m},"
                              f" alpha {alpha:g}",
                      "inputs": {"X": X, "y": rng.randint(0, sizes[-1], size=m), "alpha": alpha,
                                 "layers": layers, "output": output, "learning_rate": 0.1}})
    return cases


def _circles(rng, n=300, noise_dims=4):
    label = rng.randint(0, 2, n)
    r = np.where(label == 0, rng.uniform(0, 0.5, n), rng.uniform(0.8, 1.2, n))
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(t), r * np.sin(t), rng.rand(n, noise_dims)])
    return (X - X.min(0)) / (X.max(0) - X.min(0)), label


def training(vondrick=False, seed=80):
    """Two concentric rings plus noise features, scaled to [0, 1] like the wine data (a linear
    classifier gets about 58%): 6 -> 16 -> 12 -> 2, batches of 32."""
    rng = _rng(seed)
    X, y = _circles(rng)
    kinds = ["hidden", "hidden_vondrick" if vondrick else "hidden"]
    layers, output = _network(rng, (6, 16, 12, 2), kinds, X)
    epochs, lr = (100, 0.5) if vondrick else (200, 0.3)
    return [{"name": f"{epochs} epochs, learning rate {lr:g}, lambda_reg 0.001 "
                     f"({', '.join(kinds)})",
             "inputs": {"X": X, "y": y, "layers": layers, "output": output, "epochs": epochs,
                        "batch_size": 32, "learning_rate": lr, "alpha": 0.001}}]


# --- Section 2: test functions -----------------------------------------------------------


def function_grid():
    step = 0.5
    x, y = np.meshgrid(np.arange(-4.5, 4.5 + step, step), np.arange(-4.5, 4.5 + step, step))
    points = [(0.3, -1.2), (2.0, 2.5), (-3.1, 0.4), (np.pi, np.pi), (1.0, -1.0)]
    return [{"name": "the plotting grid (step 0.5) and single numbers", "inputs": {
        "x": x, "y": y, "points": [list(p) for p in points]}}]


# --- Section 2: update rules -------------------------------------------------------------

STATE = {"gradient_descent": [], "stochastic_gradient_descent": [], "momentum": ["v_x", "v_y"],
         "adagrad": ["v_x", "v_y"], "adam": ["f_x", "f_y", "s_x", "s_y"]}


def _hparams(rule, rng):
    if rule in ("gradient_descent", "stochastic_gradient_descent"):
        return {"alpha": float(rng.choice([0.01, 0.1, 0.3]))}
    if rule == "momentum":
        return {"alpha": float(rng.choice([0.01, 0.1])), "gamma": float(rng.choice([0.5, 0.9]))}
    if rule == "adagrad":
        return {"alpha": float(rng.choice([0.1, 0.3, 0.7])), "eps": 1e-7}
    return {"alpha": float(rng.choice([0.05, 0.1])), "eps": float(rng.choice([1e-7, 1e-8])),
            "beta_1": float(rng.choice([0.8, 0.7])), "beta_2": float(rng.choice([0.95, 0.9]))}


def _state(rule, rng):
    out = {}
    for name in STATE[rule]:
        out[name] = float(rng.randn() * 0.5) if name.startswith(("v_x", "v_y", "f_")) \
            and rule != "adagrad" else float(rng.uniform(0.1, 4.0))
    return out


def rule_steps(rule, seed=90):
    """Single steps from random points and states (the state not zero)."""
    rng = _rng(seed)
    cases = []
    for k in range(5):
        inputs = {"x": float(rng.uniform(-4, 4)), "y": float(rng.uniform(-4, 4)),
                  "dx": float(rng.randn() * 3), "dy": float(rng.randn() * 3),
                  "state": _state(rule, rng), "hparams": _hparams(rule, rng)}
        if rule == "adam":
            inputs["i"] = [0, 1, 4, 17, 60][k]
        cases.append({"name": f"step {k + 1}" + (f" (i = {inputs['i']})" if rule == "adam" else
                                                 ""), "inputs": inputs})
    return cases


#: The notebook's experiment cells: (function, start, hparams, epochs). (Its SGD run on the
#: monkey saddle runs off to infinity within 20 steps: no mean distance to compare.)
NOTEBOOK_RUNS = {
    "gradient_descent": [("bowl", (6.0, 6.0), {"alpha": 0.1}, 20),
                         ("matyas", (4.0, -4.0), {"alpha": 0.01}, 20)],
    "stochastic_gradient_descent": [("bowl", (6.0, 6.0), {"alpha": 2.0}, 20),
                                    ("bowl", (6.0, 6.0), {"alpha": 0.01}, 20),
                                    ("bowl", (6.0, 6.0), {"alpha": 0.1}, 20),
                                    ("matyas", (4.0, -4.0), {"alpha": 0.01}, 20),
                                    ("mult", (0.8, 0.8), {"alpha": 0.7}, 20)],
    "momentum": [("matyas", (4.0, -4.0), {"alpha": 0.01, "gamma": 0.99}, 20),
                 ("monkey", (4.0, 4.0), {"alpha": 0.01, "gamma": 0.99}, 5),
                 ("mult", (0.8, 0.8), {"alpha": 0.7, "gamma": 0.99}, 20)],
    "adagrad": [("monkey", (4.0, 4.0), {"alpha": 0.3, "eps": 1e-7}, 1000),
                ("mult", (0.8, 0.8), {"alpha": 0.7, "eps": 1e-7}, 20)],
    "adam": [("bowl", (6.0, 6.0), {"alpha": 0.1, "eps": 1e-7, "beta_1": 0.8, "beta_2": 0.99},
              200),
             ("mult", (0.8, 0.8), {"alpha": 0.7, "eps": 1e-7, "beta_1": 0.99, "beta_2": 0.9},
              20)],
}


def rule_visible(rule):
    return [{"name": f"{f} from {start}, {hp}, {epochs} epochs", "inputs": {
        "function": f, "start": list(start), "hparams": hp, "epochs": epochs}}
        for f, start, hp, epochs in NOTEBOOK_RUNS[rule]]


def rule_runs(rule, seed=100):
    """Short runs on the test functions from random starts, with other hyperparameters."""
    rng = _rng(seed)
    cases = []
    for f in ["bowl", "matyas", "easom", "monkey"]:
        start = [float(v) for v in rng.uniform(-2, 2, size=2)]
        if f == "easom":
            start = [float(v) for v in np.pi + rng.uniform(-0.7, 0.7, size=2)]
        hp = _hparams(rule, rng)
        if rule in ("gradient_descent",) and f == "monkey":
            hp = {"alpha": 0.01}
        cases.append({"name": f"{f} from ({start[0]:.2f}, {start[1]:.2f}), {hp}", "inputs": {
            "function": f, "start": start, "hparams": hp, "epochs": 30}})
    return cases


def rule_stats(rule, seed=110, draws=4000):
    """One step repeated many times from the same inputs: the mean and spread of the noise."""
    rng = _rng(seed)
    cases = []
    for k in range(3):
        inputs = {"x": float(rng.uniform(-4, 4)), "y": float(rng.uniform(-4, 4)),
                  "dx": float(rng.randn() * 3), "dy": float(rng.randn() * 3),
                  "state": _state(rule, rng), "hparams": _hparams(rule, rng), "draws": draws,
                  "seed": 1000 + k}
        cases.append({"name": f"{draws} draws from one point ({k + 1})", "inputs": inputs})
    return cases


def rule_repeat(rule, seed=120):
    rng = _rng(seed)
    inputs = {"x": 1.5, "y": -0.5, "dx": 2.0, "dy": -1.0, "state": _state(rule, rng),
              "hparams": _hparams(rule, rng)}
    if rule == "adam":
        inputs["i"] = 3
    return [{"name": "the same inputs twice, different random states", "inputs": inputs}]


def stochastic_runs(rule, runs=200):
    """The notebook's cells, repeated: the mean distance to the optimum after the run."""
    return [{"name": f"{f} from {start}, {hp}, {epochs} epochs, {runs} runs", "inputs": {
        "function": f, "start": list(start), "hparams": hp, "epochs": epochs, "runs": runs,
        "seed": 7}} for f, start, hp, epochs in NOTEBOOK_RUNS[rule]]
