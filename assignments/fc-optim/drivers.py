"""Drivers of fc-optim: how each check exercises the student's code.

Drivers run in the grader's trusted process. ``ctx.target`` and ``ctx.student(...)`` are the
student's functions and classes in the sandbox: each call sends that call's arguments (fresh
copies of the case inputs) to the check's child and returns what the student's code returned,
as plain data. Everything the verdict compares with is computed here or comes from the
fixtures: the training loop's gradients and losses (a small tanh network, not a TODO of this
homework), the finite differences of the gradient check. Composite checks declare their
blocks in the manifest: the student's calls of those functions are answered by the reference
(outside the sandbox), so the composite is judged by its result whatever it calls.
"""

import numpy as np

FC = "nndl.fc_net:FullyConnectedNet"

# --- update rules --------------------------------------------------------------------------


def optim_step(ctx):
    """One call ``next_w, config = rule(w, dw, config)``; ``config`` may be absent (None)."""
    args = [ctx.inputs["w"], ctx.inputs["dw"]]
    if ctx.inputs["config"] is not None:
        args.append(ctx.inputs["config"])
    out, (after, _) = ctx.call(ctx.target, *args, return_args=True)
    next_w, config = ctx.pair(out, "the update rule", "next_w", "config")
    # dw as it is after the call: compared with the original (rules must not modify dw)
    return {"next_w": next_w, "config": config, "dw_after": after[1]}


def optim_chain(ctx):
    """Several steps in a row, the student's own ``config`` (state) carried from step to step."""
    w = ctx.inputs["w"]
    config = ctx.inputs["config"]
    steps = []
    for dw in ctx.inputs["dws"]:
        args = [w, dw] if config is None and not steps else [w, dw, config]
        next_w, config = ctx.pair(ctx.target(*args), "the update rule", "next_w", "config")
        steps.append({"next_w": next_w, "config": config})
        w = np.array(next_w, dtype=np.float64, copy=True)
    return {"steps": steps}


def _tanh_net_loss(params, X, y):
    """Softmax loss of a 2-layer tanh network, and its gradients (not a TODO of this homework)."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    scores = h @ params["W2"] + params["b2"]
    scores = scores - scores.max(axis=1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    n = X.shape[0]
    loss = -np.log(p[np.arange(n), y]).mean()
    ds = p.copy()
    ds[np.arange(n), y] -= 1
    ds /= n
    grads = {"W2": h.T @ ds, "b2": ds.sum(axis=0)}
    dh = ds @ params["W2"].T * (1 - h ** 2)
    grads["W1"] = X.T @ dh
    grads["b1"] = dh.sum(axis=0)
    return loss, grads


def train_net(ctx):
    """Train a small tanh network with the student's update rule; the loss curve.

    The network, its gradients and its losses are computed here; the sandbox only sees each
    parameter's ``(w, dw, config)`` and returns ``(next_w, config)``. Inputs: ``X`` (N, D),
    ``y`` (N,), initial ``params``, ``batches`` (iterations, B) of row indices, ``config``
    (each parameter gets its own copy, as Solver does).
    """
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    params = ctx.inputs["params"]
    first, _ = _tanh_net_loss(params, X, y)
    names = sorted(params)
    configs = {k: dict(ctx.inputs["config"]) for k in names}
    losses = []
    for idx in ctx.inputs["batches"]:
        loss, grads = _tanh_net_loss(params, X[idx], y[idx])
        losses.append(loss)
        outs = ctx.many(ctx.target, [[params[k], grads[k], configs[k]] for k in names])
        for k, out in zip(names, outs, strict=True):
            next_w, configs[k] = ctx.pair(out, "the update rule", "next_w", "config")
            params[k] = ctx.array(next_w, np.shape(params[k]), "next_w")
    final, _ = _tanh_net_loss(params, X, y)
    return {"initial_loss": float(first), "final_loss": float(final),
            "losses": np.asarray(losses, dtype=np.float64)}


def trajectory_2d(ctx):
    """Minimise f(p) = 0.5 p^T A p + b^T p in 2-D with the student's rule; return the path.

    The path (steps + 1, 2) and f along it are plotted for students against the reference's.
    Each step's gradient is computed here from the point the rule returned; the steps go in a
    few operations (``ctx.chain``: a guess made in the sandbox, every step checked here).
    """
    A, b = ctx.inputs["A"], ctx.inputs["b"]
    start = ctx.inputs["start"]
    config = ctx.inputs["config"]

    def point(out):
        next_p, _ = ctx.pair(out, "the update rule", "next_w", "config")
        return np.array(next_p, dtype=np.float64, copy=True).reshape(2)

    def advance(out):
        p = point(out)
        if not np.all(np.isfinite(p)):
            return None
        return [p, A @ p + b, out[1]]

    steps = int(ctx.inputs["steps"])
    outs = ctx.chain(ctx.target, [start, A @ start + b, config], advance, steps,
                     speculate=(ctx.lib("quadratic_path"), [A, b, start, config, steps]))
    path = np.array([start.copy()] + [point(out) for out in outs])
    values = 0.5 * np.einsum("ni,ij,nj->n", path, A, path) + path @ b
    return {"path": path, "values": values}


# --- layers --------------------------------------------------------------------------------


def _close(a, b, skip=None):
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:
        return False
    err = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    if skip is not None:
        err = np.where(skip, 0.0, err)
    return bool(np.all(err <= 1e-6))


def _checked_cache(ctx, kept, documented, backward, grads_of, skip=None):
    """The cache a forward pass returned, as compared: the documented one when the student's
    own backward pass computes the right gradients from what they stored (a cache of their own
    layout that their pair uses consistently is correct), else what they stored."""
    cache = ctx.get(kept[1])
    pairs = zip(cache, documented, strict=False) if isinstance(cache, (tuple, list)) else ()
    same = isinstance(cache, (tuple, list)) and isinstance(documented, tuple) and \
        len(cache) >= len(documented) and all(_close(c, d) for c, d in pairs)
    if same or (not isinstance(documented, tuple) and _close(cache, documented)):
        return cache
    try:
        ref = ctx.reference(backward)
    except RuntimeError:  # no reference here (a student pack): compared as stored
        return cache
    dout = np.random.RandomState(7).randn(*np.shape(ctx.get(kept[0])))
    try:
        own = ctx.call(ctx.student(backward), dout, kept[1])
    except ctx.Fault:
        return cache
    want = ref(dout, documented)
    own, want = grads_of(own), grads_of(want)
    if own is not None and len(own) == len(want) and all(
            _close(o, w, skip if i == 0 else None)
            for i, (o, w) in enumerate(zip(own, want, strict=True))):
        ctx.notes.append("your cache differs from the documented one, but your backward pass "
                         "uses it correctly: accepted")
        return documented
    return cache


def _grads(value):
    return list(value) if isinstance(value, tuple) else [value]


def affine_forward(ctx):
    x, w, b = ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"]
    kept = ctx.call(ctx.target, x, w, b, keep=True)
    out, _cache = ctx.pair(ctx.get(kept), "affine_forward", "out", "cache")
    cache = _checked_cache(ctx, kept, (x, w, b), "nndl.layers:affine_backward", _grads)
    return {"out": out, "cache": cache}


def affine_backward(ctx):
    x, w, b = ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"]
    dx, dw, db = ctx.triple(ctx.target(ctx.inputs["dout"], (x, w, b)), "affine_backward")
    return {"dx": dx, "dw": dw, "db": db}


def relu_forward(ctx):
    x = ctx.inputs["x"]
    kept = ctx.call(ctx.target, x, keep=True)
    out, _cache = ctx.pair(ctx.get(kept), "relu_forward", "out", "cache")
    cache = _checked_cache(ctx, kept, x, "nndl.layers:relu_backward", _grads, skip=x == 0)
    return {"out": out, "cache": cache}


def relu_backward(ctx):
    return {"dx": ctx.target(ctx.inputs["dout"], ctx.inputs["x"])}


def affine_relu_forward(ctx):
    """The sandwich's output (its blocks are answered by the reference)."""
    out = ctx.target(ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"])
    out, _cache = ctx.pair(out, "affine_relu_forward", "out", "cache")
    return {"out": out}


def affine_relu_backward(ctx):
    """The sandwich's gradients, from the cache of the student's own forward sandwich (whatever
    its layout) and, as an alternative, from the starter's ``(fc_cache, relu_cache)``: the
    backward pass passes if either is right (blocks answered by the reference)."""
    x, w, b, a = ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"], ctx.inputs["a"]
    dout = ctx.inputs["dout"]
    alternatives, errors = [], []
    for make_cache in ("own", "starter"):
        try:
            if make_cache == "own":
                fwd = ctx.call(ctx.student("nndl.layer_utils:affine_relu_forward"), x, w, b,
                               keep=True)
                cache = fwd[1]
            else:
                cache = ((x, w, b), a)
            dx, dw, db = ctx.triple(ctx.target(dout, cache), "affine_relu_backward")
            alternatives.append({"dx": dx, "dw": dw, "db": db})
        except ctx.Fault as fault:
            errors.append(fault)
    if not alternatives:
        raise errors[-1]
    return alternatives[0] if len(alternatives) == 1 else {"_alternatives": alternatives}


# --- FullyConnectedNet ---------------------------------------------------------------------


def fc_init(ctx):
    """Construct the net with the student's __init__; parameter shapes, spread, biases."""
    ctx.seed(int(ctx.inputs["seed"]))
    net = ctx.new(ctx.target, list(ctx.inputs["hidden_dims"]),
                  input_dim=int(ctx.inputs["input_dim"]),
                  num_classes=int(ctx.inputs["num_classes"]),
                  weight_scale=float(ctx.inputs["weight_scale"]), reg=float(ctx.inputs["reg"]),
                  dtype="float64")
    params = ctx.get(net.params)
    if not isinstance(params, dict):
        ctx.fail("self.params must be a dict of parameters")
    L = len(ctx.inputs["hidden_dims"]) + 1
    shapes, spread, biases = {}, {}, {}
    for i in range(1, L + 1):
        for name in (f"W{i}", f"b{i}"):
            if name not in params:
                ctx.fail(f"self.params has no '{name}' (layers are numbered from 1)")
            shapes[name] = [int(s) for s in np.shape(params[name])]
        spread[f"W{i}"] = float(np.std(np.asarray(params[f"W{i}"], dtype=np.float64)))
        biases[f"b{i}"] = np.asarray(params[f"b{i}"], dtype=np.float64)
    return {"shapes": shapes, "weight_std": spread, "biases": biases,
            "param_count": len(params)}


def _net(ctx):
    """A FullyConnectedNet made by the student's own constructor, then given the case's state
    (parameters, and what the given code of __init__ sets). If the constructor raises (it is
    a TODO of its own), the net is made without it, and the feedback says so."""
    params = ctx.inputs["params"]
    L = len(params) // 2
    dims = [np.shape(params["W1"])[0]] + [np.shape(params[f"W{i}"])[1] for i in range(1, L + 1)]
    cls = ctx.student(FC)
    reg = float(ctx.inputs["reg"])
    try:
        net = ctx.new(cls, dims[1:-1], input_dim=dims[0], num_classes=dims[-1], reg=reg,
                      weight_scale=1e-2, dtype="float64")
    except ctx.Fault:  # the constructor's own fault (its message stays with its own check)
        net = ctx.call(ctx.lib("bare"), cls, keep=True)
        ctx.notes.append("your FullyConnectedNet.__init__ raised, so this check built the net "
                         "without it")
    for attr, value in (("params", params), ("reg", reg), ("num_layers", L),
                        ("dtype", "float64"), ("use_batchnorm", False), ("use_dropout", False),
                        ("dropout_param", {}), ("bn_params", [])):
        ctx.set(net, attr, value)
    return net


def fc_loss(ctx):
    """Loss and gradients (and test-mode scores) of a net with the case's parameters."""
    net = _net(ctx)
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    loss, grads = ctx.pair(net.loss(X, y), "FullyConnectedNet.loss", "loss", "grads")
    result = {"loss": loss, "grads": grads}
    if ctx.params.get("scores"):
        result["scores"] = net.loss(X)
    return result


def fc_gradcheck(ctx):
    """Analytic gradients, and centered differences of the student's own loss at entries of
    every parameter chosen here (computed here from the losses the student's code returned)."""
    net = _net(ctx)
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    loss, grads = ctx.pair(net.loss(X, y), "FullyConnectedNet.loss", "loss", "grads")
    if not isinstance(grads, dict):
        ctx.fail("grads must be a dict with the keys of self.params")
    rng = np.random.RandomState(int(ctx.params.get("seed", 7)))
    h = 1e-5
    edits, where = [], []
    params = ctx.inputs["params"]
    for name in sorted(params):
        size = int(np.size(params[name]))
        picks = rng.choice(size, size=min(size, int(ctx.params.get("entries", 6))),
                           replace=False)
        for flat in sorted(int(i) for i in picks):
            edits += [[name, flat, h], [name, flat, -h]]
            where.append((name, flat))
    values = ctx.call(ctx.lib("perturbed_calls"), net.loss, [X, y], {}, net.params, edits, [0])
    values = np.asarray(values, dtype=np.float64)
    numerical, analytic = {}, {}
    for k, (name, flat) in enumerate(where):
        numerical.setdefault(name, []).append((values[2 * k] - values[2 * k + 1]) / (2 * h))
        g = grads.get(name)
        try:
            analytic.setdefault(name, []).append(float(np.asarray(g, dtype=np.float64)
                                                       .reshape(-1)[flat]))
        except (TypeError, ValueError, IndexError):
            analytic.setdefault(name, []).append(float("nan"))
    return {"loss": loss, "grads": grads,
            "sampled": {k: np.asarray(v) for k, v in analytic.items()},
            "numerical": {k: np.asarray(v) for k, v in numerical.items()}}
