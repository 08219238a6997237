"""Update rules (reference)."""

import numpy as np


def sgd_momentum(w, dw, config=None):
    """One step of SGD with momentum (see the starter's docstring)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
