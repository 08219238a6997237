import math

import numpy as np


def momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta1', 0.9)
    config.setdefault('v', np.zeros_like(w))
    config['v'] = config['beta1'] * config['v'] - config['learning_rate'] * dw
    next_w = w + config['v']
    return next_w, config


def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('v', np.zeros_like(w))
    config['v'] = dw ** 2
    next_w = w - config['learning_rate'] * dw / (np.sqrt(config['v']) + config['epsilon'])
    return next_w, config


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('s', np.zeros_like(w))
    S_dW = config['beta2'] * config['s'] + (1 - config['beta2']) * np.square(dw)
    next_w = w - config['learning_rate'] * dw / np.sqrt(S_dW + config['epsilon'])
    config['s'] = S_dW
    return next_w, config


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
    t = config['t'] + 1
    b1, b2 = config['beta1'], config['beta2']
    V_dW = b1 * config['v'] + (1 - b1) * dw
    S_dW = b2 * config['s'] + (1 - b2) * dw * dw
    V_corr = V_dW / (1 - b1 ** t)
    S_corr = S_dW / (1 - b2 ** t)
    next_w = w - config['learning_rate'] * V_corr / np.sqrt(S_corr + config['epsilon'])
    config['v'], config['s'], config['t'] = V_dW, S_dW, t
    return next_w, config


def inverse_time_decay(epoch_num, alpha0=1.0, k=1.0):
    return alpha0 / (1 + k * epoch_num)


def inverse_sqrt_decay(epoch_num, alpha0=1.0, k=0.95):
    return k / math.sqrt(epoch_num) * alpha0


def exponential_decay(epoch_num, alpha0=1.0, k=0.5):
    return alpha0 * math.exp(-k * epoch_num)


def power_decay(epoch_num, alpha0=1.0, k=0.95):
    return (k ** epoch_num) * alpha0


def staircase_decay(epoch_num, alpha0=1.0, k=0.9, every=10):
    return alpha0 * k ** (epoch_num // every)
