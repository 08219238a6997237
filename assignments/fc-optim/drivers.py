"""Drivers of fc-optim: how each check exercises the student's code (runs in the sandbox).

Each driver takes the harness context ``ctx`` (fresh copies of the case inputs in
``ctx.inputs``, the student's function in ``ctx.target``, other student objects through
``ctx.resolve``) and returns a dict of named outputs. Drivers hold no reference solution: the
fakes below return *arbitrary* values of the right shapes, so a TODO that calls another TODO is
checked for its own wiring; the training check uses a small tanh network written here, whose
code is not any TODO's.
"""

import numpy as np

# --- helpers -------------------------------------------------------------------------------


def _snapshot(value):
    """A deep copy of plain data, so later in-place updates cannot change what we recorded."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _pair(out, name, first, second):
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"{name} must return a tuple ({first}, {second}); it returned "
                        f"{type(out).__name__}")
    return out


def _triple(out, name):
    if not isinstance(out, tuple) or len(out) != 3:
        raise TypeError(f"{name} must return a tuple (dx, dw, db); it returned "
                        f"{type(out).__name__}")
    return out


def _fake(index, salt, shape):
    rng = np.random.RandomState(10007 * (index + 1) + salt)
    return rng.randn(*shape)


# --- update rules --------------------------------------------------------------------------


def optim_step(ctx):
    """One call ``next_w, config = rule(w, dw, config)``; ``config`` may be absent (None)."""
    rule = ctx.target
    w, dw = ctx.inputs["w"], ctx.inputs["dw"]
    if ctx.inputs["config"] is None:
        out = rule(w, dw)
    else:
        out = rule(w, dw, ctx.inputs["config"])
    next_w, config = _pair(out, rule.__name__, "next_w", "config")
    # dw as it is after the call: compared (outside the sandbox) with the original
    return {"next_w": _snapshot(next_w), "config": _snapshot(config), "dw_after": dw.copy()}


def optim_chain(ctx):
    """Several steps in a row, the student's own ``config`` (state) carried from step to step."""
    rule = ctx.target
    w = ctx.inputs["w"]
    config = ctx.inputs["config"]
    steps = []
    for dw in ctx.inputs["dws"]:
        out = rule(w, dw.copy()) if config is None and not steps else rule(w, dw.copy(), config)
        next_w, config = _pair(out, rule.__name__, "next_w", "config")
        steps.append({"next_w": _snapshot(next_w), "config": _snapshot(config)})
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
    """Train a small tanh network with the student's update rule; report the loss curve.

    Inputs: ``X`` (N, D), ``y`` (N,), initial ``params``, ``batches`` (iterations, B) of row
    indices, ``config`` (hyperparameters; each parameter gets its own copy, as Solver does).
    """
    rule = ctx.target
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    params = ctx.inputs["params"]
    base = ctx.inputs["config"]
    configs = {k: dict(base) for k in params}
    losses = []
    for idx in ctx.inputs["batches"]:
        loss, grads = _tanh_net_loss(params, X[idx], y[idx])
        losses.append(loss)
        for k in params:
            out = rule(params[k], grads[k], configs[k])
            next_w, configs[k] = _pair(out, rule.__name__, "next_w", "config")
            params[k] = np.asarray(next_w, dtype=np.float64)
    final, _ = _tanh_net_loss(params, X, y)
    first, _ = _tanh_net_loss(ctx.inputs["params"], X, y)
    return {"initial_loss": float(first), "final_loss": float(final),
            "losses": np.asarray(losses, dtype=np.float64)}


def trajectory_2d(ctx):
    """Minimise f(p) = 0.5 p^T A p + b^T p in 2-D with the student's rule; return the path.

    The path (steps + 1, 2) and f along it are plotted for students against the reference's.
    """
    rule = ctx.target
    A, b = ctx.inputs["A"], ctx.inputs["b"]
    p = ctx.inputs["start"]
    config = ctx.inputs["config"]
    path = [p.copy()]
    for _ in range(int(ctx.inputs["steps"])):
        grad = A @ p + b
        next_p, config = _pair(rule(p, grad, config), rule.__name__, "next_w", "config")
        p = np.array(next_p, dtype=np.float64, copy=True).reshape(2)
        path.append(p.copy())
    path = np.array(path)
    values = 0.5 * np.einsum("ni,ij,nj->n", path, A, path) + path @ b
    return {"path": path, "values": values}


# --- layers --------------------------------------------------------------------------------


def affine_forward(ctx):
    out = ctx.target(ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"])
    out, _cache = _pair(out, "affine_forward", "out", "cache")
    return {"out": out}


def affine_backward(ctx):
    x, w, b = ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"]
    dx, dw, db = _triple(ctx.target(ctx.inputs["dout"], (x, w, b)), "affine_backward")
    return {"dx": dx, "dw": dw, "db": db}


def relu_forward(ctx):
    out, _cache = _pair(ctx.target(ctx.inputs["x"]), "relu_forward", "out", "cache")
    return {"out": out}


def relu_backward(ctx):
    return {"dx": ctx.target(ctx.inputs["dout"], ctx.inputs["x"])}


def affine_relu_forward(ctx):
    out = ctx.target(ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"])
    out, _cache = _pair(out, "affine_relu_forward", "out", "cache")
    return {"out": out}


def affine_relu_backward(ctx):
    x, w, b = ctx.inputs["x"], ctx.inputs["w"], ctx.inputs["b"]
    a = ctx.inputs["a"]
    dx, dw, db = _triple(ctx.target(ctx.inputs["dout"], ((x, w, b), a)), "affine_relu_backward")
    return {"dx": dx, "dw": dw, "db": db}


# --- fakes for recording stubs: right shapes, arbitrary values ---------------------------------


def fake_affine_forward(i, x, w, b):
    x = np.asarray(x)
    return _fake(i, 1, (x.shape[0], np.shape(w)[1])), (x, w, b)


def fake_relu_forward(i, x):
    return np.abs(_fake(i, 2, np.shape(x))), x


def fake_affine_relu_forward(i, x, w, b):
    x = np.asarray(x)
    a = _fake(i, 3, (x.shape[0], np.shape(w)[1]))
    return np.abs(_fake(i, 4, a.shape)), ((x, w, b), a)


def _xwb(cache, name):
    if not (isinstance(cache, tuple) and len(cache) == 3):
        raise TypeError(f"{name} received a cache that is not the (x, w, b) tuple made by the "
                        f"forward pass")
    return cache


def fake_affine_backward(i, dout, cache):
    x, w, b = _xwb(cache, "affine_backward")
    return (_fake(i, 5, np.shape(x)), _fake(i, 6, np.shape(w)), _fake(i, 7, np.shape(b)))


def fake_relu_backward(i, dout, cache):
    return _fake(i, 8, np.shape(dout))


def fake_affine_relu_backward(i, dout, cache):
    if not (isinstance(cache, tuple) and len(cache) == 2):
        raise TypeError("affine_relu_backward received a cache that is not the "
                        "(fc_cache, relu_cache) pair made by affine_relu_forward")
    x, w, b = _xwb(cache[0], "affine_relu_backward")
    return (_fake(i, 9, np.shape(x)), _fake(i, 10, np.shape(w)), _fake(i, 11, np.shape(b)))


# --- FullyConnectedNet ---------------------------------------------------------------------


def _bare_net(ctx):
    """A FullyConnectedNet with the case's parameters, built without the student's __init__
    (a separate TODO), with the attributes the given code of __init__ sets."""
    cls = ctx.resolve("nndl.fc_net:FullyConnectedNet")
    net = cls.__new__(cls)
    params = ctx.inputs["params"]
    net.params = params
    net.reg = float(ctx.inputs["reg"])
    net.num_layers = len(params) // 2
    net.dtype = np.float64
    net.use_batchnorm = False
    net.use_dropout = False
    net.dropout_param = {}
    net.bn_params = []
    return net


def fc_init(ctx):
    """Construct the net; report parameter shapes, weight spread and biases."""
    cls = ctx.target
    np.random.seed(int(ctx.inputs["seed"]))
    net = cls(list(ctx.inputs["hidden_dims"]), input_dim=int(ctx.inputs["input_dim"]),
              num_classes=int(ctx.inputs["num_classes"]),
              weight_scale=float(ctx.inputs["weight_scale"]), reg=float(ctx.inputs["reg"]),
              dtype=np.float64)
    params = getattr(net, "params", None)
    if not isinstance(params, dict):
        raise TypeError("self.params must be a dict of parameters")
    L = len(ctx.inputs["hidden_dims"]) + 1
    shapes, spread, biases = {}, {}, {}
    for i in range(1, L + 1):
        for name in (f"W{i}", f"b{i}"):
            if name not in params:
                raise KeyError(f"self.params has no '{name}' (layers are numbered from 1)")
            shapes[name] = [int(s) for s in np.shape(params[name])]
        spread[f"W{i}"] = float(np.std(params[f"W{i}"]))
        biases[f"b{i}"] = np.asarray(params[f"b{i}"], dtype=np.float64)
    return {"shapes": shapes, "weight_std": spread, "biases": biases,
            "param_count": len(params), "num_layers": int(getattr(net, "num_layers", -1))}


def fc_loss(ctx):
    """Loss and gradients (and test-mode scores) of a net with given parameters."""
    net = _bare_net(ctx)
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    out = net.loss(X, y)
    loss, grads = _pair(out, "FullyConnectedNet.loss", "loss", "grads")
    result = {"loss": _snapshot(loss), "grads": _snapshot(grads)}
    if ctx.params.get("scores"):
        result["scores"] = _snapshot(net.loss(X))
    return result


def _numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f()
        x[ix] = old - h
        fxmh = f()
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def fc_gradcheck(ctx):
    """Analytic gradients and centered-difference gradients of the student's own loss."""
    net = _bare_net(ctx)
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    loss, grads = _pair(net.loss(X, y), "FullyConnectedNet.loss", "loss", "grads")
    loss, grads = _snapshot(loss), _snapshot(grads)

    def f():
        return float(net.loss(X, y)[0])

    numerical = {name: _numerical_gradient(f, net.params[name]) for name in sorted(net.params)}
    return {"loss": loss, "grads": grads, "numerical": numerical}
