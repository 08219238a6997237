import numpy as np


def adam(w, dw, config=None):
    """Adam. config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    v, a (moments, zeros), t (0). Returns (next_w, config)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("a", np.zeros_like(w))
    config.setdefault("t", 0)
    b1, b2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    v = b1 * config["v"] + (1 - b1) * dw
    a = b2 * config["a"] + (1 - b2) * dw ** 2
    v_hat = v / (1 - b1 ** t)
    a_hat = a / (1 - b2 ** t)
    next_w = w - config["learning_rate"] * v_hat / (np.sqrt(a_hat) + config["epsilon"])
    config["t"], config["v"], config["a"] = t, v, a
    return next_w, config
