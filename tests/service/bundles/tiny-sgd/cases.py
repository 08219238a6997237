"""Cases of tiny-sgd (run in the sandbox)."""

import numpy as np


def visible():
    w = np.linspace(-0.4, 0.6, num=12).reshape(3, 4)
    dw = np.linspace(-0.6, 0.4, num=12).reshape(3, 4)
    v = np.linspace(0.6, 0.9, num=12).reshape(3, 4)
    return [{"name": "example", "inputs": {
        "w": w, "dw": dw, "config": {"learning_rate": 1e-3, "velocity": v}}}]


def random(seed):
    rng = np.random.RandomState(seed)
    cases = []
    for i, shape in enumerate([(5,), (2, 3), (4, 2, 2)]):
        cases.append({"name": f"shape {shape}", "inputs": {
            "w": rng.randn(*shape), "dw": rng.randn(*shape),
            "config": {"learning_rate": 0.05, "momentum": 0.7 + 0.1 * i,
                       "velocity": rng.randn(*shape)}}})
    return cases
