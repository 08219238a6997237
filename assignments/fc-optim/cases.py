"""Case generators of fc-optim (instructor code, run in the sandbox by ``grader fixtures build``).

Each generator returns a list of ``{"name", "inputs"}``. Visible cases are the notebook's own
test cells; hidden cases are randomized but seeded (reproducible), with several shapes and
scales, non-zero starting state, distinct betas (so a missing bias correction or a swapped beta
shows), chained steps, default configs, and inputs kept away from ReLU's kink except where the
kink itself is under test.
"""

import numpy as np

N, D = 4, 5


def _notebook_arrays():
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    return w, dw, v


# --- update rules: visible -------------------------------------------------------------------


def momentum_visible():
    w, dw, v = _notebook_arrays()
    return [{"name": "notebook cell", "inputs": {
        "w": w, "dw": dw, "config": {"learning_rate": 1e-3, "velocity": v}}}]


def rmsprop_visible():
    w, dw, _ = _notebook_arrays()
    a = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    return [{"name": "notebook cell", "inputs": {
        "w": w, "dw": dw, "config": {"learning_rate": 1e-2, "a": a}}}]


def adam_visible():
    w, dw, v = _notebook_arrays()
    a = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    return [{"name": "notebook cell", "inputs": {
        "w": w, "dw": dw, "config": {"learning_rate": 1e-2, "v": v, "a": a, "t": 5}}}]


# --- update rules: hidden --------------------------------------------------------------------

SHAPES = [(7,), (3, 4), (2, 3, 5), (64, 10), (1, 9)]


def _rng(seed):
    return np.random.RandomState(seed)


def _state(rule, rng, shape):
    if rule in ("sgd_momentum", "sgd_nesterov_momentum"):
        return {"learning_rate": float(rng.choice([1e-3, 1e-2, 5e-2])),
                "momentum": float(rng.choice([0.5, 0.8, 0.95])),
                "velocity": rng.randn(*shape) * 0.3}
    if rule == "rmsprop":
        return {"learning_rate": float(rng.choice([1e-3, 1e-2])),
                "decay_rate": float(rng.choice([0.9, 0.95, 0.8])),
                "a": rng.uniform(0.05, 1.5, size=shape)}
    return {"learning_rate": float(rng.choice([1e-3, 1e-2])),
            "beta1": float(rng.choice([0.8, 0.7, 0.85])),
            "beta2": float(rng.choice([0.95, 0.9, 0.97])),
            "v": rng.randn(*shape) * 0.2,
            "a": rng.uniform(0.05, 1.0, size=shape),
            "t": int(rng.randint(1, 40))}


def random_steps(rule, seed=0):
    """One step from a random non-zero state, over several shapes and scales."""
    rng = _rng(seed)
    cases = []
    for i, shape in enumerate(SHAPES):
        scale = [1.0, 0.1, 10.0, 1.0, 0.5][i]
        w = rng.randn(*shape) * scale
        dw = rng.randn(*shape) * scale
        cases.append({"name": f"shape {shape}", "inputs": {
            "w": w, "dw": dw, "config": _state(rule, rng, shape)}})
    return cases


def epsilon_config(rule, seed=4):
    """A non-default epsilon that matters: small second moments, epsilon = 1e-3 (so ignoring
    config['epsilon'], or adding it to the weights or after the division, shows on every
    element; epsilon inside or outside the square root are both accepted)."""
    rng = _rng(seed)
    cases = []
    for shape in [(5,), (3, 4)]:
        w = rng.randn(*shape)
        dw = rng.randn(*shape) * 1e-3
        config = _state(rule, rng, shape)
        config["a"] = rng.uniform(1e-7, 1e-5, size=shape)
        if rule == "adam":
            config["v"] = rng.randn(*shape) * 1e-3
        config["epsilon"] = 1e-3
        cases.append({"name": f"epsilon 1e-3, shape {shape}", "inputs": {
            "w": w, "dw": dw, "config": config}})
    return cases


def dead_units(rule, seed=5):
    """Zero gradients on units whose state is zero ("dead units"): the step there must be 0,
    not NaN (a division by sqrt(a) with no epsilon)."""
    rng = _rng(seed)
    cases = []
    for shape in [(6,), (4, 3)]:
        w = rng.randn(*shape)
        dw = rng.randn(*shape)
        dead = rng.rand(*shape) < 0.5
        dead.flat[0] = True
        dw[dead] = 0.0
        cases.append({"name": f"config None, half the gradients exactly 0, shape {shape}",
                      "inputs": {"w": w, "dw": dw, "config": None}})
    return cases


def default_config(rule, seed=1):
    """config=None: every default must be filled in (and state initialised)."""
    rng = _rng(seed)
    cases = []
    for shape in [(6,), (4, 3)]:
        w = rng.randn(*shape)
        dw = rng.randn(*shape) + np.sign(rng.randn(*shape)) * 0.5
        cases.append({"name": f"config None, shape {shape}", "inputs": {
            "w": w, "dw": dw, "config": None}})
    return cases


def chained(rule, seed=2, steps=5):
    """Several steps in a row: state must be carried through config."""
    rng = _rng(seed)
    cases = []
    for k, shape in enumerate([(5,), (3, 4)]):
        w = rng.randn(*shape)
        dws = [rng.randn(*shape) * (1 + j) * 0.5 for j in range(steps)]
        config = None if k == 0 else {kk: vv for kk, vv in _state(rule, rng, shape).items()
                                      if kk in ("learning_rate", "momentum", "decay_rate",
                                                "beta1", "beta2")}
        cases.append({"name": f"{steps} chained steps, "
                              f"{'default config' if config is None else 'custom config'}",
                      "inputs": {"w": w, "dws": dws, "config": config}})
    return cases


def training(rule, seed=3, iterations=30):
    """A small tanh network on three Gaussian blobs, trained with the student's rule (a
    visible check: students see their loss curve against the reference's)."""
    rng = _rng(seed)
    n_per, d, h, c = 40, 10, 16, 3
    centers = rng.randn(c, d) * 1.5
    X = np.concatenate([centers[k] + rng.randn(n_per, d) for k in range(c)])
    y = np.repeat(np.arange(c), n_per)
    params = {"W1": rng.randn(d, h) * 0.3, "b1": np.zeros(h),
              "W2": rng.randn(h, c) * 0.3, "b2": np.zeros(c)}
    batches = np.stack([rng.choice(len(X), size=30, replace=False) for _ in range(iterations)])
    lr = {"sgd_momentum": 1e-1, "sgd_nesterov_momentum": 1e-1, "rmsprop": 1e-2,
          "adam": 2e-2}[rule]
    return [{"name": f"{iterations} iterations, learning rate {lr:g}", "inputs": {
        "X": X, "y": y, "params": params, "batches": batches,
        "config": {"learning_rate": lr}},
        "meta": {"plot": "loss_curve", "function": "softmax loss of a small tanh network"}}]


def trajectory(rule, steps=40):
    """An elongated 2-D quadratic bowl (condition number 10), from the same start for all."""
    lr = {"sgd_momentum": 4e-2, "sgd_nesterov_momentum": 4e-2, "rmsprop": 1e-1,
          "adam": 2e-1}[rule]
    return [{"name": f"{steps} steps, learning rate {lr:g}", "inputs": {
        "A": np.array([[1.0, 0.0], [0.0, 10.0]]), "b": np.array([0.0, 0.0]),
        "start": np.array([-4.0, 2.0]), "steps": steps, "config": {"learning_rate": lr}},
        "meta": {"plot": "trajectory_2d", "function": "0.5 * (x^2 + 10 y^2)"}}]


# --- layers ----------------------------------------------------------------------------------


def affine_forward_visible():
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    return [{"name": "notebook cell", "inputs": {"x": x, "w": w, "b": b}}]


def affine_random(seed=10, backward=False, limit=None):
    rng = _rng(seed)
    cases = []
    shapes = [(3, (5,), 4), (10, (2, 3), 6), (7, (4, 2, 3), 5), (1, (8,), 2)]
    for n, in_shape, m in shapes[:limit]:
        x = rng.randn(n, *in_shape)
        w = rng.randn(int(np.prod(in_shape)), m)
        b = rng.randn(m)
        inputs = {"x": x, "w": w, "b": b}
        if backward:
            inputs["dout"] = rng.randn(n, m)
        cases.append({"name": f"x {x.shape}, w {w.shape}", "inputs": inputs})
    return cases


def relu_forward_visible():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    return [{"name": "notebook cell", "inputs": {"x": x}}]


def relu_random(seed=20, backward=False, limit=None, zeros=True):
    """Random inputs; with ``zeros``, every fourth element exactly 0 (ReLU's kink: any
    derivative in [0, 1] is accepted there), else all at least 1e-3 away from it."""
    rng = _rng(seed)
    cases = []
    for shape in [(4, 6), (3, 2, 5), (9,)][:limit]:
        x = rng.randn(*shape)
        if zeros:
            x.flat[::4] = 0.0
        else:
            x[np.abs(x) < 1e-3] += 0.01
        inputs = {"x": x}
        if backward:
            inputs["dout"] = rng.randn(*shape)
        label = "with exact zeros" if zeros else "away from 0"
        cases.append({"name": f"shape {shape}, {label}", "inputs": inputs})
    return cases


def affine_relu_cases(seed=30, backward=False):
    rng = _rng(seed)
    cases = []
    for n, d, m in [(4, 6, 5), (2, 3, 7)]:
        while True:  # pre-activations away from ReLU's kink
            x, w, b = rng.randn(n, d), rng.randn(d, m), rng.randn(m)
            a = x @ w + b
            if np.min(np.abs(a)) > 1e-3:
                break
        inputs = {"x": x, "w": w, "b": b}
        if backward:
            inputs["a"] = a
            inputs["dout"] = rng.randn(n, m)
        cases.append({"name": f"x {x.shape}, w {w.shape}", "inputs": inputs})
    return cases


# --- FullyConnectedNet -----------------------------------------------------------------------


def fc_init_cases(seed=40):
    return [
        {"name": "3 layers", "inputs": {"seed": seed, "hidden_dims": [200, 100],
                                        "input_dim": 300, "num_classes": 10,
                                        "weight_scale": 3e-2, "reg": 0.0}},
        {"name": "2 layers", "inputs": {"seed": seed + 1, "hidden_dims": [150],
                                        "input_dim": 400, "num_classes": 7,
                                        "weight_scale": 1e-1, "reg": 0.5}},
    ]


def _away_from_kinks(X, params, margin=1e-3):
    h = X
    L = len(params) // 2
    for i in range(1, L):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        if np.min(np.abs(a)) < margin:
            return False
        h = np.maximum(a, 0)
    return True


def fc_net_cases(seed=50, count=2, dims=((15, [20, 30], 10), (12, [16], 5)), small=False,
                 regs=(0.0, 3.14)):
    """Nets with inputs chosen so no hidden pre-activation is within 1e-3 of ReLU's kink.

    ``small``: a 3-layer net of about 200 parameters, for the numerical gradient check (whose
    cost grows with the parameter count: two loss evaluations per parameter).
    """
    if small:
        dims = ((8, [10, 6], 4),)
    rng = _rng(seed)
    cases = []
    for n_in, hidden, c in dims[:count]:
        for reg in regs:
            while True:
                n = 3 + len(cases)
                sizes = [n_in] + list(hidden) + [c]
                params = {}
                for i in range(1, len(sizes)):
                    params[f"W{i}"] = rng.randn(sizes[i - 1], sizes[i]) * 5e-2 * 4
                    params[f"b{i}"] = rng.randn(sizes[i]) * 0.1
                X = rng.randn(n, n_in)
                y = rng.randint(c, size=n)
                if _away_from_kinks(X, params):
                    break
            cases.append({"name": f"layers {sizes}, reg {reg:g}, batch {n}", "inputs": {
                "X": X, "y": y, "params": params, "reg": reg}})
    return cases
