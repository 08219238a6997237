"""Known variant: Adagrad without epsilon (0/0 = NaN on units whose gradients were all 0)."""

import numpy as np


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    v = config['v'] + dw**2
    with np.errstate(invalid='ignore', divide='ignore'):
        next_w = w - config['learning_rate'] * dw / np.sqrt(v)
    config['v'] = v
    return next_w, config
