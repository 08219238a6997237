"""Case generators of rosenbrock (instructor code, run in the sandbox by ``grader fixtures
build``).

Visible cases are the homework's own settings: start (-4, -2), learning rates 1e-4, 1e-3 and
1e-2, 10**5 steps. Trajectories are compared row by row only on horizons where the reference
stays finite (momentum at 1e-3 overflows after 7 steps: its visible trajectory has 5) and
where equivalent implementations agree to many digits (long ADAM runs end in a noisy regime
near the minimum where the last digits drift apart); the 10**5-step runs are judged by
behaviour: when the error first falls below 1, 1e-1, 1e-2 and 1e-3, and whether (and at which
step) the run diverges (momentum at 1e-3 does: that is the point of part (c)).

Hidden cases: quadratics with random conditioning, generalized Rosenbrock functions
(a - x)^2 + b (y - x^2)^2 (so an optimizer that calls the given rosenbrock_grad instead of
its grad argument shows), random start points and every setting non-default (beta differs
from gamma, so a momentum that uses beta shows; ADAM's gamma and beta differ from the defaults
and from each other), calls that rely on the defaults, runs that diverge for gd and momentum
(a step too large for the quadratic's curvature: the rows before the blow-up are compared, and
the step at which it blows up), and for ADAM an epsilon that matters (gradients of order 1e-3)
and a "dead" coordinate whose gradient is exactly 0 at every step from zero state (its step is
0, never NaN).
"""

import numpy as np

START = [-4.0, -2.0]
THRESHOLDS = [1.0, 1e-1, 1e-2, 1e-3]


def _rng(seed):
    return np.random.RandomState(seed)


def _case(name, function, init, kwargs, horizon=None, every=1, minimum=(1.0, 1.0)):
    inputs = {"function": function, "init": list(init), "kwargs": kwargs, "every": every,
              "minimum": list(minimum), "thresholds": THRESHOLDS}
    if horizon is not None:
        inputs["horizon"] = horizon
    return {"name": name, "inputs": inputs}


ROSENBROCK = {"kind": "rosenbrock", "a": 1.0, "b": 100.0}


def visible(rule):
    """The homework's runs, compared step by step on horizons where they are stable."""
    settings = {"gd": [(1e-4, 5000)], "gd_with_mom": [(1e-4, 5000), (1e-3, 5)],
                "adams": [(1e-4, 5000), (1e-3, 1000), (1e-2, 1000)]}[rule]
    return [_case(f"start (-4, -2), learning rate {eta:g}, first {n} steps", ROSENBROCK, START,
                  {"n_epochs": n, "eta": eta}, every=10 if n > 100 else 1)
            for eta, n in settings]


def convergence(rule):
    """The homework's 10**5-step runs: convergence speed, or divergence."""
    etas = {"gd": [1e-4], "gd_with_mom": [1e-4, 1e-3], "adams": [1e-4, 1e-3, 1e-2]}[rule]
    return [_case(f"start (-4, -2), learning rate {eta:g}, 10**5 steps", ROSENBROCK, START,
                  {"n_epochs": 100000, "eta": eta}, horizon=0) for eta in etas]


def _quadratic(rng, condition):
    angle = rng.uniform(0, np.pi)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = rot @ np.diag([1.0, float(condition)]) @ rot.T
    minimum = rng.uniform(-2, 2, size=2)
    return {"kind": "quadratic", "A": A, "b": -A @ minimum}, minimum


def _hyper(rule, rng):
    if rule == "gd_with_mom":
        return {"gamma": float(rng.choice([0.5, 0.8, 0.95])),
                "beta": float(rng.choice([0.3, 0.6]))}
    if rule == "adams":
        return {"gamma": float(rng.choice([0.8, 0.7])), "beta": float(rng.choice([0.9, 0.95])),
                "epsilon": float(rng.choice([1e-8, 1e-6]))}
    return {}


def random_runs(rule, seed=0):
    """Full trajectories on quadratics and generalized Rosenbrock functions."""
    rng = _rng(seed)
    cases = []
    for condition in [3.0, 10.0, 30.0]:
        function, minimum = _quadratic(rng, condition)
        init = rng.uniform(-3, 3, size=2)
        eta = {"gd": 0.9, "gd_with_mom": 0.2, "adams": 0.05}[rule] / condition
        kwargs = {"n_epochs": int(rng.randint(40, 120)), "eta": float(eta), **_hyper(rule, rng)}
        cases.append(_case(f"quadratic, condition number {condition:g}", function, init, kwargs,
                           minimum=minimum))
    for _ in range(2):
        a, b = float(rng.uniform(0.5, 1.5)), float(rng.choice([10.0, 50.0]))
        init = rng.uniform(-1.5, 1.5, size=2)
        eta = {"gd": 2e-3, "gd_with_mom": 5e-4, "adams": 3e-3}[rule]
        kwargs = {"n_epochs": 300, "eta": eta, **_hyper(rule, rng)}
        cases.append(_case(f"(a - x)^2 + b (y - x^2)^2 with a = {a:.2f}, b = {b:g}",
                           {"kind": "rosenbrock", "a": a, "b": b}, init, kwargs, every=3,
                           minimum=(a, a * a)))
    return cases


def defaults(rule, seed=1):
    """Only grad and init: the default n_epochs, eta (and momentum/ADAM settings) apply."""
    rng = _rng(seed)
    function, minimum = _quadratic(rng, 4.0)
    function = {"kind": "quadratic", "A": function["A"] * 500.0, "b": function["b"] * 500.0}
    return [_case("grad and init only (default settings)", function, rng.uniform(-2, 2, size=2),
                  {}, every=25, minimum=minimum)]


def diverging(rule, seed=2):
    """A step too large for the quadratic's curvature: gd diverges when eta * lambda_max > 2,
    momentum when eta * lambda_max > 2 (1 + gamma). The rows before the blow-up are compared
    (the horizon stays well inside the reference's finite part), and whether and when the run
    blows up."""
    rng = _rng(seed)
    cases = []
    for condition, over in [(5.0, 1.15), (20.0, 1.3)]:
        function, minimum = _quadratic(rng, condition)
        init = rng.uniform(-2, 2, size=2)
        kwargs = {"n_epochs": 400, **_hyper(rule, rng)}
        gamma = kwargs.get("gamma", 0.0)
        kwargs["eta"] = float(2 * (1 + gamma) * over / condition)
        cases.append(_case(f"quadratic, condition number {condition:g}, a step "
                           f"{over:g} times the largest stable one", function, init, kwargs,
                           horizon=12, minimum=minimum))
    return cases


def epsilon_cases(seed=3):
    """ADAM on flat quadratics (gradients of order 1e-3, squared of order 1e-6) with epsilon
    1e-6 and 1e-5: ignoring the epsilon argument, or dropping it, changes every step; inside or
    outside the square root are both accepted."""
    rng = _rng(seed)
    cases = []
    for scale, eps in [(1e-3, 1e-6), (3e-3, 1e-5)]:
        function, minimum = _quadratic(rng, 3.0)
        function = {"kind": "quadratic", "A": function["A"] * scale,
                    "b": function["b"] * scale}
        init = minimum + rng.uniform(-1, 1, size=2)
        kwargs = {"n_epochs": 200, "eta": 0.02, "gamma": 0.85, "beta": 0.95, "epsilon": eps}
        cases.append(_case(f"gradients of order {scale:g}, epsilon {eps:g}", function, init,
                           kwargs, every=2, minimum=minimum))
    return cases


def dead_coordinate(seed=4):
    """A quadratic whose gradient's y component is exactly 0 at every iterate (diagonal A,
    start on the minimum's y = 0): ADAM's second moment stays 0 there, and the step must be 0,
    not NaN (a division by sqrt(grad_sq) without epsilon)."""
    rng = _rng(seed)
    cases = []
    for k in range(2):
        lam = float(rng.uniform(0.5, 3.0))
        mx = float(rng.uniform(-2, 2))
        function = {"kind": "quadratic", "A": np.diag([lam, float(rng.uniform(0.5, 3.0))]),
                    "b": np.array([-lam * mx, 0.0])}
        init = [float(rng.uniform(-3, 3)), 0.0]
        kwargs = {"n_epochs": 150, "eta": float(rng.choice([0.01, 0.05]))}
        if k:
            kwargs.update(gamma=0.8, beta=0.9)
        cases.append(_case("the gradient's y component is 0 at every step"
                           + (" (gamma 0.8, beta 0.9)" if k else " (default settings)"),
                           function, init, kwargs, every=3, minimum=(mx, 0.0)))
    return cases
