"""Known variant: the new average is not stored in config."""

import numpy as np


def momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta1', 0.9)
    config.setdefault('v', np.zeros_like(w))
    v = config['beta1'] * config['v'] + (1 - config['beta1']) * dw
    next_w = w - config['learning_rate'] * v
    return next_w, config
