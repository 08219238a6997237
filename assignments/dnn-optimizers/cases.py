"""Case generators of dnn-optimizers (instructor code, run in the sandbox by ``grader fixtures
build``).

Visible cases are the notebook's own test cells. They share one ``network`` object and the
global random state (``np.random.seed(1)`` at the top), so each cell's starting state is
computed here by replaying the notebook from the top with this homework's conventions
(``_replay``), never by the student's earlier TODOs. The tests check that the reference run on
these states reproduces every number the notebook prints.

The audit of ``grader fixtures build`` finds the values a replay reuses (W1 of the
initialization cell in the layer cell's inputs...): all of them are visible, and the recorded
order runs each producer before the checks that reuse it. No hidden expected value is in any
input.

Hidden cases are randomized but seeded: several depths, widths and batch sizes (none only 1
or 2), activations other than ReLU (so a layer's own arithmetic is checked apart from ReLU),
inputs at least ``MARGIN`` away from ReLU's kink at 0 (exact zeros only in the visible kink
check, where any value between the one-sided derivatives, and 0, passes), gradients at least
``GRAD_MIN`` away from 0 (so that epsilon inside or outside the square root agree to the
tolerance) except the exact zeros of the "dead units" cases (a zero gradient from a zero
state: the step there is 0, not NaN), optimizer state that is not zero, every beta other than
its default (and a check of the defaults), Adam's two betas distinct, and chained steps that
carry the state.
"""

import numpy as np

MARGIN = 0.05  # hidden pre-activations stay this far from ReLU's kink at 0
GRAD_MIN = 0.2  # hidden gradients: |g| >= GRAD_MIN * scale (dead units: exactly 0)

# --- a replay of the notebook (this homework's conventions) ----------------------------------


def _init(dims):
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        params[f"b{l}"] = np.zeros((dims[l], 1))
    return params


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_d(x):
    return _sigmoid(x) * (1 - _sigmoid(x))


def _relu(x):
    return np.maximum(0, x)


def _relu_d(x):
    return (x >= 0).astype(float)


def _forward(X, params, act):
    caches = {"A0": X}
    A = X
    for l in range(1, len(params) // 2 + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = act(Z)
        caches[f"Z{l}"], caches[f"A{l}"] = Z, A
    return A, caches


def _backward(Y, params, caches, act_d):
    L = len(params) // 2
    m = Y.shape[1]
    grads = {}
    dZ = (caches[f"A{L}"] - Y) / m * act_d(caches[f"Z{L}"])
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ caches[f"A{l - 1}"].T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = params[f"W{l}"].T @ dZ * act_d(caches[f"Z{l - 1}"])
    return grads


def _cost(A, Y):
    return float(np.sum((A - Y) ** 2) / (2 * Y.shape[1]))


def _copy(d):
    return {k: v.copy() for k, v in d.items()}


def _replay():
    """Every state the notebook's test cells start from, in notebook order."""
    s = {}
    np.random.seed(1)
    s["init_dims"] = [5, 4, 3]
    s["params"] = _init(s["init_dims"])
    s["x"] = np.random.randn(10)
    s["X"] = np.random.randn(5, 5)
    s["Y"] = np.random.randn(3, 5)
    _, s["relu_caches"] = _forward(s["X"], s["params"], _relu)
    s["rng_network"] = np.random.get_state()
    net = _init([5, 4, 4, 3])  # NeuralNetwork(n_x, n_y, n_h, depth=3, act=Sigmoid())
    s["net_params"] = _copy(net)
    _, caches = _forward(s["X"], net, _sigmoid)
    s["net_caches"] = caches
    grads = _backward(s["Y"], net, caches, _sigmoid_d)
    s["net_grads"] = grads
    for k in net:  # gradient_descent_step(network.parameters, network.grads, 0.01)
        net[k] = net[k] - 0.01 * grads["d" + k]
    states = {}
    for stage in ("gd_loop", "gd_optimizer", "momentum", "rmsprop", "adam"):
        states[stage] = _copy(net)
        v, sq = {}, {}
        for _ in range(10):
            A, caches = _forward(s["X"], net, _sigmoid)
            g = _backward(s["Y"], net, caches, _sigmoid_d)
            for k in net:
                gk = g["d" + k]
                if stage in ("gd_loop", "gd_optimizer"):
                    net[k] = net[k] - 0.1 * gk
                elif stage == "momentum":
                    v[k] = 0.8 * v.get(k, 0) + 0.2 * gk
                    net[k] = net[k] - 0.1 * v[k]
                elif stage == "rmsprop":
                    sq[k] = 0.8 * sq.get(k, 0) + 0.2 * gk ** 2
                    net[k] = net[k] - 0.1 * gk / (np.sqrt(sq[k]) + 1e-8)
                else:
                    v[k] = 0.8 * v.get(k, 0) + 0.2 * gk
                    sq[k] = 0.9 * sq.get(k, 0) + 0.1 * gk ** 2
                    net[k] = net[k] - 0.1 * v[k] / (np.sqrt(sq[k]) + 1e-8)
    s["stages"] = states
    s["relu_net_params"] = _init([5, 4, 4, 3])  # NeuralNetwork(n_x, n_y, n_h, depth=3)
    return s



def _rng(seed):
    return np.random.RandomState(seed)


def _away(rng, shape, scale=1.0, margin=MARGIN):
    """Random values of ``shape`` at least ``margin`` away from 0."""
    x = rng.randn(*shape) * scale
    return np.where(np.abs(x) < margin, np.sign(x + 1e-300) * (margin + np.abs(x)), x)


# --- initialization ----------------------------------------------------------------------------


def init_visible():
    return [{"name": "notebook cell: layer_dims [5, 4, 3] after np.random.seed(1)",
             "inputs": {"seed": 1, "layer_dims": [5, 4, 3]}}]


def init_random(seed=10):
    cases = []
    for k, dims in enumerate([[7, 3], [4, 6, 6, 2], [10, 1], [3, 8, 5, 4, 2]]):
        cases.append({"name": f"layer_dims {dims}", "inputs": {"seed": seed + k,
                                                             "layer_dims": dims}})
    return cases


def init_spread():
    return [{"name": "layer_dims [400, 300, 50]", "inputs": {"seed": 3,
                                                           "layer_dims": [400, 300, 50]}}]


# --- ReLU --------------------------------------------------------------------------------------


def relu_visible():
    return [{"name": "notebook cell: x = np.random.randn(10)", "inputs": {"x": _replay()["x"]}}]


def relu_zeros(seed=23):
    """Exact zeros (ReLU'(0): any value between 0 and 1 passes)."""
    x = np.round(_rng(seed).randn(3, 4), 2)
    x.flat[::3] = 0.0
    return [{"name": "shape (3, 4), with exact zeros", "inputs": {"x": x}}]


def relu_random(seed=20):
    rng = _rng(seed)
    return [{"name": f"shape {shape}", "inputs": {"x": _away(rng, shape)}}
            for shape in [(4, 6), (3, 2, 5), (9,)]]


# --- layer / forward ---------------------------------------------------------------------------


def layer_visible():
    s = _replay()
    return [{"name": "notebook cell: layer(X, W1, b1)", "inputs": {
        "A_prev": s["X"], "W": s["params"]["W1"], "b": s["params"]["b1"]}}]


def _nudged(rng, A_prev, W, b):
    """b moved until no pre-activation W @ A_prev + b is within MARGIN of 0."""
    while np.min(np.abs(W @ A_prev + b)) < MARGIN:
        b = b + rng.uniform(-0.1, 0.1, size=b.shape)
    return b


def layer_random(seed=30, relu=False):
    rng = _rng(seed)
    cases = []
    for n_prev, n, m in [(5, 4, 7), (3, 6, 3), (8, 2, 5)]:
        A_prev, W = rng.randn(n_prev, m), rng.randn(n, n_prev)
        b = rng.randn(n, 1)
        if relu:
            b = _nudged(rng, A_prev, W, b)
        cases.append({"name": f"W ({n}, {n_prev}), batch {m}", "inputs": {
            "A_prev": A_prev, "W": W, "b": b}})
    return cases


def _random_net(rng, dims, X=None):
    """Random parameters of ``dims``; with ``X``, biases nudged so that no pre-activation of
    the ReLU network on X is within MARGIN of 0."""
    params = {}
    A = X
    for l in range(1, len(dims)):
        while True:
            W = rng.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
            b = rng.randn(dims[l], 1) * 0.3
            if X is None:
                break
            b = _nudged(rng, A, W, b)
            Z = W @ A + b
            # every unit and every sample active somewhere (no layer whose gradients are all
            # zero: an all-zero expected value would be guessed), some units inactive
            if np.all((Z > 0).any(axis=0)) and np.all((Z > 0).any(axis=1)) and \
                    (dims[l] == 1 or np.mean(Z > 0) < 0.9):
                break
        if X is not None:
            A = _relu(W @ A + b)
        params[f"W{l}"], params[f"b{l}"] = W, b
    return params


def forward_visible():
    s = _replay()
    return [{"name": "notebook cell: forward_propagation(X, parameters)", "inputs": {
        "X": s["X"], "Y": s["Y"], "parameters": s["params"]}}]


def forward_network_visible():
    s = _replay()
    return [{"name": "notebook cell: A = network(X) (Sigmoid network)", "inputs": {
        "X": s["X"], "parameters": s["net_params"]}}]


def forward_random(seed=40, relu=False):
    rng = _rng(seed)
    cases = []
    for dims, m in [([4, 5, 3], 6), ([3, 2], 4), ([6, 5, 5, 5, 2], 3)]:
        X = rng.randn(dims[0], m)
        cases.append({"name": f"layer_dims {dims}, batch {m}", "inputs": {
            "X": X, "parameters": _random_net(rng, dims, X if relu else None)}})
    return cases


# --- backpropagation ---------------------------------------------------------------------------


def backward_visible():
    s = _replay()
    return [{"name": "notebook cell: back_propagation(Y, parameters, caches)", "inputs": {
        "Y": s["Y"], "parameters": s["params"], "caches": s["relu_caches"]}}]


def backward_random(seed=50, relu=False,
                    shapes=(([4, 5, 3], 6), ([3, 2], 4), ([6, 5, 5, 4, 2], 3), ([2, 7, 1], 9))):
    """Caches of a tanh network (the driver passes tanh's derivative), or of a ReLU network
    away from the kink."""
    rng = _rng(seed)
    cases = []
    for dims, m in shapes:
        X = rng.randn(dims[0], m)
        params = _random_net(rng, dims, X if relu else None)
        _, caches = _forward(X, params, _relu if relu else np.tanh)
        cases.append({"name": f"layer_dims {dims}, batch {m}", "inputs": {
            "Y": rng.randn(dims[-1], m), "parameters": params, "caches": caches}})
    return cases


# --- NeuralNetwork -----------------------------------------------------------------------------


def network_init_visible():
    s = _replay()
    return [{"name": "notebook cell: NeuralNetwork(n_x, n_y, n_h, depth=3, act=Sigmoid())",
             "inputs": {"rng_state": list(s["rng_network"]), "n_x": 5, "n_y": 3, "n_h": 4,
                        "depth": 3}}]


def network_init_random(seed=55):
    return [{"name": f"n_x {nx}, n_y {ny}, n_h {nh}, depth {d}", "inputs": {
        "seed": seed + k, "n_x": nx, "n_y": ny, "n_h": nh, "depth": d}}
        for k, (nx, ny, nh, d) in enumerate([(6, 2, 5, 4), (3, 1, 7, 2), (4, 3, 3, 1)])]


def network_backward_visible():
    s = _replay()
    return [{"name": "notebook cell: network.backward(Y) (Sigmoid network)", "inputs": {
        "Y": s["Y"], "parameters": s["net_params"], "caches": s["net_caches"]}}]


def network_backward_random(seed=60, relu=False):
    return backward_random(seed, relu, shapes=(([4, 5, 3], 6), ([3, 6, 6, 2], 5),
                                               ([5, 4, 4, 4, 3], 7)))


# --- gradient descent --------------------------------------------------------------------------


def gd_step_visible():
    s = _replay()
    return [{"name": "notebook cell: gradient_descent_step(..., learning_rate=0.01)", "inputs": {
        "parameters": s["net_params"], "grads": s["net_grads"], "learning_rate": 0.01}}]


def _random_grads(rng, params, scale=1.0, dead=None):
    """Gradients at least GRAD_MIN * scale away from 0; ``dead``: (layer, unit) pairs whose
    gradients are exactly 0 (a unit whose activation and error are 0)."""
    grads = {"d" + k: rng.choice([-1.0, 1.0], size=v.shape) *
             rng.uniform(GRAD_MIN, 1.5, size=v.shape) * scale for k, v in params.items()}
    for layer, unit in dead or []:
        grads[f"dW{layer}"][unit, :] = 0.0
        grads[f"db{layer}"][unit, :] = 0.0
        if f"dW{layer + 1}" in grads:
            grads[f"dW{layer + 1}"][:, unit] = 0.0
    return grads


def gd_step_random(seed=70):
    rng = _rng(seed)
    cases = []
    for dims, lr in [([4, 5, 3], 0.05), ([3, 2], 0.5), ([6, 5, 5, 5, 2], 1e-3)]:
        params = _random_net(rng, dims)
        cases.append({"name": f"layer_dims {dims}, learning rate {lr:g}", "inputs": {
            "parameters": params, "grads": _random_grads(rng, params), "learning_rate": lr}})
    return cases


HYPER = {"gd": {}, "momentum": {"beta": 0.8}, "rmsprop": {"beta": 0.8},
         "adam": {"beta1": 0.8, "beta2": 0.9}}


def loop_visible(stage):
    """The notebook's 10-iteration loops on the shared Sigmoid network, from the state the
    earlier cells left it in."""
    s = _replay()
    rule = {"gd_loop": "gd", "gd_optimizer": "gd"}.get(stage, stage)
    return [{"name": f"notebook cell: 10 iterations ({stage})", "inputs": {
        "X": s["X"], "Y": s["Y"], "parameters": s["stages"][stage], "learning_rate": 0.1,
        "hyper": HYPER[rule], "iterations": 10, "act": "sigmoid"}}]


def train_visible():
    s = _replay()
    return [{"name": "notebook cell: train(network, Adam(0.1, 0.8, 0.9), X, Y, X, Y, 10)",
             "inputs": {"X": s["X"], "Y": s["Y"], "parameters": s["relu_net_params"],
                        "learning_rate": 0.1, "hyper": HYPER["adam"], "iterations": 10,
                        "act": "relu"}}]


# --- optimizer classes -------------------------------------------------------------------------

#: Non-default hyperparameters, one per case (the defaults have a check of their own).
HYPERS = {"gd": [{}, {}, {}],
          "momentum": [{"beta": 0.5}, {"beta": 0.7}, {"beta": 0.95}],
          "rmsprop": [{"beta": 0.8}, {"beta": 0.95}, {"beta": 0.6}],
          "adam": [{"beta1": 0.7, "beta2": 0.95}, {"beta1": 0.85, "beta2": 0.8},
                   {"beta1": 0.5, "beta2": 0.99}]}


def _state(rule, rng, params):
    state = {}
    if rule in ("momentum", "adam"):
        state["velocities"] = {k: rng.randn(*v.shape) * 0.3 for k, v in params.items()}
    if rule in ("rmsprop", "adam"):
        state["squared_gradients"] = {k: rng.uniform(0.05, 1.0, size=v.shape)
                                      for k, v in params.items()}
    return state


DIMS = ([4, 5, 3], [3, 2], [6, 5, 5, 5, 2])


def opt_step(rule, seed=80):
    """One step from a random state that is not zero, several shapes and scales."""
    rng = _rng(seed)
    cases = []
    for dims, scale, lr, hyper in zip(DIMS, (1.0, 0.1, 3.0), (0.01, 0.1, 0.3), HYPERS[rule],
                                      strict=True):
        params = _random_net(rng, dims)
        cases.append({"name": f"layer_dims {dims}, learning rate {lr:g}, {hyper or 'no betas'}",
                      "inputs": {"parameters": params,
                                 "grads": _random_grads(rng, params, scale),
                                 "learning_rate": lr, "hyper": hyper,
                                 "state": _state(rule, rng, params)}})
    return cases


def opt_defaults(rule, seed=85):
    """Two steps of a fresh optimizer built without betas: the defaults of __init__."""
    return opt_chain(rule, seed, steps=2, hypers=[{}], dims_list=([4, 5, 3],),
                     name="default betas, 2 steps")


def opt_chain(rule, seed=90, steps=5, hypers=None, dims_list=([4, 5, 3], [3, 6, 6, 2]),
              name=None):
    """A fresh optimizer stepped several times: the state must carry over between steps."""
    rng = _rng(seed)
    cases = []
    for k, dims in enumerate(dims_list):
        params = _random_net(rng, dims)
        seq = [_random_grads(rng, params, 0.5 * (1 + j)) for j in range(steps)]
        hyper = (hypers or HYPERS[rule])[k]
        cases.append({"name": name or f"{steps} chained steps, layer_dims {dims}, "
                                      f"{hyper or 'no betas'}",
                      "inputs": {"parameters": params, "grad_sequence": seq,
                                 "learning_rate": 0.05, "hyper": hyper}})
    return cases


def opt_dead_units(rule, seed=95):
    """Units whose gradients are exactly 0, from a zero state (a fresh optimizer), two steps:
    their parameters must not move (0 / (sqrt(0) + eps) = 0, not NaN)."""
    rng = _rng(seed)
    cases = []
    for dims, dead, hyper in (([4, 5, 3], [(1, 0), (1, 3)], HYPERS[rule][0]),
                              ([3, 6, 6, 2], [(1, 2), (2, 5)], HYPERS[rule][1])):
        params = _random_net(rng, dims)
        seq = [_random_grads(rng, params, 0.5, dead) for _ in range(2)]
        cases.append({"name": f"dead units {dead} of layer_dims {dims}", "inputs": {
            "parameters": params, "grad_sequence": seq, "learning_rate": 0.1,
            "hyper": hyper}})
    return cases


def opt_training(rule, seed=100, iterations=60):
    """Logistic regression on two Gaussian blobs, trained with the student's optimizer."""
    rng = _rng(seed)
    d, n = 6, 120
    centers = rng.randn(2, d) * 1.2
    X = np.concatenate([centers[k][:, None] + rng.randn(d, n // 2) for k in range(2)], axis=1)
    Y = np.repeat([0.0, 1.0], n // 2)[None, :]
    params = {"W1": rng.randn(1, d) * 0.1, "b1": np.zeros((1, 1))}
    lr = {"gd": 0.5, "momentum": 0.5, "rmsprop": 0.02, "adam": 0.05}[rule]
    return [{"name": f"{iterations} iterations, learning rate {lr:g}", "inputs": {
        "X": X, "Y": Y, "parameters": params, "learning_rate": lr,
        "hyper": HYPERS[rule][2], "iterations": iterations}}]
