"""Known variant: Adagrad with a constant epsilon instead of config['epsilon']."""

import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    v = config['v'] + dw**2
    next_w = w - config['learning_rate'] * dw / (np.sqrt(v) + 1e-8)
    config['v'] = v
    return next_w, config
