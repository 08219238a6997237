"""Update rules."""

import numpy as np


def sgd_momentum(w, dw, config=None):
    """One step of SGD with momentum.

    Inputs: w, dw: arrays of any one shape; config: dict with learning_rate (default 1e-2),
    momentum (default 0.9), velocity (default zeros like w).
    Returns: next_w (shape of w), config (with the new velocity).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    next_w = None
    # TODO: update v and compute next_w
    config["velocity"] = v
    return next_w, config
