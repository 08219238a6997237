"""Oracle checks of lr-schedules (seed 004, the lecture's notation), from the starter's math.

Update rules: momentum as an exponential average, Adagrad (epsilon outside the square root),
RMSProp and Adam (epsilon inside), each placement also accepted; Adam's t incremented first.
Decay schedules: functions of the epoch number, counted from 1.
"""

from __future__ import annotations

import math

import numpy as np

try:
    from .oracle import Wrong, expect
except ImportError:  # run as a top-level module in the oracle's child
    from oracle import Wrong, expect

MODULE = "optimization"
TODOS = ["momentum", "adagrad", "rmsprop", "adam", "inverse_time_decay", "inverse_sqrt_decay",
         "exponential_decay", "power_decay", "staircase_decay"]
TODO_FILE = dict.fromkeys(TODOS, "optimization.py")


def _scale(num, second, eps, inside):
    return num / np.sqrt(second + eps) if inside else num / (np.sqrt(second) + eps)


def o_momentum(w, dw, c, inside=False):
    v = c["beta1"] * c["v"] + (1 - c["beta1"]) * dw
    return w - c["learning_rate"] * v, {"v": v}


def o_adagrad(w, dw, c, inside=False):
    v = c["v"] + dw * dw
    return w - c["learning_rate"] * _scale(dw, v, c["epsilon"], inside), {"v": v}


def o_rmsprop(w, dw, c, inside=True):
    s = c["beta2"] * c["s"] + (1 - c["beta2"]) * dw * dw
    return w - c["learning_rate"] * _scale(dw, s, c["epsilon"], inside), {"s": s}


def o_adam(w, dw, c, inside=True):
    t = c["t"] + 1
    v = c["beta1"] * c["v"] + (1 - c["beta1"]) * dw
    s = c["beta2"] * c["s"] + (1 - c["beta2"]) * dw * dw
    vc, sc = v / (1 - c["beta1"] ** t), s / (1 - c["beta2"] ** t)
    return w - c["learning_rate"] * _scale(vc, sc, c["epsilon"], inside), {"v": v, "s": s, "t": t}


# rule: (oracle, documented defaults, state keys, hyperparameters of the random checks)
RULES = {
    "momentum": (o_momentum, {"learning_rate": 1e-2, "beta1": 0.9}, ["v"],
                 {"learning_rate": 3e-2, "beta1": 0.7}),
    "adagrad": (o_adagrad, {"learning_rate": 1e-2, "epsilon": 1e-8}, ["v"],
                {"learning_rate": 5e-2, "epsilon": 1e-8}),
    "rmsprop": (o_rmsprop, {"learning_rate": 1e-2, "beta2": 0.999, "epsilon": 1e-8}, ["s"],
                {"learning_rate": 2e-2, "beta2": 0.9, "epsilon": 1e-8}),
    "adam": (o_adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
             ["v", "s", "t"], {"learning_rate": 2e-2, "beta1": 0.8, "beta2": 0.95,
                               "epsilon": 1e-8}),
}


def _fresh(w, keys):
    return {k: (0 if k == "t" else np.zeros_like(w)) for k in keys}


def _step(rule, f, w, dw, c, want):
    dw_before = dw.copy()
    got = f(w.copy(), dw, None if c is None else
            {k: (v.copy() if hasattr(v, "copy") else v) for k, v in c.items()})
    if not isinstance(got, tuple) or len(got) != 2:
        raise Wrong(f"{rule} did not return (next_w, config)")
    next_w, config = got
    expect(f"{rule} next_w", next_w, want[0])
    for key, value in want[1].items():
        if not isinstance(config, dict) or key not in config:
            raise Wrong(f"{rule}: config['{key}'] missing after the update")
        expect(f"{rule} config['{key}']", config[key], value)
    if not np.array_equal(dw, dw_before):
        raise Wrong(f"{rule} modified dw")
    return next_w, config


def _check_rule(rule, f, inside):
    oracle, defaults, keys, hyper = RULES[rule]
    for k, shape in enumerate([(4, 5), (3, 2, 2), (7,)]):
        rng = np.random.RandomState(900 + k)
        w, dw = rng.randn(*shape), rng.randn(*shape)
        state = {key: (5 if key == "t" else (rng.rand(*shape) * 0.3 if key == "s" or
                                              rule == "adagrad" else rng.randn(*shape) * 0.2))
                 for key in keys}
        c = {**hyper, **state}
        _step(rule, f, w, dw, c, oracle(w, dw, c, inside=inside))
        cfg, ocfg, cw, ow = dict(hyper), {**hyper, **_fresh(w, keys)}, w.copy(), w.copy()
        for _ in range(3):
            g = rng.randn(*shape)
            onext, onew = oracle(ow, g, ocfg, inside=inside)
            cw, cfg = _step(rule, f, cw, g, cfg, (onext, onew))
            cw = np.array(cw, dtype=float)
            ow, ocfg = onext, {**ocfg, **onew}
    rng = np.random.RandomState(990)
    w, dw = rng.randn(3, 4), rng.randn(3, 4)
    _step(rule, f, w, dw, None, oracle(w, dw, {**defaults, **_fresh(w, keys)}, inside=inside))


def rule_check(rule):
    """All checks of a rule, with one epsilon placement throughout (either is accepted)."""
    def check(mods):
        f = getattr(mods[MODULE], rule)
        if rule == "momentum":
            return _check_rule(rule, f, False)
        first = rule == "adagrad"  # adagrad: outside first; rmsprop and adam: inside first
        try:
            _check_rule(rule, f, not first)
        except Wrong as e:
            try:
                _check_rule(rule, f, first)
            except Wrong:
                raise e from None
    return check


DECAYS = {
    "inverse_time_decay": (lambda t, a, k: a / (1 + k * t), {"alpha0": 1.0, "k": 1.0}),
    "inverse_sqrt_decay": (lambda t, a, k: k * a / math.sqrt(t), {"alpha0": 1.0, "k": 0.95}),
    "exponential_decay": (lambda t, a, k: a * math.exp(-k * t), {"alpha0": 1.0, "k": 0.5}),
    "power_decay": (lambda t, a, k: k ** t * a, {"alpha0": 1.0, "k": 0.95}),
}


def decay_check(name):
    """The schedule on a grid of epochs and settings, and with its defaults."""
    def check(mods):
        f = getattr(mods[MODULE], name)
        grid = [(t, a, k) for t in (1, 2, 3, 7, 10, 11, 25) for a in (0.1, 2.0)
                for k in (0.3, 0.8)]
        for t, a, k in grid:
            if name == "staircase_decay":
                for every in (1, 3, 10):
                    want = a * k ** ((t - 1) // every)
                    expect(f"{name}({t}, {a}, {k}, every={every})",
                           f(t, alpha0=a, k=k, every=every), want)
            else:
                expect(f"{name}({t}, alpha0={a}, k={k})", f(t, alpha0=a, k=k),
                       DECAYS[name][0](t, a, k))
        for t in (1, 5, 12, 31):
            if name == "staircase_decay":
                want = 1.0 * 0.9 ** ((t - 1) // 10)
            else:
                d = DECAYS[name][1]
                want = DECAYS[name][0](t, d["alpha0"], d["k"])
            expect(f"{name}({t}) with the defaults", f(t), want)
    return check


CHECKS = {**{r: rule_check(r) for r in RULES},
          **{d: decay_check(d) for d in [*DECAYS, "staircase_decay"]}}
