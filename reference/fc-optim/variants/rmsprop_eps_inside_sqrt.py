"""Known variant: epsilon inside the square root (accepted)."""

import numpy as np


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('decay_rate', 0.99)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('a', np.zeros_like(w))

    next_w = None
    decay_rate = config['decay_rate']
    a = decay_rate * config['a'] + (1 - decay_rate) * dw**2
    lr, eps = config['learning_rate'], config['epsilon']
    next_w = w - lr * dw / np.sqrt(a + eps)
    config['a'] = a

    return next_w, config
