"""Oracle checks of rosenbrock (seed 001): whole trajectories of gd, gd_with_mom and adams,
from the starter's update rules, on our own gradient functions and start points."""

from __future__ import annotations

import numpy as np

try:
    from .oracle import Wrong, expect
except ImportError:  # run as a top-level module in the oracle's child
    from oracle import Wrong, expect

MODULE = "rosenbrock"
TODOS = ["gd", "gd_with_mom", "adams"]
TODO_FILE = dict.fromkeys(TODOS, "rosenbrock.py")


def rosen_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)])


def bowl_grad(p):
    return np.array([2.0 * p[0], 8.0 * p[1]])


def o_gd(grad, init, n, eta):
    p, out = np.array(init, dtype=float), [np.array(init, dtype=float)]
    for _ in range(n):
        p = p - eta * np.array(grad(p))
        out.append(p)
    return np.array(out)


def o_mom(grad, init, n, eta, gamma):
    p, v, out = np.array(init, dtype=float), 0, [np.array(init, dtype=float)]
    for _ in range(n):
        v = gamma * v + np.array(grad(p))
        p = p - eta * v
        out.append(p)
    return np.array(out)


def o_adams(grad, init, n, eta, gamma, beta, eps, inside):
    p, v, s, out = np.array(init, dtype=float), 0, 0, [np.array(init, dtype=float)]
    for j in range(n):
        g = np.array(grad(p))
        v = gamma * v + (1 - gamma) * g
        s = beta * s + (1 - beta) * g * g
        vh, sh = v / (1 - gamma ** (j + 1)), s / (1 - beta ** (j + 1))
        p = p - eta * (vh / np.sqrt(sh + eps) if inside else vh / (np.sqrt(sh) + eps))
        out.append(p)
    return np.array(out)


SETTINGS = [(rosen_grad, (-1.5, 2.0), 300, 1e-4), (bowl_grad, (3.0, -2.0), 60, 0.05),
            (rosen_grad, (0.5, -0.5), 150, 1e-3)]


def _traj(name, got, want):
    got = np.asarray(got, dtype=float)
    if got.shape != want.shape:
        raise Wrong(f"{name}: trajectory of shape {got.shape}, expected {want.shape}")
    expect(f"{name}: trajectory", got, want)


def check_gd(mods):
    for grad, init, n, eta in SETTINGS:
        _traj(f"gd from {init}, eta {eta}", mods[MODULE].gd(grad, init, n_epochs=n, eta=eta),
              o_gd(grad, init, n, eta))


def check_mom(mods):
    for grad, init, n, eta in SETTINGS:
        for gamma in (0.9, 0.5):
            _traj(f"gd_with_mom from {init}, eta {eta}, gamma {gamma}",
                  mods[MODULE].gd_with_mom(grad, init, n_epochs=n, eta=eta, beta=0.3,
                                           gamma=gamma),
                  o_mom(grad, init, n, eta, gamma))


def check_adams(mods):
    errors = []
    for inside in (True, False):
        try:
            for grad, init, n, eta in SETTINGS:
                for gamma, beta in ((0.9, 0.99), (0.8, 0.95)):
                    _traj(f"adams from {init}, eta {eta}, gamma {gamma}, beta {beta}",
                          mods[MODULE].adams(grad, init, n_epochs=n, eta=eta, gamma=gamma,
                                             beta=beta, epsilon=1e-8),
                          o_adams(grad, init, n, eta, gamma, beta, 1e-8, inside))
            return
        except Wrong as e:
            errors.append(str(e))
    raise Wrong(errors[0])


CHECKS = {"gd": check_gd, "gd_with_mom": check_mom, "adams": check_adams}
