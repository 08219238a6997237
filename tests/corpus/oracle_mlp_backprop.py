"""Oracle checks of mlp-backprop (seed 002), from the starter's conventions.

Section 1: layers with samples as rows; the Loss's dLdz is m times the mean loss's gradient, so
each layer divides its own parameter gradients by m and passes dLdU @ W.T (W before the
update) on. A backward pass is judged by what it returns and by the weights it leaves, with the
derivative methods it calls answered by the oracle's (one bug, charged once). Leaky ReLU's
derivative at 0: anything in [0.01, 1], or 0. Section 2: test functions (the monkey saddle
with either sign), deterministic steps compared exactly, the noisy ones (SGD, momentum)
statistically: mean and spread over many calls.
"""

from __future__ import annotations

import math

import numpy as np

try:
    from .oracle import Wrong, expect
except ImportError:  # run as a top-level module in the oracle's child
    from oracle import Wrong, expect

MODULE = "mlp_backprop"
TODOS = ["Hidden.leaky_relu_derivative", "Hidden.backward_pass",
         "Hidden_Vondrick.vondrick_activation", "Hidden_Vondrick.vondrick_activation_derivative",
         "Hidden_Vondrick.backward_pass", "Output.backward_pass", "NN.predict", "bowl", "mult",
         "monkey", "matyas", "easom", "gradient_descent", "stochastic_gradient_descent",
         "momentum", "adagrad", "adam"]
TODO_FILE = dict.fromkeys(TODOS, "mlp_backprop.py")


def o_leaky_derivative(h):
    return np.where(h > 0, 1.0, 0.01)


def _away(rng, shape):
    x = rng.randn(*shape)
    return np.where(np.abs(x) < 0.05, 0.05 * np.sign(x + 1e-12) + x, x)


def check_leaky_derivative(m):
    rng = np.random.RandomState(1000)
    layer = m[MODULE].Hidden(4, 6)
    h = _away(rng, (5, 6))
    h = np.where(h < 0, 0.01 * h, h)
    expect("leaky_relu_derivative(h)", layer.leaky_relu_derivative(h.copy()), o_leaky_derivative(h))
    h0 = h.copy()
    h0[:, 0] = 0.0
    got = np.asarray(layer.leaky_relu_derivative(h0.copy()), dtype=float)
    expect("leaky_relu_derivative away from 0", got[:, 1:], o_leaky_derivative(h0)[:, 1:])
    at0 = got[:, 0]
    if not np.all(((at0 >= 0.01 - 1e-12) & (at0 <= 1 + 1e-12)) | (at0 == 0)):
        raise Wrong("leaky_relu_derivative at h == 0 is outside [0.01, 1] and not 0")


def _layer_case(rng, m_, n_in, n_out):
    X = rng.randn(m_, n_in)
    W, c = rng.randn(n_in, n_out) * 0.5, rng.randn(1, n_out) * 0.3
    U = X @ W + c
    while np.min(np.abs(U)) < 1e-3:
        c = c + 0.01
        U = X @ W + c
    return X, W, c, U, rng.randn(m_, n_out)


def check_hidden_backward(m):
    cls = m[MODULE].Hidden
    for k, (m_, n_in, n_out) in enumerate([(5, 4, 3), (8, 6, 7), (3, 2, 5)]):
        rng = np.random.RandomState(1010 + k)
        X, W, c, U, dLdh = _layer_case(rng, m_, n_in, n_out)
        h = np.where(U > 0, U, 0.01 * U)
        alpha, lr = 0.05, 0.1
        layer = cls(n_in, n_out)
        layer.W, layer.c = W.copy(), c.copy()
        layer.leaky_relu_derivative = o_leaky_derivative  # answered by the oracle
        got = layer.backward_pass(X.copy(), h.copy(), dLdh.copy(), alpha, lr)
        dU = dLdh * o_leaky_derivative(h)
        expect("for_prev", got, dU @ W.T)
        expect("W after the step", layer.W, W - lr * (X.T @ dU / m_ + alpha * W))
        expect("c after the step", np.reshape(layer.c, (1, -1)),
               c - lr * np.sum(dU, axis=0, keepdims=True) / m_)


def _vondrick(U, n):
    pos = U > 0
    Up = np.where(pos, U, 1.0)
    return (np.where(pos, Up ** n, 0.01 * U), np.where(pos, n * Up ** (n - 1), 0.01),
            np.where(pos, np.log(Up) * Up ** n, 0.0))


def check_vondrick_activation(m):
    rng = np.random.RandomState(1020)
    layer = m[MODULE].Hidden_Vondrick(3, 4)
    for n in (1.5, 1.83):
        layer.vondrick_exponent = n
        U = _away(rng, (6, 4))
        expect(f"vondrick_activation (n = {n})", layer.vondrick_activation(U.copy()),
               _vondrick(U, n)[0])


def check_vondrick_derivative(m):
    rng = np.random.RandomState(1030)
    layer = m[MODULE].Hidden_Vondrick(3, 4)
    for n in (1.5, 1.83):
        layer.vondrick_exponent = n
        layer.U = _away(rng, (6, 4))
        got = layer.vondrick_activation_derivative()
        if not isinstance(got, tuple) or len(got) != 2:
            raise Wrong("vondrick_activation_derivative did not return (dh_dU, dh_dexponent)")
        _, dU, dn = _vondrick(layer.U, n)
        expect(f"dh_dU (n = {n})", got[0], dU)
        expect(f"dh_dexponent (n = {n})", got[1], dn)


def check_vondrick_backward(m):
    cls = m[MODULE].Hidden_Vondrick
    for k, (m_, n_in, n_out) in enumerate([(5, 4, 3), (7, 3, 6)]):
        rng = np.random.RandomState(1040 + k)
        X, W, c, U, dLdh = _layer_case(rng, m_, n_in, n_out)
        n, alpha = 1.7, 0.05
        layer = cls(n_in, n_out)
        layer.W, layer.c, layer.U, layer.vondrick_exponent = W.copy(), c.copy(), U.copy(), n
        h, dhdU, dhdn = _vondrick(U, n)

        def answered(_self=layer, a=dhdU, b=dhdn):
            return a.copy(), b.copy()
        layer.vondrick_activation_derivative = answered
        got = layer.backward_pass(X.copy(), h.copy(), dLdh.copy(), alpha, 0.0005)
        dU = dLdh * dhdU
        expect("for_prev", got, dU @ W.T)
        expect("W after the step", layer.W, W - 0.0005 * (X.T @ dU / m_ + alpha * W))
        expect("c after the step", np.reshape(layer.c, (1, -1)),
               c - 0.0005 * np.sum(dU, axis=0, keepdims=True) / m_)
        # the step of the exponent itself (it is small beside the exponent)
        expect("the exponent's step", n - float(layer.vondrick_exponent),
               n - max(1.01, n - 0.001 * np.sum(dLdh * dhdn) / m_))


def check_output_backward(m):
    cls = m[MODULE].Output
    for k, (m_, n_in, n_out) in enumerate([(5, 4, 3), (9, 6, 10)]):
        rng = np.random.RandomState(1050 + k)
        h, w, b = rng.randn(m_, n_in), rng.randn(n_in, n_out) * 0.5, rng.randn(1, n_out) * 0.2
        dLdz, alpha, lr = rng.randn(m_, n_out), 0.03, 0.2
        layer = cls(n_in, n_out)
        layer.w, layer.b = w.copy(), b.copy()
        got = layer.backward_pass(h.copy(), dLdz.copy(), alpha, lr)
        expect("dLdh", got, dLdz @ w.T)
        expect("w after the step", layer.w, w - lr * (h.T @ dLdz / m_ + alpha * w))
        expect("b after the step", np.reshape(layer.b, (1, -1)),
               b - lr * np.sum(dLdz, axis=0, keepdims=True) / m_)


def check_predict(m):
    mod = m[MODULE]
    rng = np.random.RandomState(1060)
    net = mod.NN()
    net.add_layer("Hidden", 5, 8)
    net.add_layer("Hidden", 8, 6)
    net.add_layer("Output", 6, 4)
    net.add_layer("Loss", 4, 4)
    X = rng.randn(12, 5)
    h = X
    for layer in net.hidden_layers:
        U = h @ layer.W + layer.c
        h = np.where(U > 0, U, 0.01 * U)
    want = np.argmax(h @ net.output_layer.w + net.output_layer.b, axis=1)
    got = np.asarray(net.predict(X.copy()))
    if got.shape not in (want.shape, (want.size, 1)):
        raise Wrong(f"predictions of shape {got.shape}, expected {want.shape}")
    if not np.array_equal(got.reshape(-1).astype(int), want):
        raise Wrong("predictions differ from the argmax of the output layer's scores")


FUNCS = {
    "bowl": [lambda x, y: x ** 2 + y ** 2],
    "mult": [lambda x, y: np.sin(np.sqrt(x ** 2 + y ** 2))],
    "monkey": [lambda x, y: x ** 3 - 3 * x * y ** 2, lambda x, y: x ** 3 + 3 * x * y ** 2],
    "matyas": [lambda x, y: 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y],
    "easom": [lambda x, y: -np.cos(x) * np.cos(y) * np.exp(-((x - math.pi) ** 2
                                                             + (y - math.pi) ** 2))],
}


def func_check(name):
    def check(m):
        got = getattr(m[MODULE], name)()
        if not isinstance(got, tuple) or len(got) != 2:
            raise Wrong(f"{name}() did not return (f, opt)")
        f = got[0]
        rng = np.random.RandomState(1070)
        xs, ys = rng.uniform(-3, 5, 40), rng.uniform(-3, 5, 40)
        vals = np.array([float(f(float(a), float(b))) for a, b in zip(xs, ys, strict=True)])
        expect(f"{name} at numbers", vals, [g(xs, ys) for g in FUNCS[name]])
        X, Y = np.meshgrid(np.linspace(-2, 4, 7), np.linspace(-1, 5, 5))
        expect(f"{name} on a meshgrid", f(X, Y), [g(X, Y) for g in FUNCS[name]])
    return check


def check_gd(m):
    for x, y, dx, dy, a in [(1.0, -2.0, 0.5, 3.0, 0.1), (-0.3, 0.7, -2.0, 0.25, 0.01)]:
        got = m[MODULE].gradient_descent(x, y, dx, dy, {"alpha": a})
        expect("(x, y)", np.asarray(got, dtype=float), np.array([x - a * dx, y - a * dy]))


def _draws(call, n=3000):
    return np.array([np.asarray(call(), dtype=float) for _ in range(n)])


def check_sgd(m):
    x, y, dx, dy, a = 1.0, -2.0, 0.5, 3.0, 0.1
    got = _draws(lambda: m[MODULE].stochastic_gradient_descent(x, y, dx, dy, {"alpha": a}))
    mean, sd = got.mean(axis=0), got.std(axis=0)
    if np.any(np.abs(mean - [x - a * dx, y - a * dy]) > 5 * a / math.sqrt(len(got))):
        raise Wrong(f"mean of (x, y) over {len(got)} calls is {mean}, expected "
                    f"{[x - a * dx, y - a * dy]}")
    if np.any(np.abs(sd / a - 1) > 0.15):
        raise Wrong(f"spread of (x, y) is {sd}, expected alpha * 1 = {a}")


def check_momentum(m):
    x, y, dx, dy, vx, vy, a, g = 1.0, -2.0, 0.5, 3.0, 0.2, -0.1, 0.1, 0.8
    got = _draws(lambda: m[MODULE].momentum(x, y, dx, dy, vx, vy, {"alpha": a, "gamma": g}))
    if got.shape[1] != 4:
        raise Wrong("momentum did not return (x, y, v_x, v_y)")
    want_v = np.array([g * vx + a * dx, g * vy + a * dy])
    if np.any(np.abs(got[:, 2:].mean(axis=0) - want_v) > 5 * a / math.sqrt(len(got))):
        raise Wrong(f"mean velocity {got[:, 2:].mean(axis=0)}, expected {want_v}")
    if np.any(np.abs(got[:, 2:].std(axis=0) / a - 1) > 0.15):
        raise Wrong(f"spread of the velocity {got[:, 2:].std(axis=0)}, expected alpha = {a}")
    expect("x - v (each call)", got[:, :2], np.array([x, y]) - got[:, 2:])


def _inside(num, second, eps, inside):
    return num / math.sqrt(second + eps) if inside else num / (math.sqrt(second) + eps)


def check_adagrad(m):
    for inside in (True, False):
        try:
            x, y, vx, vy = 1.0, -2.0, 0.0, 0.0
            ox, oy, ovx, ovy = x, y, vx, vy
            for step, (dx, dy) in enumerate([(0.5, 3.0), (-1.0, 0.2), (0.3, -0.7)]):
                got = m[MODULE].adagrad(x, y, dx, dy, vx, vy, {"alpha": 0.1, "eps": 1e-8})
                ovx, ovy = ovx + dx * dx, ovy + dy * dy
                ox, oy = ox - 0.1 * _inside(dx, ovx, 1e-8, inside), \
                    oy - 0.1 * _inside(dy, ovy, 1e-8, inside)
                expect(f"adagrad step {step + 1}", np.asarray(got, dtype=float),
                       np.array([ox, oy, ovx, ovy]))
                x, y, vx, vy = (float(v) for v in got)
            return
        except Wrong as e:
            if not inside:
                raise e from None


def check_adam(m):
    hp = {"alpha": 0.05, "eps": 1e-8, "beta_1": 0.8, "beta_2": 0.95}
    for inside in (True, False):
        try:
            state = [1.0, -2.0, 0.0, 0.0, 0.0, 0.0]
            o = list(state)
            for i, (dx, dy) in enumerate([(0.5, 3.0), (-1.0, 0.2), (0.3, -0.7), (2.0, 1.0)]):
                got = m[MODULE].adam(state[0], state[1], dx, dy, *state[2:], i, hp)
                t = i + 1
                for j, d in ((0, dx), (1, dy)):
                    o[2 + j] = hp["beta_1"] * o[2 + j] + (1 - hp["beta_1"]) * d
                    o[4 + j] = hp["beta_2"] * o[4 + j] + (1 - hp["beta_2"]) * d * d
                    fh, sh = o[2 + j] / (1 - hp["beta_1"] ** t), o[4 + j] / (1 - hp["beta_2"] ** t)
                    o[j] = o[j] - hp["alpha"] * _inside(fh, sh, hp["eps"], inside)
                expect(f"adam step {i + 1}", np.asarray(got, dtype=float), np.array(o))
                state = [float(v) for v in got]
            return
        except Wrong as e:
            if not inside:
                raise e from None


CHECKS = {"Hidden.leaky_relu_derivative": check_leaky_derivative,
          "Hidden.backward_pass": check_hidden_backward,
          "Hidden_Vondrick.vondrick_activation": check_vondrick_activation,
          "Hidden_Vondrick.vondrick_activation_derivative": check_vondrick_derivative,
          "Hidden_Vondrick.backward_pass": check_vondrick_backward,
          "Output.backward_pass": check_output_backward, "NN.predict": check_predict,
          **{name: func_check(name) for name in FUNCS},
          "gradient_descent": check_gd, "stochastic_gradient_descent": check_sgd,
          "momentum": check_momentum, "adagrad": check_adagrad, "adam": check_adam}
