"""Drivers of lr-schedules: how each check exercises the student's code (runs in the sandbox).

Each driver takes the harness context ``ctx`` (fresh copies of the case inputs in
``ctx.inputs``, the student's function in ``ctx.target``) and returns a dict of named outputs.
Drivers hold no reference solution: the training checks use a small tanh network (update rules)
and mini-batch SGD on a linear regression (decay schedules) written here, neither of which is a
TODO of this homework.
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



# --- decay schedules -------------------------------------------------------------------------


def _rate(value, name, epoch):
    try:
        rate = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}({epoch}, ...) must return a number; it returned "
                        f"{type(value).__name__}") from exc
    return rate


def schedule_values(ctx):
    """The learning rate the schedule gives for each epoch number of the case."""
    fn = ctx.target
    kwargs = ctx.inputs["kwargs"]
    rates = [_rate(fn(int(e), **kwargs), fn.__name__, int(e)) for e in ctx.inputs["epochs"]]
    return {"rates": np.asarray(rates, dtype=np.float64)}


def schedule_train(ctx):
    """Mini-batch SGD on a linear regression (squared loss / 2), one learning rate per epoch
    from the student's schedule; epochs are numbered from 1."""
    fn = ctx.target
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    batch = int(ctx.inputs["batch"])
    kwargs = ctx.inputs["kwargs"]
    w = np.zeros(X.shape[1])

    def loss(w):
        return float(0.5 * np.mean((X @ w - y) ** 2))

    first = loss(w)
    rates, losses = [], []
    for epoch, order in enumerate(ctx.inputs["order"], start=1):
        rate = _rate(fn(epoch, **kwargs), fn.__name__, epoch)
        rates.append(rate)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            w = w - rate * X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)
        losses.append(loss(w))
    return {"initial_loss": first, "final_loss": loss(w),
            "rates": np.asarray(rates), "losses": np.asarray(losses)}
