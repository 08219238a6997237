"""Known variant: momentum with a constant 0.9 instead of config['beta1']."""

import numpy as np


def momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta1', 0.9)
    config.setdefault('v', np.zeros_like(w))
    v = 0.9 * config['v'] + 0.1 * dw
    next_w = w - config['learning_rate'] * v
    config['v'] = v
    return next_w, config
