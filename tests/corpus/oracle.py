"""An independent oracle for fc-optim: is each TODO of a submission right, as a careful TA says?

Written from the homework's math (seed 000 and the starter's docstrings), not from the grader:
it imports nothing of ``grader``, ``reference`` or the assignment's drivers and case generators.
For every TODO it runs the student's function on fresh random inputs (its own seeds) and
compares with the math below, with these rules:

- Blocks (affine/ReLU forward and backward) are judged on their own outputs. A forward pass's
  cache is fine when the documented backward pass, or the student's own, gets the right
  gradients from it; a backward pass is judged from the documented cache, or else from the
  student's own forward cache.
- Composites (the sandwich and FullyConnectedNet.loss) are judged by their RESULT, as if
  their blocks were right: every block name in the student's modules is answered by the
  oracle's own implementation, whatever the composite calls, in whatever order (inlined code
  is the student's and is judged as such). The sandwich's backward pass is judged from the
  student's own forward cache, or else from the starter's ``((x, w, b), a)``.
  FullyConnectedNet.loss runs on a net built by the student's constructor, with its params
  set by the oracle (so an __init__ bug is not charged twice).
- ReLU at exactly 0: any derivative in [0, 1] is accepted; the other checks stay away from
  the kink. Epsilon inside or outside the square root is accepted (RMSProp, Adam).
- Update rules follow the documented API: config keys velocity / a / v / t, t incremented
  before the bias corrections, documented defaults for config=None, dw never modified.

Each submission is judged in a child process (``python oracle.py --child DIR OUT``), with an
alarm per TODO, so a hanging or crashing submission costs only its own verdicts.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import tokenize
import traceback
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np

TODOS = ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
         "affine_relu_forward", "affine_relu_backward", "FullyConnectedNet.__init__",
         "FullyConnectedNet.loss", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]
TODO_FILE = {"affine_forward": "nndl/layers.py", "affine_backward": "nndl/layers.py",
             "relu_forward": "nndl/layers.py", "relu_backward": "nndl/layers.py",
             "affine_relu_forward": "nndl/layer_utils.py",
             "affine_relu_backward": "nndl/layer_utils.py",
             "FullyConnectedNet.__init__": "nndl/fc_net.py",
             "FullyConnectedNet.loss": "nndl/fc_net.py", "sgd_momentum": "nndl/optim.py",
             "sgd_nesterov_momentum": "nndl/optim.py", "rmsprop": "nndl/optim.py",
             "adam": "nndl/optim.py"}
TOL = 1e-5
TODO_SECONDS = 20
CHILD_SECONDS = 180


class Wrong(Exception):
    """A check found the student's answer wrong; the message says how."""


def rel_error(x, y) -> float:
    """max |x - y| / max(1e-8, |x| + |y|), with shape mismatch and NaN as infinity."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or not np.all(np.isfinite(x)):
        return float("inf")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def expect(name: str, got, want, tol: float = TOL) -> None:
    """Raise Wrong unless ``got`` matches ``want`` (an array or a list of accepted arrays)."""
    wants = want if isinstance(want, list) else [want]
    if got is None:
        raise Wrong(f"{name} is None")
    try:
        errs = [rel_error(got, w) for w in wants]
    except (TypeError, ValueError) as e:
        raise Wrong(f"{name}: not an array ({e})") from None
    if min(errs) > tol:
        shape = getattr(np.asarray(got, dtype=object), "shape", "?")
        raise Wrong(f"{name}: rel error {min(errs):.2e} (shape {shape}, expected "
                    f"{np.shape(wants[0])})")


# ------------------------------------------------------------------ the math, written here


def o_affine_forward(x, w, b):
    """out = x reshaped to (N, D) times w plus b; cache (x, w, b)."""
    return x.reshape(x.shape[0], -1).dot(w) + b, (x, w, b)


def o_affine_backward(dout, cache):
    """Gradients of out = x2 w + b, with dx reshaped back to x's shape."""
    x, w, _b = cache
    x2 = x.reshape(x.shape[0], -1)
    return dout.dot(w.T).reshape(x.shape), x2.T.dot(dout), dout.sum(axis=0)


def o_relu_forward(x):
    """max(0, x); cache x."""
    return np.maximum(0, x), x


def o_relu_backward(dout, cache):
    """dout where x > 0, else 0."""
    return dout * (cache > 0)


def o_affine_relu_forward(x, w, b):
    """relu(affine(x)); cache (fc_cache, relu_cache)."""
    a, fc = o_affine_forward(x, w, b)
    out, rc = o_relu_forward(a)
    return out, (fc, rc)


def o_affine_relu_backward(dout, cache):
    """Backward of the sandwich from the cache of o_affine_relu_forward."""
    fc, rc = cache
    return o_affine_backward(o_relu_backward(dout, rc), fc)


def o_softmax_loss(x, y):
    """Mean cross-entropy of softmax(x) at labels y, and its gradient."""
    shifted = x - x.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -logp[np.arange(n), y].mean()
    dx = np.exp(logp)
    dx[np.arange(n), y] -= 1
    return loss, dx / n


def o_svm_loss(x, y):
    """Multiclass hinge loss (given code of the starter, here for completeness)."""
    n = x.shape[0]
    correct = x[np.arange(n), y][:, None]
    margins = np.maximum(0, x - correct + 1.0)
    margins[np.arange(n), y] = 0
    loss = margins.sum() / n
    dx = (margins > 0).astype(float)
    dx[np.arange(n), y] -= dx.sum(axis=1)
    return loss, dx / n


BLOCKS = {"affine_forward": o_affine_forward, "affine_backward": o_affine_backward,
          "relu_forward": o_relu_forward, "relu_backward": o_relu_backward,
          "affine_relu_forward": o_affine_relu_forward,
          "affine_relu_backward": o_affine_relu_backward,
          "softmax_loss": o_softmax_loss, "svm_loss": o_svm_loss}


GIVEN = ("softmax_loss", "svm_loss")


def o_net(params, X, y, reg, n_layers):
    """Loss, gradients and scores of {affine - relu} x (L - 1) - affine - softmax."""
    h = X.reshape(X.shape[0], -1)
    hs, pre = [h], []
    for i in range(1, n_layers + 1):
        a = h.dot(params[f"W{i}"]) + params[f"b{i}"]
        pre.append(a)
        h = np.maximum(0, a) if i < n_layers else a
        hs.append(h)
    scores = h
    loss, d = o_softmax_loss(scores, y)
    loss += 0.5 * reg * sum(np.sum(params[f"W{i}"] ** 2) for i in range(1, n_layers + 1))
    grads = {}
    for i in range(n_layers, 0, -1):
        if i < n_layers:
            d = d * (pre[i - 1] > 0)
        grads[f"W{i}"] = hs[i - 1].T.dot(d) + reg * params[f"W{i}"]
        grads[f"b{i}"] = d.sum(axis=0)
        d = d.dot(params[f"W{i}"].T)
    return loss, grads, scores


def o_sgd_momentum(w, dw, c):
    v = c["momentum"] * c["velocity"] - c["learning_rate"] * dw
    return [w + v], {"velocity": v}


def o_nesterov(w, dw, c):
    v_prev = c["velocity"]
    v = c["momentum"] * v_prev - c["learning_rate"] * dw
    return [w + v + c["momentum"] * (v - v_prev)], {"velocity": v}


def _scaled(num, second, eps, inside):
    """num / (sqrt(second) + eps), or num / sqrt(second + eps) with epsilon inside."""
    return num / np.sqrt(second + eps) if inside else num / (np.sqrt(second) + eps)


def o_rmsprop(w, dw, c, inside=False):
    a = c["decay_rate"] * c["a"] + (1 - c["decay_rate"]) * dw * dw
    return [w - c["learning_rate"] * _scaled(dw, a, c["epsilon"], inside)], {"a": a}


def o_adam(w, dw, c, inside=False):
    t = c["t"] + 1
    v = c["beta1"] * c["v"] + (1 - c["beta1"]) * dw
    a = c["beta2"] * c["a"] + (1 - c["beta2"]) * dw * dw
    vh, ah = v / (1 - c["beta1"] ** t), a / (1 - c["beta2"] ** t)
    return [w - c["learning_rate"] * _scaled(vh, ah, c["epsilon"], inside)], \
        {"v": v, "a": a, "t": t}


RULES = {
    "sgd_momentum": (o_sgd_momentum, {"learning_rate": 1e-2, "momentum": 0.9},
                     {"velocity": "zeros"}),
    "sgd_nesterov_momentum": (o_nesterov, {"learning_rate": 1e-2, "momentum": 0.9},
                              {"velocity": "zeros"}),
    "rmsprop": (o_rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
                {"a": "zeros"}),
    "adam": (o_adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
             {"v": "zeros", "a": "zeros", "t": 0}),
}


# ------------------------------------------------------------------ checks of each TODO


def _rng(seed: int) -> np.random.RandomState:
    return np.random.RandomState(seed)


def _away(shape, rng, margin=0.05):
    """Random values with |x| >= margin (no ReLU kink in reach)."""
    x = rng.randn(*shape)
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin + x, x)


def _pair(result, name):
    if not isinstance(result, tuple) or len(result) != 2:
        raise Wrong(f"{name} did not return a pair (got {type(result).__name__})")
    return result


def check_affine_forward(m):
    f, back = m["layers"].affine_forward, getattr(m["layers"], "affine_backward", None)
    for k, (xs, d_out) in enumerate([((4, 6), 3), ((3, 2, 5), 4), ((5, 3, 2, 2), 7)]):
        rng = _rng(100 + k)
        x, w, b = rng.randn(*xs), rng.randn(int(np.prod(xs[1:])), d_out), rng.randn(d_out)
        out, cache = _pair(f(x.copy(), w.copy(), b.copy()), "affine_forward")
        want, _ = o_affine_forward(x, w, b)
        expect("out", out, want)
        dout = rng.randn(*want.shape)
        good = o_affine_backward(dout, (x, w, b))
        usable = False
        for backward in (o_affine_backward, back):
            with contextlib.suppress(Exception):
                got = backward(dout, cache)
                if all(rel_error(g, e) < TOL for g, e in zip(got, good, strict=True)):
                    usable = True
                    break
        if not usable:
            raise Wrong("the cache gives wrong gradients in the backward pass (own and "
                        "documented)")


def check_affine_backward(m):
    f, fwd = m["layers"].affine_backward, getattr(m["layers"], "affine_forward", None)
    for k, (xs, d_out) in enumerate([((4, 6), 3), ((3, 2, 5), 4), ((6, 3, 2, 2), 5)]):
        rng = _rng(200 + k)
        x, w, b = rng.randn(*xs), rng.randn(int(np.prod(xs[1:])), d_out), rng.randn(d_out)
        dout = rng.randn(xs[0], d_out)
        want = o_affine_backward(dout, (x, w, b))
        errors = []
        caches = ["documented", "own"] if fwd is not None else ["documented"]
        for kind in caches:
            try:
                cache = (x.copy(), w.copy(), b.copy()) if kind == "documented" else \
                    fwd(x.copy(), w.copy(), b.copy())[1]
                got = f(dout.copy(), cache)
                if not isinstance(got, tuple) or len(got) != 3:
                    raise Wrong("did not return (dx, dw, db)")
                for name, g, e in zip(("dx", "dw", "db"), got, want, strict=True):
                    expect(name, g, e)
                break
            except Exception as e:  # noqa: BLE001 - the student's code may raise anything
                errors.append(f"{type(e).__name__}: {e}")
        else:
            raise Wrong("; ".join(errors))


def check_relu_forward(m):
    for k, shape in enumerate([(4, 5), (3, 2, 6), (7,)]):
        rng = _rng(300 + k)
        x = rng.randn(*shape)
        x.flat[::4] = 0.0
        out, _cache = _pair(m["layers"].relu_forward(x.copy()), "relu_forward")
        expect("out", out, np.maximum(0, x))


def check_relu_backward(m):
    for k, shape in enumerate([(4, 5), (3, 2, 6), (10,)]):
        rng = _rng(400 + k)
        x, dout = _away(shape, rng), rng.randn(*shape)
        expect("dx (away from 0)", m["layers"].relu_backward(dout.copy(), x.copy()),
               o_relu_backward(dout, x))
    rng = _rng(410)
    x, dout = rng.randn(5, 6), rng.randn(5, 6)
    x.flat[::3] = 0.0
    got = np.asarray(m["layers"].relu_backward(dout.copy(), x.copy()), dtype=float)
    if got.shape != x.shape:
        raise Wrong(f"dx has shape {got.shape}")
    off = x != 0
    expect("dx (with zeros)", got[off], o_relu_backward(dout, x)[off])
    lo, hi = np.minimum(0, dout[~off]), np.maximum(0, dout[~off])
    if not np.all((got[~off] >= lo - 1e-12) & (got[~off] <= hi + 1e-12)):
        raise Wrong("dx at x == 0 is not between 0 and dout")


def _sandwich_inputs(k):
    rng = _rng(500 + k)
    shapes = [((4, 6), 5), ((3, 2, 4), 6), ((6, 5), 3)][k]
    x, w = rng.randn(*shapes[0]), rng.randn(int(np.prod(shapes[0][1:])), shapes[1])
    b = rng.randn(shapes[1])
    while np.min(np.abs(o_affine_forward(x, w, b)[0])) < 1e-3:
        b = b + 0.01
    return x, w, b, rng.randn(shapes[0][0], shapes[1])


def check_affine_relu_forward(m):
    for k in range(3):
        x, w, b, _ = _sandwich_inputs(k)
        out, _cache = _pair(m["layer_utils"].affine_relu_forward(x.copy(), w.copy(), b.copy()),
                            "affine_relu_forward")
        expect("out", out, o_affine_relu_forward(x, w, b)[0])


def check_affine_relu_backward(m):
    lu = m["layer_utils"]
    for k in range(3):
        x, w, b, dout = _sandwich_inputs(k)
        want = o_affine_relu_backward(dout, o_affine_relu_forward(x, w, b)[1])
        errors = []
        for own in (True, False):
            try:
                if own:
                    cache = _pair(lu.affine_relu_forward(x.copy(), w.copy(), b.copy()),
                                  "affine_relu_forward")[1]
                else:
                    cache = ((x.copy(), w.copy(), b.copy()),
                             o_affine_forward(x, w, b)[0])
                got = lu.affine_relu_backward(dout.copy(), cache)
                if not isinstance(got, tuple) or len(got) != 3:
                    raise Wrong("did not return (dx, dw, db)")
                for name, g, e in zip(("dx", "dw", "db"), got, want, strict=True):
                    expect(name, g, e)
                break
            except Exception as e:  # noqa: BLE001
                errors.append(f"{'own' if own else 'starter'} cache: {type(e).__name__}: {e}")
        else:
            raise Wrong("; ".join(errors))


NET_DIMS = [(12, [9, 7], 5, 0.0), (8, [6], 4, 0.7), (2 * 3 * 2, [5, 6, 4], 3, 1.3)]


def _build(m, hidden, d, c, reg, scale):
    return m["fc_net"].FullyConnectedNet(hidden, input_dim=d, num_classes=c, reg=reg,
                                         weight_scale=scale, dtype=np.float64)


def check_fc_init(m):
    np.random.seed(7)
    for d, hidden, c, scale in [(30, [40, 25], 12, 5e-2), (20, [30], 15, 1e-1)]:
        net = _build(m, hidden, d, c, 0.0, scale)
        dims = [d, *hidden, c]
        want = {f"W{i}" for i in range(1, len(dims))} | {f"b{i}" for i in range(1, len(dims))}
        if set(net.params) != want:
            raise Wrong(f"params keys {sorted(net.params)}, expected {sorted(want)}")
        for i in range(1, len(dims)):
            W, bb = np.asarray(net.params[f"W{i}"]), np.asarray(net.params[f"b{i}"])
            if W.shape != (dims[i - 1], dims[i]) or bb.shape != (dims[i],):
                raise Wrong(f"W{i} {W.shape} / b{i} {bb.shape}, expected "
                            f"{(dims[i - 1], dims[i])} / {(dims[i],)}")
            if np.any(bb != 0):
                raise Wrong(f"b{i} is not zero")
            if abs(W.std() / scale - 1) > 0.15:
                raise Wrong(f"W{i} has std {W.std():.3g}, expected weight_scale {scale}")


def _oracle_params(rng, dims):
    params = {}
    for i in range(1, len(dims)):
        params[f"W{i}"] = rng.randn(dims[i - 1], dims[i]) * 0.3
        params[f"b{i}"] = rng.randn(dims[i]) * 0.1
    return params


def check_fc_loss(m):
    for k, (d, hidden, c, reg) in enumerate(NET_DIMS):
        rng = _rng(600 + k)
        dims = [d, *hidden, c]
        n = 4 + k
        while True:
            params = _oracle_params(rng, dims)
            X = rng.randn(n, d) if k != 2 else rng.randn(n, 2, 3, 2)
            y = rng.randint(c, size=n)
            h, near = X.reshape(n, -1), False
            for i in range(1, len(dims) - 1):
                a = h.dot(params[f"W{i}"]) + params[f"b{i}"]
                near |= bool(np.min(np.abs(a)) < 1e-3)
                h = np.maximum(0, a)
            if not near:
                break
        want_loss, want_grads, want_scores = o_net(params, X, y, reg, len(dims) - 1)
        np.random.seed(11)
        net = _build(m, hidden, d, c, reg, 1e-2)
        net.params = {key: v.copy() for key, v in params.items()}
        got = net.loss(X.copy(), y.copy())
        if not isinstance(got, tuple) or len(got) != 2:
            raise Wrong(f"loss(X, y) did not return (loss, grads) ({type(got).__name__})")
        loss, grads = got
        expect(f"net {dims} reg {reg}: loss", loss, want_loss)
        if not isinstance(grads, dict) or set(grads) != set(want_grads):
            raise Wrong(f"grads keys {sorted(grads) if isinstance(grads, dict) else grads}")
        for key in sorted(want_grads):
            expect(f"net {dims} reg {reg}: grads[{key}]", grads[key], want_grads[key])
        net.params = {key: v.copy() for key, v in params.items()}
        expect(f"net {dims}: scores (y=None)", net.loss(X.copy()), want_scores)


def _state_like(w, state, rng):
    out = {}
    for key, default in state.items():
        if default == "zeros":
            out[key] = rng.randn(*w.shape) * 0.3 if key == "velocity" else \
                rng.rand(*w.shape) * 0.2 if key == "a" else rng.randn(*w.shape) * 0.1
        else:
            out[key] = 4
    return out


def _compare_step(name, rule, c_in, got, oracle):
    next_w, config = _pair(got, name)
    accepted, new_state = oracle
    expect(f"{rule} next_w", next_w, accepted)
    if not isinstance(config, dict):
        raise Wrong(f"{rule} returned config of type {type(config).__name__}")
    for key, value in new_state.items():
        if key not in config:
            raise Wrong(f"{rule}: config['{key}'] missing after the update")
        expect(f"{rule} config['{key}']", config[key], value)


def check_rule(m, rule):
    """All checks of an update rule, with epsilon outside the square root or, for RMSProp and
    Adam, inside it (one placement throughout: the chained steps follow the one chosen)."""
    f = getattr(m["optim"], rule)
    oracle, defaults, state = RULES[rule]
    if rule not in ("rmsprop", "adam"):
        return _check_rule(f, rule, oracle, defaults, state)
    try:
        _check_rule(f, rule, oracle, defaults, state)
    except Wrong as outside:
        try:
            _check_rule(f, rule, lambda w, dw, c: oracle(w, dw, c, inside=True), defaults, state)
        except Wrong:
            raise outside from None


def _check_rule(f, rule, oracle, defaults, state):
    hyper = {"sgd_momentum": {"learning_rate": 3e-2, "momentum": 0.7},
             "sgd_nesterov_momentum": {"learning_rate": 3e-2, "momentum": 0.7},
             "rmsprop": {"learning_rate": 2e-2, "decay_rate": 0.9, "epsilon": 1e-8},
             "adam": {"learning_rate": 2e-2, "beta1": 0.8, "beta2": 0.95,
                      "epsilon": 1e-8}}[rule]
    for k, shape in enumerate([(4, 5), (3, 2, 3), (9,)]):
        rng = _rng(700 + k)
        w, dw = rng.randn(*shape), rng.randn(*shape)
        # one step from a non-zero state
        c = {**hyper, **_state_like(w, state, rng)}
        dw_copy = dw.copy()
        want = oracle(w, dw, c)
        got = f(w.copy(), dw_copy, {key: (v.copy() if hasattr(v, "copy") else v)
                                    for key, v in c.items()})
        _compare_step(rule, rule, c, got, want)
        if not np.array_equal(dw_copy, dw):
            raise Wrong(f"{rule} modified dw")
        # three chained steps from a fresh state (hyperparameters only)
        cw, cfg, ocfg = w.copy(), dict(hyper), {**hyper, **{
            key: (np.zeros_like(w) if v == "zeros" else 0) for key, v in state.items()}}
        ow = w.copy()
        for step in range(3):
            g = rng.randn(*shape)
            accepted, new = oracle(ow, g, ocfg)
            got = f(cw.copy(), g.copy(), cfg)
            _compare_step(f"{rule} chained step {step + 1}", rule, cfg, got, (accepted, new))
            cw, cfg = got
            cw = np.array(cw, dtype=float)
            ow = accepted[0]
            ocfg = {**ocfg, **new}
    # config=None: the documented defaults
    rng = _rng(790)
    w, dw = rng.randn(3, 4), rng.randn(3, 4)
    c = {**defaults, **{key: (np.zeros_like(w) if v == "zeros" else 0)
                        for key, v in state.items()}}
    _compare_step(f"{rule} config=None", rule, c, f(w.copy(), dw.copy(), None), oracle(w, dw, c))


CHECKS: dict[str, Callable] = {
    "affine_forward": check_affine_forward, "affine_backward": check_affine_backward,
    "relu_forward": check_relu_forward, "relu_backward": check_relu_backward,
    "affine_relu_forward": check_affine_relu_forward,
    "affine_relu_backward": check_affine_relu_backward,
    "FullyConnectedNet.__init__": check_fc_init, "FullyConnectedNet.loss": check_fc_loss,
    **{rule: (lambda m, r=rule: check_rule(m, r)) for rule in RULES},
}
COMPOSITES = {"affine_relu_forward", "affine_relu_backward", "FullyConnectedNet.loss"}


# ------------------------------------------------------------------ the child process


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout()


def _answer_blocks(mod: types.ModuleType, short: str) -> None:
    """Answer the block names a module holds with the oracle's functions: in layers.py the
    blocks themselves, elsewhere the names imported from layers.py (a helper of the same name
    that the student wrote in that file is the student's code and stays)."""
    for name, fn in BLOCKS.items():
        held = vars(mod).get(name)
        if name in GIVEN and (held is None or getattr(held, "__module__", "") == "nndl.layers"):
            setattr(mod, name, fn)  # given code: the assignment's, whatever was submitted
            continue
        if held is None or name.startswith("affine_relu"):
            continue
        if short == "layers" or getattr(held, "__module__", "") in ("nndl.layers", None):
            setattr(mod, name, fn)


def _statements(source: str) -> list[str]:
    """The module's top-level statements as source chunks, found with the tokenizer (so a
    Python-2 ``print`` or a broken block costs only its own statement)."""
    lines = source.splitlines(keepends=True)
    starts: list[int] = []
    at_start = True
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in skip:
            continue
        if tok.type == tokenize.NEWLINE:
            at_start = True
            continue
        if at_start and tok.start[1] == 0:
            glued = tok.string in ("elif", "else", "except", "finally") or (
                bool(starts) and lines[starts[-1] - 1].lstrip().startswith("@"))
            if not glued:
                starts.append(tok.start[0])
        at_start = False
    bounds = starts + [len(lines) + 1]
    return ["".join(lines[a - 1:b - 1]) for a, b in zip(bounds, bounds[1:], strict=False)]


def load_tolerant(path: Path, name: str, package: str = "") -> tuple[types.ModuleType, int]:
    """Load a student's module statement by statement, skipping the statements that do not
    compile or fail (a missing module such as scipy, a Python-2 print); returns the module
    and how many statements were skipped."""
    mod = types.ModuleType(name)
    mod.__file__, mod.__package__ = str(path), package
    sys.modules[name] = mod
    skipped = 0
    for chunk in _statements(path.read_text(errors="replace")):
        try:
            code = compile(chunk, str(path), "exec")
        except SyntaxError:
            skipped += 1
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, mod.__dict__)  # noqa: S102 - the student's module, in our child
        except Exception:  # noqa: BLE001
            skipped += 1
    return mod, skipped


def import_student(root: Path, name: str) -> tuple[types.ModuleType | None, str]:
    """Import ``name`` (dotted, under ``root``) normally or else statement by statement;
    (None, the error) when neither works."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return importlib.import_module(name), ""
    except BaseException:  # noqa: BLE001
        error = traceback.format_exc(limit=2)
    with contextlib.suppress(Exception):
        path = root / (name.replace(".", "/") + ".py")
        return load_tolerant(path, name, name.rpartition(".")[0])[0], ""
    sys.modules.pop(name, None)
    return None, error


def run_checks(checks: dict[str, Callable], mods: dict, todos: list[str], out: Path,
               module_of: Callable[[str], str], prepare: Callable | None = None) -> None:
    """Run each TODO's check with an alarm; write {todo: {verdict, why}} to ``out`` as it goes
    (so a child that dies still leaves the verdicts before it)."""
    signal.signal(signal.SIGALRM, _alarm)
    verdicts: dict[str, dict] = {}
    for todo in todos:
        these = prepare(todo) if prepare else mods
        module = module_of(todo)
        if these.get(module) is None:
            verdicts[todo] = {"verdict": "incorrect", "why": "import failed: " +
                              str(these.get(f"{module}:error", ""))[-300:]}
            out.write_text(json.dumps(verdicts))
            continue
        signal.alarm(TODO_SECONDS)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                checks[todo](these)
            verdicts[todo] = {"verdict": "correct", "why": ""}
        except Wrong as e:
            verdicts[todo] = {"verdict": "incorrect", "why": str(e)}
        except _Timeout:
            verdicts[todo] = {"verdict": "incorrect", "why": f"timed out ({TODO_SECONDS} s)"}
        except BaseException as e:  # noqa: BLE001 - a student's exception is a verdict
            tb = traceback.extract_tb(e.__traceback__)[-1:]
            where = f" at {Path(tb[0].filename).name}:{tb[0].lineno}" if tb else ""
            verdicts[todo] = {"verdict": "incorrect", "why": f"{type(e).__name__}: {e}{where}"}
        finally:
            signal.alarm(0)
        out.write_text(json.dumps(verdicts))
    out.write_text(json.dumps(verdicts))


def _import_all(root: Path, patched: bool) -> dict[str, types.ModuleType | None]:
    """Import the submission's nndl modules afresh; ``patched`` answers every block name with
    the oracle's implementation (and stands in for a layers module that fails to import)."""
    for name in [n for n in sys.modules if n == "nndl" or n.startswith("nndl.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    mods: dict[str, types.ModuleType | None] = {}
    for short in ("layers", "layer_utils", "fc_net", "optim"):
        mods[short], error = import_student(root, f"nndl.{short}")
        if mods[short] is None:
            if patched and short in ("layers", "layer_utils"):
                stub = types.ModuleType(f"nndl.{short}")
                stub.__dict__.update(BLOCKS)
                stub.np = np
                sys.modules[f"nndl.{short}"] = stub
                mods[short] = stub
            else:
                mods[f"{short}:error"] = error  # type: ignore[assignment]
        if patched and mods[short] is not None:
            _answer_blocks(mods[short], short)
    return mods


def _patch_sandwich(mods, on: bool, originals: dict):
    """For FullyConnectedNet.loss the sandwich is a block too: answer it as well."""
    for short in ("layer_utils", "fc_net"):
        mod = mods.get(short)
        if mod is None:
            continue
        for name in ("affine_relu_forward", "affine_relu_backward"):
            held = vars(mod).get(name)
            if held is not None and (short == "layer_utils" or getattr(
                    held, "__module__", "") in ("nndl.layer_utils", "nndl.layers")):
                if on:
                    originals[(short, name)] = getattr(mod, name)
                    setattr(mod, name, BLOCKS[name])
                elif (short, name) in originals:
                    setattr(mod, name, originals[(short, name)])


def child(root: Path, out: Path, todos: list[str]) -> None:
    """Judge each fc-optim TODO of the submission in ``root``; write the verdicts to ``out``."""
    sys.path.insert(0, str(root))
    os.chdir(root)
    plain = _import_all(root, patched=False)
    patched = _import_all(root, patched=True)
    originals: dict = {}

    def prepare(todo: str) -> dict:
        _patch_sandwich(patched, False, originals)
        if todo == "FullyConnectedNet.loss":
            _patch_sandwich(patched, True, originals)
        return patched if todo in COMPOSITES else plain

    run_checks(CHECKS, plain, todos, out, lambda t: TODO_FILE[t].split("/")[1][:-3], prepare)


def child_flat(slug: str, root: Path, out: Path, todos: list[str]) -> None:
    """Judge a one-module assignment (lr-schedules, rosenbrock, ...) with the checks of
    ``oracle_<slug>.py``."""
    sys.path.insert(0, str(root))
    sys.path.append(str(Path(__file__).resolve().parent))
    os.chdir(root)
    sys.modules.setdefault("oracle", sys.modules["__main__"])  # one Wrong class for both
    spec = importlib.import_module("oracle_" + slug.replace("-", "_"))
    mod, error = import_student(root, spec.MODULE)
    run_checks(spec.CHECKS, {spec.MODULE: mod, f"{spec.MODULE}:error": error}, todos, out,
               lambda t: spec.MODULE)


def child_python() -> str:
    """The interpreter the student's code runs in: the grader's sandbox interpreter (the same
    numpy the course's students had: ``np.product`` and friends still exist there), so that the
    two judges see the same library, else this one."""
    python = os.environ.get("GRADER_SANDBOX_PYTHON", "/usr/bin/python3")
    return python if os.path.exists(python) else sys.executable


def judge(files: dict[str, bytes], todos: list[str] | None = None,
          slug: str = "fc-optim") -> dict[str, dict]:
    """Verdicts {todo: {"verdict": "correct"|"incorrect", "why"}} for a submission's files
    (relative path -> contents) of assignment ``slug``, judged in a child process."""
    todos = todos or TODOS
    with tempfile.TemporaryDirectory(prefix="oracle-") as tmp:
        root = Path(tmp) / "sub"
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        if slug == "fc-optim":
            (root / "nndl" / "__init__.py").touch()
        out = Path(tmp) / "verdicts.json"
        try:
            subprocess.run([child_python(), __file__, "--child", slug, str(root), str(out),
                            ",".join(todos)], timeout=CHILD_SECONDS, capture_output=True,
                           env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
                                "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
                                "OPENBLAS_NUM_THREADS": "1"})
        except subprocess.TimeoutExpired:
            pass
        verdicts = json.loads(out.read_text()) if out.exists() else {}
    for todo in todos:
        verdicts.setdefault(todo, {"verdict": "incorrect", "why": "the oracle's child died"})
    return verdicts


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _slug, _root, _out, _todos = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), \
            sys.argv[5].split(",")
        if _slug == "fc-optim":
            child(_root, _out, _todos)
        else:
            child_flat(_slug, _root, _out, _todos)
