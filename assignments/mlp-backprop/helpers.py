"""Sandbox helpers of mlp-backprop: small functions the drivers call inside a check's child.

They run in the student's process, next to the student's code, so nothing they return is
trusted more than the student's own outputs: they only save round trips (set several
attributes at once, read a network's parameters, run the given training loop's inner steps)
and repeat the student's loss at points the trusted side chose. Every verdict compares what
comes back with values computed outside the sandbox.
"""

import io
import sys
import time
import warnings

import numpy as np


def set_attrs(obj, attrs):
    """``setattr(obj, name, value)`` for every item of ``attrs`` (the state under test)."""
    for name, value in attrs.items():
        setattr(obj, name, value)


def get_attrs(obj, names):
    """``{name: getattr(obj, name)}`` (None where the attribute is missing)."""
    return {name: getattr(obj, name, None) for name in names}


def call_with(obj, attrs, method, args):
    """Set ``attrs`` on ``obj`` (U, as forward_pass would), call ``obj.<method>(*args)`` and
    return ``(result, attributes after the call)`` for the names of ``attrs`` and W, c, w, b
    and the exponent where the object has them."""
    set_attrs(obj, attrs)
    result = getattr(obj, method)(*args)
    names = [n for n in ("W", "c", "w", "b", "vondrick_exponent") if hasattr(obj, n)]
    return result, get_attrs(obj, names)


def net_state(net):
    """The trained quantities of a network: each hidden layer's W and c (and exponent), the
    output layer's w and b."""
    layers = []
    for layer in net.hidden_layers:
        entry = {"W": getattr(layer, "W", None), "c": getattr(layer, "c", None)}
        if hasattr(layer, "vondrick_exponent"):
            entry["n"] = layer.vondrick_exponent
        layers.append(entry)
    out = net.output_layer
    return {"layers": layers, "output": {"w": getattr(out, "w", None),
                                         "b": getattr(out, "b", None)}}


def backprop_step(net, X, y, alpha, learning_rate):
    """One step of the given NN.train: forward_prop, then backward_prop."""
    hidden_outputs, z, _ = net.forward_prop(X, y, alpha)
    net.backward_prop(X, hidden_outputs, z, y, alpha, learning_rate)


def train_epoch(net, X, y, batch_size, alpha, learning_rate):
    """One epoch of the given NN.train's mini-batch loop (without its accuracy printout);
    returns ``net_state``."""
    for k in range(0, X.shape[0], batch_size):
        backprop_step(net, X[k:k + batch_size], y[k:k + batch_size], alpha, learning_rate)
    return net_state(net)


def param_table(net):
    """``{"layer1.W": array, ...}``: the network's parameter arrays themselves, so that
    ``perturbed_calls`` edits the network in place."""
    table = {}
    for k, layer in enumerate(net.hidden_layers):
        table[f"layer{k + 1}.W"] = layer.W
        table[f"layer{k + 1}.c"] = layer.c
    table["output.w"] = net.output_layer.w
    table["output.b"] = net.output_layer.b
    return table


def loss_with_exponent(net, index, exponent, X, y, alpha):
    """forward_prop's loss with hidden layer ``index``'s exponent set to ``exponent`` (then put
    back)."""
    layer = net.hidden_layers[index]
    old = layer.vondrick_exponent
    layer.vondrick_exponent = exponent
    try:
        return float(np.asarray(net.forward_prop(X, y, alpha)[2], dtype=np.float64))
    finally:
        layer.vondrick_exponent = old


def function_values(make, x, y, points):
    """``f, opt = make()``: f on the grid (x, y), f at each single point, and opt()."""
    out = make()
    if not isinstance(out, tuple) or len(out) != 2:
        what = f"a {type(out).__name__}" + (f" of {len(out)} items"
                                             if isinstance(out, (tuple, list)) else "")
        raise TypeError(f"{getattr(make, '__name__', 'the test function')}() must return a "
                        f"tuple (f, opt); it returned {what}")
    f, opt = out
    return {"values": f(x, y), "points": [f(float(px), float(py)) for px, py in points],
            "optimum": opt()}


def call_rows(fn, rows, tail, names):
    """``fn(*row, *tail)`` for each row of ``rows`` (the numbers each call starts with: x, y,
    dx, dy and the state), as a float array of one row of ``names`` per call: one operation
    for many independent calls of an update rule."""
    width = len(names)
    out = np.empty((len(rows), width))
    for r, row in enumerate(np.asarray(rows, dtype=np.float64).tolist()):
        res = fn(*row, *tail)
        if not isinstance(res, (tuple, list)) or len(res) != width:
            what = f"a {type(res).__name__}" + (f" of {len(res)} items"
                                                 if isinstance(res, (tuple, list)) else "")
            raise TypeError(f"{getattr(fn, '__name__', 'the rule')} must return "
                            f"({', '.join(names)}); it returned {what}")
        for k, value in enumerate(res):
            try:
                out[r, k] = float(value)
            except (TypeError, ValueError):
                raise TypeError(f"{names[k]} returned by {getattr(fn, '__name__', 'the rule')} "
                                f"must be a number; it is {type(value).__name__}") from None
    return out


def test_gradient(name):
    """The gradient of test function ``name`` (a copy of the drivers' own, which the trusted
    side uses: this one only lets ``rule_path`` guess the path; a wrong guess costs speed,
    never a verdict)."""
    if name == "bowl":
        return lambda x, y: (2 * x, 2 * y)
    if name == "matyas":
        return lambda x, y: (0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x)
    if name == "monkey":
        return lambda x, y: (3 * x * x - 3 * y * y, -6 * x * y)
    if name == "mult":
        def mult(x, y):
            r = np.sqrt(x * x + y * y)
            return (np.cos(r) * x / r, np.cos(r) * y / r)
        return mult
    if name == "easom":
        def easom(x, y):
            e = np.exp(-((x - np.pi) ** 2 + (y - np.pi) ** 2))
            return (np.cos(y) * e * (np.sin(x) + 2 * (x - np.pi) * np.cos(x)),
                    np.cos(x) * e * (np.sin(y) + 2 * (y - np.pi) * np.cos(y)))
        return easom
    raise ValueError(name)


class _Discard(io.TextIOBase):
    def write(self, text):
        return len(text)


def rule_path(fn, function, start, epochs, state_names, with_step, hparams, seconds=0.25):
    """``fn``'s results along its own path (``Optimizer.fit`` on test function ``function``
    from ``start``, the state starting at 0): ``out = fn(x, y, dx, dy, *state, [step,]
    hparams)``, then ``x, y, *state = out``, ``epochs`` times, or fewer: until a result is
    not a tuple of ``2 + len(state_names)`` numbers, ``fn`` raises, or ``seconds`` have
    passed. What it prints and warns is dropped.

    A guess of the drivers' loop (``DriverContext.chain``, which checks every step): the
    gradients are computed as the drivers compute them, on arrays of one element.
    """
    grad = test_gradient(function)
    pos = np.zeros((1, 2 + len(state_names)))
    pos[0, 0], pos[0, 1] = (float(v) for v in start)
    claims = []
    deadline = time.monotonic() + float(seconds)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = _Discard()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for step in range(int(epochs)):
                if time.monotonic() > deadline:
                    break
                dx, dy = (np.asarray(g, dtype=np.float64) * np.ones(1)
                          for g in grad(pos[:, 0], pos[:, 1]))
                row = [float(pos[0, 0]), float(pos[0, 1]), float(dx[0]), float(dy[0])]
                args = row + [float(v) for v in pos[0, 2:]]
                args += ([step] if with_step else []) + [dict(hparams)]
                try:
                    out = fn(*args)
                    if not isinstance(out, (tuple, list)) or len(out) != pos.shape[1]:
                        break
                    pos[0] = [float(np.asarray(v, dtype=np.float64).reshape(-1)[0])
                              for v in out]
                except Exception:  # noqa: BLE001 - the checked run meets it again
                    break
                claims.append(out)
    finally:
        sys.stdout, sys.stderr = saved
    return claims
