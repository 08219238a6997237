"""Known variant: Adam with epsilon added after the division (lr * v / sqrt(s) + eps)."""

import numpy as np


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('s', np.zeros_like(w))
    config.setdefault('t', 0)
    beta1, beta2 = config['beta1'], config['beta2']
    t = config['t'] + 1
    v = beta1 * config['v'] + (1 - beta1) * dw
    s = beta2 * config['s'] + (1 - beta2) * dw**2
    v_cor = v / (1 - beta1**t)
    s_cor = s / (1 - beta2**t)
    with np.errstate(invalid='ignore', divide='ignore'):
        next_w = w - config['learning_rate'] * (v_cor / np.sqrt(s_cor) + config['epsilon'])
    config['t'], config['v'], config['s'] = t, v, s
    return next_w, config
