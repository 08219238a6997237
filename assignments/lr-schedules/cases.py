"""Case generators of lr-schedules (instructor code, run in the sandbox by ``grader fixtures
build``).

Seed 004 is a lecture: it prints no numbers of its own beyond its hyperparameters. The visible
cases are therefore the lecture's settings: each decay schedule with the slide's alpha0 and k,
and over the grid of k the "annealing" slide suggests, for epochs 1..50; the update rules on a
small worked example (CS231n-style linspace arrays) with the slides' hyperparameters.

Hidden cases: random weights of several shapes and scales, a non-zero starting state, betas
other than the defaults and other than each other (with beta1 = 0.9 and beta2 = 0.99 a missing
bias correction hides on a first step), config=None (defaults), chained steps that carry the
state, an epsilon that matters (small second moments: ignoring config['epsilon'] shows, both
placements of epsilon are accepted), zero gradients from zero state ("dead units": the step
there is 0, never NaN) for every adaptive rule, random alpha0 and k over long epoch ranges,
staircases with other step lengths and the epochs either side of every drop (where off-by-one
errors show).
"""

import numpy as np

N, D = 4, 5
K_GRID = [0.01, 0.1, 0.5, 0.9, 0.95, 0.99]  # the annealing slide's hyperparameter k
SLIDE = {  # the value of k each schedule's own slide uses (alpha0 = 1 everywhere)
    "inverse_time_decay": 1.0,
    "inverse_sqrt_decay": 0.95,
    "exponential_decay": 0.5,
    "power_decay": 0.95,
    "staircase_decay": 0.9,
}


def _rng(seed):
    return np.random.RandomState(seed)


# --- update rules --------------------------------------------------------------------------


def update_visible(rule):
    """The worked example: w, dw and the state as linspace arrays, the slides' settings."""
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    first = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    second = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    config = {"momentum": {"learning_rate": 1e-2, "beta1": 0.9, "v": first},
              "adagrad": {"learning_rate": 1e-2, "v": second},
              "rmsprop": {"learning_rate": 1e-2, "beta2": 0.999, "s": second},
              "adam": {"learning_rate": 1e-2, "beta1": 0.9, "beta2": 0.999, "v": first,
                       "s": second, "t": 5}}[rule]
    return [{"name": "worked example (4 x 5 linspace arrays)",
             "inputs": {"w": w, "dw": dw, "config": config}}]


SHAPES = [(7,), (3, 4), (2, 3, 5), (64, 10), (1, 9)]


def _state(rule, rng, shape):
    if rule == "momentum":
        return {"learning_rate": float(rng.choice([1e-3, 1e-2, 5e-2])),
                "beta1": float(rng.choice([0.5, 0.8, 0.95])), "v": rng.randn(*shape) * 0.3}
    if rule == "adagrad":
        return {"learning_rate": float(rng.choice([1e-2, 1e-1])),
                "v": rng.uniform(0.05, 3.0, size=shape)}
    if rule == "rmsprop":
        return {"learning_rate": float(rng.choice([1e-3, 1e-2])),
                "beta2": float(rng.choice([0.9, 0.95, 0.8])),
                "s": rng.uniform(0.05, 1.5, size=shape)}
    return {"learning_rate": float(rng.choice([1e-3, 1e-2])),
            "beta1": float(rng.choice([0.8, 0.7, 0.85])),
            "beta2": float(rng.choice([0.95, 0.9, 0.97])),
            "v": rng.randn(*shape) * 0.2, "s": rng.uniform(0.05, 1.0, size=shape),
            "t": int(rng.randint(1, 40))}


def random_steps(rule, seed=0):
    """One step from a random non-zero state, over several shapes and scales."""
    rng = _rng(seed)
    cases = []
    for i, shape in enumerate(SHAPES):
        scale = [1.0, 0.1, 10.0, 1.0, 0.5][i]
        cases.append({"name": f"shape {shape}", "inputs": {
            "w": rng.randn(*shape) * scale, "dw": rng.randn(*shape) * scale,
            "config": _state(rule, rng, shape)}})
    return cases


def epsilon_config(rule, seed=4):
    """A non-default epsilon that matters: gradients and second moments so small that
    epsilon = 1e-3 changes every element's step (ignoring config['epsilon'], or adding it
    after the division, shows everywhere; inside or outside the square root are both
    accepted)."""
    rng = _rng(seed)
    cases = []
    for shape in [(5,), (3, 4)]:
        w = rng.randn(*shape)
        dw = rng.randn(*shape) * 1e-3
        config = _state(rule, rng, shape)
        config["v" if rule == "adagrad" else "s"] = rng.uniform(1e-7, 1e-5, size=shape)
        if rule == "adam":
            config["v"] = rng.randn(*shape) * 1e-3
        config["epsilon"] = 1e-3
        cases.append({"name": f"epsilon 1e-3, shape {shape}", "inputs": {
            "w": w, "dw": dw, "config": config}})
    return cases


def dead_units(rule, seed=5):
    """Zero gradients on units whose state is zero ("dead units"): the step there must be 0,
    not NaN (a division by sqrt(s) with no epsilon). Once from config=None, once from a
    state that is zero on the dead units only, with other hyperparameters."""
    rng = _rng(seed)
    cases = []
    for k, shape in enumerate([(6,), (4, 3)]):
        w = rng.randn(*shape)
        dw = rng.randn(*shape)
        dead = rng.rand(*shape) < 0.5
        dead.flat[0] = True
        dw[dead] = 0.0
        if k == 0:
            cases.append({"name": f"config None, half the gradients exactly 0, shape {shape}",
                          "inputs": {"w": w, "dw": dw, "config": None}})
            continue
        config = _state(rule, rng, shape)
        for key in ("v", "s"):
            if key in config and rule != "momentum":
                config[key][dead] = 0.0
        cases.append({"name": f"state 0 where the gradient is 0, shape {shape}",
                      "inputs": {"w": w, "dw": dw, "config": config}})
    return cases


def default_config(rule, seed=1):
    """config=None: every default must be filled in (and the state initialised)."""
    rng = _rng(seed)
    cases = []
    for shape in [(6,), (4, 3)]:
        w = rng.randn(*shape)
        dw = rng.randn(*shape) + np.sign(rng.randn(*shape)) * 0.5
        cases.append({"name": f"config None, shape {shape}", "inputs": {
            "w": w, "dw": dw, "config": None}})
    return cases


def chained(rule, seed=2, steps=5):
    """Several steps in a row: the state must be carried through config."""
    rng = _rng(seed)
    cases = []
    for k, shape in enumerate([(5,), (3, 4)]):
        w = rng.randn(*shape)
        dws = [rng.randn(*shape) * (1 + j) * 0.5 for j in range(steps)]
        config = None if k == 0 else {
            kk: vv for kk, vv in _state(rule, rng, shape).items()
            if kk in ("learning_rate", "beta1", "beta2")}
        if config is not None and rule != "momentum":
            config["epsilon"] = 1e-3  # matters next to squared gradients of order 0.1..10
        cases.append({"name": f"{steps} chained steps, "
                              f"{'default config' if config is None else 'custom config'}",
                      "inputs": {"w": w, "dws": dws, "config": config}})
    return cases


def training(rule, seed=3, iterations=60):
    """A small tanh network on three Gaussian blobs, trained with the student's rule."""
    rng = _rng(seed)
    n_per, d, h, c = 40, 10, 16, 3
    centers = rng.randn(c, d) * 1.5
    X = np.concatenate([centers[k] + rng.randn(n_per, d) for k in range(c)])
    y = np.repeat(np.arange(c), n_per)
    params = {"W1": rng.randn(d, h) * 0.3, "b1": np.zeros(h),
              "W2": rng.randn(h, c) * 0.3, "b2": np.zeros(c)}
    batches = np.stack([rng.choice(len(X), size=30, replace=False) for _ in range(iterations)])
    lr = {"momentum": 2e-1, "adagrad": 1e-1, "rmsprop": 5e-3, "adam": 1e-2}[rule]
    return [{"name": f"{iterations} iterations, learning rate {lr:g}", "inputs": {
        "X": X, "y": y, "params": params, "batches": batches,
        "config": {"learning_rate": lr}}}]


# --- decay schedules -------------------------------------------------------------------------


def schedule_visible(schedule):
    """The schedule's own slide (alpha0 = 1 and the slide's k), epochs 1..50."""
    kwargs = {"alpha0": 1.0, "k": SLIDE[schedule]}
    if schedule == "staircase_decay":
        kwargs["every"] = 10
    return [{"name": f"the slide: alpha0 = 1, k = {SLIDE[schedule]:g}, epochs 1..50",
             "inputs": {"epochs": list(range(1, 51)), "kwargs": kwargs}}]


def schedule_grid(schedule):
    """The annealing slide's k in [0.01, 0.1, 0.5, 0.9, 0.95, 0.99], alpha0 = 1."""
    cases = []
    for k in K_GRID:
        kwargs = {"alpha0": 1.0, "k": k}
        if schedule == "staircase_decay":
            kwargs["every"] = 10
        cases.append({"name": f"k = {k:g}, epochs 1..50", "inputs": {
            "epochs": list(range(1, 51)), "kwargs": kwargs}})
    return cases


def schedule_random(schedule, seed=10):
    rng = _rng(seed)
    cases = []
    for every in (3, 7, 1):
        alpha0 = float(rng.uniform(0.01, 0.5))
        k = float(rng.uniform(0.05, 0.98))
        kwargs = {"alpha0": alpha0, "k": k}
        if schedule == "staircase_decay":
            kwargs["every"] = every
        epochs = sorted({int(e) for e in rng.randint(1, 300, size=25)} | {1, 2, every,
                                                                          every + 1})
        cases.append({"name": f"alpha0 = {alpha0:.3f}, k = {k:.3f}"
                              + (f", every {every}" if schedule == "staircase_decay" else ""),
                      "inputs": {"epochs": epochs, "kwargs": kwargs}})
    return cases


def staircase_boundaries(seed=30):
    """The epochs either side of every drop (every * m and every * m + 1), for steps of 1, 4
    and 25 epochs, with alpha0 and k other than the defaults."""
    rng = _rng(seed)
    cases = []
    for every in (1, 4, 25):
        alpha0 = float(rng.uniform(0.05, 0.8))
        k = float(rng.uniform(0.3, 0.9))
        epochs = sorted({e for m in range(0, 7) for e in (every * m, every * m + 1)
                         if e >= 1} | {2, 3})
        cases.append({"name": f"every {every}: the epochs either side of each drop "
                              f"(alpha0 = {alpha0:.3f}, k = {k:.3f})",
                      "inputs": {"epochs": epochs,
                                 "kwargs": {"alpha0": alpha0, "k": k, "every": every}}})
    return cases


def schedule_defaults():
    return [{"name": "epoch_num only (default alpha0, k)", "inputs": {
        "epochs": list(range(1, 31)), "kwargs": {}}}]


def schedule_training(schedule, seed=20, epochs=30):
    """Mini-batch SGD on a noisy linear regression, the learning rate of each epoch from the
    student's schedule."""
    rng = _rng(seed)
    n, d, batch = 200, 5, 10
    X = rng.randn(n, d)
    w_true = rng.randn(d)
    y = X @ w_true + 0.5 * rng.randn(n)
    order = np.stack([rng.permutation(n) for _ in range(epochs)])
    kwargs = {"alpha0": 0.1, "k": {"inverse_time_decay": 0.1, "inverse_sqrt_decay": 0.95,
                                   "exponential_decay": 0.05, "power_decay": 0.95,
                                   "staircase_decay": 0.7}[schedule]}
    if schedule == "staircase_decay":
        kwargs["every"] = 5
    return [{"name": f"{epochs} epochs of mini-batch SGD, alpha0 = 0.1", "inputs": {
        "X": X, "y": y, "order": order, "batch": batch, "kwargs": kwargs}}]
