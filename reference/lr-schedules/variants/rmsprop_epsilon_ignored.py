"""Known variant: RMSProp with a constant epsilon instead of config['epsilon']."""

import numpy as np


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('s', np.zeros_like(w))
    beta2 = config['beta2']
    s = beta2 * config['s'] + (1 - beta2) * dw**2
    next_w = w - config['learning_rate'] * dw / np.sqrt(s + 1e-8)
    config['s'] = s
    return next_w, config
