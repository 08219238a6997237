"""Drivers of mlp-backprop: how each check exercises the student's code (runs in the sandbox).

Each driver takes the harness context ``ctx`` and returns a dict of named outputs. Drivers hold
no solution. Layers are built without the student's constructors (``_layer``) and step with the
given ``update_weights``; a backward pass's gradients are read off the update it makes
((W_before - W_after) / learning_rate), so updating W directly or through update_weights are
the same. Where a backward pass calls a derivative TODO, the derivative is replaced on the
layer by the case's values (computed outside, by the instructor's case generator), so a bug
in the derivative is charged to the derivative only. Numerical gradients use the given forward
passes. Section 2's stochastic rules are judged by the mean and spread of many calls, with the
random generators seeded so that a grading is reproducible.
"""

import random

import numpy as np

MOD = "mlp_backprop"

# --- helpers -------------------------------------------------------------------------------


def _given_update(W, b, del_W, del_b, learning_rate):
    """Base.update_weights of the handout (given code)."""
    W -= (learning_rate * del_W)
    b -= (learning_rate * del_b)
    return W, b


def _layer(ctx, name, **attrs):
    """A layer of the student's class, built without its constructor (given code that draws
    random weights and prints), with the case's parameters and the given update_weights."""
    cls = ctx.resolve(f"{MOD}:{name}")
    layer = cls.__new__(cls)
    for key, value in attrs.items():
        setattr(layer, key, value)
    weights = attrs.get("W", attrs.get("w"))
    if weights is not None:
        layer.input_dims, layer.output_dims = np.shape(weights)
    layer.update_weights = _given_update
    return layer


class _Fixed:
    """Stands in for a derivative TODO: returns the case's values (and records the call)."""

    def __init__(self, *values):
        self.values = values
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        out = tuple(np.array(v, copy=True) for v in self.values)
        return out[0] if len(out) == 1 else out


def _arr(value, what):
    if value is None:
        raise TypeError(f"{what} is None (missing return?)")
    return np.asarray(value, dtype=np.float64)


def _implied(before, after, rate, what):
    """The gradient a step used: (before - after) / rate."""
    return (before - _arr(after, what)) / rate


def _numerical(f, x, h=1e-6):
    grad = np.zeros_like(x, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        fp = f()
        x[ix] = old - h
        fm = f()
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
    return grad


def _leaky(U):
    """The given Leaky ReLU forward (Hidden.leaky_relu)."""
    return np.multiply(U, 1.0 * (U > 0) + 0.01 * (U < 0))


# --- Section 1: one layer ------------------------------------------------------------------


def hidden_backward(ctx):
    """``Hidden.backward_pass(X, h, dLdh, alpha, learning_rate)``; with ``fixed_derivative``
    its leaky_relu_derivative returns the case's (correct) derivative."""
    i = ctx.inputs
    layer = _layer(ctx, "Hidden", W=i["W"], c=i["c"])
    if ctx.params.get("fixed_derivative"):
        layer.leaky_relu_derivative = _Fixed(i["derivative"])
    W0, c0, lr = i["W"], i["c"], float(i["learning_rate"])
    for_prev = layer.backward_pass(i["X"], i["h"], i["dLdh"], float(i["alpha"]), lr)
    return {"for_prev": _arr(for_prev, "the returned for_prev"),
            "dLdW": _implied(W0, layer.W, lr, "self.W"),
            "dLdc": _implied(c0, layer.c, lr, "self.c")}


def hidden_gradcheck(ctx):
    """The gradients the student's backward pass applies, against centered differences of
    L(W, c, X) = sum(dLdh * leaky_relu(X @ W + c)) / m + alpha / 2 * ||W||^2 (whose input
    gradient, times m, is what for_prev must be)."""
    out = hidden_backward(ctx)
    i = ctx.inputs
    X, W, c, G, alpha = i["X"], i["W"], i["c"], i["dLdh"], float(i["alpha"])
    m = X.shape[0]

    def loss():
        return float(np.sum(G * _leaky(X @ W + c)) / m + 0.5 * alpha * np.sum(W * W))

    numerical = {"dLdW": _numerical(loss, W), "dLdc": _numerical(loss, c),
                 "for_prev": m * _numerical(loss, X)}
    return {"analytic": out, "numerical": numerical}


def leaky_derivative(ctx):
    layer = _layer(ctx, "Hidden")
    return {"derivative": _arr(layer.leaky_relu_derivative(ctx.inputs["h"]),
                               "the returned derivative")}


def vondrick_activation(ctx):
    layer = _layer(ctx, "Hidden_Vondrick", vondrick_exponent=float(ctx.inputs["n"]))
    return {"activations": _arr(layer.vondrick_activation(ctx.inputs["U"]),
                                "the returned activations")}


def vondrick_derivative(ctx):
    layer = _layer(ctx, "Hidden_Vondrick", vondrick_exponent=float(ctx.inputs["n"]),
                   U=ctx.inputs["U"])
    out = layer.vondrick_activation_derivative()
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError("vondrick_activation_derivative must return a tuple (dh/dU, "
                        f"dh/dexponent); it returned {type(out).__name__}")
    return {"dh_dU": _arr(out[0], "dh/dU"), "dh_dexponent": _arr(out[1], "dh/dexponent")}


def _vondrick_step(ctx, fixed):
    i = ctx.inputs
    n0 = float(i["n"])
    layer = _layer(ctx, "Hidden_Vondrick", W=i["W"], c=i["c"], U=i["U"],
                   vondrick_exponent=n0)
    if fixed:
        layer.vondrick_activation_derivative = _Fixed(i["dh_dU"], i["dh_dexponent"])
    W0, c0 = i["W"], i["c"]
    for_prev = layer.backward_pass(i["X"], i["h"], i["dLdh"], float(i["alpha"]),
                                   float(i["learning_rate"]))
    n1 = layer.vondrick_exponent
    return {"for_prev": _arr(for_prev, "the returned for_prev"),
            "dLdW": _implied(W0, layer.W, 0.0005, "self.W"),
            "dLdc": _implied(c0, layer.c, 0.0005, "self.c"),
            "dL_dexponent": float((n0 - _arr(n1, "self.vondrick_exponent")) / 0.001)}


def vondrick_backward(ctx):
    """``Hidden_Vondrick.backward_pass``, its derivative method returning the case's values."""
    return _vondrick_step(ctx, fixed=True)


def vondrick_gradcheck(ctx):
    """With the student's own activation and derivative: against centered differences of
    sum(dLdh * act_n(X @ W + c)) / m + alpha / 2 * ||W||^2, the exponent n included."""
    out = _vondrick_step(ctx, fixed=False)
    i = ctx.inputs
    X, W, c, G, alpha = i["X"], i["W"], i["c"], i["dLdh"], float(i["alpha"])
    m = X.shape[0]
    probe = _layer(ctx, "Hidden_Vondrick", vondrick_exponent=float(i["n"]))

    def loss():
        act = _arr(probe.vondrick_activation(X @ W + c), "the activations")
        return float(np.sum(G * act) / m + 0.5 * alpha * np.sum(W * W))

    exponent = np.array([float(i["n"])])

    def loss_n():
        probe.vondrick_exponent = float(exponent[0])
        return loss()

    numerical = {"dLdW": _numerical(loss, W), "dLdc": _numerical(loss, c),
                 "for_prev": m * _numerical(loss, X),
                 "dL_dexponent": float(_numerical(loss_n, exponent)[0])}
    return {"analytic": out, "numerical": numerical}


def output_backward(ctx):
    """``Output.backward_pass(h, dLdz, alpha, learning_rate)``."""
    i = ctx.inputs
    layer = _layer(ctx, "Output", w=i["w"], b=i["b"])
    lr = float(i["learning_rate"])
    dLdh = layer.backward_pass(i["h"], i["dLdz"], float(i["alpha"]), lr)
    return {"dLdh": _arr(dLdh, "the returned dLdh"),
            "dLdw": _implied(i["w"], layer.w, lr, "self.w"),
            "dLdb": _implied(i["b"], layer.b, lr, "self.b")}


def output_gradcheck(ctx):
    """Against centered differences of sum(dLdz * (h @ w + b)) / m + alpha / 2 * ||w||^2."""
    out = output_backward(ctx)
    i = ctx.inputs
    h, w, b, G, alpha = i["h"], i["w"], i["b"], i["dLdz"], float(i["alpha"])
    m = h.shape[0]

    def loss():
        return float(np.sum(G * (h @ w + b)) / m + 0.5 * alpha * np.sum(w * w))

    numerical = {"dLdw": _numerical(loss, w), "dLdb": _numerical(loss, b),
                 "dLdh": m * _numerical(loss, h)}
    return {"analytic": out, "numerical": numerical}


# --- Section 1: networks -------------------------------------------------------------------


def _build_net(ctx):
    layers = []
    for spec in ctx.inputs["layers"]:
        if spec["kind"] == "hidden":
            layers.append(_layer(ctx, "Hidden", W=spec["W"], c=spec["c"]))
        else:
            layers.append(_layer(ctx, "Hidden_Vondrick", W=spec["W"], c=spec["c"], U=None,
                                 vondrick_exponent=float(spec["n"])))
    out = ctx.inputs["output"]
    cls = ctx.resolve(f"{MOD}:NN")
    net = cls.__new__(cls)
    net.hidden_layers = layers
    net.output_layer = _layer(ctx, "Output", w=out["w"], b=out["b"])
    loss_cls = ctx.resolve(f"{MOD}:Loss")
    net.loss_layer = loss_cls.__new__(loss_cls)
    return net


def predict(ctx):
    net = _build_net(ctx)
    X = ctx.inputs["X"]
    pred = net.predict(X)
    if pred is None:
        raise TypeError("predict returned None (missing return?)")
    pred = np.asarray(pred)
    if pred.size == X.shape[0]:
        pred = pred.reshape(-1)
    return {"predictions": pred}


def _params_of(net):
    """(name, layer, attribute, learning-rate factor) of every trained quantity."""
    out = []
    for k, layer in enumerate(net.hidden_layers):
        fixed = hasattr(layer, "vondrick_exponent")
        out.append((f"layer{k + 1}.W", layer, "W", 0.0005 if fixed else None))
        out.append((f"layer{k + 1}.c", layer, "c", 0.0005 if fixed else None))
    out.append(("output.w", net.output_layer, "w", None))
    out.append(("output.b", net.output_layer, "b", None))
    return out


def net_gradcheck(ctx):
    """One backward_prop of the student's network: the gradients it applies to every parameter
    (and exponent) against centered differences of the loss forward_prop computes."""
    X, y, alpha = ctx.inputs["X"], ctx.inputs["y"], float(ctx.inputs["alpha"])
    lr = float(ctx.inputs["learning_rate"])
    net = _build_net(ctx)

    def loss():
        return float(net.forward_prop(X, y, alpha)[2])

    numerical = {}
    for name, layer, attr, _ in _params_of(net):
        numerical[name] = _numerical(loss, getattr(layer, attr))
    for k, layer in enumerate(net.hidden_layers):
        if hasattr(layer, "vondrick_exponent"):
            box = np.array([layer.vondrick_exponent])

            def loss_n(layer=layer, box=box):
                layer.vondrick_exponent = float(box[0])
                return loss()
            numerical[f"layer{k + 1}.exponent"] = float(_numerical(loss_n, box)[0])
            layer.vondrick_exponent = float(box[0])

    net = _build_net(ctx)
    before = {name: np.array(getattr(layer, attr), copy=True)
              for name, layer, attr, _ in _params_of(net)}
    exps = {k: layer.vondrick_exponent for k, layer in enumerate(net.hidden_layers)
            if hasattr(layer, "vondrick_exponent")}
    hidden_outputs, z, _ = net.forward_prop(X, y, alpha)
    net.backward_prop(X, hidden_outputs, z, y, alpha, lr)
    analytic = {}
    for name, layer, attr, rate in _params_of(net):
        analytic[name] = _implied(before[name], getattr(layer, attr), rate or lr, name)
    for k, n0 in exps.items():
        analytic[f"layer{k + 1}.exponent"] = float(
            (n0 - float(net.hidden_layers[k].vondrick_exponent)) / 0.001)
    return {"analytic": analytic, "numerical": numerical}


def train(ctx):
    """Train the student's network (given forward_prop / backward_prop, the student's
    backward passes) with mini-batches; accuracy from the given forward passes."""
    i = ctx.inputs
    X, y = i["X"], i["y"]
    alpha, lr, batch = float(i["alpha"]), float(i["learning_rate"]), int(i["batch_size"])
    net = _build_net(ctx)

    def evaluate():
        A = X
        for layer in net.hidden_layers:
            A = layer.forward_pass(A)
        z = net.output_layer.forward_pass(A)
        return float(np.mean(np.argmax(z, axis=1) == y)), float(net.forward_prop(X, y,
                                                                                   alpha)[2])

    acc0, loss0 = evaluate()
    with np.errstate(all="ignore"):
        for _ in range(int(i["epochs"])):
            for k in range(0, X.shape[0], batch):
                inp, out = X[k:k + batch], y[k:k + batch]
                hidden_outputs, z, _ = net.forward_prop(inp, out, alpha)
                net.backward_prop(inp, hidden_outputs, z, out, alpha, lr)
        acc, loss = evaluate()
    return {"initial_loss": loss0, "final_loss": loss if np.isfinite(loss) else 1e9,
            "chance_error": 0.5, "error_rate": 1.0 - acc, "initial_error_rate": 1.0 - acc0}


# --- Section 2: test functions -------------------------------------------------------------


def test_function(ctx):
    out = ctx.target()
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{ctx.target.__name__}() must return a tuple (f, opt); it returned "
                        f"{type(out).__name__}")
    f, opt = out
    x, y = ctx.inputs["x"], ctx.inputs["y"]
    values = _arr(f(x, y), "f(x, y) on arrays")
    points = [float(f(float(px), float(py))) for px, py in ctx.inputs["points"]]
    return {"values": values, "points": np.asarray(points),
            "optimum": _arr(opt(), "opt()")}


# --- Section 2: update rules ---------------------------------------------------------------

NAMES = {"gradient_descent": ["x", "y"], "stochastic_gradient_descent": ["x", "y"],
         "momentum": ["x", "y", "v_x", "v_y"], "adagrad": ["x", "y", "v_x", "v_y"],
         "adam": ["x", "y", "f_x", "f_y", "s_x", "s_y"]}
STATE = {rule: names[2:] for rule, names in NAMES.items()}


def _call(ctx, x, y, dx, dy, state, i=None):
    rule = ctx.params["rule"]
    args = [x, y, dx, dy] + [state[n] for n in STATE[rule]]
    if rule == "adam":
        args.append(i)
    out = ctx.target(*args, dict(ctx.inputs["hparams"]))
    names = NAMES[rule]
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        raise TypeError(f"{rule} must return ({', '.join(names)}); it returned "
                        f"{type(out).__name__}" + (f" of length {len(out)}"
                                                   if isinstance(out, (tuple, list)) else ""))
    return {n: float(v) for n, v in zip(names, out, strict=True)}


def _seed(seed):
    random.seed(seed)
    np.random.seed(seed)


def rule_step(ctx):
    """One call from the case's point and state."""
    i = ctx.inputs
    _seed(0)
    return _call(ctx, i["x"], i["y"], i["dx"], i["dy"], i["state"], i.get("i"))


def rule_repeat(ctx):
    """The same call twice, the random generators in different states: a deterministic rule
    returns the same (right) values."""
    i = ctx.inputs
    _seed(1)
    first = _call(ctx, i["x"], i["y"], i["dx"], i["dy"], i["state"], i.get("i"))
    _seed(2)
    second = _call(ctx, i["x"], i["y"], i["dx"], i["dy"], i["state"], i.get("i"))
    return {"deterministic": first == second, "first_call": first}


def rule_stats(ctx):
    """Many calls from the same inputs: mean and spread of each returned value, divided by
    alpha (the noise of the gradient is N(0, 1), so the spread over alpha is about 1)."""
    i = ctx.inputs
    alpha = float(i["hparams"]["alpha"])
    _seed(int(i["seed"]))
    draws = [_call(ctx, i["x"], i["y"], i["dx"], i["dy"], i["state"])
             for _ in range(int(i["draws"]))]
    names = NAMES[ctx.params["rule"]]
    values = np.array([[d[n] for n in names] for d in draws])
    return {"mean_over_alpha": dict(zip(names, values.mean(axis=0) / alpha, strict=True)),
            "spread_over_alpha": dict(zip(names, values.std(axis=0) / alpha, strict=True))}


def _gradient(name):
    """Gradients of the test functions (the role autograd plays in Optimizer)."""
    if name == "bowl":
        return lambda x, y: (2 * x, 2 * y)
    if name == "matyas":
        return lambda x, y: (0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x)
    if name == "monkey":  # the monkey saddle x^3 - 3 x y^2
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


OPTIMA = {"bowl": (0.0, 0.0), "matyas": (0.0, 0.0), "monkey": (0.0, 0.0), "mult": (0.0, 0.0),
          "easom": (np.pi, np.pi)}


def _run(ctx):
    """Optimizer.fit: ``epochs`` updates from ``start``, state starting at 0."""
    i = ctx.inputs
    grad = _gradient(i["function"])
    x, y = (float(v) for v in i["start"])
    state = {n: 0.0 for n in STATE[ctx.params["rule"]]}
    xs, ys = [x], [y]
    for step in range(int(i["epochs"])):
        dx, dy = (float(v) for v in grad(x, y))
        out = _call(ctx, x, y, dx, dy, state, step)
        x, y = out["x"], out["y"]
        state = {n: out[n] for n in state}
        xs.append(x)
        ys.append(y)
    return np.asarray(xs), np.asarray(ys)


def rule_run(ctx):
    """A deterministic rule's whole trajectory."""
    with np.errstate(all="ignore"):
        xs, ys = _run(ctx)
    return {"x_list": xs, "y_list": ys}


def stochastic_run(ctx):
    """A stochastic rule run ``runs`` times: log10 of the mean final distance to the optimum,
    and the mean progress 1 - final distance / start distance (clipped to [-1, 1], -1 for a
    run that moves away)."""
    i = ctx.inputs
    _seed(int(i["seed"]))
    cx, cy = OPTIMA[i["function"]]
    start = float(np.hypot(i["start"][0] - cx, i["start"][1] - cy))
    final = []
    with np.errstate(all="ignore"):
        for _ in range(int(i["runs"])):
            xs, ys = _run(ctx)
            final.append(np.hypot(xs[-1] - cx, ys[-1] - cy))
        progress = np.clip(1 - np.asarray(final) / start, -1, 1)
        return {"log10_mean_distance": float(np.log10(np.mean(final))),
                "progress": float(np.mean(progress))}
