"""Drivers of rosenbrock: how each check runs the student's optimizers (in the sandbox).

The optimizers take the gradient as an argument, so each check passes a gradient of the
grader's own (Rosenbrock, generalized Rosenbrock, or a quadratic) and looks at the returned
trajectory: its shape, its rows on a stable horizon, when its error first falls below some
thresholds, and whether (and when) it blows up. Drivers hold no solution.
"""

import numpy as np

#: A coordinate beyond this (or inf/nan) means the run diverged.
BLOWUP = 1e8


def _gradient(spec):
    kind = spec["kind"]
    if kind == "rosenbrock":
        a, b = float(spec["a"]), float(spec["b"])

        def grad(params):
            x, y = float(params[0]), float(params[1])
            return np.array([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])
        return grad
    if kind == "quadratic":
        A, c = np.asarray(spec["A"], dtype=float), np.asarray(spec["b"], dtype=float)

        def grad(params):
            return A @ np.asarray(params, dtype=float) + c
        return grad
    raise ValueError(f"unknown function kind {kind!r}")


def _as_trajectory(value, name):
    try:
        traj = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must return an array of shape (n_epochs + 1, 2); it returned "
                        f"{type(value).__name__}") from exc
    if traj.ndim != 2 or traj.shape[1] != 2:
        raise ValueError(f"{name} must return an array of shape (n_epochs + 1, 2); it returned "
                         f"one of shape {traj.shape}")
    return traj


def run(ctx):
    """Call ``optimizer(grad, init, **kwargs)`` and describe the trajectory."""
    fn = ctx.target
    grad = _gradient(ctx.inputs["function"])
    with np.errstate(all="ignore"):
        traj = _as_trajectory(fn(grad, list(ctx.inputs["init"]), **ctx.inputs["kwargs"]),
                              getattr(fn, "__name__", "the optimizer"))
        bad = ~np.isfinite(traj).all(axis=1) | (np.abs(traj) > BLOWUP).any(axis=1)
        blowup = int(np.argmax(bad)) if bad.any() else -1
        finite = traj[:blowup] if blowup >= 0 else traj
        horizon = ctx.inputs.get("horizon")
        shown = finite if horizon is None else finite[:int(horizon) + 1]
        error = np.linalg.norm(finite - np.asarray(ctx.inputs["minimum"]), axis=1)
    reach = []
    for threshold in ctx.inputs["thresholds"]:
        below = np.nonzero(error < threshold)[0]
        reach.append(float(below[0]) if below.size else -1.0)
    return {"shape": [int(s) for s in traj.shape],
            "trajectory": shown[::int(ctx.inputs["every"])].copy(),
            "steps_to_reach": np.asarray(reach),
            "diverged": bool(blowup >= 0), "blowup_step": blowup}
