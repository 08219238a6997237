import numpy as np


def sgd_momentum(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.get('velocity', np.zeros_like(w))
    v = config['momentum'] * v - config['learning_rate'] * dw
    w += v
    config['velocity'] = v
    return w, config


def sgd_nesterov_momentum(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('momentum', 0.9)
    v = config.get('velocity', np.zeros_like(w))
    mu = config['momentum']
    v_prev = v
    v = mu * v - config['learning_rate'] * dw
    next_w = w - mu * v_prev + (1 + mu) * v
    config['velocity'] = v
    return next_w, config


def rmsprop(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('decay_rate', 0.99)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('a', np.zeros_like(w))
    config['a'] = config['decay_rate'] * config['a'] + (1 - config['decay_rate']) * np.square(dw)
    next_w = w - config['learning_rate'] * dw / np.sqrt(config['a'] + config['epsilon'])
    return next_w, config


def adam(w, dw, config=None):
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('a', np.zeros_like(w))
    config.setdefault('t', 0)
    b1, b2, t = config['beta1'], config['beta2'], config['t']
    config['v'] = b1 * config['v'] + (1 - b1) * dw
    config['a'] = b2 * config['a'] + (1 - b2) * dw ** 2
    lr_t = config['learning_rate'] * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    next_w = w - lr_t * config['v'] / np.sqrt(config['a'] + config['epsilon'] * (1 - b2 ** t))
    config['t'] = t + 1
    return next_w, config
