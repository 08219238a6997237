"""Known variant: the velocity form of momentum."""

import numpy as np


def momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta1', 0.9)
    config.setdefault('v', np.zeros_like(w))
    v = config['beta1'] * config['v'] - config['learning_rate'] * dw
    next_w = w + v
    config['v'] = v
    return next_w, config
