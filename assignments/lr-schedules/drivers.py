"""Drivers of lr-schedules: how each check exercises the student's code.

Drivers run in the grader's trusted process. ``ctx.target`` is the student's function in the
sandbox: each call sends that call's arguments (fresh copies of the case inputs) to the
check's child and returns what the student's code returned, as plain data. Everything the
verdict compares with is computed here or comes from the fixtures:

- update rules: one step, or several chained steps carrying the student's own ``config``;
  the training check trains a small tanh network (not a TODO of this homework) whose losses
  and gradients are computed here: the sandbox sees only each parameter's ``(w, dw, config)``
  and returns ``(next_w, config)``;
- decay schedules: the rate for each epoch number (one operation for all of them); the
  training check runs mini-batch SGD on a linear regression here, with the student's rates.

X and y of the training checks never enter the sandbox.
"""

import numpy as np

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
    """Several steps in a row, the student's own ``config`` (state) carried from step to step;
    the first call passes no config when the case's is None (the defaults fill it in)."""
    w = ctx.inputs["w"]
    config = ctx.inputs["config"]
    steps = []
    for dw in ctx.inputs["dws"]:
        args = [w, dw] if config is None and not steps else [w, dw, config]
        next_w, config = ctx.pair(ctx.target(*args), "the update rule", "next_w", "config")
        steps.append({"next_w": next_w, "config": config})
        w = ctx.array(next_w, np.shape(w), f"next_w of step {len(steps)}").copy()
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

    Inputs: ``X`` (N, D), ``y`` (N,), initial ``params``, ``batches`` (iterations, B) of row
    indices, ``config`` (hyperparameters; each parameter gets its own copy, as Solver does).
    The four parameters' steps of one iteration are independent: one operation for them.
    """
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    params = ctx.inputs["params"]
    first, _ = _tanh_net_loss(params, X, y)
    names = sorted(params)
    configs = {k: dict(ctx.inputs["config"]) for k in names}
    losses = []
    with np.errstate(all="ignore"):
        for idx in ctx.inputs["batches"]:
            loss, grads = _tanh_net_loss(params, X[idx], y[idx])
            losses.append(loss)
            outs = ctx.many(ctx.target, [[params[k], grads[k], configs[k]] for k in names])
            for k, out in zip(names, outs, strict=False):
                next_w, configs[k] = ctx.pair(out, "the update rule", "next_w", "config")
                params[k] = ctx.array(next_w, np.shape(params[k]), "next_w")
            if not all(np.all(np.isfinite(v)) for v in params.values()):
                break  # diverged: the final loss says so
        final, _ = _tanh_net_loss(params, X, y)
    return {"initial_loss": float(first), "final_loss": float(final),
            "losses": np.asarray(losses, dtype=np.float64)}


# --- decay schedules -------------------------------------------------------------------------


def _rates(ctx, epochs, kwargs):
    """The student's schedule at each epoch number (keyword arguments ``kwargs``), as floats;
    the case fails with a clear message if one is not a number."""
    values = ctx.call(ctx.helper("call_each"), ctx.target,
                      [[[int(e)], dict(kwargs)] for e in epochs])
    if not isinstance(values, list) or len(values) != len(epochs):
        ctx.fail("the schedule could not be called once per epoch number")
    rates = []
    for e, value in zip(epochs, values, strict=True):
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        call = f"the schedule called with epoch_num={int(e)}" + (f", {shown}" if shown else "")
        if value is None:
            ctx.fail(f"{call} returned None; it must return the learning rate, a number")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            what = getattr(value, "type_name", type(value).__name__)
            ctx.fail(f"{call} returned a {what}; it must return a number")
        if arr.size != 1:
            ctx.fail(f"{call} returned an array of shape {arr.shape}; it must return one "
                     "number")
        rates.append(float(arr.reshape(-1)[0]))
    return np.asarray(rates, dtype=np.float64)


def schedule_values(ctx):
    """The learning rate the schedule gives for each epoch number of the case."""
    return {"rates": _rates(ctx, list(ctx.inputs["epochs"]), ctx.inputs["kwargs"])}


def schedule_train(ctx):
    """Mini-batch SGD on a linear regression (squared loss / 2), one learning rate per epoch
    from the student's schedule; epochs are numbered from 1. Only the epoch numbers and the
    schedule's settings enter the sandbox."""
    X, y = ctx.inputs["X"], ctx.inputs["y"]
    batch = int(ctx.inputs["batch"])
    order = ctx.inputs["order"]
    rates = _rates(ctx, list(range(1, len(order) + 1)), ctx.inputs["kwargs"])
    w = np.zeros(X.shape[1])

    def loss(w):
        return float(0.5 * np.mean((X @ w - y) ** 2))

    first = loss(w)
    losses = []
    with np.errstate(all="ignore"):
        for rate, perm in zip(rates, order, strict=True):
            for i in range(0, len(perm), batch):
                idx = perm[i:i + batch]
                w = w - rate * X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)
            losses.append(loss(w))
    return {"initial_loss": first, "final_loss": loss(w), "rates": rates,
            "losses": np.asarray(losses)}
