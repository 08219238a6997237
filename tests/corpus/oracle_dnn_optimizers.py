"""Oracle checks of dnn-optimizers (seed 003), from the starter's conventions.

Samples are columns; W{l} (n^l, n^{l-1}) drawn as randn(n^l, n^{l-1}) / sqrt(n^{l-1}) per layer
in order, biases zero; ReLU'(0) = 1 (any value in [0, 1] accepted at 0); the activation at every
layer; dZ^L carries the 1/m, so dW = dZ A_prev^T and db = the sum over samples. Optimizers step
every entry of network.parameters; RMSProp and Adam with epsilon outside the square root
(inside accepted), Adam WITHOUT bias correction. Composites (forward_propagation,
NeuralNetwork.initialize / backward, GradientDescent.step) have the TODOs they call answered by
the oracle's functions.
"""

from __future__ import annotations

import types

import numpy as np

try:
    from .oracle import Wrong, expect
except ImportError:  # run as a top-level module in the oracle's child
    from oracle import Wrong, expect

MODULE = "dnn_optimizers"
TODOS = ["initialize_dnn_parameters", "ReLU.forward", "ReLU.derivative", "layer",
         "forward_propagation", "back_propagation", "NeuralNetwork.initialize",
         "NeuralNetwork.backward", "gradient_descent_step", "GradientDescent.step",
         "GradientDescentWithMomentum.step", "RMSProp.step", "Adam.step"]
TODO_FILE = dict.fromkeys(TODOS, "dnn_optimizers.py")


def o_init(layer_dims):
    params = {}
    for i in range(1, len(layer_dims)):
        params[f"W{i}"] = np.random.randn(layer_dims[i], layer_dims[i - 1]) / np.sqrt(
            layer_dims[i - 1])
        params[f"b{i}"] = np.zeros((layer_dims[i], 1))
    return params


class OReLU:
    """ReLU with ReLU'(0) = 1."""

    def forward(self, x):
        return np.maximum(0, x)

    def derivative(self, x):
        return (x >= 0).astype(float)

    def __call__(self, x):
        return self.forward(x)


class OSigmoid:
    def forward(self, x):
        return 1 / (1 + np.exp(-x))

    def derivative(self, x):
        s = self.forward(x)
        return s * (1 - s)

    def __call__(self, x):
        return self.forward(x)


def o_layer(A_prev, W, b, act=None):
    Z = W @ A_prev + b
    return (act or OReLU())(Z), Z


def o_forward(X, parameters, act=None):
    act = act or OReLU()
    L = len(parameters) // 2
    A, caches = X, {"A0": X}
    for i in range(1, L + 1):
        A, Z = o_layer(A, parameters[f"W{i}"], parameters[f"b{i}"], act)
        caches[f"Z{i}"], caches[f"A{i}"] = Z, A
    return A, caches


def o_backward(Y, parameters, caches, act_derivative=None):
    d = act_derivative or OReLU().derivative
    L = len(parameters) // 2
    m = Y.shape[1]
    dZ = (caches[f"A{L}"] - Y) / m * d(caches[f"Z{L}"])
    grads = {}
    for i in range(L, 0, -1):
        grads[f"dW{i}"] = dZ @ caches[f"A{i - 1}"].T
        grads[f"db{i}"] = np.sum(dZ, axis=1, keepdims=True)
        if i > 1:
            dZ = parameters[f"W{i}"].T @ dZ * d(caches[f"Z{i - 1}"])
    return grads


def o_gd_step(parameters, grads, learning_rate):
    for key in list(parameters):
        parameters[key] = parameters[key] - learning_rate * grads["d" + key]


ANSWERED = {"initialize_dnn_parameters": o_init, "layer": o_layer,
            "forward_propagation": o_forward, "back_propagation": o_backward,
            "gradient_descent_step": o_gd_step}


class _answered:
    """Answer the TODO functions a composite calls with the oracle's, for one check."""

    def __init__(self, mod, names):
        self.mod, self.names, self.saved = mod, names, {}

    def __enter__(self):
        for n in self.names:
            if n in vars(self.mod):
                self.saved[n] = getattr(self.mod, n)
                setattr(self.mod, n, ANSWERED[n])

    def __exit__(self, *exc):
        for n, f in self.saved.items():
            setattr(self.mod, n, f)


def _params(rng, dims):
    p = {}
    for i in range(1, len(dims)):
        p[f"W{i}"] = rng.randn(dims[i], dims[i - 1]) * 0.6
        p[f"b{i}"] = rng.randn(dims[i], 1) * 0.3
    return p


def _away_net(seed, dims, m_):
    rng = np.random.RandomState(seed)
    while True:
        p, X = _params(rng, dims), rng.randn(dims[0], m_)
        _, caches = o_forward(X, p)
        if all(np.min(np.abs(caches[f"Z{i}"])) > 1e-3 for i in range(1, len(dims))):
            return p, X, rng.rand(dims[-1], m_)


def check_init(m):
    for dims in ([5, 4, 3], [3, 6, 6, 2], [8, 1]):
        np.random.seed(21)
        got = m[MODULE].initialize_dnn_parameters(list(dims))
        np.random.seed(21)
        want = o_init(dims)
        if not isinstance(got, dict) or set(got) != set(want):
            raise Wrong(f"parameters keys {sorted(got) if isinstance(got, dict) else got}")
        for k in want:
            expect(f"{k} for layer_dims {dims} (np.random.seed(21))", got[k], want[k])


def check_relu_forward(m):
    x = np.random.RandomState(31).randn(4, 5)
    x[0, 0] = 0.0
    expect("ReLU().forward(x)", m[MODULE].ReLU().forward(x.copy()), np.maximum(0, x))


def check_relu_derivative(m):
    x = np.random.RandomState(32).randn(4, 5)
    got = np.asarray(m[MODULE].ReLU().derivative(x.copy()), dtype=float)
    expect("ReLU().derivative(x)", got, OReLU().derivative(x))
    x0 = x.copy()
    x0[:, 0] = 0.0
    at0 = np.asarray(m[MODULE].ReLU().derivative(x0), dtype=float)[:, 0]
    if not np.all((at0 >= 0) & (at0 <= 1)):
        raise Wrong("ReLU().derivative at 0 is outside [0, 1]")


def check_layer(m):
    rng = np.random.RandomState(33)
    for act in (OReLU(), OSigmoid()):
        A_prev, W, b = rng.randn(4, 6), rng.randn(3, 4), rng.randn(3, 1)
        got = m[MODULE].layer(A_prev.copy(), W.copy(), b.copy(), act)
        A, Z = o_layer(A_prev, W, b, act)
        if not isinstance(got, tuple) or len(got) != 2:
            raise Wrong("layer did not return (A, Z)")
        expect(f"A ({type(act).__name__[1:]})", got[0], A)
        expect(f"Z ({type(act).__name__[1:]})", got[1], Z)


def check_forward(m):
    for k, dims in enumerate(([4, 5, 3], [3, 4, 4, 2])):
        for act in (OReLU(), OSigmoid()):
            p, X, _ = _away_net(40 + k, dims, 6)
            with _answered(m[MODULE], ["layer"]):
                got = m[MODULE].forward_propagation(X.copy(), {a: v.copy() for a, v in p.items()},
                                                    act)
            A, caches = o_forward(X, p, act)
            expect(f"A^L ({dims})", got[0], A)
            for key in caches:
                if key not in got[1]:
                    raise Wrong(f"caches['{key}'] missing")
                expect(f"caches['{key}']", got[1][key], caches[key])


def check_backward(m):
    for k, dims in enumerate(([4, 5, 3], [3, 4, 4, 2], [2, 6, 1])):
        for act in (OReLU(), OSigmoid()):
            p, X, Y = _away_net(50 + k, dims, 7)
            _, caches = o_forward(X, p, act)
            got = m[MODULE].back_propagation(Y.copy(), {a: v.copy() for a, v in p.items()},
                                             {a: v.copy() for a, v in caches.items()},
                                             act.derivative)
            want = o_backward(Y, p, caches, act.derivative)
            for key in want:
                if key not in got:
                    raise Wrong(f"grads['{key}'] missing")
                expect(f"grads['{key}'] ({dims}, {type(act).__name__[1:]})", got[key],
                       want[key])


def check_nn_initialize(m):
    for n_x, n_y, n_h, depth in ((4, 2, 5, 3), (3, 1, 6, 2)):
        np.random.seed(61)
        with _answered(m[MODULE], ["initialize_dnn_parameters"]):
            net = m[MODULE].NeuralNetwork(n_x, n_y, n_h, depth)
        np.random.seed(61)
        want = o_init([n_x] + [n_h] * (depth - 1) + [n_y])
        got = getattr(net, "parameters", None)
        if not isinstance(got, dict) or set(got) != set(want):
            raise Wrong(f"network.parameters keys {sorted(got) if isinstance(got, dict) else got}")
        for k in want:
            expect(f"network.parameters['{k}']", got[k], want[k])


def check_nn_backward(m):
    for k, (n_x, n_y, n_h, depth) in enumerate(((4, 2, 5, 3), (3, 1, 6, 2))):
        np.random.seed(71 + k)
        with _answered(m[MODULE], ["initialize_dnn_parameters"]):
            net = m[MODULE].NeuralNetwork(n_x, n_y, n_h, depth, act=OReLU())
        dims = [n_x] + [n_h] * (depth - 1) + [n_y]
        p, X, Y = _away_net(72 + k, dims, 5)
        net.parameters = {a: v.copy() for a, v in p.items()}
        _, caches = o_forward(X, p)
        net.caches = {a: v.copy() for a, v in caches.items()}
        with _answered(m[MODULE], ["back_propagation"]):
            net.backward(Y.copy())
        want = o_backward(Y, p, caches)
        got = getattr(net, "grads", None)
        if not isinstance(got, dict):
            raise Wrong("network.grads is not a dict after backward(Y)")
        for key in want:
            if key not in got:
                raise Wrong(f"network.grads['{key}'] missing")
            expect(f"network.grads['{key}']", got[key], want[key])


def _net(seed, dims=(4, 5, 3)):
    rng = np.random.RandomState(seed)
    p = _params(rng, list(dims))
    return types.SimpleNamespace(parameters=p, grads={"d" + k: rng.randn(*v.shape)
                                                        for k, v in p.items()}), rng


def check_gd_step(m):
    net, _ = _net(81)
    want = {k: v.copy() for k, v in net.parameters.items()}
    o_gd_step(want, net.grads, 0.07)
    params = {k: v.copy() for k, v in net.parameters.items()}
    m[MODULE].gradient_descent_step(params, net.grads, 0.07)
    for k in want:
        expect(f"parameters['{k}'] after the step", params[k], want[k])


def _run_optimizer(m, cls_name, kwargs, update, steps=3):
    net, rng = _net(91)
    opt = getattr(m[MODULE], cls_name)(net, **kwargs)
    state: dict = {}
    want = {k: v.copy() for k, v in net.parameters.items()}
    for step in range(steps):
        if step:
            net.grads = {k: rng.randn(*v.shape) for k, v in net.grads.items()}
        for k in want:
            want[k] = update(k, want[k], net.grads["d" + k], state)
        with _answered(m[MODULE], ["gradient_descent_step"]):
            opt.step()
        for k in want:
            expect(f"{cls_name} step {step + 1}: parameters['{k}']", net.parameters[k], want[k])


def check_gd(m):
    _run_optimizer(m, "GradientDescent", {"learning_rate": 0.05},
                   lambda k, w, g, s: w - 0.05 * g)


def check_momentum(m):
    def update(k, w, g, s):
        s[k] = 0.7 * s.get(k, 0) + 0.3 * g
        return w - 0.05 * s[k]
    _run_optimizer(m, "GradientDescentWithMomentum", {"learning_rate": 0.05, "beta": 0.7},
                   update)


def _either(run):
    try:
        run(False)
    except Wrong as e:
        try:
            run(True)
        except Wrong:
            raise e from None


def check_rmsprop(m):
    def run(inside):
        def update(k, w, g, s):
            s[k] = 0.8 * s.get(k, 0) + 0.2 * g * g
            return w - 0.01 * g / (np.sqrt(s[k] + 1e-8) if inside else np.sqrt(s[k]) + 1e-8)
        _run_optimizer(m, "RMSProp", {"learning_rate": 0.01, "beta": 0.8}, update)
    _either(run)


def check_adam(m):
    def run(inside):
        def update(k, w, g, s):
            v = 0.7 * s.get(("v", k), 0) + 0.3 * g
            q = 0.9 * s.get(("s", k), 0) + 0.1 * g * g
            s[("v", k)], s[("s", k)] = v, q
            return w - 0.01 * v / (np.sqrt(q + 1e-8) if inside else np.sqrt(q) + 1e-8)
        _run_optimizer(m, "Adam", {"learning_rate": 0.01, "beta1": 0.7, "beta2": 0.9}, update)
    _either(run)


CHECKS = {"initialize_dnn_parameters": check_init, "ReLU.forward": check_relu_forward,
          "ReLU.derivative": check_relu_derivative, "layer": check_layer,
          "forward_propagation": check_forward, "back_propagation": check_backward,
          "NeuralNetwork.initialize": check_nn_initialize,
          "NeuralNetwork.backward": check_nn_backward, "gradient_descent_step": check_gd_step,
          "GradientDescent.step": check_gd, "GradientDescentWithMomentum.step": check_momentum,
          "RMSProp.step": check_rmsprop, "Adam.step": check_adam}
