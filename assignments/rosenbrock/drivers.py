"""Drivers of rosenbrock: how each check runs the student's optimizers.

Drivers run in the grader's trusted process. The optimizers take the gradient as an argument
and run their own loop, so the driver builds the case's gradient function inside the check's
child (an object of ``helpers.py``: Rosenbrock, generalized Rosenbrock, or a quadratic), calls
``optimizer(grad, init, **settings)`` once, and receives the whole trajectory, the student's
output. Everything the verdict compares is computed here from that trajectory: its shape, its
rows on the case's horizon (one on which the reference stays finite), when its distance to
the minimum first falls below some thresholds, and whether (and when) it blows up. The
expected side is the reference's, from the fixtures.
"""

import numpy as np

#: A coordinate beyond this (or inf/nan) means the run diverged.
BLOWUP = 1e8


def _gradient(ctx, spec):
    """The case's gradient function, built in the child (a handle the optimizer is given)."""
    kind = spec["kind"]
    if kind == "rosenbrock":
        return ctx.new(ctx.helper("Rosenbrock"), float(spec["a"]), float(spec["b"]))
    if kind == "quadratic":
        return ctx.new(ctx.helper("Quadratic"), np.asarray(spec["A"], dtype=np.float64),
                       np.asarray(spec["b"], dtype=np.float64))
    raise ValueError(f"unknown function kind {kind!r}")


def _trajectory(ctx, value):
    """The returned trajectory as a float array of shape (n, 2), or the case fails."""
    want = "an array of shape (n_epochs + 1, 2)"
    if value is None:
        ctx.fail(f"the optimizer returned None; it must return the trajectory, {want} "
                 "(missing return param_traj?)")
    what = getattr(value, "type_name", None)
    if what is not None:
        ctx.fail(f"the optimizer returned a {what}; it must return {want}")
    try:
        traj = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        ctx.fail(f"the optimizer returned a {type(value).__name__} that is not an array of "
                 f"numbers; it must return {want}")
    if traj.ndim != 2 or traj.shape[1] != 2:
        ctx.fail(f"the optimizer returned an array of shape {traj.shape}; it must return "
                 f"{want}")
    return traj


def run(ctx):
    """Call ``optimizer(grad, init, **kwargs)`` once and describe the trajectory."""
    grad = _gradient(ctx, ctx.inputs["function"])
    out = ctx.call(ctx.target, grad, [float(v) for v in ctx.inputs["init"]],
                   **ctx.inputs["kwargs"])
    traj = _trajectory(ctx, out)
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(traj).all(axis=1) | (np.abs(traj) > BLOWUP).any(axis=1)
        blowup = int(np.argmax(bad)) if bad.any() else -1
        finite = traj[:blowup] if blowup >= 0 else traj
        error = np.linalg.norm(finite - np.asarray(ctx.inputs["minimum"], dtype=np.float64),
                               axis=1)
    horizon = ctx.inputs.get("horizon")
    # the rows on the case's horizon, as returned (inf/nan included: the comparison says so)
    shown = traj if horizon is None else traj[:int(horizon) + 1]
    reach = []
    for threshold in ctx.inputs["thresholds"]:
        below = np.nonzero(error < threshold)[0]
        reach.append(float(below[0]) if below.size else -1.0)
    return {"shape": [int(s) for s in traj.shape],
            "trajectory": shown[::int(ctx.inputs["every"])].copy(),
            "steps_to_reach": np.asarray(reach),
            "diverged": bool(blowup >= 0), "blowup_step": blowup}
