"""Cases of adam-2d (run in the sandbox)."""

import numpy as np


def visible():
    w = np.linspace(-0.4, 0.6, num=20).reshape(4, 5)
    dw = np.linspace(-0.6, 0.4, num=20).reshape(4, 5)
    v = np.linspace(0.6, 0.9, num=20).reshape(4, 5)
    a = np.linspace(0.7, 0.5, num=20).reshape(4, 5)
    return [{"name": "notebook cell", "inputs": {
        "w": w, "dw": dw, "config": {"learning_rate": 1e-2, "v": v, "a": a, "t": 5}}}]


def random_steps(seed):
    rng = np.random.RandomState(seed)
    cases = []
    for shape in [(7,), (3, 4), (2, 3, 5)]:
        cases.append({"name": f"shape {shape}", "inputs": {
            "w": rng.randn(*shape), "dw": rng.randn(*shape),
            "config": {"learning_rate": 1e-2, "beta1": float(rng.choice([0.7, 0.8])),
                       "beta2": float(rng.choice([0.9, 0.95])),
                       "v": rng.randn(*shape) * 0.2, "a": rng.uniform(0.05, 1.0, size=shape),
                       "t": int(rng.randint(1, 20))}}})
    return cases


def trajectory():
    return [{"name": "80 steps, learning rate 0.1", "inputs": {
        "A": np.array([[1.0, 0.0], [0.0, 10.0]]), "b": np.array([0.0, 0.0]),
        "start": np.array([-4.0, 2.0]), "steps": 80, "config": {"learning_rate": 0.1}},
        "meta": {"plot": "trajectory_2d", "function": "0.5 * (x^2 + 10 y^2)"}}]
