"""Known variant: Adam without bias correction."""

import numpy as np


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('a', np.zeros_like(w))
    config.setdefault('t', 0)

    next_w = None
    beta1, beta2 = config['beta1'], config['beta2']
    t = config['t'] + 1
    v = beta1 * config['v'] + (1 - beta1) * dw
    a = beta2 * config['a'] + (1 - beta2) * dw**2
    v_hat = v
    a_hat = a
    lr, eps = config['learning_rate'], config['epsilon']
    next_w = w - lr * v_hat / (np.sqrt(a_hat) + eps)
    config['t'] = t
    config['v'] = v
    config['a'] = a

    return next_w, config
