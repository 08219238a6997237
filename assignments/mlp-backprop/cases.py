"""Case generators of mlp-backprop (instructor code, run in the sandbox by ``grader fixtures
build``).

Seed 002 is a completed student notebook: what it prints (training accuracies on the wine data,
an unseeded initial exponent) cannot be reproduced, so its visible cases are its own settings:
the wine network's layer sizes and hyperparameters (lambda_reg = 0.01, learning_rate = 0.001,
batch_size = 32), its printed initial Vondrick exponent used as the exponent, and the
optimization experiments of Section 2 (start points, hparams and epochs of each cell).

Hidden cases are randomized but seeded, and made so that each classic bug shows:

- Section 1: several batch sizes (none of them 1 or 2 only) and layer sizes; regularization
  strengths and learning rates other than the notebook's, every one of them non-zero where it
  matters (a case with ``alpha = 0`` besides); pre-activations at least ``MARGIN`` away from the
  activations' kink at 0 (the kink's convention is tested on its own, visibly, where any value
  between the one-sided derivatives is accepted); a learning rate other than the hard-coded
  0.0005 passed to the Vondrick layer (which must not use it); chained steps on one layer, so
  that its state (W, c, the exponent) must be carried; whole networks.
- Section 2: steps from random non-zero states; every hyperparameter drawn away from the
  notebook's values; a non-default epsilon that matters (second moments much smaller than
  epsilon); "dead units" (a zero derivative from a zero state: the step there must be 0, not
  NaN) for AdaGrad and Adam; chained steps carrying the state; the stochastic rules from a
  non-zero velocity (so that gamma matters).
"""

import numpy as np

NOTEBOOK_EXPONENT = 1.5879557254216647  # "Intital Value of Vondrick Exponent" in the notebook
MARGIN = 0.02  # pre-activations of hidden cases stay this far from the kink at 0


def _rng(seed):
    return np.random.RandomState(seed)


def _leaky(U):
    return np.where(U > 0, U, 0.01 * U)


def _away_from_kink(rng, Xs, W, c, margin=MARGIN):
    """Nudge c until no pre-activation X @ W + c (for every X of ``Xs``) is within ``margin``
    of 0 (``margin`` 0: leave c as it is)."""
    while margin and min(np.min(np.abs(X @ W + c)) for X in Xs) < margin:
        c = c + rng.uniform(-0.05, 0.05, size=c.shape)
    return c


def _vondrick(U, n):
    pos = U > 0
    safe = np.where(pos, U, 1.0)
    return np.where(pos, safe ** n, 0.01 * U)


# --- Section 1: Hidden (Leaky ReLU) -----------------------------------------------------------


def _hidden_layer(rng, m, d_in, d_out, steps=1):
    Xs = [rng.rand(m, d_in) for _ in range(steps)]
    W = rng.random_sample((d_in, d_out)) - 0.5
    c = _away_from_kink(rng, Xs, W, rng.random_sample((1, d_out)) - 0.5)
    return Xs, W, c


def hidden_cases(seed=10, shapes=((5, 4, 3), (8, 6, 7), (3, 2, 5), (16, 9, 4)),
                 alphas=(0.03, 0.0, 0.2, 0.07), rates=(0.1, 0.5, 0.05, 0.2), name=None):
    """One backward_pass on a layer with the case's W and c."""
    rng = _rng(seed)
    cases = []
    for (m, d_in, d_out), alpha, lr in zip(shapes, alphas, rates, strict=True):
        (X,), W, c = _hidden_layer(rng, m, d_in, d_out)
        cases.append({"name": name or f"batch {m}, {d_in} -> {d_out}, alpha {alpha:g}, "
                                       f"learning rate {lr:g}",
                      "inputs": {"layer": {"W": W, "c": c}, "X": X, "h": _leaky(X @ W + c),
                                 "dLdh": rng.randn(m, d_out), "alpha": alpha,
                                 "learning_rate": lr}})
    return cases


def hidden_visible():
    """The wine network's first layer (11 -> 16), batch 32, lambda_reg 0.01, lr 0.001."""
    return hidden_cases(seed=1, shapes=((32, 11, 16),), alphas=(0.01,), rates=(0.001,),
                        name="the notebook's first layer: batch 32, 11 -> 16, "
                             "lambda_reg 0.01, learning_rate 0.001")


def hidden_chain(seed=12, steps=4):
    """Several backward passes in a row on one layer: W and c carried from step to step."""
    rng = _rng(seed)
    cases = []
    for m, d_in, d_out, alpha, lr in [(6, 5, 4, 0.05, 0.3), (9, 3, 6, 0.1, 0.15)]:
        Xs, W, c = _hidden_layer(rng, m, d_in, d_out, steps)
        cases.append({"name": f"{steps} steps, batch {m}, {d_in} -> {d_out}, alpha {alpha:g}, "
                              f"learning rate {lr:g}",
                      "inputs": {"layer": {"W": W, "c": c}, "alpha": alpha, "learning_rate": lr,
                                 "steps": [{"X": X, "h": _leaky(X @ W + c),
                                            "dLdh": rng.randn(m, d_out)} for X in Xs]}})
    return cases


def leaky_visible():
    h = _leaky(np.linspace(-1.0, 1.0, 12).reshape(3, 4) + 0.05)
    return [{"name": "a 3 x 4 batch of activations", "inputs": {"h": h}}]


def leaky_random(seed=20, zeros=False):
    """Activations of random pre-activations (at least MARGIN away from 0), or with exact
    zeros (``zeros``: the kink, where any value between 0.01, 1 and 0 is accepted)."""
    rng = _rng(seed)
    cases = []
    for shape in [(32, 16), (5, 3), (7, 8)]:
        U = rng.randn(*shape)
        U[np.abs(U) < MARGIN] += 2 * MARGIN
        h = _leaky(U)
        if zeros:
            h.flat[::3] = 0.0
        cases.append({"name": f"shape {shape}" + (", with exact zeros" if zeros else ""),
                      "inputs": {"h": h}})
    return cases


# --- Section 1: Hidden_Vondrick ---------------------------------------------------------------


def vondrick_visible():
    """The wine network's Vondrick layer (12 -> 8), batch 32, with the printed exponent."""
    rng = _rng(2)
    U = rng.randn(32, 8)
    U[np.abs(U) < MARGIN] += 2 * MARGIN
    return [{"name": f"batch 32, 12 -> 8 layer, exponent {NOTEBOOK_EXPONENT} (the notebook's)",
             "inputs": {"U": U, "n": NOTEBOOK_EXPONENT}}]


def vondrick_random(seed=30):
    """Pre-activations of both signs (away from 0), several exponents."""
    rng = _rng(seed)
    cases = []
    for shape, n in [((5, 3), 1.2), ((7, 4), 2.5), ((3, 6), 1.05), ((9, 2), 1.75)]:
        U = rng.randn(*shape) * 1.5
        U[np.abs(U) < MARGIN] += 2 * MARGIN
        cases.append({"name": f"shape {shape}, exponent {n:g}", "inputs": {"U": U, "n": n}})
    return cases


def _vondrick_layer(rng, m, d_in, d_out, steps=1):
    Xs = [rng.rand(m, d_in) for _ in range(steps)]
    W = rng.randn(d_in, d_out) * 0.5
    c = _away_from_kink(rng, Xs, W, rng.randn(1, d_out) * 0.1)
    return Xs, W, c


def vondrick_backward(seed=40, shapes=((5, 4, 3), (8, 6, 7), (3, 2, 5), (12, 5, 4)),
                      alphas=(0.04, 0.0, 0.1, 0.02), exponents=(1.4, 1.9, 1.6, 1.25),
                      rates=(0.01, 0.1, 0.003, 0.05), name=None):
    """One backward_pass; ``learning_rate`` is NOT 0.0005 (the layer must ignore it)."""
    rng = _rng(seed)
    cases = []
    for (m, d_in, d_out), alpha, n, lr in zip(shapes, alphas, exponents, rates, strict=True):
        (X,), W, c = _vondrick_layer(rng, m, d_in, d_out)
        U = X @ W + c
        cases.append({"name": name or f"batch {m}, {d_in} -> {d_out}, alpha {alpha:g}, "
                                       f"exponent {n:g}",
                      "inputs": {"layer": {"W": W, "c": c, "U": U, "vondrick_exponent": n},
                                 "X": X, "h": _vondrick(U, n), "dLdh": rng.randn(m, d_out),
                                 "alpha": alpha, "learning_rate": lr}})
    return cases


def vondrick_backward_visible():
    return vondrick_backward(seed=3, shapes=((32, 12, 8),), alphas=(0.01,),
                             exponents=(NOTEBOOK_EXPONENT,), rates=(0.001,),
                             name="the notebook's Vondrick layer: batch 32, 12 -> 8, "
                                  "lambda_reg 0.01, its printed exponent")


def vondrick_chain(seed=42, steps=4):
    """Several backward passes in a row: W, c and the exponent carried from step to step
    (the pre-activations U of each step are set on the layer, as forward_pass would)."""
    rng = _rng(seed)
    cases = []
    for m, d_in, d_out, alpha, n in [(6, 5, 4, 0.05, 1.7), (10, 3, 6, 0.1, 1.3)]:
        Xs, W, c = _vondrick_layer(rng, m, d_in, d_out, steps)
        cases.append({"name": f"{steps} steps, batch {m}, {d_in} -> {d_out}, alpha {alpha:g}, "
                              f"exponent {n:g}",
                      "inputs": {"layer": {"W": W, "c": c, "vondrick_exponent": n},
                                 "alpha": alpha, "learning_rate": 0.02,
                                 "steps": [{"X": X, "U": X @ W + c,
                                            "h": _vondrick(X @ W + c, n),
                                            "dLdh": rng.randn(m, d_out) * 3} for X in Xs]}})
    return cases


# --- Section 1: Output ------------------------------------------------------------------------


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
             "inputs": {"layer": {"w": rng.random_sample((8, 2)) - 0.5,
                                  "b": rng.random_sample((1, 2)) - 0.5},
                        "h": np.abs(rng.randn(32, 8)), "dLdz": _dldz(rng, 32, 2),
                        "alpha": 0.01, "learning_rate": 0.001}}]


def output_random(seed=50):
    rng = _rng(seed)
    cases = []
    for (m, d_in, k), alpha, lr in zip([(5, 4, 3), (8, 6, 2), (3, 7, 4), (11, 5, 5)],
                                       (0.03, 0.0, 0.1, 0.2), (0.1, 0.5, 0.2, 0.05),
                                       strict=True):
        cases.append({"name": f"batch {m}, {d_in} -> {k}, alpha {alpha:g}, learning rate "
                              f"{lr:g}", "inputs": {
            "layer": {"w": rng.random_sample((d_in, k)) - 0.5,
                      "b": rng.random_sample((1, k)) - 0.5},
            "h": np.abs(rng.randn(m, d_in)), "dLdz": _dldz(rng, m, k), "alpha": alpha,
            "learning_rate": lr}})
    return cases


def output_chain(seed=52, steps=4):
    """Several backward passes in a row: w and b carried from step to step."""
    rng = _rng(seed)
    cases = []
    for m, d_in, k, alpha, lr in [(6, 5, 3, 0.05, 0.4), (9, 4, 2, 0.1, 0.2)]:
        cases.append({"name": f"{steps} steps, batch {m}, {d_in} -> {k}, alpha {alpha:g}, "
                              f"learning rate {lr:g}",
                      "inputs": {"layer": {"w": rng.random_sample((d_in, k)) - 0.5,
                                           "b": rng.random_sample((1, k)) - 0.5},
                                 "alpha": alpha, "learning_rate": lr,
                                 "steps": [{"h": np.abs(rng.randn(m, d_in)),
                                            "dLdz": _dldz(rng, m, k)} for _ in range(steps)]}})
    return cases


# --- Section 1: networks ----------------------------------------------------------------------


def _network(rng, sizes, kinds, X, margin=MARGIN):
    """Layer parameters, with every hidden pre-activation at least ``margin`` away from 0."""
    layers = []
    A = X
    for (d_in, d_out), kind in zip(zip(sizes[:-2], sizes[1:-1], strict=True), kinds, strict=True):
        if kind == "hidden":
            W = rng.random_sample((d_in, d_out)) - 0.5
            c = _away_from_kink(rng, [A], W, rng.random_sample((1, d_out)) - 0.5, margin)
            A = _leaky(A @ W + c)
            layers.append({"kind": kind, "W": W, "c": c})
        else:
            W = rng.randn(d_in, d_out) * 0.5
            c = _away_from_kink(rng, [A], W, rng.randn(1, d_out) * 0.1 + 0.1, margin)
            n = float(rng.uniform(1.4, 2.0))
            A = _vondrick(A @ W + c, n)
            layers.append({"kind": kind, "W": W, "c": c, "n": n})
    output = {"w": rng.random_sample(sizes[-2:]) - 0.5,
              "b": rng.random_sample((1, sizes[-1])) - 0.5}
    return {"layers": layers, "output": output}


def _hidden_activations(net, X):
    A = X
    for layer in net["layers"]:
        U = A @ layer["W"] + layer["c"]
        A = _vondrick(U, layer["n"]) if "n" in layer else _leaky(U)
    return A


def predict_cases(seed=60, configs=(((11, 16, 12, 8, 2), 20, 0), ((3, 5, 4), 9, 1),
                                    ((6, 4, 3), 7, 0))):
    """Networks of several depths (``v``: how many Vondrick layers, last first), whose
    output layers are drawn so that every class is predicted for some sample of the batch
    (a constant answer is wrong) and no score is within 1e-3 of a tie."""
    rng = _rng(seed)
    cases = []
    for sizes, m, v in configs:
        kinds = ["hidden"] * (len(sizes) - 2 - v) + ["hidden_vondrick"] * v
        X = rng.rand(m, sizes[0])
        net = _network(rng, sizes, kinds, X, margin=0)
        A = _hidden_activations(net, X)
        while True:
            w = rng.randn(sizes[-2], sizes[-1])
            z = A @ w
            b = -z.mean(axis=0, keepdims=True)
            top = np.sort(z + b, axis=1)
            if len(set(np.argmax(z + b, axis=1))) == sizes[-1] and \
                    np.min(top[:, -1] - top[:, -2]) > 1e-3:
                break
        net["output"] = {"w": w, "b": b}
        cases.append({"name": f"layers {list(sizes)} ({', '.join(kinds)}), batch {m}",
                      "inputs": {"X": X, "net": net}})
    return cases


def net_gradcheck(vondrick=False, seed=70):
    """Small networks and batches: one backward_prop step, and centered differences of the
    loss forward_prop computes."""
    rng = _rng(seed)
    cases = []
    for sizes, m, alpha, lr in [((4, 6, 5, 2), 7, 0.03, 0.1), ((3, 4, 3, 3), 5, 0.0, 0.2)]:
        kinds = ["hidden"] * (len(sizes) - 2)
        if vondrick:
            kinds[-1] = "hidden_vondrick"
        X = rng.rand(m, sizes[0])
        net = _network(rng, sizes, kinds, X, margin=0.05)
        cases.append({"name": f"{' -> '.join(map(str, sizes))} ({', '.join(kinds)}), batch {m},"
                              f" alpha {alpha:g}, learning rate {lr:g}",
                      "inputs": {"X": X, "y": rng.randint(0, sizes[-1], size=m), "alpha": alpha,
                                 "net": net, "learning_rate": lr}})
    return cases


def _xor(rng, n=160, noise_dims=4):
    """Four Gaussian blobs in an XOR pattern (opposite corners share a class) plus noise
    features, scaled to [0, 1] like the wine data: no linear classifier does better than
    chance."""
    y = rng.randint(0, 2, n)
    side = np.where(rng.randint(0, 2, n) == 0, -1.0, 1.0)
    X = np.column_stack([side + 0.35 * rng.randn(n), np.where(y == 0, side, -side)
                         + 0.35 * rng.randn(n), rng.rand(n, noise_dims)])
    return (X - X.min(0)) / (X.max(0) - X.min(0)), y


def training(vondrick=False, seed=80, epochs=30):
    """The XOR blobs, mini-batches of 32: 6 -> 24 -> 2 (a Hidden layer), or 6 -> 24 -> 12 -> 2
    (a Hidden layer, then a Vondrick layer, whose W and c learn with the hard-coded 0.0005)."""
    rng = _rng(seed)
    X, y = _xor(rng)
    kinds, sizes = (["hidden", "hidden_vondrick"], (6, 24, 12, 2)) if vondrick else \
        (["hidden"], (6, 24, 2))
    # continuous random data: no pre-activation is exactly 0 (the kink); nudging the biases
    # until all are far from it would leave units that never change sign
    net = _network(rng, sizes, kinds, X, margin=0)
    lr = 0.5
    return [{"name": f"{epochs} epochs, learning rate {lr:g}, lambda_reg 0.001, layers "
                     f"{list(sizes)} ({', '.join(kinds)})",
             "inputs": {"X": X, "y": y, "net": net, "epochs": epochs, "batch_size": 32,
                        "learning_rate": lr, "alpha": 0.001},
             "meta": {"plot": "loss_curve", "function": "mean cross-entropy of the network "
                                                        "on the training data, per epoch"}}]


# --- Section 2: test functions ----------------------------------------------------------------


def function_grid():
    step = 0.5
    x, y = np.meshgrid(np.arange(-4.5, 4.5 + step, step), np.arange(-4.5, 4.5 + step, step))
    points = [(0.3, -1.2), (2.0, 2.5), (-3.1, 0.4), (np.pi, np.pi), (1.0, -1.0)]
    return [{"name": "the plotting grid (step 0.5) and single numbers", "inputs": {
        "x": x, "y": y, "points": [list(p) for p in points]}}]


# --- Section 2: update rules ------------------------------------------------------------------

STATE = {"gradient_descent": [], "stochastic_gradient_descent": [], "momentum": ["v_x", "v_y"],
         "adagrad": ["v_x", "v_y"], "adam": ["f_x", "f_y", "s_x", "s_y"]}


def _hparams(rule, rng):
    """Hyperparameters other than the notebook's (alpha 0.1, eps 1e-7, betas 0.8 / 0.99)."""
    if rule in ("gradient_descent", "stochastic_gradient_descent"):
        return {"alpha": float(rng.choice([0.03, 0.2, 0.35]))}
    if rule == "momentum":
        return {"alpha": float(rng.choice([0.02, 0.15])), "gamma": float(rng.choice([0.5, 0.75]))}
    if rule == "adagrad":
        return {"alpha": float(rng.choice([0.15, 0.3, 0.7])),
                "eps": float(rng.choice([1e-6, 1e-8]))}
    return {"alpha": float(rng.choice([0.05, 0.2])), "eps": float(rng.choice([1e-6, 1e-8])),
            "beta_1": float(rng.choice([0.75, 0.6])), "beta_2": float(rng.choice([0.95, 0.9]))}


def _state(rule, rng):
    """A non-zero state: velocities and first moments of both signs, second moments > 0."""
    out = {}
    for name in STATE[rule]:
        if rule == "adagrad" or name.startswith("s_"):
            out[name] = float(rng.uniform(0.1, 4.0))
        else:
            out[name] = float(rng.randn() * 0.5)
    return out


def rule_steps(rule, seed=90):
    """Single steps from random points and non-zero states."""
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


def rule_epsilon(rule, seed=95):
    """A non-default epsilon that matters: derivatives and second moments much smaller than
    epsilon = 1e-2, so that ignoring hparams['eps'] (or hard-coding 1e-7) shows on the step
    (epsilon inside or outside the square root are both accepted)."""
    rng = _rng(seed)
    cases = []
    for k in range(2):
        hp = _hparams(rule, rng)
        hp["eps"] = 1e-2
        state = {n: float(rng.uniform(1e-7, 1e-5)) if n.startswith(("s_", "v_")) else
                 float(rng.randn() * 1e-3) for n in STATE[rule]}
        inputs = {"x": float(rng.uniform(-2, 2)), "y": float(rng.uniform(-2, 2)),
                  "dx": float(rng.randn() * 1e-3), "dy": float(rng.randn() * 1e-3),
                  "state": state, "hparams": hp}
        if rule == "adam":
            inputs["i"] = [0, 6][k]
        cases.append({"name": f"eps 1e-2, tiny derivatives and state ({k + 1})",
                      "inputs": inputs})
    return cases


def rule_dead_units(rule, seed=97):
    """A zero derivative from a zero state ("dead unit") on one coordinate, a live one on the
    other: the dead coordinate must not move (and not become NaN: 0 / sqrt(0 + eps) = 0)."""
    rng = _rng(seed)
    cases = []
    for dead in ["x", "y"]:
        state = {n: 0.0 for n in STATE[rule]}
        d = {"dx": float(rng.randn() * 2), "dy": float(rng.randn() * 2)}
        d[f"d{dead}"] = 0.0
        inputs = {"x": float(rng.uniform(-3, 3)), "y": float(rng.uniform(-3, 3)), **d,
                  "state": state, "hparams": _hparams(rule, rng)}
        if rule == "adam":
            inputs["i"] = 0
        cases.append({"name": f"d{dead} = 0 from a zero state", "inputs": inputs})
    return cases


def rule_chain(rule, seed=99, steps=6):
    """Several steps in a row from a non-zero state, the rule's own returned state carried
    (and, for Adam, i counting up from a non-zero start)."""
    rng = _rng(seed)
    cases = []
    for k in range(2):
        inputs = {"x": float(rng.uniform(-3, 3)), "y": float(rng.uniform(-3, 3)),
                  "grads": [[float(v) for v in rng.randn(2) * (1 + j)] for j in range(steps)],
                  "state": _state(rule, rng), "hparams": _hparams(rule, rng)}
        if rule == "adam":
            inputs["i"] = [0, 3][k]
        cases.append({"name": f"{steps} chained steps ({k + 1})", "inputs": inputs})
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
#: Trajectories are compared over at most this many updates (one call per update).
HORIZON = 100


def rule_visible(rule):
    return [{"name": f"{f} from {start}, {hp}, {epochs} epochs" + (
        f" (the first {HORIZON})" if epochs > HORIZON else ""), "inputs": {
        "function": f, "start": list(start), "hparams": hp, "epochs": min(epochs, HORIZON)}}
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
        if rule == "gradient_descent" and f == "monkey":
            hp = {"alpha": 0.01}
        cases.append({"name": f"{f} from ({start[0]:.2f}, {start[1]:.2f}), {hp}", "inputs": {
            "function": f, "start": start, "hparams": hp, "epochs": 30}})
    return cases


def rule_stats(rule, seed=110, draws=2000, count=3):
    """One step repeated many times from the same inputs (a non-zero velocity: gamma
    matters): the mean and spread of the noise."""
    rng = _rng(seed)
    cases = []
    for k in range(count):
        inputs = {"x": float(rng.uniform(-4, 4)), "y": float(rng.uniform(-4, 4)),
                  "dx": float(rng.randn() * 3), "dy": float(rng.randn() * 3),
                  "state": _state(rule, rng),
                  "hparams": _hparams(rule, rng), "draws": draws, "seed": 1000 + k}
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
